"""The short examples in the package's docstrings run and give what they say: every module's."""

import doctest
import importlib
import pkgutil

import pytest

import kpitools

ALL_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(kpitools.__path__, "kpitools.") if not m.name.startswith("kpitools._")
)
# The pure functions a reader learns the package from: each must show an example.
WITH_EXAMPLES = [
    "kpitools.core.periods",
    "kpitools.core.values",
    "kpitools.core.files",
    "kpitools.core.provenance",
    "kpitools.core.vocabulary",
    "kpitools.core.authorities",
    "kpitools.core.imports",
    "kpitools.core.config",
    "kpitools.score.scoring",
    "kpitools.score.summary",
    "kpitools.score.text",
    "kpitools.score.benchmarks",
    "kpitools.present.page",
    "kpitools.present.sections",
    "kpitools.pack.tables",
]


@pytest.mark.parametrize("name", ALL_MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name in WITH_EXAMPLES:
        assert result.attempted > 0


def test_every_stage_is_walked():
    assert set(WITH_EXAMPLES) <= set(ALL_MODULES)
    assert {m.rsplit(".", 1)[0] for m in ALL_MODULES} >= {
        f"kpitools.{s}" for s in ("core", "ingest", "score", "pack", "present", "publish", "run")
    }
