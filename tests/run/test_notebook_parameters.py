"""Each report notebook declares exactly the parameters `kpitools report` passes (papermill's own
inspection), and the notebooks are laid out as their users are: reports apart from exploration."""

from __future__ import annotations

import ast
from pathlib import Path

import papermill
import pytest

from kpitools.core.authorities import resolve
from kpitools.core.config import REPORT_NOTEBOOKS, Paths
from kpitools.run.runner import PackRequest, report_parameters

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "notebooks" / "reports"
EXPLORE = ROOT / "notebooks" / "explore"


def passed_by_report() -> dict:
    request = PackRequest(authority=resolve("Havering"), period="latest", indicators=("CP_REPEAT",))
    meta = {"period": "2025-26 Q2", "comparator_codes": ["E09000002"]}
    return report_parameters(request, meta, Path("/tmp/tables"), Path("/tmp/raw"))


def test_report_passes_plain_values_papermill_can_write():
    params = passed_by_report()
    assert params == {
        "authority": "E09000016",
        "period": "2025-26 Q2",
        "comparators": ["E09000002"],
        "indicators": ["CP_REPEAT"],
        "tables_dir": "/tmp/tables",
        "data_dir": "/tmp/raw",
    }


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_each_report_notebook_declares_exactly_what_report_passes(name):
    declared = papermill.inspect_notebook(str(REPORTS / f"{name}.ipynb"))
    passed = passed_by_report()
    assert set(declared) == set(passed), f"{name}: declares {sorted(declared)}, report passes {sorted(passed)}"
    for key, value in passed.items():
        # declared with the type report passes, a default of that type and a word of help
        # (`papermill --help-notebook` shows them)
        assert declared[key]["inferred_type_name"] == type(value).__name__, (name, key, declared[key])
        assert type(ast.literal_eval(declared[key]["default"])) is type(value), (name, key)
        assert declared[key]["help"], (name, key)


def test_the_project_runs_the_report_notebooks_from_their_own_folder():
    assert Paths.from_data_dir().notebooks == REPORTS
    assert sorted(p.stem for p in REPORTS.glob("*.ipynb")) == sorted(REPORT_NOTEBOOKS)


def test_the_workbench_is_apart_and_takes_the_same_parameters_and_more():
    workbench = papermill.inspect_notebook(str(EXPLORE / "workbench.ipynb"))
    assert set(passed_by_report()) <= set(workbench)
    assert workbench["pick"]["default"] == '"CP_REPEAT"' and workbench["pick"]["inferred_type_name"] == "str"
    assert not list(EXPLORE.glob("committee_*.ipynb")) and not list(REPORTS.glob("workbench*.ipynb"))
