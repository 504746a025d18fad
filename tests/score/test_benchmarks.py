"""Benchmarks against the real DfE files: London, England, neighbours, rank and LAIT quartile band."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.ingest.loaders import load_dataset
from kpitools.pack.build import build_tables
from kpitools.score.benchmarks import national_ranks, quartile_band

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo():
    return load_dataset(ROOT / "data" / "raw")


@pytest.fixture(scope="module")
def card(demo):
    return build_tables(demo, "Havering", "2025-26 Q2", ["Barking and Dagenham"]).scorecard.set_index("indicator_id")


def test_london_and_england_figures_equal_the_dfe_file(card):
    # d3_cpps_subsequent_plan_2013_to_2025.csv, 2025: England 24.5, London 19.2, Havering 23.1
    row = card.loc["CP_REPEAT"]
    assert row["benchmark_year"] == 2025
    assert (row["england"], row["london"], row["published_value"]) == (24.5, 19.2, 23.1)
    # c1 referrals, 2025: England 22.6
    assert card.loc["REREFERRAL", "england"] == 22.6


def test_workforce_census_year_ends_in_september(demo):
    # the 2025 census is at 30 September 2025: not yet published for a period ending 30 June 2025
    june = build_tables(demo, "Havering", "2025-26 Q1").scorecard.set_index("indicator_id")
    september = build_tables(demo, "Havering", "2025-26 Q2").scorecard.set_index("indicator_id")
    assert june.loc["SW_AGENCY", "benchmark_year"] == 2024
    assert september.loc["SW_AGENCY", "benchmark_year"] == 2025
    assert june.loc["CP_REPEAT", "benchmark_year"] == 2025


def test_benchmark_year_is_latest_ending_on_or_before_the_period(demo):
    # 2024-25 Q3 ends 31 December 2024: the year ending 31 March 2025 is not over yet
    q3 = build_tables(demo, "Havering", "2024-25 Q3").scorecard.set_index("indicator_id")
    q4 = build_tables(demo, "Havering", "2024-25 Q4").scorecard.set_index("indicator_id")
    assert q3.loc["CP_REPEAT", "benchmark_year"] == 2024
    assert q4.loc["CP_REPEAT", "benchmark_year"] == 2025


def test_statistical_neighbour_mean_counts_those_with_a_number(demo, card):
    b = demo.benchmarks
    sn = demo.neighbours[demo.neighbours["la_code"] == "E09000016"]["neighbour_code"]
    assert len(sn) == 10
    vals = b[
        (b["indicator_id"] == "CP_REPEAT")
        & (b["time_period"] == 2025)
        & b["new_la_code"].isin(sn)
        & (b["value_status"] == "ok")
    ]["value"]
    assert card.loc["CP_REPEAT", "sn_count"] == len(vals) == 10
    assert card.loc["CP_REPEAT", "sn_mean"] == pytest.approx(vals.mean())
    # Barking and Dagenham alone as a custom comparator group
    bd = b[(b["indicator_id"] == "CP_REPEAT") & (b["time_period"] == 2025) & (b["la_name"] == "Barking and Dagenham")]
    assert card.loc["CP_REPEAT", "comparator_mean"] == pytest.approx(bd["value"].iloc[0])


def test_rank_and_quartile_against_the_dfe_file(card, demo):
    b = demo.benchmarks
    la = b[
        (b["indicator_id"] == "CP_REPEAT")
        & (b["time_period"] == 2025)
        & (b["geographic_level"] == "Local authority")
        & (b["value_status"] == "ok")
    ]
    # Isles of Scilly and City of London publish 0% of a suppressed number of plans: not ranked
    small = la[la["small_base"]]
    assert sorted(small["la_name"]) == ["City of London", "Isles of Scilly"]
    la = la[~la["small_base"]]
    # smaller is better: rank 1 is the lowest; ties share the better rank
    expected_rank = int((la["value"] < 23.1).sum()) + 1
    assert card.loc["CP_REPEAT", "national_rank"] == expected_rank
    assert card.loc["CP_REPEAT", "national_count"] == len(la)
    q25, q50, q75 = np.quantile(la["value"], [0.25, 0.5, 0.75])
    expected = "A" if q25 >= 23.1 else "B" if q50 >= 23.1 else "C" if q75 >= 23.1 else "D"
    assert card.loc["CP_REPEAT", "quartile"] == expected


def _hand_worked():
    # Eight authorities, higher is better. Values 10,20,20,30,40,50,60,70.
    # Quantiles (linear): q25 = 20, q50 = 35, q75 = 52.5.
    values = [10, 20, 20, 30, 40, 50, 60, 70]
    return pd.DataFrame(
        {
            "indicator_id": "K",
            "time_period": 2025,
            "geographic_level": "Local authority",
            "new_la_code": [f"E0{i}" for i in range(8)],
            "value": [float(v) for v in values],
            "value_status": "ok",
        }
    )


def test_hand_worked_lait_rank_and_quartile_higher_is_better():
    r = national_ranks(_hand_worked(), {"K": "higher"}).set_index("new_la_code")
    # rank 1 = 70; the two 20s share rank 6; 10 is rank 8
    assert r["national_rank"].tolist() == [8, 6, 6, 5, 4, 3, 2, 1]
    assert (r["q25"].iloc[0], r["q50"].iloc[0], r["q75"].iloc[0]) == (20.0, 35.0, 52.5)
    # a value on a quantile (20 = q25) falls in the band of lower values: for higher-is-better, D
    assert r["quartile"].tolist() == ["D", "D", "D", "C", "B", "B", "A", "A"]


def test_hand_worked_lait_rank_and_quartile_lower_is_better():
    r = national_ranks(_hand_worked(), {"K": "lower"}).set_index("new_la_code")
    assert r["national_rank"].tolist() == [1, 2, 2, 4, 5, 6, 7, 8]
    assert r["quartile"].tolist() == ["A", "A", "A", "B", "C", "C", "D", "D"]


def test_lait_calculate_quartile_band_boundaries():
    # LAIT's own tests: bands 0/25/50/75/100; 25 -> A, 50 -> B, 75 -> C, 100 -> D
    q = pd.DataFrame({"q25": [25.0] * 6, "q50": [50.0] * 6, "q75": [75.0] * 6})
    v = pd.Series([0, 25, 30, 50, 75, 100.0])
    assert quartile_band(v, q, pd.Series(["lower"] * 6)).tolist() == ["A", "A", "B", "B", "C", "D"]


def test_band_and_context_measures_rank_by_their_benchmark_polarity(card):
    # placement moves (a 10-16% band) and caseloads (a context measure) carry benchmark_polarity
    # lower in the framework, as DfE's LAIT ranks them: smaller is better
    assert card.loc["PLACEMENT_MOVES", "rank_polarity"] == "lower"
    assert card.loc["PLACEMENT_MOVES", "national_rank"] == 104 and card.loc["PLACEMENT_MOVES", "quartile"] == "C"
    assert card.loc["SW_CASELOAD", "national_rank"] == 67 and card.loc["SW_CASELOAD", "england"] == 15.2


def test_no_rank_for_a_context_measure_without_benchmark_polarity(card):
    row = card.loc["CLA_RATE"]
    assert row["rank_polarity"] == "" and pd.isna(row["national_rank"]) and row["quartile"] == ""
    assert pd.isna(row["national_count"])
    assert row["rank_note"].startswith("not ranked: a context measure with no benchmark polarity")
    assert (row["published_value"], row["london"], row["england"]) == (42.0, 48.0, 67.0)  # still benchmarked


def test_band_measure_without_benchmark_polarity_is_never_best_or_worst(demo):
    ind = demo.indicators.assign(
        rank_polarity=lambda d: d["rank_polarity"].where(d["indicator_id"] != "PLACEMENT_MOVES", "")
    )
    ds = replace(demo, indicators=ind)
    row = build_tables(ds, "Havering", "2025-26 Q2").scorecard.set_index("indicator_id").loc["PLACEMENT_MOVES"]
    assert pd.isna(row["national_rank"]) and row["quartile"] == ""
    assert row["rank_note"].startswith("not ranked: a within-a-band measure")


def test_dfe_symbols_are_never_numbers(demo):
    b = demo.benchmarks
    assert set(b.loc[~b["symbol"].isin(["", "low", "k"]), "value"].isna()) == {True}
    assert (b.loc[b["symbol"].isin(["c", "x", "z", "u"]), "value_status"] != "ok").all()
    # 'low' (and 'k'): a figure that rounds to zero, shown as published and ranked as the lowest
    low = b[b["symbol"].eq("low")]
    assert set(low["la_name"]) == {"Sunderland"} and (low["value"] == 0).all() and low["ranked"].all()
    assert low["note"].str.contains("rounds to zero").all()


def _copy_raw(tmp_path: Path) -> Path:
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    return raw


def test_a_filter_that_leaves_two_rows_per_authority_is_an_input_error(tmp_path):
    """Placement stability filtered on placement_stability=Total children alone leaves three cla_group
    rows per authority and year: exit 2, naming the file, row and filter, with two of the duplicate rows."""
    import subprocess
    import sys

    raw = _copy_raw(tmp_path)
    ind = pd.read_csv(raw / "framework" / "indicators.csv", dtype=str, keep_default_na=False)
    loose = "placement_stability=Total children"
    ind.loc[ind["indicator_id"].eq("PLACEMENT_STABILITY"), "benchmark_filter"] = loose
    ind.to_csv(raw / "framework" / "indicators.csv", index=False)
    out = tmp_path / "card.csv"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpitools.cli",
            "score",
            "--authority",
            "Havering",
            "--period",
            "2025-26 Q2",
            "--data-dir",
            str(raw),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2, r.stderr
    assert not out.exists()
    line = next(x for x in r.stderr.splitlines() if "benchmark_filter" in x)
    assert "framework/indicators.csv, row 6, column 'benchmark_filter'" in line and loose in line
    assert "la_cla_placement_stability.csv" in line and "e.g. rows " in line
    assert "differ in 'cla_group'" in line


def test_neighbours_missing_from_an_older_model_are_named_with_the_reason(tmp_path):
    """With DfE's April 2021 model, North Northamptonshire's neighbours include Cumbria, abolished in
    2023: the average is of 9, and the pack says why; Cumberland is not in that model at all."""
    raw = _copy_raw(tmp_path)
    settings = (raw / "settings.yaml").read_text()
    (raw / "settings.yaml").write_text(
        settings.replace(
            "statistical_neighbours: sn_model_2025_wide.csv",
            "statistical_neighbours: New_Statistical_Neighbour_Groupings_April_2021.csv",
        )
    )
    ds = load_dataset(raw)
    north = (
        build_tables(ds, "North Northamptonshire", "2025-26 Q2").scorecard.set_index("indicator_id").loc["CP_REPEAT"]
    )
    assert (north["sn_count"], north["sn_listed"]) == (9, 10)
    assert (
        "Cumbria: no figure (Cumbria was replaced in April 2023 by Cumberland and Westmorland and Furness)"
        in north["sn_note"]
    )
    cumberland = build_tables(ds, "Cumberland", "2025-26 Q2").scorecard.set_index("indicator_id").loc["CP_REPEAT"]
    assert cumberland["sn_count"] == 0 and pd.isna(cumberland["sn_mean"])
    assert cumberland["sn_note"] == "Cumberland is not in the statistical neighbour model"
