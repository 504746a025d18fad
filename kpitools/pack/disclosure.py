"""Disclosure control for published packs: small numbers about children are withheld everywhere.

A pack built with ``--publish`` (or ``publication: {publish: true}`` in ``settings.yaml``) passes its
tables through :func:`withhold_small_numbers` before anything is drawn or written, so the HTML
text, the tables, the chart data embedded in the page, the CSV and the JSON all show the same
withheld figures:

- a **count** (an indicator whose unit is ``count``) from 1 up to the threshold (default: below 6,
  so 1 to 5) is withheld, in the authority's figures, its history, the published series and every
  authority in the comparison; zero is not withheld (it discloses no child);
- a **figure derived from a small count** (a percentage or rate whose numerator or denominator is
  from 1 up to the threshold) is withheld, with its numerator and denominator;
- a withheld figure this period is not rated: its status is ``suppressed`` and its reason says
  why, so that neither a colour nor a sentence can give it away; previous and last year's figures
  that were withheld are not shown either.

The draft pack for officers (no ``--publish``) shows every figure.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kpitools.pack.tables import PackTables

DEFAULT_THRESHOLD = 6
WITHHELD_TEXT = "withheld"
_SCORECARD_COUNT_COLUMNS = (
    "value",
    "previous_value",
    "last_year_value",
    "published_value",
    "london",
    "england",
    "sn_mean",
    "comparator_mean",
)


def small(values: pd.Series | np.ndarray, below: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """True where a number is a small count: at least 1 and below the threshold.

    Examples
    --------
    >>> small(pd.Series([0, 1, 5, 5.4, 6, None])).tolist()
    [False, True, True, True, False, False]
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
    return (v >= 1) & (v < below)


def _withheld_history(history: pd.DataFrame, is_count: pd.Series, below: float) -> np.ndarray:
    count = history["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
    mask = count & small(history["value"], below)
    for col in ("numerator", "denominator"):
        if col in history.columns:
            mask |= small(history[col], below)
    return mask


def _quarter_ordinal(labels: pd.Series) -> pd.Series:
    from kpitools.core.periods import Period

    mapping = {label: Period.parse(label).ordinal for label in labels.dropna().unique()}
    return labels.map(mapping)


def withhold_small_numbers(tables: PackTables, below: float = DEFAULT_THRESHOLD) -> PackTables:
    """A copy of the pack's tables with small numbers withheld (the input is not modified).

    Parameters
    ----------
    tables
        Scored tables from :func:`kpitools.pack.build_tables`, before figures are drawn.
    below
        Counts from 1 up to (not including) this are withheld (``publication.suppress_counts_below``).

    Returns
    -------
    PackTables
        With the withheld figures blank, their scorecard rows ``suppressed`` and the summary,
        sentences and ``meta`` (``disclosure``) updated.

    Examples
    --------
    >>> card = pd.DataFrame({"indicator_id": ["A"], "unit": ["count"], "value": [3.0], "numerator": [np.nan],
    ...                      "denominator": [np.nan], "status": ["rated"], "rag": ["Red"]})
    >>> t = PackTables(meta={}, scorecard=card, summary=pd.DataFrame(), history=pd.DataFrame(),
    ...                benchmarks=pd.DataFrame(), comparison=pd.DataFrame())
    >>> withhold_small_numbers(t).scorecard[["value", "status", "rag"]].values.tolist()
    [[nan, 'suppressed', '']]
    """
    from kpitools.score.summary import summarise, summary_sentences
    from kpitools.score.text import format_values, sentences

    card = tables.scorecard.copy()
    is_count = card.set_index("indicator_id")["unit"].eq("count")
    count_rows = card["unit"].eq("count").to_numpy()

    history = tables.history.copy()
    if not history.empty:
        hidden = _withheld_history(history, is_count, below)
        history.loc[hidden, "value"] = np.nan
        for col in ("numerator", "denominator"):
            if col in history.columns:
                history.loc[hidden, col] = np.nan
        history.loc[hidden, "status"] = "suppressed"
        history.loc[hidden, "rag"] = ""
        withheld_periods = history.loc[hidden, ["indicator_id", "period"]]
    else:
        withheld_periods = pd.DataFrame(columns=["indicator_id", "period"])

    # This period's figure: a small count, or derived from one.
    now = count_rows & small(card["value"], below)
    for col in ("numerator", "denominator"):
        now |= small(card[col], below)
    for col in ("numerator", "denominator"):
        card.loc[now, col] = np.nan
    card.loc[now, "value"] = np.nan
    if "status" in card.columns:
        card.loc[now, "status"] = "suppressed"
        card.loc[now, "rag"] = ""
        if "status_reason" in card.columns:
            card.loc[now, "status_reason"] = (
                f"value suppressed: withheld for publication (a count of 1 to "
                f"{int(np.ceil(below)) - 1}, or a figure derived from one)"
            )
        for col in ("dot_short", "dot_long"):
            if col in card.columns:
                card.loc[now, col] = ""

    # Previous and last year's figures withheld in the history are withheld here too.
    if not withheld_periods.empty and {"period", "frequency"} <= set(card.columns):
        q = _quarter_ordinal(card["period"])
        step = card["frequency"].map({"biannual": 2, "annual": 4}).fillna(1)
        hidden_periods = set(zip(withheld_periods["indicator_id"], _quarter_ordinal(withheld_periods["period"])))
        for col, back in (("previous_value", step), ("last_year_value", 4)):
            if col in card.columns:
                mask = [(i, o) in hidden_periods for i, o in zip(card["indicator_id"], q - back)]
                card.loc[mask, col] = np.nan
    for col in _SCORECARD_COUNT_COLUMNS:
        if col in card.columns:
            card.loc[count_rows & small(card[col], below), col] = np.nan

    benchmarks = tables.benchmarks.copy()
    if not benchmarks.empty:
        bc = benchmarks["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
        benchmarks.loc[bc & small(benchmarks["value"], below), "value"] = np.nan
    comparison = tables.comparison.copy()
    if not comparison.empty:
        cc = comparison["indicator_id"].map(is_count).fillna(False).to_numpy(dtype=bool)
        comparison.loc[cc & small(comparison["value"], below), "value"] = np.nan

    if {"value_text", "unit", "decimals"} <= set(card.columns):
        text = format_values(card["value"], card["unit"], card["decimals"])
        card["value_text"] = np.where(now, WITHHELD_TEXT, text)
    if {"title", "polarity", "target"} <= set(card.columns):
        card["sentence"] = sentences(card)
    meta = tables.meta.copy()
    meta["disclosure"] = {"publish": True, "suppress_counts_below": below, "withheld_this_period": int(now.sum())}
    summary = tables.summary
    if "status" in card.columns:
        summary = summarise(card)
        meta["summary_sentences"] = summary_sentences(card)
        meta["summary_sentence"] = meta["summary_sentences"][0]
    return replace(
        tables,
        meta=meta,
        scorecard=card,
        summary=summary,
        history=history,
        benchmarks=benchmarks,
        comparison=comparison,
        sections={},
    )
