"""A pack's charts, rendered once per pack outside the notebooks' kernels.

Drawing a chart (building the Vega-Lite spec, then vl-convert's SVG) is most of a report
notebook's work. A schedule renders every chart of a pack once, in a worker process that keeps
Altair and vl-convert warm from pack to pack, and stores the accessible HTML figures with the scored
tables (``figures.parquet``). The notebooks then only place them, so each notebook costs little more
than starting its kernel; the index page reuses the summary figure.

When a notebook is run by hand without scored tables (JupyterLab), :func:`section` draws the chart
there and then, with the same :mod:`kpitools.render` functions, so both routes give the same page.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from . import render
from .tables import FIGURE_COLUMNS, PackTables

KINDS = ("summary", "trend", "comparison")


def _indicator_id(row: Mapping[str, Any] | pd.Series | None) -> str:
    return "" if row is None else str(row.get("indicator_id", ""))


def _benchmarked(tables: PackTables) -> set[str]:
    ids: set[str] = set()
    for df in (tables.comparison, tables.benchmarks):
        if "indicator_id" in df.columns:
            ids |= set(df["indicator_id"].astype(str))
    return ids


def draw(tables: PackTables, kind: str, row: Mapping[str, Any] | pd.Series | None = None) -> render.Fragment:
    """Draw one section now: ``summary`` (sentence, table and RAG chart), ``trend`` (an indicator's
    trend chart) or ``comparison`` (an indicator's ranked comparison and published trend)."""
    name = tables.meta.get("authority_name")
    if kind == "summary":
        sentences = tables.meta.get("summary_sentences") or [tables.meta.get("summary_sentence", "")]
        return render.summary_block(tables.summary, " ".join(sentences))
    if row is None:
        raise ValueError(f"a {kind} section needs the indicator's scorecard row")
    if kind == "trend":
        return render.trend_section(row, tables.history, tables.benchmarks, authority_name=name)
    if kind == "comparison":
        return render.comparison_section(row, tables.comparison, tables.benchmarks, authority_name=name)
    raise ValueError(f"unknown figure kind {kind!r}; expected one of {', '.join(KINDS)}")


def render_figures(tables: PackTables) -> pd.DataFrame:
    """Every section with a chart that the report notebooks show, as HTML.

    Returns
    -------
    pandas.DataFrame
        ``kind, indicator_id, html``: one ``summary`` row, a ``trend`` row per scorecard indicator
        and a ``comparison`` row per indicator with published figures.
    """
    rows = [("summary", "", draw(tables, "summary").data)]
    benchmarked = _benchmarked(tables)
    for _, row in tables.scorecard.iterrows():
        ind = _indicator_id(row)
        rows.append(("trend", ind, draw(tables, "trend", row).data))
        if ind in benchmarked:
            rows.append(("comparison", ind, draw(tables, "comparison", row).data))
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def section(tables: PackTables, kind: str, row: Mapping[str, Any] | pd.Series | None = None) -> render.Fragment:
    """The section as rendered with the pack's tables, or drawn now if the tables carry no figures.

    Examples
    --------
    >>> import pandas as pd
    >>> t = PackTables(meta={"authority_name": "Havering"}, scorecard=pd.DataFrame(), summary=pd.DataFrame(),
    ...                history=pd.DataFrame(), benchmarks=pd.DataFrame(),
    ...                figures=pd.DataFrame([["summary", "", "<p>stored</p>"]], columns=FIGURE_COLUMNS))
    >>> section(t, "summary").data
    '<p>stored</p>'
    """
    figures = tables.figures
    if figures is not None and not figures.empty:
        hit = figures[(figures["kind"] == kind) & (figures["indicator_id"] == _indicator_id(row))]
        if len(hit):
            return render.Fragment(str(hit["html"].iloc[0]))
    return draw(tables, kind, row)
