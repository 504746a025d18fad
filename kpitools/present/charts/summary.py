"""The summary chart: counts of indicators by RAG rating and by unrated status
(:func:`summary_spec`, :func:`summary_chart`), and its text alternative (:func:`describe_summary`)
and data table (:func:`summary_table`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kpitools.core.vocabulary import STATUS_WORDS
from kpitools.present.charts.style import NEUTRAL, RAG_COLOURS, TEXT
from kpitools.present.charts.vega import _as_altair, _Datasets, _layer_spec, _top_level
from kpitools.present.page import is_missing

if TYPE_CHECKING:
    import altair as alt


def _summary_records(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per bar: Green, Amber and Red (even when 0), then each unrated status with a count."""
    groups = summary["group"].astype(str).str.lower().tolist()
    categories = summary["category"].astype(str).tolist()
    counts = pd.to_numeric(summary["count"], errors="coerce").fillna(0).astype(int).tolist()
    rag: dict[str, int] = {}
    for group, category, count in zip(groups, categories, counts):
        if group == "rag":
            if category in rag:
                raise ValueError(f"the summary has more than one {category!r} row")
            rag[category] = count
    rows = [{"category": c, "count": int(rag.get(c, 0)), "kind": c} for c in ("Green", "Amber", "Red")]
    for group, category, count in zip(groups, categories, counts):
        if group == "status" and category.lower() != "rated" and count > 0:
            word = STATUS_WORDS.get(category.lower(), category.capitalize())
            rows.append({"category": word, "count": int(count), "kind": "status"})
    return rows


def _summary_rows(summary: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(_summary_records(summary))


def summary_spec(summary: pd.DataFrame, *, width: int = 420, bar_height: int = 30) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`summary_chart`, built without Altair (for static rendering).

    Parameters
    ----------
    summary, width, bar_height
        As for :func:`summary_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec.
    """
    rows = _summary_records(summary)
    order = [r["category"] for r in rows]
    colours = [RAG_COLOURS.get(c, NEUTRAL) for c in order]
    maxc = max(1, max(r["count"] for r in rows))
    # No axis: every bar has its count written at its end.
    x = {
        "field": "count",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [0, maxc * 1.15], "nice": False},
        "axis": None,
    }
    y = {
        "field": "category",
        "type": "nominal",
        "sort": order,
        "title": None,
        "axis": {"labelFontSize": 13, "ticks": False, "domain": False},
    }
    colour = {"field": "category", "type": "nominal", "scale": {"domain": order, "range": colours}, "legend": None}
    data = _Datasets()
    chart = _layer_spec(
        data,
        [
            (
                rows,
                {
                    "mark": {"type": "bar", "stroke": TEXT, "strokeWidth": 1, "height": bar_height - 8},
                    "encoding": {"x": x, "y": y, "color": colour},
                },
            ),
            (
                rows,
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 5,
                        "fontSize": 13,
                        "fontWeight": "bold",
                        "color": TEXT,
                    },
                    "encoding": {"x": x, "y": y, "text": {"field": "count", "type": "quantitative"}},
                },
            ),
        ],
        width=width,
        height=bar_height * max(1, len(rows)),
    )
    return _top_level(chart, data)


def summary_chart(summary: pd.DataFrame, *, width: int = 420, bar_height: int = 30) -> alt.LayerChart:
    """Counts of indicators by RAG rating (and by unrated status) as labelled bars.

    Parameters
    ----------
    summary
        ``PackTables.summary`` (``group, category, count, percent``).
    width, bar_height
        Plot width and the height of one bar, in pixels.

    Returns
    -------
    altair.LayerChart
        One bar per category (Green, Amber, Red, then any unrated statuses in grey), named on the
        axis in words, outlined so the Amber bar keeps a 3:1 contrast, with its count written at
        the end of the bar. Its ``to_dict()`` is :func:`summary_spec`.
    """
    return _as_altair(summary_spec(summary, width=width, bar_height=bar_height))


# --------------------------------------------------------------------------------------------
# Text alternative and data table
# --------------------------------------------------------------------------------------------


def describe_summary(summary: pd.DataFrame) -> str:
    """A text alternative for :func:`summary_chart`."""
    rows = _summary_rows(summary)
    items = [f"{r['category']} {r['count']}" for _, r in rows.iterrows()]
    return "Bar chart of the number of indicators by rating: " + ", ".join(items) + "."


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as display text: ``Category, Number of indicators, Percent``."""
    df = summary.copy()
    out = []
    for group, heading in (("rag", "rated indicators"), ("status", "all indicators")):
        part = df[df["group"].astype(str).str.lower() == group]
        for _, r in part.iterrows():
            cat = str(r["category"])
            word = cat if group == "rag" else STATUS_WORDS.get(cat.lower(), cat.capitalize())
            pct = "–" if is_missing(r.get("percent")) else f"{int(round(float(r['percent'])))}%"
            out.append(
                {
                    "Category": word,
                    "Number of indicators": str(int(r["count"])),
                    "Percent": f"{pct} of {heading}" if pct != "–" else pct,
                }
            )
    return pd.DataFrame(out, columns=["Category", "Number of indicators", "Percent"])
