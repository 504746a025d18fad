"""Generated text: the sentence a report writer would write for each indicator (seed 000):
"'% of care leavers in education, employment or training' is below target and worse than the
previous quarter and the same time last year."
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.core.numbers import format_numbers, round_half_up

UNIT_SUFFIX = {"percent": "%"}


def format_values(values: pd.Series, units: pd.Series, decimals: pd.Series) -> pd.Series:
    """Values as the report shows them: ``60.9%``, ``1,234``, ``12.5 days``; blank when missing.

    The number is :func:`kpitools.core.numbers.format_numbers`'s (rounded half away from zero on the
    decimal as written, a real minus sign), so it reads as the charts show it.

    Examples
    --------
    >>> format_values(pd.Series([60.94, 1234.0, None]), pd.Series(["percent", "count", "count"]), pd.Series([1, 0, 0])).tolist()
    ['60.9%', '1,234', '']
    >>> format_values(pd.Series([12.35, -2.5]), pd.Series(["percent", "days"]), pd.Series([1, 0])).tolist()
    ['12.4%', '\u22123 days']
    """
    s = format_numbers(values, decimals, missing="")
    s.index = values.index
    kinds = pd.unique(units.fillna("").to_numpy(dtype=object))
    suffix = units.map({u: UNIT_SUFFIX.get(u, "" if u in ("", "count", "rate") else f" {u}") for u in kinds}).fillna("")
    return s.where(s.eq(""), s + suffix)


def _comparison_phrase(
    short: pd.Series, long: pd.Series, frequency: pd.Series, by_month: pd.Series | None = None
) -> pd.Series:
    by_month = pd.Series(False, index=short.index) if by_month is None else by_month
    prev = np.select(
        [by_month, frequency.eq("biannual"), frequency.eq("annual")],
        ["the previous month", "the previous half-year", "the previous year"],
        "the previous quarter",
    )
    prev = pd.Series(prev, index=short.index)
    last = pd.Series("the same time last year", index=short.index)
    long = long.where(~frequency.eq("annual"), "")  # for an annual figure both compare with last year

    def word(d: pd.Series, what: pd.Series) -> pd.Series:
        # "the same as at this time last year", never "the same as the same time last year"
        same = "the same as " + what.str.replace("the same time last year", "at this time last year", regex=False)
        return pd.Series(np.where(d.eq("same"), same, d + " than " + what), index=d.index)

    both_same = short.ne("") & short.eq(long)
    both_text = np.where(
        short.eq("same"), "the same as " + prev + " and " + last, short + " than " + prev + " and " + last
    )
    return pd.Series(
        np.select(
            [both_same, short.ne("") & long.ne(""), short.ne(""), long.ne("")],
            [
                " and " + pd.Series(both_text, index=short.index),
                " and " + word(short, prev) + " but " + word(long, last),
                " and " + word(short, prev),
                " and " + word(long, last),
            ],
            "",
        ),
        index=short.index,
    )


def sentences(card: pd.DataFrame) -> pd.Series:
    """One sentence per scorecard row (vectorised).

    Needs ``title, polarity, status, rag, value, target, lower, upper, unit, decimals, frequency,
    dot_short, dot_long``.
    """
    title = "\u2018" + card["title"].astype(str) + "\u2019"
    pol = card["polarity"]
    v = card["value"].astype("float64")
    t = card["target"].astype("float64")
    vs = round_half_up(v, card["decimals"])
    ts = np.round(t.to_numpy() * 10.0 ** card["decimals"].to_numpy(dtype="float64"), 6)
    band = (
        format_values(card["lower"], card["unit"], card["decimals"])
        + "\u2013"
        + format_values(card["upper"], card["unit"], card["decimals"])
    )
    smaller = np.where(pol.eq("lower"), " (where smaller is better)", "")
    position = np.select(
        [
            card["status"].eq("not a target measure"),
            card["status"].eq("not due"),
            card["status"].eq("no data"),
            card["status"].eq("suppressed"),
            card["status"].eq("no target"),
            pol.eq("band") & card["rag"].eq("Green"),
            pol.eq("band") & card["rag"].eq("Amber"),
            pol.eq("band"),
            vs > ts + 1e-6,
            vs < ts - 1e-6,
        ],
        [
            "is shown for context (not a target measure)",
            "is not due this period",
            "has no data for this period",
            "is suppressed this period (small numbers)",
            "has no target for this period",
            "is inside its target band of " + band,
            "is inside its target band of " + band + " but close to its edge",
            "is outside its target band of " + band,
            "is above target" + smaller,
            "is below target" + smaller,
        ],
        "is on target",
    )
    position = pd.Series(position, index=card.index)
    amber_tol = (
        card["rag"].eq("Amber")
        & ~pol.eq("band")
        & card.get("rag_scheme", pd.Series("", index=card.index)).eq("tolerance")
    )
    position = position.where(~amber_tol, position + " but within the tolerance")
    shown = card["status"].isin(["rated", "no target", "not a target measure"])
    # a monthly figure in a monthly pack (due for the pack's own month) is compared with the month before
    due = card["due_period"] if "due_period" in card.columns else pd.Series("", index=card.index)
    by_month = card["frequency"].eq("monthly") & due.astype(object).eq(card["period"].astype(object))
    dot = _comparison_phrase(card["dot_short"].fillna(""), card["dot_long"].fillna(""), card["frequency"], by_month)
    dot = dot.where(shown & ~pol.eq("none"), "")
    return title + " " + position + dot + "."
