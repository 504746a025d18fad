"""The summary a committee reads first: data available for N of M, counts and percentages."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.core.periods import period_words
from kpitools.core.vocabulary import RAGS, STATUSES


def largest_remainder(counts: pd.Series | list[int], total: int = 100) -> list[int]:
    """Whole-number percentages that add up to ``total`` (Hamilton's method).

    Remainders are shared out largest first; equal remainders go to the larger count, then in order.

    Examples
    --------
    >>> largest_remainder([5, 1, 1])
    [72, 14, 14]
    >>> largest_remainder([3, 9])
    [25, 75]
    >>> largest_remainder([0, 0])
    [0, 0]
    """
    c = np.asarray(list(counts), dtype="float64")
    n = c.sum()
    if n == 0:
        return [0] * len(c)
    exact = c * total / n
    floors = np.floor(exact + 1e-9)
    short = int(round(total - floors.sum()))
    order = sorted(range(len(c)), key=lambda i: (-(exact[i] - floors[i]), -c[i], i))
    for i in order[:short]:
        floors[i] += 1
    return [int(x) for x in floors]


def summarise(card: pd.DataFrame) -> pd.DataFrame:
    """Counts and percentages by RAG (of the rated indicators) and by status (of all indicators).

    Examples
    --------
    >>> card = pd.DataFrame({"status": ["rated"] * 7 + ["no data"], "rag": ["Green"] * 5 + ["Amber", "Red", ""]})
    >>> summarise(card).query("group == 'rag'")[["category", "count", "percent"]].values.tolist()
    [['Green', 5, 72], ['Amber', 1, 14], ['Red', 1, 14]]
    """
    rag_counts = card.loc[card["status"].eq("rated"), "rag"].value_counts().reindex(list(RAGS), fill_value=0)
    status_counts = card["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    rag = pd.DataFrame(
        {
            "group": "rag",
            "category": list(RAGS),
            "count": rag_counts.to_numpy(dtype=int),
            "percent": largest_remainder(rag_counts),
        }
    )
    status = pd.DataFrame(
        {
            "group": "status",
            "category": list(STATUSES),
            "count": status_counts.to_numpy(dtype=int),
            "percent": largest_remainder(status_counts),
        }
    )
    return pd.concat([rag, status], ignore_index=True)


def summary_sentences(card: pd.DataFrame) -> list[str]:
    """The sentences of seed 000's summary page.

    Examples
    --------
    >>> card = pd.DataFrame({"status": ["rated"] * 3 + ["no data"], "rag": ["Green", "Red", "Red", ""]})
    >>> summary_sentences(card)
    ['Performance data is available for 3 of the 4 indicators.', 'Of the 3 indicators: 1 (33%) has a status of Green, 2 (67%) have a status of Red.']
    """
    s = summarise(card)
    rated = int(card["status"].eq("rated").sum())
    lines = [f"Performance data is available for {rated} of the {len(card)} indicators."]
    parts = [
        f"{r['count']} ({r['percent']}%) {'has' if r['count'] == 1 else 'have'} a status of {r['category']}"
        for _, r in s[s["group"].eq("rag") & s["count"].gt(0)].iterrows()
    ]
    if parts:
        lines.append(f"Of the {rated} indicators: " + ", ".join(parts) + ".")
    late = _late_sentence(card)
    if late:
        lines.append(late)
    return lines


def _late_sentence(card: pd.DataFrame) -> str:
    """How many of the rated figures are the latest available rather than the figure due (``""``
    when none is): a rating of an earlier period's figure is never passed off as the period's own.

    Examples
    --------
    >>> card = pd.DataFrame({"status": ["rated", "rated"], "rag": ["Green", "Amber"], "late": [False, True],
    ...                      "due_period": ["2025-26 Q2", "2025-26 Q2"]})
    >>> _late_sentence(card)
    "1 of them is the latest available figure rather than 2025-26 Q2's: see Late and missing figures in the committee scorecard."
    """
    if "late" not in card.columns:
        return ""
    late = card["late"].eq(True).fillna(False).astype(bool) & card["status"].eq("rated")
    n = int(late.sum())
    if not n:
        return ""
    due = card.loc[late, "due_period"].dropna().astype(str).unique() if "due_period" in card.columns else []
    instead = f"{period_words(due[0])}'s" if len(due) == 1 else "the figures due"
    return (
        f"{n} of them {'is' if n == 1 else 'are'} the latest available "
        f"figure{'' if n == 1 else 's'} rather than {instead}: see Late and missing figures in the committee scorecard."
    )
