"""RAG ratings, statuses and direction of travel, vectorised over authorities x indicators x periods.

The rules (PRODUCT.md, "Scoring"):

- An indicator is rated against the period's target, polarity-aware, by the authority's RAG scheme:
  ``two_state`` (Red off target, Green on target or better), ``tolerance`` (Amber when off by no
  more than the tolerance), ``tolerance_improvement`` (Green on target or within the tolerance,
  default 10%; Amber further off but improved or maintained against the same period last year).
  ``band`` indicators are Green inside the band by more than the tolerance, Amber inside but within
  the tolerance of an edge, Red outside.
- Values are compared at the indicator's displayed precision, so the rating agrees with the figure
  the committee reads (79.96% shown as 80.0% is on an 80% target).
- Instead of a colour, an explicit status: ``not a target measure``, ``not due`` (a biannual
  indicator in Q1), ``suppressed``, ``no data``, ``no target``.
- A year-to-date count with only an annual target is judged against annual x quarters elapsed / 4.
- Direction of travel: better / worse / same by polarity, short term (previous period) and long
  term (same period last year); same = equal at displayed precision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .config import DEFAULT_IMPROVEMENT_TOLERANCE, DEFAULT_RAG_SCHEME, RAG_SCHEMES
from .errors import ConfigError, PeriodError
from .periods import Period, end_dates, labels

STATUSES = ("rated", "no data", "suppressed", "no target", "not due", "not a target measure")
RAGS = ("Green", "Amber", "Red")
_EPS = 1e-6  # in units of the displayed precision


def round_half_up(x: pd.Series | np.ndarray, decimals: pd.Series | np.ndarray | int) -> np.ndarray:
    """Round as a spreadsheet does (half away from zero), per row, in units of the last decimal.

    Returns the scaled integers (``12.35`` at 1 decimal -> ``124``).

    Examples
    --------
    >>> round_half_up(np.array([0.15, 2.675, -1.25]), np.array([1, 2, 1])).tolist()
    [2.0, 268.0, -13.0]
    """
    x = np.asarray(x, dtype="float64")
    scale = 10.0 ** np.asarray(decimals, dtype="float64")
    return np.sign(x) * np.floor(np.abs(x) * scale + 0.5 + 1e-9)


def _observation_keys(grid: pd.DataFrame) -> pd.DataFrame:
    """For each row (one indicator in one reporting quarter): which observation is due, and which are
    the previous period and the same period last year, by the indicator's frequency."""
    q = grid["q_ordinal"].to_numpy()
    fy, qn = q // 4, q % 4 + 1
    month_end = fy * 12 + 3 + (qn - 1) * 3 + 2
    freq = grid["frequency"].to_numpy()
    is_m, is_b, is_a = freq == "monthly", freq == "biannual", freq == "annual"
    kind = np.where(is_m, "month", np.where(is_a, "year", "quarter"))
    obs = np.where(is_m, month_end, np.where(is_a, fy, q))
    prev = np.where(is_m, month_end - 3, np.where(is_a, fy - 1, np.where(is_b, q - 2, q - 1)))
    last_year = np.where(is_m, month_end - 12, np.where(is_a, fy - 1, q - 4))
    due = np.where(is_b, np.isin(qn, (2, 4)), np.where(is_a, qn == 4, True))
    return grid.assign(obs_kind=kind, obs_ordinal=obs, prev_ordinal=prev, ly_ordinal=last_year, due=due,
                       fy=fy, quarter=qn)


def _attach(grid: pd.DataFrame, values: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    carried = {"value": "value", "value_status": "value_status", "reason": "reason", "symbol": "symbol",
               "numerator": "numerator", "denominator": "denominator", "period": "obs_period"}
    v = values.rename(columns={"kind": "obs_kind", "ordinal": key, **{k: prefix + n for k, n in carried.items()}})
    keep = ["authority", "indicator_id", "obs_kind", key] + [prefix + n for n in carried.values()]
    return grid.merge(v[keep], on=["authority", "indicator_id", "obs_kind", key], how="left")


def _attach_targets(grid: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    t = targets.rename(columns={"quarter": "t_quarter"})
    cols = ["target", "lower", "upper", "tolerance", "tolerance_type"]
    per = t[t["t_quarter"] > 0].rename(columns={c: f"p_{c}" for c in cols})
    ann = t[t["t_quarter"] == 0].drop(columns="t_quarter").rename(columns={c: f"a_{c}" for c in cols})
    g = grid.merge(per, left_on=["authority", "indicator_id", "fy", "quarter"],
                   right_on=["authority", "indicator_id", "fy", "t_quarter"], how="left").drop(columns="t_quarter")
    g = g.merge(ann, on=["authority", "indicator_id", "fy"], how="left")
    has_period = g[["p_target", "p_lower", "p_upper"]].notna().any(axis=1)
    for c in cols:
        g[c] = g[f"p_{c}"].where(has_period, g[f"a_{c}"])
    prorate = (~has_period & g["measure"].eq("ytd") & g["unit"].eq("count") & g["a_target"].notna()
               & ~g["frequency"].eq("annual"))
    g["target_annual"] = g["a_target"]
    g["target_prorated"] = prorate
    g.loc[prorate, "target"] = g.loc[prorate, "a_target"] * g.loc[prorate, "quarter"] / 4
    return g.drop(columns=[f"{p}_{c}" for p in ("p", "a") for c in cols])


def direction_of_travel(value: pd.Series, other: pd.Series, polarity: pd.Series, decimals: pd.Series,
                        lower: pd.Series | None = None, upper: pd.Series | None = None) -> pd.Series:
    """``better`` / ``worse`` / ``same`` by polarity at displayed precision; blank without a comparison.

    For a band indicator, better means closer to the band (inside it counts as distance zero).

    Examples
    --------
    >>> s = lambda *x: pd.Series(x)
    >>> direction_of_travel(s(15.9, 60.9, 14.0), s(14.5, 62.3, 14.04), s("lower", "higher", "lower"), s(1, 1, 1)).tolist()
    ['worse', 'worse', 'same']
    """
    v = round_half_up(value, decimals)
    o = round_half_up(other, decimals)
    diff = v - o
    pol = polarity.to_numpy()
    score = np.where(pol == "higher", diff, np.where(pol == "lower", -diff, np.nan))
    if lower is not None and upper is not None:
        lo, up = round_half_up(lower, decimals), round_half_up(upper, decimals)
        dist_v = np.maximum.reduce([lo - v, np.zeros_like(v), v - up])
        dist_o = np.maximum.reduce([lo - o, np.zeros_like(o), o - up])
        score = np.where(pol == "band", dist_o - dist_v, score)
    out = np.select([score > _EPS, score < -_EPS, np.abs(score) <= _EPS], ["better", "worse", "same"], "")
    return pd.Series(out, index=value.index, dtype="object")


def rate(frame: pd.DataFrame, scheme: pd.Series) -> pd.DataFrame:
    """RAG for rows with ``value, target, lower, upper, tolerance, tolerance_type, polarity,
    decimals, dot_long``; returns ``rag`` and ``rag_reason`` (blank where not rated).

    ``scheme`` holds each row's scheme (``two_state``, ``tolerance``, ``tolerance_improvement``).
    """
    d = frame["decimals"].to_numpy(dtype="float64")
    scale = 10.0 ** d
    v = round_half_up(frame["value"], d)
    target = frame["target"].to_numpy(dtype="float64")
    t = target * scale
    pol = frame["polarity"].to_numpy()
    sch = scheme.to_numpy()
    tol_raw = frame["tolerance"].to_numpy(dtype="float64")
    improvement = sch == "tolerance_improvement"
    tol_type = frame["tolerance_type"].fillna("absolute").to_numpy()
    tol_raw = np.where(improvement & np.isnan(tol_raw), DEFAULT_IMPROVEMENT_TOLERANCE, tol_raw)
    tol_type = np.where(improvement & np.isnan(frame["tolerance"].to_numpy(dtype="float64")), "relative", tol_type)
    tol_raw = np.nan_to_num(tol_raw, nan=0.0)
    lower = frame["lower"].to_numpy(dtype="float64") * scale
    upper = frame["upper"].to_numpy(dtype="float64") * scale
    width = upper - lower
    tol = np.where(tol_type == "relative", tol_raw * np.where(pol == "band", width, np.abs(t)), tol_raw * scale)

    gap = np.where(pol == "higher", t - v, np.where(pol == "lower", v - t, np.nan))  # > 0: off target
    on_target = gap <= _EPS
    within = gap <= tol + _EPS
    improved = frame["dot_long"].isin(["better", "same"]).to_numpy()
    rag = np.select(
        [on_target & (sch != "tolerance_improvement"),
         (sch == "tolerance") & within & (tol > 0),
         improvement & within,
         improvement & improved],
        ["Green", "Amber", "Green", "Amber"], "Red")
    inside = (v >= lower - _EPS) & (v <= upper + _EPS)
    deep = (v > lower + tol + _EPS) & (v < upper - tol - _EPS)
    band_rag = np.where(deep, "Green", np.where(inside, "Amber", "Red"))
    rag = np.where(pol == "band", band_rag, rag)
    rated = frame["status"].eq("rated").to_numpy()
    rag = np.where(rated, rag, "")
    return pd.DataFrame({"rag": rag, "tolerance_used": np.where(rated, tol / scale, np.nan)}, index=frame.index)


def score(values: pd.DataFrame, indicators: pd.DataFrame, targets: pd.DataFrame, authorities: Sequence[str],
          periods: Sequence[Period | str], schemes: Mapping[str, str] | str = DEFAULT_RAG_SCHEME) -> pd.DataFrame:
    """Score every indicator of the framework for each authority and reporting quarter.

    Parameters
    ----------
    values
        Local observations: ``authority, indicator_id, kind, ordinal, period, value, value_status,
        reason, symbol, numerator, denominator`` (as :func:`kpitools.loaders.load_local_values` gives).
    indicators
        The framework: ``indicator_id, title, polarity, unit, decimals, frequency, measure``.
    targets
        ``authority, indicator_id, fy, quarter (0 = annual), target, lower, upper, tolerance,
        tolerance_type``.
    authorities
        New codes of the authorities to score.
    periods
        Reporting quarters (``Period`` or text such as ``"2025-26 Q2"``).
    schemes
        One RAG scheme for all, or a mapping of authority code to scheme.

    Returns
    -------
    pandas.DataFrame
        One row per authority x indicator x period; the inputs are not modified.

    Examples
    --------
    >>> ind = pd.DataFrame({"indicator_id": ["A"], "title": ["Re-referrals"], "polarity": ["lower"],
    ...     "unit": ["percent"], "decimals": [1], "frequency": ["quarterly"], "measure": ["ytd"]})
    >>> vals = pd.DataFrame({"authority": ["E1"], "indicator_id": ["A"], "kind": ["quarter"],
    ...     "ordinal": [Period.parse("2025-26 Q1").ordinal], "period": ["2025-26 Q1"], "value": [21.0],
    ...     "value_status": ["ok"], "reason": [""], "symbol": [""], "numerator": [np.nan], "denominator": [np.nan]})
    >>> tg = pd.DataFrame({"authority": ["E1"], "indicator_id": ["A"], "fy": [2025], "quarter": [0],
    ...     "target": [20.0], "lower": [np.nan], "upper": [np.nan], "tolerance": [2.0], "tolerance_type": ["absolute"]})
    >>> score(vals, ind, tg, ["E1"], ["2025-26 Q1"])[["status", "rag"]].values.tolist()
    [['rated', 'Amber']]
    """
    quarters = [p if isinstance(p, Period) else Period.parse(p) for p in periods]
    if any(p.kind != "quarter" for p in quarters):
        raise PeriodError("a scorecard period must be a financial-year quarter such as 2025-26 Q2")
    keep = ["indicator_id", "title", "polarity", "unit", "decimals", "frequency", "measure"]
    grid = (pd.DataFrame({"authority": list(authorities)})
            .merge(pd.DataFrame({"q_ordinal": [p.ordinal for p in quarters]}), how="cross")
            .merge(indicators[keep], how="cross"))
    grid = _observation_keys(grid)
    vals = values[["authority", "indicator_id", "kind", "ordinal", "period", "value", "value_status", "reason",
                   "symbol", "numerator", "denominator"]].copy()
    vals["ordinal"] = vals["ordinal"].astype("int64")
    grid = _attach(grid, vals, "obs_ordinal", "")
    grid = _attach(grid, vals[vals["value_status"] == "ok"], "prev_ordinal", "prev_")
    grid = _attach(grid, vals[vals["value_status"] == "ok"], "ly_ordinal", "ly_")
    grid = _attach_targets(grid, targets)

    value_status = grid["value_status"].fillna("missing")
    no_target = np.where(grid["polarity"].eq("band"), grid["lower"].isna() | grid["upper"].isna(), grid["target"].isna())
    status = np.select(
        [grid["polarity"].eq("none"), ~grid["due"], value_status.eq("suppressed"), value_status.ne("ok"), no_target],
        ["not a target measure", "not due", "suppressed", "no data", "no target"], "rated")
    grid["status"] = status
    freq_words = {"biannual": "reported in Q2 and Q4 only", "annual": "reported once a year, in Q4"}
    grid["status_reason"] = np.select(
        [grid["status"].eq("not a target measure"), grid["status"].eq("not due"), grid["status"].eq("suppressed"),
         grid["status"].eq("no data") & grid["reason"].fillna("").ne(""), grid["status"].eq("no data"),
         grid["status"].eq("no target")],
        ["shown for context: no target is set for this measure",
         "not due this period (" + grid["frequency"].map(freq_words).fillna("") + ")",
         "value suppressed: " + grid["reason"].fillna(""),
         "no data: " + grid["reason"].fillna(""),
         "no data: no value in the extract for this period",
         "no target set for this period"], "")
    grid["dot_short"] = direction_of_travel(grid["value"], grid["prev_value"], grid["polarity"], grid["decimals"],
                                            grid["lower"], grid["upper"])
    grid["dot_long"] = direction_of_travel(grid["value"], grid["ly_value"], grid["polarity"], grid["decimals"],
                                           grid["lower"], grid["upper"])
    not_shown = ~grid["due"] | value_status.ne("ok")
    grid.loc[not_shown, ["dot_short", "dot_long"]] = ""
    if isinstance(schemes, str):
        scheme = pd.Series(schemes, index=grid.index)
    else:
        scheme = grid["authority"].map(dict(schemes)).fillna(DEFAULT_RAG_SCHEME)
    unknown = set(scheme.unique()) - set(RAG_SCHEMES)
    if unknown:
        raise ConfigError(f"unknown RAG scheme {sorted(unknown)}; expected one of {', '.join(RAG_SCHEMES)}")
    grid["rag_scheme"] = scheme
    grid = grid.join(rate(grid, scheme))
    quarter = pd.Series("quarter", index=grid.index)
    grid["period"] = labels(quarter, grid["q_ordinal"])
    grid["period_end"] = end_dates(quarter, grid["q_ordinal"])
    grid["previous_value"] = grid["prev_value"]
    grid["last_year_value"] = grid["ly_value"]
    grid["observation_period"] = grid["obs_period"]
    return grid.drop(columns=["prev_value", "ly_value", "obs_period", "prev_obs_period", "ly_obs_period",
                              "prev_value_status", "ly_value_status", "prev_reason", "ly_reason", "prev_symbol",
                              "ly_symbol", "prev_numerator", "prev_denominator", "ly_numerator", "ly_denominator"],
                     errors="ignore")

