"""Seed 004 (Merton's panel, October 2018) end to end on the bundled data: a monthly pack for August
that mixes monthly and quarterly indicators, a framework change from a given month with reasons, two
indicators that cannot be reported, and an earlier period's pack built again after the framework
changed, the same as before."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.e2e


def report(*args: str, out: Path) -> Path:
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "report", "--authority", "Havering", *args, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return Path(
        [line for line in r.stdout.splitlines() if line.startswith("Pack written:")][-1].split(":", 1)[1].strip()
    )


def scorecard(pack: Path) -> pd.DataFrame:
    return pd.read_csv(next(pack.glob("scorecard_*.csv")), dtype=str, keep_default_na=False)


def test_the_monthly_pack_for_august_mixes_monthly_and_quarterly_indicators(demo_packs):
    pack = demo_packs.folders["Havering-monthly"]
    assert pack.name == "2025-08"
    card = scorecard(pack).set_index("indicator_id")
    periods = card["observation_period"].to_dict()
    assert periods["UASC"] == periods["CP_CASELOAD"] == "2025-08"
    assert periods["REREFERRAL"] == periods["CARE_LEAVERS_EET"] == "2025-26 Q1"
    html = (pack / "committee_scorecard.html").read_text(encoding="utf-8")
    assert "August 2025" in html
    # the framework change from August, with the panel's reasons, as the data gives them
    framework = pd.read_csv(ROOT / "data" / "raw" / "framework" / "indicators.csv", dtype=str, keep_default_na=False)
    reasons = framework.set_index("indicator_id")
    assert "CP_ALLOCATED" not in card.index and "CP_CASELOAD" in card.index
    for reason in (reasons.loc["CP_CASELOAD", "added_reason"], reasons.loc["CP_ALLOCATED", "removed_reason"]):
        assert reason.replace("'", "&#x27;") in html or reason in html


def test_indicators_that_cannot_be_reported_say_why_and_late_figures_are_listed(demo_packs):
    pack = demo_packs.folders["Havering"]
    card = scorecard(pack).set_index("indicator_id")
    assert card.loc["CP_FAMILY_GROUPS", "status"] == "no data"
    assert card.loc["CARE_PROC_WEEKS", "late"] == "True"
    html = (pack / "committee_scorecard.html").read_text(encoding="utf-8")
    assert "not captured in the case system until its group-working upgrade" in html.lower()
    assert "Latest available" in html


def test_an_earlier_period_gives_its_earlier_pack_after_the_framework_changes(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    before = report("--period", "2025-26 Q1", "--data-dir", str(raw), out=tmp_path / "before")
    # the panel removes an indicator and adds one from the next quarter
    framework = raw / "framework" / "indicators.csv"
    table = pd.read_csv(framework, dtype=str, keep_default_na=False)
    table.loc[table["indicator_id"].eq("FOSTER_CARERS"), ["to_period", "removed_reason"]] = [
        "2025-26 Q1",
        "Replaced by the number of fostering households.",
    ]
    table.to_csv(framework, index=False)
    after = report("--period", "2025-26 Q1", "--data-dir", str(raw), out=tmp_path / "after")
    pd.testing.assert_frame_equal(scorecard(before), scorecard(after))
    pages = [(p / "committee_scorecard.html").read_text(encoding="utf-8") for p in (before, after)]
    assert pages[0].count("Total number of in-house foster carers") == pages[1].count(
        "Total number of in-house foster carers"
    )
    assert pages[0].count("Total number of in-house foster carers") > 0
    # the quarter after has it no more (its pack lists the removal: tests/pack/test_reporting_over_time.py)
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "score", "--authority", "Havering", "--period", "2025-26 Q2"]
        + ["--data-dir", str(raw), "--out", str(tmp_path / "q2.csv")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "FOSTER_CARERS" not in set(pd.read_csv(tmp_path / "q2.csv")["indicator_id"])
