"""Reporting as councils keep it (#12, seed 004): monthly packs, a framework that changes over time, and
late or unavailable figures said plainly. Figures are checked against the bundled extracts as written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpitools.core.errors import InputError, NoLocalFiguresError
from kpitools.core.periods import Period
from kpitools.ingest.loaders import load_dataset
from kpitools.pack.build import build_tables

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
CASEWORK = RAW / "local" / "havering" / "havering_cp_casework.csv"


@pytest.fixture(scope="module")
def ds():
    return load_dataset(RAW)


def card(ds, period: str) -> pd.DataFrame:
    return build_tables(ds, "Havering", period, benchmark_only=False).scorecard.set_index("indicator_id")


def local(indicator: str, period: str) -> float:
    """The figure as the bundled extracts give it (CSV files; 2025-26 is in the workbook)."""
    frames = [pd.read_csv(p, dtype=str) for p in sorted((RAW / "local" / "havering").glob("*.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    row = rows[rows["indicator_id"].eq(indicator) & rows["period"].eq(period)]
    assert len(row) == 1, (indicator, period)
    return float(str(row["value"].iloc[0]).rstrip("%"))


# --------------------------------------------------------------------------------------------
# monthly packs
# --------------------------------------------------------------------------------------------


def test_a_monthly_pack_reports_monthly_indicators_at_the_month_and_the_rest_at_the_latest_quarter(ds):
    c = card(ds, "2025-08")
    assert set(c["period"]) == {"2025-08"}
    # monthly: the month itself, compared with the month before and the same month last year
    uasc = c.loc["UASC"]
    assert (uasc["observation_period"], uasc["value"]) == ("2025-08", 35)
    assert (uasc["previous_value"], uasc["last_year_value"]) == (35, 39)  # 2025-07 and 2024-08 in the extracts
    assert c.loc["CP_CASELOAD", "value"] == local("CP_CASELOAD", "2025-08")
    assert c.loc["CP_CASELOAD", "previous_value"] == local("CP_CASELOAD", "2025-07")
    # quarterly: the latest quarter ended by 31 August, with that quarter's target and directions
    rr = c.loc["REREFERRAL"]
    assert (rr["observation_period"], rr["due_period"], rr["value"]) == ("2025-26 Q1", "2025-26 Q1", 15.7)
    assert (rr["previous_value"], rr["last_year_value"]) == (local("REREFERRAL", "2024-25 Q4"), 17.1)
    assert not c["late"].any()
    # biannual and annual: the latest half-year and year reported, never "not due" in a monthly pack
    assert c.loc["SW_VACANCY", "observation_period"] == "2024-25 Q4"
    assert c.loc["EHCP_20WK", "observation_period"] == "2024-25"
    assert "not due" not in set(c["status"])


def test_a_monthly_pack_rates_a_monthly_figure_against_its_months_target(ds):
    c = card(ds, "2025-07")
    allocated = c.loc["CP_ALLOCATED"]
    assert (allocated["value"], allocated["target"], allocated["rag"]) == (100, 100, "Green")
    assert (allocated["dot_short"], allocated["dot_long"]) == ("same", "same")
    assert allocated["sentence"].endswith(
        "is on target and the same as the previous month and the same time last year."
    )
    # a quarterly indicator in the same pack is still compared with the quarter before
    assert "than the previous quarter" in c.loc["REREFERRAL", "sentence"]


def test_a_monthly_packs_trends_are_monthly_for_monthly_indicators_and_quarterly_for_the_rest(ds):
    history = build_tables(ds, "Havering", "2025-08", benchmark_only=False).history
    uasc = history[history["indicator_id"].eq("UASC")]
    assert uasc["period"].iloc[-1] == "2025-08" and uasc["period"].iloc[-2] == "2025-07"
    assert len(uasc) == 36  # three years of months
    rr = history[history["indicator_id"].eq("REREFERRAL")]
    assert rr["period"].iloc[-1] == "2025-26 Q1" and rr["period"].str.contains("Q").all()


def test_latest_month_is_the_latest_month_with_a_local_figure(ds):
    tables = build_tables(ds, "Havering", "latest month", benchmark_only=False)
    assert (tables.meta["period"], tables.meta["period_kind"], tables.meta["period_label"]) == (
        "2025-09",
        "month",
        "September 2025",
    )


def test_a_month_without_local_figures_stops_naming_the_months_that_have_them(ds):
    with pytest.raises(NoLocalFiguresError) as err:
        build_tables(ds, "Havering", "2030-08", benchmark_only=False)
    message = str(err.value)
    assert "Havering has no local figures for 2030-08: nothing was written" in message
    # a quarter's figures serve the two months after it: October and November report 2025-26 Q2
    assert "2022-04 to 2025-11 (44 months)" in message


def test_the_command_line_builds_a_monthly_scorecard(tmp_path):
    out = tmp_path / "card.csv"
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "score", "--authority", "Havering", "--period", "2025-08"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    written = pd.read_csv(out).set_index("indicator_id")
    assert written.loc["UASC", "observation_period"] == "2025-08"
    assert written.loc["REREFERRAL", "observation_period"] == "2025-26 Q1"
    # the JSON's meta says what kind of pack it is and what changed in the framework
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "score", "--authority", "Havering", "--period", "2025-08"]
        + ["--out", str(tmp_path / "card.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    meta = json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))["meta"]
    assert meta["period_kind"] == "month"
    assert [a["indicator_id"] for a in meta["framework_changes"]["added"]] == ["CP_CASELOAD"]


# --------------------------------------------------------------------------------------------
# the framework over time
# --------------------------------------------------------------------------------------------


def test_each_period_uses_the_framework_in_force(ds):
    for period, present, absent in (
        ("2025-26 Q1", {"CP_ALLOCATED", "CP_FAMILY_GROUPS"}, {"CP_CASELOAD"}),
        ("2025-26 Q2", {"CP_CASELOAD", "CP_FAMILY_GROUPS"}, {"CP_ALLOCATED"}),
        ("2025-07", {"CP_ALLOCATED"}, {"CP_CASELOAD"}),
        ("2025-08", {"CP_CASELOAD"}, {"CP_ALLOCATED"}),
        ("2024-25 Q4", set(), {"CP_CASELOAD", "CP_FAMILY_GROUPS"}),
    ):
        ids = set(card(ds, period).index)
        assert present <= ids and not (absent & ids), period


def test_each_pack_lists_the_indicators_added_and_removed_with_their_reasons(ds):
    changes = build_tables(ds, "Havering", "2025-08", benchmark_only=False).meta["framework_changes"]
    assert changes["since"] == "2025-07"
    assert [a["indicator_id"] for a in changes["added"]] == ["CP_CASELOAD"]
    assert changes["added"][0]["reason"].startswith("Added from August 2025: a more telling measure")
    assert [r["indicator_id"] for r in changes["removed"]] == ["CP_ALLOCATED"]
    assert "always 100%" in changes["removed"][0]["reason"]
    # the quarter that holds August lists the same changes since the quarter before
    q2 = build_tables(ds, "Havering", "2025-26 Q2", benchmark_only=False).meta["framework_changes"]
    assert q2["since"] == "2025-26 Q1"
    assert ([a["indicator_id"] for a in q2["added"]], [r["indicator_id"] for r in q2["removed"]]) == (
        ["CP_CASELOAD"],
        ["CP_ALLOCATED"],
    )
    # a month without changes lists none
    assert build_tables(ds, "Havering", "2025-09", benchmark_only=False).meta["framework_changes"]["added"] == []


def _stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True).astype(str)


def test_changing_the_framework_from_a_period_leaves_the_earlier_packs_as_they_were(tmp_path):
    """Re-running an earlier quarter after the framework changes reproduces its pack."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    before = load_dataset(raw)
    q1_before = build_tables(before, "Havering", "2025-26 Q1", benchmark_only=False)
    # the committee drops the early years measure (its Q1 commentary stays with Q1) and adds an indicator
    # from 2025-26 Q2
    framework = raw / "framework" / "indicators.csv"
    table = pd.read_csv(framework, dtype=str, keep_default_na=False)
    table.loc[table["indicator_id"].eq("EY_GOOD_OUTSTANDING"), ["to_period", "removed_reason"]] = [
        "2025-26 Q1",
        "Replaced by a measure the panel finds more telling.",
    ]
    new = table[table["indicator_id"].eq("SW_CASELOAD")].copy()
    new[["indicator_id", "from_period", "added_reason"]] = ["SW_CASELOAD_CP", "2025-26 Q2", "Asked for by the panel."]
    pd.concat([table, new]).to_csv(framework, index=False)
    after = load_dataset(raw)
    q1_after = build_tables(after, "Havering", "2025-26 Q1", benchmark_only=False)
    pd.testing.assert_frame_equal(_stable(q1_before.scorecard), _stable(q1_after.scorecard))
    pd.testing.assert_frame_equal(_stable(q1_before.history), _stable(q1_after.history))
    ey = q1_after.scorecard.set_index("indicator_id").loc["EY_GOOD_OUTSTANDING"]
    assert "remains above target at 98%" in ey["highlight"]  # its Q1 commentary, as the file gives it
    q2 = build_tables(after, "Havering", "2025-26 Q2", benchmark_only=False)
    assert "EY_GOOD_OUTSTANDING" not in set(q2.scorecard["indicator_id"])
    assert "SW_CASELOAD_CP" in set(q2.scorecard["indicator_id"])
    removed = q2.meta["framework_changes"]["removed"]
    assert {"indicator_id": "EY_GOOD_OUTSTANDING", "title": removed[0]["title"]} | {
        "reason": "Replaced by a measure the panel finds more telling."
    } in removed


def test_framework_periods_that_cannot_be_read_or_run_backwards_are_named(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    framework = raw / "framework" / "indicators.csv"
    table = pd.read_csv(framework, dtype=str, keep_default_na=False)
    table.loc[0, "from_period"] = "Q3"
    table.loc[1, ["from_period", "to_period"]] = ["2025-26 Q2", "2024-25 Q4"]
    table.to_csv(framework, index=False)
    with pytest.raises(InputError) as err:
        load_dataset(raw)
    message = str(err.value)
    assert "indicators.csv, row 2, column 'from_period'" in message and "'Q3' has no year" in message
    assert "indicators.csv, row 3, column 'to_period'" in message
    assert "a period that ends on or after from_period (2025-26 Q2) starts" in message


# --------------------------------------------------------------------------------------------
# late and unavailable figures
# --------------------------------------------------------------------------------------------


def test_a_missing_figure_shows_the_latest_available_with_its_own_rating_and_direction(ds):
    c = card(ds, "2025-26 Q2")
    late = c.loc["CARE_PROC_WEEKS"]
    assert bool(late["late"]) and late["period"] == "2025-26 Q2"
    assert (late["observation_period"], late["value"]) == ("2025-26 Q1", 41)
    # judged as 2025-26 Q1's figure was: against its target, and against the quarter before it
    q1 = card(ds, "2025-26 Q1").loc["CARE_PROC_WEEKS"]
    for column in ("target", "rag", "status", "dot_short", "dot_long", "previous_value", "last_year_value"):
        assert late[column] == q1[column], column
    assert late["status_reason"] == ("latest available: 2025-26 Q1 (no figure for 2025-26 Q2: no value in the extract)")
    assert late["late_reason"] == "no data: no value in the extract"
    meta = build_tables(ds, "Havering", "2025-26 Q2", benchmark_only=False).meta
    assert meta["late_indicators"] == ["CARE_PROC_WEEKS"]


def test_a_figure_older_than_a_year_is_not_shown_as_the_latest_available(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "local" / "havering" / "gap.csv").write_text(
        "authority,indicator_id,period,value\nHavering,CP_FAMILY_GROUPS,2024-25 Q1,40\n", encoding="utf-8"
    )
    c = build_tables(load_dataset(raw), "Havering", "2025-26 Q2", benchmark_only=False).scorecard
    row = c.set_index("indicator_id").loc["CP_FAMILY_GROUPS"]
    assert (row["status"], bool(row["late"])) == ("no data", False)
    (raw / "local" / "havering" / "gap.csv").write_text(
        "authority,indicator_id,period,value\nHavering,CP_FAMILY_GROUPS,2024-25 Q3,40\n", encoding="utf-8"
    )
    c = build_tables(load_dataset(raw), "Havering", "2025-26 Q2", benchmark_only=False).scorecard
    row = c.set_index("indicator_id").loc["CP_FAMILY_GROUPS"]
    assert (row["status"], bool(row["late"]), row["observation_period"]) == ("not a target measure", True, "2024-25 Q3")


def test_an_indicator_that_cannot_be_reported_carries_the_reason_from_the_data(ds):
    row = card(ds, "2025-26 Q2").loc["CP_FAMILY_GROUPS"]
    # a context measure: its missing figure is said to be missing, never hidden behind "not a target measure"
    assert row["status"] == "no data"
    assert (
        row["status_reason"] == "no data: not captured in the case system until its group-working upgrade, due in 2026"
    )
    meta = build_tables(ds, "Havering", "2025-26 Q2", benchmark_only=False).meta
    assert meta["missing_indicators"] == ["CP_FAMILY_GROUPS"]


def test_the_period_start_and_the_quarter_a_month_reports():
    from kpitools.core.periods import latest_quarter_ended

    assert Period.parse("2025-26 Q2").start == pd.Timestamp("2025-07-01")
    assert Period.parse("2025-08").start == pd.Timestamp("2025-08-01")
    assert [latest_quarter_ended(Period.parse(m)).label for m in ("2025-04", "2025-06", "2025-07", "2026-03")] == [
        "2024-25 Q4",
        "2025-26 Q1",
        "2025-26 Q1",
        "2025-26 Q4",
    ]


def test_asking_for_an_indicator_outside_the_framework_for_the_period_stops(tmp_path):
    """Before, the pack was built without it: "Performance data is available for 0 of the 0 indicators"."""
    r = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "score", "--authority", "Havering", "--period", "2025-26 Q2"]
        + ["--indicators", "CP_ALLOCATED,REREFERRAL", "--out", str(tmp_path / "card.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "CP_ALLOCATED (reported to 2025-07), not in the framework for 2025-26 Q2" in r.stderr
    assert not (tmp_path / "card.csv").exists()


def test_how_old_a_latest_available_figure_may_be_is_a_setting(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    settings = raw / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "latest_available_within_months: 12" in text
    settings.write_text(text.replace("latest_available_within_months: 12", "latest_available_within_months: 0"))
    row = build_tables(load_dataset(raw), "Havering", "2025-26 Q2", benchmark_only=False).scorecard
    row = row.set_index("indicator_id").loc["CARE_PROC_WEEKS"]
    assert (row["status"], bool(row["late"]), row["status_reason"]) == (
        "no data",
        False,
        "no data: no value in the extract",
    )
    from kpitools.core.errors import ConfigError

    for bad in ("-1", "37", "yes", "6.5"):
        settings.write_text(
            text.replace("latest_available_within_months: 12", f"latest_available_within_months: {bad}")
        )
        with pytest.raises(ConfigError, match="late_figures.latest_available_within_months: .*expected a whole number"):
            load_dataset(raw)


def test_commentary_on_an_indicator_outside_the_periods_framework_is_named(tmp_path):
    """Words no pack would show (the indicator was removed before the period) stop the run, by row."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "commentary" / "late_words.csv").write_text(
        "authority,indicator_id,period,kind,text\n"
        "Havering,CP_ALLOCATED,2025-26 Q1,highlight,Every child on a plan has a social worker.\n"
        "Havering,CP_ALLOCATED,2025-26 Q2,highlight,Every child on a plan has a social worker.\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_dataset(raw)
    message = str(err.value)
    assert "late_words.csv, row 3, column 'indicator_id'" in message
    assert "an indicator in the framework for 2025-26 Q2: CP_ALLOCATED is reported to 2025-07" in message
    assert "row 2," not in message  # 2025-26 Q1 ends before the indicator was removed
