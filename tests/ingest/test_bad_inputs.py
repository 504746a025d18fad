"""Malformed inputs as council performance analysts really produce them, through the real command.

The corpus is ``tests/data/bad/`` (``cases.yaml`` says what each case is and what must happen). Each
case puts one bad file, or one edit, into a fresh copy of ``data/raw`` and runs ``kpitools score``:

- **stop**: exit code 2, and for every expected problem one line of the message naming the file, the
  row as the spreadsheet shows it (header = row 1), the column, the cell as written and what was
  expected; no traceback, no scorecard, no temporary file, no processed tables;
- **carry on**: exit code 0 and the scorecard says what the analyst would expect (a suppressed value
  is a status, never a colour and never zero; text in Windows-1252 round-trips).

Decisions the corpus pins down:

- ``1,234`` with a UK thousands separator is read as 1234 in a count, rate, days or denominator column
  when it is quoted, as Excel writes it (``value_thousands_quoted``); unquoted it splits the row into one
  cell too many and the row is refused, naming the split number (``value_thousands_unquoted``). In a
  percentage column it is refused: no percentage needs one. ``0,123`` is a decimal comma, never 123.
- A semicolon-separated file (a European Excel export) is read with decimal commas (``17,1`` = 17.1),
  since Excel separates with ``;`` exactly where the decimal separator is a comma.
- Merged cells in a workbook's header or table are refused, naming each merged range: reading them
  would be guessing. A merged title above the table is fine.
- A footnote marker (``45.2*``) is refused rather than stripped: the note may say the figure is
  provisional or not comparable.
- In a workbook a percentage-formatted cell is read as shown (0.165 shown 16.5% is 16.5), and a month
  Excel turned into a date is that month.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from kpitools.cli import main

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
BAD = ROOT / "tests" / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))["cases"]
RAGS = {"Red", "Amber", "Green"}


def _case_id(case: dict) -> str:
    return case["name"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project home of its own, so that any processed table a run wrote would show up here."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("KPITOOLS_HOME", str(home))
    monkeypatch.delenv("KPITOOLS_PROCESSED")
    monkeypatch.delenv("KPITOOLS_OUTPUTS")
    return home


def prepare(case: dict, tmp_path: Path) -> Path:
    """A copy of data/raw with the case's bad file (or edit) in place."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for rel in case.get("remove", []):
        (raw / rel).unlink()
    if "file" in case:
        shutil.copyfile(BAD / case["file"], raw / case["target"])
        return raw
    edit = case["edit"]
    path = raw / edit["target"]
    text = path.read_bytes().decode("utf-8")  # keeps a byte-order mark as it is
    for old, new in edit.get("replace", []):
        assert text.count(old) == 1, f"{case['name']}: {old!r} is not once in {edit['target']}"
        text = text.replace(old, new)
    if "drop_lines_starting" in edit:
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not line.lstrip("\ufeff").startswith(edit["drop_lines_starting"])]
        assert len(kept) == len(lines) - 1, f"{case['name']}: expected to drop one line of {edit['target']}"
        text = "".join(kept)
    path.write_bytes(text.encode("utf-8"))
    return raw


def score(raw: Path, out: Path, period: str = "latest", command: str = "score"):
    args = [command, "--authority", "Havering", "--period", period, "--data-dir", str(raw), "--out", str(out)]
    return CliRunner().invoke(main, args)


def problem_line(expected: dict, message: str, config_error: bool) -> str | None:
    """The line of ``message`` reporting ``expected`` (file, row, column, found, says), if any."""
    for line in message.splitlines():
        if config_error:
            # a settings problem: "<file>:" heads the message, then "  - <key>: '<found>' ...; expected ..."
            where_ok = expected["file"] in message.splitlines()[0] and expected["column"] in line
        else:
            where = "".join(
                [
                    f", row {expected['row']}" if expected.get("row") is not None else "",
                    f", column '{expected['column']}'" if expected.get("column") else "",
                ]
            )
            where_ok = re.search(r"(?:^|[/\s])" + re.escape(expected["file"] + where) + r"[:;]", line) is not None
        found_ok = "found" not in expected or repr(str(expected["found"])) in line
        if where_ok and found_ok and expected["says"] in line:
            return line
    return None


def check_cell(card: pd.DataFrame, row: dict) -> None:
    rows = card[card["indicator_id"] == row["indicator_id"]]
    assert len(rows) == 1, f"no scorecard row for {row['indicator_id']}"
    got = rows.iloc[0]
    for column, want in row.items():
        cell = got[column]
        if want is None:
            assert cell == "", f"{row['indicator_id']} {column}: expected blank, got {cell!r}"
        elif isinstance(want, (int, float)) and not isinstance(want, bool):
            assert cell != "" and float(cell) == pytest.approx(want), f"{row['indicator_id']} {column}: {cell!r}"
        elif column == "status_reason":
            assert want in cell, f"{row['indicator_id']} {column}: {cell!r}"
        else:
            assert cell == want, f"{row['indicator_id']} {column}: expected {want!r}, got {cell!r}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_bad_input(case: dict, tmp_path: Path, home: Path) -> None:
    raw = prepare(case, tmp_path)
    out = tmp_path / "out" / "scorecard.csv"
    expect = case["expect"]
    result = score(raw, out, expect.get("period", "latest"))
    message = result.stderr
    assert "Traceback" not in result.output and "internal error" not in message, message
    assert result.exit_code == expect["exit"], f"exit {result.exit_code}:\n{message}"

    if expect["exit"] != 0:
        assert "Scorecard written" not in result.stdout
        config_error = expect.get("error") == "ConfigError"
        missing = [p for p in expect["problems"] if problem_line(p, message, config_error) is None]
        assert not missing, f"not reported: {missing}\nmessage:\n{message}"
        # nothing written: no scorecard, no temporary file beside it, no processed tables
        assert not out.parent.exists() or list(out.parent.iterdir()) == []
        assert list(home.iterdir()) == []
        return

    card = pd.read_csv(out, dtype=str, keep_default_na=False)
    for row in expect["scorecard"]:
        check_cell(card, row)
    # never a colour without a value and a target, never a colour for a status other than rated
    assert not card.loc[card["rag"].isin(RAGS), "status"].ne("rated").any()
    assert not card.loc[card["value"].eq(""), "rag"].isin(RAGS).any()
    assert list(home.iterdir()) == []


def test_the_corpus_is_as_described() -> None:
    """At least 25 distinct cases, each described, each file in the folder used by one case."""
    names = [c["name"] for c in CASES]
    assert len(names) >= 25 and len(set(names)) == len(names)
    assert all(c.get("what") and c["expect"]["exit"] in (0, 2) for c in CASES)
    assert sum(c["expect"]["exit"] == 2 for c in CASES) >= 20
    used = {c["file"] for c in CASES if "file" in c}
    tooling = ("cases.yaml", "make_xlsx.py", "README.md", ".gitattributes", "__pycache__")
    on_disk = {p.name for p in BAD.iterdir() if p.name not in tooling}
    assert used == on_disk
    for case in CASES:
        target = case.get("target") or case["edit"]["target"]
        assert (RAW / target).exists() or case.get("remove"), f"{case['name']}: {target} is not in data/raw"


def _load_builders():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_xlsx", BAD / "make_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BUILDERS


def _cells(wb: openpyxl.Workbook) -> tuple:
    ws = wb.worksheets[0]
    cells = tuple(
        (c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row if c.value is not None
    )
    return cells, sorted(str(r) for r in ws.merged_cells.ranges)


@pytest.mark.parametrize("name", sorted(_load_builders()))
def test_committed_workbooks_match_their_script(name: str) -> None:
    buffer = io.BytesIO()
    _load_builders()[name]().save(buffer)
    buffer.seek(0)
    assert _cells(openpyxl.load_workbook(BAD / name)) == _cells(openpyxl.load_workbook(buffer)), (
        f"{name} differs from tests/data/bad/make_xlsx.py: run it to regenerate"
    )


def test_report_stops_on_bad_input_before_writing_anything(tmp_path: Path, home: Path) -> None:
    case = next(c for c in CASES if c["name"] == "value_div0")
    raw = prepare(case, tmp_path)
    result = score(raw, tmp_path / "outputs", command="report")
    assert result.exit_code == 2, result.output
    assert "havering_2024-25.csv, row 3, column 'value': found '#DIV/0!'" in result.stderr
    assert not (tmp_path / "outputs").exists() and list(home.iterdir()) == []


def test_the_installed_command_reports_bad_input(tmp_path: Path) -> None:
    """The same through a separate process: the entry point, stderr and the exit status."""
    case = next(c for c in CASES if c["name"] == "period_other_formats")
    raw = prepare(case, tmp_path)
    out = tmp_path / "out" / "scorecard.csv"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "score",
            "--authority",
            "Havering",
            "--data-dir",
            str(raw),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "3 problems in the input data; nothing was scored or written" in r.stderr
    assert "row 2, column 'period': found 'Sept 2024'" in r.stderr
    assert not out.parent.exists()
