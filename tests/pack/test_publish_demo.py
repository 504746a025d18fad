"""A publish run on the bundled demo data: its commentary names figures that are withheld ("Five new
fostering households ..."), so the run stops and names each file and row; with
``commentary_with_withheld_figures: withhold`` the pack is published without that commentary."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMENTARY = "commentary/havering_commentary.csv"
LEAKS = ("Five new fostering households", "Only two children", "Two of the six sets")

pytestmark = pytest.mark.e2e


def report(data: Path, out: Path) -> subprocess.CompletedProcess:
    args = ["report", "--authority", "Havering", "--period", "2025-26 Q1", "--publish", "--data-dir", str(data)]
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", *args, "--out", str(out)], capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture
def data(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    return raw


def test_a_publish_run_stops_on_commentary_that_names_a_withheld_figure(data, tmp_path):
    r = report(data, tmp_path / "out")
    assert r.returncode == 2, r.stderr[-2000:]
    for row, words in ((2, "Five"), (7, "two"), (9, "Two")):
        assert re.search(rf"{re.escape(COMMENTARY)}, row {row}, column 'text': .*\('{words}'\)", r.stderr), r.stderr
    assert not (tmp_path / "out").exists()  # nothing written


def test_with_the_setting_the_pack_is_published_without_that_commentary(data, tmp_path, kpitools_kernel):
    settings = data / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        re.sub(r"publication:\n", "publication:\n  commentary_with_withheld_figures: withhold\n", text),
        encoding="utf-8",
    )
    r = report(data, tmp_path / "out")
    assert r.returncode == 0, r.stderr[-2000:]
    pack = tmp_path / "out" / "Havering" / "2025-26_Q1"
    files = [p for p in pack.iterdir() if p.suffix in (".html", ".csv", ".json")]
    assert len(files) >= 5
    for path in files:
        body = path.read_text(encoding="utf-8")
        assert not any(leak in body for leak in LEAKS), path.name
    assert "Commentary withheld for publication" in (pack / "committee_scorecard.html").read_text(encoding="utf-8")
    # The figure is withheld, never the rating: care proceedings (2 of 6, Red) stays Red, in
    # Improvements required with its action, and the summary counts it.
    import pandas as pd

    from kpitools.pack import load_or_build_tables

    draft = load_or_build_tables(authority="Havering", period="2025-26 Q1", data_dir=str(data)).scorecard
    card = pd.read_csv(next(pack.glob("scorecard_*.csv"))).set_index("indicator_id")
    assert pd.isna(card.loc["CARE_PROC_26WK", "value"]) and card.loc["CARE_PROC_26WK", "rag"] == "Red"
    assert (card["rag"] == "Red").sum() == (draft["rag"] == "Red").sum()
    page = (pack / "committee_scorecard.html").read_text(encoding="utf-8")
    improvements = page[page.index('id="improvements"') : page.index('id="trends"')]
    assert "% of care proceedings completed within 26 weeks" in improvements
    assert "Legal planning meetings will review every case at week 16" in improvements
    reds = (draft["rag"] == "Red").sum()
    assert re.search(rf"{reds} \(\d+%\) have a status of Red", page)
