"""RAG presets on both sides of each boundary, every status, pro-rating, direction of travel."""

import numpy as np
import pandas as pd
import pytest

from kpitools.core.periods import Period
from kpitools.score.scoring import direction_of_travel, score

Q1 = Period.parse("2025-26 Q1")


def _indicator(polarity="higher", unit="percent", decimals=1, frequency="quarterly", measure="snapshot", iid="K"):
    return {
        "indicator_id": iid,
        "title": f"Indicator {iid}",
        "polarity": polarity,
        "unit": unit,
        "decimals": decimals,
        "frequency": frequency,
        "measure": measure,
    }


def _value(period, value, iid="K", status="ok", authority="E1"):
    p = Period.parse(period, prefer_month=False)
    return {
        "authority": authority,
        "indicator_id": iid,
        "kind": p.kind,
        "ordinal": p.ordinal,
        "period": p.label,
        "value": value,
        "value_status": status,
        "reason": "",
        "symbol": "",
        "numerator": np.nan,
        "denominator": np.nan,
    }


def _target(
    target=np.nan, lower=np.nan, upper=np.nan, tolerance=np.nan, tolerance_type="absolute", quarter=0, iid="K", fy=2025
):
    return {
        "authority": "E1",
        "indicator_id": iid,
        "fy": fy,
        "quarter": quarter,
        "target": target,
        "lower": lower,
        "upper": upper,
        "tolerance": tolerance,
        "tolerance_type": tolerance_type,
    }


def run(indicator, values, targets, scheme="tolerance", period="2025-26 Q1"):
    out = score(pd.DataFrame(values), pd.DataFrame([indicator]), pd.DataFrame(targets), ["E1"], [period], scheme)
    assert len(out) == 1
    return out.iloc[0]


@pytest.mark.parametrize(
    "polarity,value,expected",
    [
        ("higher", 80.0, "Green"),
        ("higher", 79.9, "Red"),
        ("higher", 80.1, "Green"),
        ("lower", 80.0, "Green"),
        ("lower", 80.1, "Red"),
        ("lower", 79.9, "Green"),
    ],
)
def test_two_state_either_side_of_target(polarity, value, expected):
    row = run(_indicator(polarity), [_value("2025-26 Q1", value)], [_target(80.0, tolerance=5)], "two_state")
    assert row["status"] == "rated"
    assert row["rag"] == expected


@pytest.mark.parametrize(
    "polarity,value,expected",
    [
        ("higher", 80.0, "Green"),
        ("higher", 79.9, "Amber"),
        ("higher", 78.0, "Amber"),
        ("higher", 77.9, "Red"),
        ("lower", 20.0, "Green"),
        ("lower", 20.1, "Amber"),
        ("lower", 22.0, "Amber"),
        ("lower", 22.1, "Red"),
    ],
)
def test_tolerance_absolute_boundaries(polarity, value, expected):
    target = 80.0 if polarity == "higher" else 20.0
    row = run(_indicator(polarity), [_value("2025-26 Q1", value)], [_target(target, tolerance=2)])
    assert row["rag"] == expected


@pytest.mark.parametrize("value,expected", [(50.0, "Green"), (49.9, "Amber"), (45.0, "Amber"), (44.9, "Red")])
def test_tolerance_relative_is_a_fraction_of_the_target(value, expected):
    row = run(
        _indicator("higher"), [_value("2025-26 Q1", value)], [_target(50.0, tolerance=0.1, tolerance_type="relative")]
    )
    assert row["rag"] == expected


def test_tolerance_scheme_without_tolerance_behaves_as_two_state():
    row = run(_indicator("higher"), [_value("2025-26 Q1", 79.9)], [_target(80.0)])
    assert row["rag"] == "Red"


@pytest.mark.parametrize(
    "value,last_year,expected",
    [
        (80.0, None, "Green"),  # on target
        (72.0, None, "Green"),  # within 10% of 80 (8 points): Green under this scheme
        (71.9, 70.0, "Amber"),  # further off, improved on last year
        (71.9, 71.9, "Amber"),  # further off, maintained
        (71.9, 72.0, "Red"),  # further off, worse than last year
        (71.9, None, "Red"),  # further off, no comparison: not shown to have improved
    ],
)
def test_tolerance_with_improvement(value, last_year, expected):
    values = [_value("2025-26 Q1", value)]
    if last_year is not None:
        values.append(_value("2024-25 Q1", last_year))
    row = run(_indicator("higher"), values, [_target(80.0)], "tolerance_improvement")
    assert row["rag"] == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (15.0, "Green"),
        (13.1, "Green"),
        (13.0, "Amber"),
        (12.0, "Amber"),
        (11.9, "Red"),
        (16.9, "Green"),
        (17.0, "Amber"),
        (18.0, "Amber"),
        (18.1, "Red"),
    ],
)
def test_band_rule(value, expected):
    # Merton's proposal (seed 004): repeat child protection plans within 12-18%, amber within 1 point of an edge
    row = run(_indicator("band"), [_value("2025-26 Q1", value)], [_target(lower=12, upper=18, tolerance=1)])
    assert row["rag"] == expected


def test_band_rule_applies_whatever_the_scheme():
    for scheme in ("two_state", "tolerance", "tolerance_improvement"):
        row = run(_indicator("band"), [_value("2025-26 Q1", 11.0)], [_target(lower=12, upper=18)], scheme)
        assert row["rag"] == "Red"


def test_rating_uses_displayed_precision():
    # 79.96 is shown as 80.0: the committee reads it as on target
    row = run(_indicator("higher", decimals=1), [_value("2025-26 Q1", 79.96)], [_target(80.0)])
    assert row["rag"] == "Green"
    row = run(_indicator("higher", decimals=2), [_value("2025-26 Q1", 79.96)], [_target(80.0)])
    assert row["rag"] == "Red"


def test_every_status_has_its_reason_and_no_colour():
    inds = [
        _indicator("none", iid="CONTEXT"),
        _indicator(frequency="biannual", iid="BIANNUAL"),
        _indicator(iid="SUPPRESSED"),
        _indicator(iid="MISSING"),
        _indicator(iid="NOTARGET"),
        _indicator(iid="RATED"),
    ]
    vals = [
        _value("2025-26 Q1", 5, "CONTEXT"),
        _value("2025-26 Q1", 5, "BIANNUAL"),
        _value("2025-26 Q1", np.nan, "SUPPRESSED", status="suppressed"),
        _value("2025-26 Q1", 5, "NOTARGET"),
        _value("2025-26 Q1", 5, "RATED"),
    ]
    tg = [_target(1, iid=i) for i in ("CONTEXT", "BIANNUAL", "SUPPRESSED", "MISSING", "RATED")]
    out = score(pd.DataFrame(vals), pd.DataFrame(inds), pd.DataFrame(tg), ["E1"], ["2025-26 Q1"]).set_index(
        "indicator_id"
    )
    assert out["status"].to_dict() == {
        "CONTEXT": "not a target measure",
        "BIANNUAL": "not due",
        "SUPPRESSED": "suppressed",
        "MISSING": "no data",
        "NOTARGET": "no target",
        "RATED": "rated",
    }
    assert (out.loc[out["status"] != "rated", "rag"] == "").all()
    assert out.loc["RATED", "rag"] == "Green"
    assert (out.loc[out["status"] != "rated", "status_reason"].str.len() > 10).all()
    assert "Q2 and Q4" in out.loc["BIANNUAL", "status_reason"]


def test_biannual_is_due_in_q2_and_annual_in_q4():
    ind = [_indicator(frequency="biannual", iid="B"), _indicator(frequency="annual", iid="A")]
    vals = [_value("2025-26 Q2", 5, "B"), _value("2025-26", 5, "A")]
    tg = [_target(10, iid="B"), _target(10, iid="A")]
    out = score(
        pd.DataFrame(vals),
        pd.DataFrame(ind),
        pd.DataFrame(tg),
        ["E1"],
        ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"],
    )
    table = out.pivot(index="indicator_id", columns="period", values="status")
    assert table.loc["B"].tolist() == ["not due", "rated", "not due", "no data"]
    assert table.loc["A"].tolist() == ["not due", "not due", "not due", "rated"]


def test_ytd_count_with_annual_target_is_pro_rated():
    # seed 000: 20 new foster carers a year is 5 in Q1; 6 recruited is Green, 4 would be Red
    ind = _indicator("higher", unit="count", decimals=0, measure="ytd")
    assert run(ind, [_value("2025-26 Q1", 6)], [_target(20)], "two_state")["target"] == 5
    assert run(ind, [_value("2025-26 Q1", 4)], [_target(20)], "two_state")["rag"] == "Red"
    q3 = run(ind, [_value("2025-26 Q3", 15)], [_target(20)], "two_state", period="2025-26 Q3")
    assert q3["target"] == 15 and q3["rag"] == "Green" and q3["target_prorated"]


def test_ytd_percentage_and_snapshot_are_not_pro_rated():
    pct = _indicator("higher", unit="percent", measure="ytd")
    assert run(pct, [_value("2025-26 Q1", 33.3)], [_target(80)])["target"] == 80
    snap = _indicator("higher", unit="count", measure="snapshot")
    assert run(snap, [_value("2025-26 Q1", 78)], [_target(90)])["target"] == 90


def test_per_period_target_overrides_the_annual_one():
    ind = _indicator("higher", unit="count", decimals=0, measure="ytd")
    row = run(ind, [_value("2025-26 Q1", 6)], [_target(20), _target(7, quarter=1)], "two_state")
    assert row["target"] == 7 and row["rag"] == "Red" and not row["target_prorated"]


def test_direction_of_travel_by_polarity_not_by_value():
    s = pd.Series
    out = direction_of_travel(
        s([15.9, 15.9, 60.9, 60.9, 14.04]),
        s([14.5, 16.0, 62.3, 58.0, 14.0]),
        s(["lower", "lower", "higher", "higher", "lower"]),
        s([1, 1, 1, 1, 1]),
    )
    assert out.tolist() == ["worse", "better", "worse", "better", "same"]


def test_direction_same_at_displayed_precision():
    s = pd.Series
    assert direction_of_travel(s([14.04]), s([14.0]), s(["higher"]), s([1])).tolist() == ["same"]
    assert direction_of_travel(s([14.04]), s([14.0]), s(["higher"]), s([2])).tolist() == ["better"]
    assert direction_of_travel(s([14.05]), s([14.0]), s(["higher"]), s([1])).tolist() == ["better"]


def test_direction_for_band_is_towards_its_middle_and_blank_without_comparison():
    s = pd.Series
    # a 12-18 band, middle 15: outside moving in, inside moving to the edge, inside moving to the
    # middle, the same distance on the other side, no comparison
    out = direction_of_travel(
        s([19.0, 17.0, 13.0, 14.0, 15.0]),
        s([21.0, 15.0, 11.0, 16.0, np.nan]),
        s(["band"] * 5),
        s([0] * 5),
        s([12.0] * 5),
        s([18.0] * 5),
    )
    assert out.tolist() == ["better", "worse", "better", "same", ""]


def test_a_band_measure_moving_towards_its_edge_is_worse_not_same():
    # the review's case: 13% (Green) to 11% (Amber) in a 10-16% band read "same"
    s = pd.Series
    out = direction_of_travel(s([11.0]), s([13.0]), s(["band"]), s([0]), s([10.0]), s([16.0]))
    assert out.tolist() == ["worse"]


def test_short_and_long_term_comparisons_by_frequency():
    ind = [_indicator(iid="Q"), _indicator(frequency="monthly", iid="M"), _indicator(frequency="biannual", iid="B")]
    p = lambda t: Period.parse(t, prefer_month=True)  # noqa: E731
    vals = [
        _value("2025-26 Q2", 10, "Q"),
        _value("2025-26 Q1", 12, "Q"),
        _value("2024-25 Q2", 8, "Q"),
        _value("2025-26 Q2", 10, "B"),
        _value("2024-25 Q4", 9, "B"),
        _value("2024-25 Q2", 11, "B"),
    ]
    for label, v in (("2025-09", 10), ("2025-06", 9), ("2024-09", 11)):
        m = p(label)
        vals.append({**_value("2025-26 Q1", v, "M"), "kind": "month", "ordinal": m.ordinal, "period": m.label})
    tg = [_target(5, iid=i) for i in "QMB"]
    out = score(pd.DataFrame(vals), pd.DataFrame(ind), pd.DataFrame(tg), ["E1"], ["2025-26 Q2"]).set_index(
        "indicator_id"
    )
    assert out.loc["Q", ["dot_short", "dot_long"]].tolist() == ["worse", "better"]
    assert out.loc["M", ["dot_short", "dot_long"]].tolist() == ["better", "worse"]
    assert out.loc["B", ["dot_short", "dot_long"]].tolist() == ["better", "worse"]


def test_scoring_does_not_modify_its_inputs():
    vals = pd.DataFrame([_value("2025-26 Q1", 5)])
    ind = pd.DataFrame([_indicator()])
    tg = pd.DataFrame([_target(4)])
    before = [vals.copy(), ind.copy(), tg.copy()]
    score(vals, ind, tg, ["E1"], ["2025-26 Q1"])
    for a, b in zip(before, [vals, ind, tg]):
        pd.testing.assert_frame_equal(a, b)


def test_scores_many_authorities_and_periods_in_one_call():
    vals = [_value(f"2025-26 Q{q}", 10 + q, authority=a) for a in ("E1", "E2") for q in (1, 2, 3)]
    tg = [_target(12)] + [{**_target(12), "authority": "E2"}]
    out = score(
        pd.DataFrame(vals),
        pd.DataFrame([_indicator()]),
        pd.DataFrame(tg),
        ["E1", "E2"],
        ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3"],
        {"E1": "two_state", "E2": "tolerance"},
    )
    assert len(out) == 6
    assert out.set_index(["authority", "period"])["rag"].to_dict() == {
        ("E1", "2025-26 Q1"): "Red",
        ("E1", "2025-26 Q2"): "Green",
        ("E1", "2025-26 Q3"): "Green",
        ("E2", "2025-26 Q1"): "Red",
        ("E2", "2025-26 Q2"): "Green",
        ("E2", "2025-26 Q3"): "Green",
    }


def test_rows_are_authority_then_period_then_framework_order():
    inds = [_indicator(iid="Z"), _indicator(iid="A")]
    vals = [_value("2025-26 Q1", 5, iid=i, authority=a) for a in ("E2", "E1") for i in "ZA"]
    out = score(
        pd.DataFrame(vals),
        pd.DataFrame(inds),
        pd.DataFrame([_target(4, iid="Z")]),
        ["E2", "E1"],
        ["2025-26 Q2", "2025-26 Q1"],
    )
    assert list(zip(out["authority"], out["period"], out["indicator_id"])) == [
        ("E2", "2025-26 Q2", "Z"),
        ("E2", "2025-26 Q2", "A"),
        ("E2", "2025-26 Q1", "Z"),
        ("E2", "2025-26 Q1", "A"),
        ("E1", "2025-26 Q2", "Z"),
        ("E1", "2025-26 Q2", "A"),
        ("E1", "2025-26 Q1", "Z"),
        ("E1", "2025-26 Q1", "A"),
    ]
    assert out.index.equals(pd.RangeIndex(8))


def test_period_target_without_a_figure_falls_back_to_the_annual_one():
    ind = _indicator("higher", unit="count", decimals=0, measure="ytd")
    row = run(ind, [_value("2025-26 Q1", 6)], [_target(20, tolerance=1), _target(quarter=1, tolerance=3)], "two_state")
    assert row["target"] == 5 and row["target_prorated"] and row["tolerance"] == 1


def test_duplicate_observations_or_targets_raise_rather_than_double_rows():
    ind = pd.DataFrame([_indicator()])
    vals = pd.DataFrame([_value("2025-26 Q1", 5), _value("2025-26 Q1", 6)])
    with pytest.raises(ValueError, match="more than one observation.*2025-26 Q1"):
        score(vals, ind, pd.DataFrame([_target(4)]), ["E1"], ["2025-26 Q1"])
    with pytest.raises(ValueError, match="more than one target"):
        score(vals.iloc[:1], ind, pd.DataFrame([_target(4), _target(5)]), ["E1"], ["2025-26 Q1"])
    # another authority's duplicates do not concern this scorecard
    other = pd.DataFrame(
        [_value("2025-26 Q1", 5), _value("2025-26 Q1", 6, authority="E2"), _value("2025-26 Q1", 7, authority="E2")]
    )
    assert score(other, ind, pd.DataFrame([_target(4)]), ["E1"], ["2025-26 Q1"])["value"].tolist() == [5]


def test_matches_keys_across_string_dtypes_and_keeps_them():
    vals = pd.DataFrame([_value("2025-26 Q1", 5), _value("2024-25 Q1", 4)]).astype(
        {"kind": object, "authority": object}
    )
    out = score(vals, pd.DataFrame([_indicator()]), pd.DataFrame([_target(4)]), ["E1"], ["2025-26 Q1"])
    assert out[["status", "rag", "dot_long"]].iloc[0].tolist() == ["rated", "Green", "better"]
    assert out["obs_kind"].dtype == object and out["authority"].dtype == object  # as the merges left them


# --------------------------------------------------------------------------------------------
# monthly packs (#12): a month reports monthly indicators at the month, the rest at their latest
# figure due by the month's end
# --------------------------------------------------------------------------------------------


def test_a_month_reports_a_monthly_indicator_at_the_month_against_the_month_before():
    ind = _indicator(frequency="monthly", iid="M")
    values = [_value("2025-08", 12.0, "M"), _value("2025-07", 11.0, "M"), _value("2024-08", 14.0, "M")]
    row = run(ind, values, [_target(10.0, iid="M")], period="2025-08")
    assert (row["period"], row["observation_period"], row["value"]) == ("2025-08", "2025-08", 12.0)
    assert (row["previous_value"], row["last_year_value"]) == (11.0, 14.0)
    assert (row["dot_short"], row["dot_long"], row["rag"]) == ("better", "worse", "Green")


@pytest.mark.parametrize(
    "frequency,period,expected",
    [
        ("quarterly", "2025-26 Q1", "2025-08"),  # the latest quarter ended by 31 August
        ("quarterly", "2025-26 Q2", "2025-09"),  # September ends the quarter
        ("biannual", "2024-25 Q4", "2025-08"),  # the latest half-year reported
        ("annual", "2024-25", "2025-08"),  # the latest year ended
        ("annual", "2024-25", "2026-02"),  # 2025-26 has not ended in February
    ],
)
def test_a_month_reports_other_indicators_at_their_latest_figure_due(frequency, period, expected):
    values = [_value(period, 50.0)]
    targets = [_target(40.0, fy=2024), _target(40.0, fy=2025)]
    row = run(_indicator(frequency=frequency), values, targets, period=expected)
    assert (row["observation_period"], row["value"], row["status"]) == (period, 50.0, "rated")


def test_a_monthly_year_to_date_count_is_judged_against_the_months_share_of_the_annual_target():
    ind = _indicator(unit="count", decimals=0, frequency="monthly", measure="ytd", iid="M")
    values = [_value("2025-08", 50.0, "M"), _value("2025-09", 55.0, "M")]
    by_month = run(ind, values, [_target(120.0, iid="M")], period="2025-08")
    assert (by_month["target"], bool(by_month["target_prorated"])) == (50.0, True)  # 120 x 5 months / 12
    by_quarter = run(ind, values, [_target(120.0, iid="M")], period="2025-26 Q2")
    assert by_quarter["target"] == 60.0  # 120 x 2 quarters / 4, at September's figure
    assert by_quarter["observation_period"] == "2025-09"


def test_a_whole_year_is_not_a_reporting_period():
    from kpitools.core.errors import PeriodError

    with pytest.raises(PeriodError, match="a month such as 2025-08"):
        run(_indicator(), [_value("2025-26 Q1", 1.0)], [_target(1.0)], period="2025-26")
