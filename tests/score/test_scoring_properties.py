"""Properties of ``kpitools.score.scoring.score`` over random frameworks, values, targets and schemes.

- A value that is missing or suppressed, a missing target (for a band: a missing edge), a measure
  with no target polarity or an indicator not due this quarter never gets a colour: it gets its
  explicit status, and only ``rated`` rows are Red, Amber or Green.
- A rated row's colour agrees with its polarity: on target or better is Green, under every scheme;
  under ``two_state`` anything else is Red; a band value outside the band is Red.

Values and targets are drawn on the indicator's displayed precision (``decimals``), so that "on
target" is unambiguous and the properties do not restate the rounding rule.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.core.periods import Period
from kpitools.score.scoring import RAGS, score

AUTHORITY = "E09000016"
POLARITIES = ("higher", "lower", "band", "none")
UNITS = ("percent", "count", "rate", "days", "weeks")
FREQUENCIES = ("quarterly", "biannual", "annual", "monthly")
SCHEMES = ("two_state", "tolerance", "tolerance_improvement")


def _observation(frequency: str, quarter: Period, years_back: int = 0) -> tuple[str, int, str]:
    """The observation an indicator of ``frequency`` reports for ``quarter`` (or a year earlier)."""
    q = quarter.shift(-4 * years_back)
    if frequency == "annual":
        p = Period("year", q.fy)
    elif frequency == "monthly":
        p = Period("month", (q.fy * 12 + 3) + (q.quarter - 1) * 3 + 2)
    else:
        p = q
    return p.kind, p.ordinal, p.label


@st.composite
def amounts(draw, decimals: int, low: float = 0, high: float = 100) -> float:
    """A number shown exactly at ``decimals`` places."""
    scale = 10**decimals
    return draw(st.integers(int(low * scale), int(high * scale))) / scale


def sometimes_none(strategy: st.SearchStrategy, none_one_in: int = 4) -> st.SearchStrategy:
    """``strategy``, or ``None`` about one time in ``none_one_in`` (enough rated rows to check)."""
    return st.integers(1, none_one_in).flatmap(lambda k: st.none() if k == 1 else strategy)


@st.composite
def indicator_cases(draw, i: int, rateable: bool = False) -> dict:
    """One indicator with its value and target; ``rateable``: all it needs to be rated."""
    decimals = draw(st.integers(0, 2))
    polarity = draw(st.sampled_from(POLARITIES[:3] if rateable else POLARITIES))
    case = {
        "indicator": {
            "indicator_id": f"K{i}",
            "title": f"Indicator {i}",
            "polarity": polarity,
            "unit": draw(st.sampled_from(UNITS)),
            "decimals": decimals,
            "frequency": draw(st.sampled_from(("quarterly", *FREQUENCIES))),
            "measure": draw(st.sampled_from(("snapshot", "ytd", "rolling12"))),
        },
        # the value: present or not at all, and if present ok, missing or suppressed
        "has_row": draw(st.sampled_from((True, True, True, False))),
        "status": draw(st.sampled_from(("ok", "ok", "missing", "suppressed", "suppressed"))),
        "value": draw(amounts(decimals)),
        # a symbol's row never carries a number in the loader; score must not need that to hold
        "stray_number": draw(st.booleans()),
        "last_year": draw(sometimes_none(amounts(decimals), 2)),
        "target": draw(sometimes_none(amounts(decimals))),
        "lower": draw(sometimes_none(amounts(decimals, 0, 50))),
        "upper": draw(sometimes_none(amounts(decimals, 50, 100))),
        "tolerance": draw(sometimes_none(amounts(decimals, 0, 10), 2)),
        "tolerance_type": draw(st.sampled_from(("absolute", "relative"))),
        # the annual target (0) mostly; a quarter's own target otherwise (maybe not this quarter's)
        "target_quarter": draw(st.sampled_from((0, 0, 0, 0, 1, 2, 3, 4))),
    }
    if rateable:
        case["indicator"]["frequency"] = draw(st.sampled_from(("quarterly", "monthly")))
        case.update(
            has_row=True,
            status="ok",
            target_quarter=0,
            target=draw(amounts(decimals)),
            lower=draw(amounts(decimals, 0, 50)),
            upper=draw(amounts(decimals, 50, 100)),
        )
    if case["tolerance_type"] == "relative" and case["tolerance"] is not None:
        case["tolerance"] = round(case["tolerance"] / 100, 4)
    return case


@st.composite
def scenarios(draw, rateable: bool = False) -> dict:
    n = draw(st.integers(2, 10))  # many indicators per run: a scoring run costs about the same
    cases = [draw(indicator_cases(i, rateable)) for i in range(n)]
    cases[0]["has_row"] = True  # some local figures (none at all: test_no_local_figures_at_all)
    return {
        "cases": cases,
        "quarter": Period("quarter", 2025 * 4 + draw(st.integers(0, 3))),
        "scheme": draw(st.sampled_from(SCHEMES)),
    }


def frames(scenario: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    quarter = scenario["quarter"]
    indicators, values, targets = [], [], []
    for case in scenario["cases"]:
        ind = case["indicator"]
        indicators.append(ind)
        kind, ordinal, label = _observation(ind["frequency"], quarter)
        base = {
            "authority": AUTHORITY,
            "indicator_id": ind["indicator_id"],
            "kind": kind,
            "reason": "",
            "symbol": "",
            "numerator": np.nan,
            "denominator": np.nan,
        }
        if case["has_row"]:
            ok = case["status"] == "ok"
            values.append(
                {
                    **base,
                    "ordinal": ordinal,
                    "period": label,
                    "value_status": case["status"],
                    "value": case["value"] if ok or case["stray_number"] else np.nan,
                    "symbol": {"ok": "", "missing": "x", "suppressed": "c"}[case["status"]],
                }
            )
        if case["last_year"] is not None:
            kind, ordinal, label = _observation(ind["frequency"], quarter, years_back=1)
            values.append(
                {**base, "ordinal": ordinal, "period": label, "value": case["last_year"], "value_status": "ok"}
            )
        targets.append(
            {
                "authority": AUTHORITY,
                "indicator_id": ind["indicator_id"],
                "fy": quarter.fy,
                "quarter": case["target_quarter"],
                **{k: np.nan if case[k] is None else case[k] for k in ("target", "lower", "upper", "tolerance")},
                "tolerance_type": case["tolerance_type"],
            }
        )
    columns = [
        "authority",
        "indicator_id",
        "kind",
        "ordinal",
        "period",
        "value",
        "value_status",
        "reason",
        "symbol",
        "numerator",
        "denominator",
    ]
    return pd.DataFrame(indicators), pd.DataFrame(values, columns=columns), pd.DataFrame(targets)


def scored(scenario: dict) -> tuple[pd.DataFrame, dict]:
    indicators, values, targets = frames(scenario)
    out = score(values, indicators, targets, [AUTHORITY], [scenario["quarter"]], scenario["scheme"])
    assert len(out) == len(indicators)
    return out, {c["indicator"]["indicator_id"]: c for c in scenario["cases"]}


def _target_applies(case: dict, quarter: Period) -> bool:
    """Whether the drawn target row is this quarter's (annual, or for this very quarter)."""
    return case["target_quarter"] in (0, quarter.quarter)


def check_no_colour_without_a_value_and_a_target(scenario: dict, out: pd.DataFrame, cases: dict) -> None:
    quarter = scenario["quarter"]
    for row in out.itertuples():
        case = cases[row.indicator_id]
        polarity, frequency = case["indicator"]["polarity"], case["indicator"]["frequency"]
        due = {"biannual": quarter.quarter in (2, 4), "annual": quarter.quarter == 4}.get(frequency, True)
        has_value = case["has_row"] and case["status"] == "ok"
        applies = _target_applies(case, quarter)
        if polarity == "band":
            has_target = applies and case["lower"] is not None and case["upper"] is not None
        else:
            has_target = applies and case["target"] is not None
        if row.rag in RAGS:
            assert row.status == "rated"
        if row.status == "rated":
            assert row.rag in RAGS
        if not (has_value and has_target and due and polarity != "none"):
            assert row.rag == "" and row.status != "rated", (row.status, row.rag)
        # the explicit status says why, in the order a reader needs it; a context measure's missing or
        # suppressed figure is said to be missing (a "not a target measure" badge would hide it)
        if polarity == "none" and due and case["has_row"] and case["status"] == "suppressed":
            assert row.status == "suppressed"
        elif polarity == "none" and due and not has_value:
            assert row.status == "no data"
        elif polarity == "none":
            assert row.status == "not a target measure"
        elif not due:
            assert row.status == "not due"
        elif case["has_row"] and case["status"] == "suppressed":
            assert row.status == "suppressed"
            assert math.isnan(row.value) or case["stray_number"]
        elif not has_value:
            assert row.status == "no data"
        elif not has_target:
            assert row.status == "no target"
        else:
            assert row.status == "rated"


def check_a_rated_colour_agrees_with_polarity(scenario: dict, out: pd.DataFrame, cases: dict) -> None:
    for row in out[out["status"].eq("rated")].itertuples():
        polarity = cases[row.indicator_id]["indicator"]["polarity"]
        value = row.value
        if polarity == "band":
            assert (row.rag == "Red") == (value < row.lower or value > row.upper), (
                value,
                row.lower,
                row.upper,
                row.rag,
            )
            continue
        target = row.target  # pro-rated for a year-to-date count with an annual target
        scaled = target * 10**row.decimals
        if abs(scaled - round(scaled)) > 1e-6:
            continue  # a pro-rated target off the displayed precision: tests/score/test_scoring.py covers it
        on_target = value >= target - 1e-9 if polarity == "higher" else value <= target + 1e-9
        if on_target:
            assert row.rag == "Green", (polarity, value, target, row.rag_scheme)
        elif scenario["scheme"] == "two_state":
            assert row.rag == "Red", (polarity, value, target)
        elif scenario["scheme"] == "tolerance":
            assert row.rag in ("Amber", "Red")


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_no_colour_without_a_value_and_a_target(scenario: dict) -> None:
    check_no_colour_without_a_value_and_a_target(scenario, *scored(scenario))


@settings(max_examples=30, deadline=None)
@given(scenarios(rateable=True))
def test_a_rated_colour_agrees_with_polarity(scenario: dict) -> None:
    out, cases = scored(scenario)
    assert out["status"].eq("rated").all()
    check_a_rated_colour_agrees_with_polarity(scenario, out, cases)


def test_no_local_figures_at_all() -> None:
    """An authority with published figures but no local extract (a comparator scored on its own)."""
    scenario = {
        "cases": [
            {
                "indicator": {
                    "indicator_id": "K0",
                    "title": "Indicator 0",
                    "polarity": "higher",
                    "unit": "percent",
                    "decimals": 1,
                    "frequency": "quarterly",
                    "measure": "snapshot",
                },
                "has_row": False,
                "status": "ok",
                "value": 0.0,
                "stray_number": False,
                "last_year": None,
                "target": 60.0,
                "lower": None,
                "upper": None,
                "tolerance": None,
                "tolerance_type": "absolute",
                "target_quarter": 0,
            }
        ],
        "quarter": Period.parse("2025-26 Q2"),
        "scheme": "tolerance",
    }
    out, cases = scored(scenario)
    assert out["status"].tolist() == ["no data"] and out["rag"].tolist() == [""]
