"""A pack's sections, rendered once per pack outside the notebooks' kernels.

Drawing the charts (a Vega-Lite spec, then vl-convert's SVG) and the scorecard's tables is nearly
all of a report notebook's work. ``kpitools report`` and ``kpitools run`` render every section of a
pack once, in the process that scored it (a schedule's worker keeps vl-convert warm from pack to
pack), and store the HTML with the tables (``sections.json``). The notebooks then place them with
:func:`section`: their kernels import neither pandas nor the chart code, so each notebook costs
little more than starting its kernel, and the index page reuses the summary.

When a notebook is run by hand without scored tables (JupyterLab), :func:`section` draws the
section there and then, with the same :mod:`kpitools.present.render` functions, so both routes give the
same page.

Kinds of section (``indicator`` is needed for the last two):

=============== =================================================================
``summary``     the summary sentence, the counts by rating and their chart
``scorecard``   the scorecard table
``highlights``  the indicators with a highlight in the commentary
``improvements`` the indicators rated red with what is being done
``notes``       definitions, sources and caveats
``trend``       one indicator's trend chart, against its target and benchmarks
``comparison``  one indicator's ranked comparison and published trend by year
=============== =================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kpitools.present.page import Fragment
from kpitools.pack.tables import PackTables

if TYPE_CHECKING:
    import pandas as pd

PACK_KINDS = ("summary", "scorecard", "highlights", "improvements", "notes")
INDICATOR_KINDS = ("trend", "comparison")
KINDS = PACK_KINDS + INDICATOR_KINDS


def _indicator_id(indicator: str | Mapping[str, Any] | None) -> str:
    if indicator is None:
        return ""
    if isinstance(indicator, str):
        return indicator
    return str(indicator.get("indicator_id", ""))


def _scorecard_row(tables: PackTables, indicator: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(indicator, str):
        return indicator
    card = tables.scorecard
    rows = card[card["indicator_id"].astype(str) == indicator]
    if rows.empty:
        raise ValueError(f"indicator {indicator!r} is not in this pack's scorecard")
    return rows.iloc[0].to_dict()


def draw(tables: PackTables, kind: str, indicator: str | Mapping[str, Any] | None = None, *,
         frames: Mapping[str, "pd.DataFrame"] | None = None) -> Fragment:
    """Draw one section now from the tables (see the module's list of kinds).

    ``frames`` may give the indicator's own rows of ``history``, ``benchmarks`` and
    ``comparison``, already cut out, which saves looking them up in the whole tables.
    """
    from kpitools.present import render

    meta = tables.meta
    name = meta.get("authority_name")
    if kind == "summary":
        sentences = meta.get("summary_sentences") or [meta.get("summary_sentence", "")]
        return render.summary_block(tables.summary, " ".join(sentences))
    if kind == "scorecard":
        return render.scorecard_table(tables.scorecard, meta=meta)
    if kind == "highlights":
        return render.highlights_block(tables.scorecard)
    if kind == "improvements":
        return render.improvements_block(tables.scorecard)
    if kind == "notes":
        return render.notes_block(tables.scorecard, meta)
    if kind not in INDICATOR_KINDS:
        raise ValueError(f"unknown section kind {kind!r}; expected one of {', '.join(KINDS)}")
    if indicator is None:
        raise ValueError(f"a {kind} section needs the indicator (its id or its scorecard row)")
    row = _scorecard_row(tables, indicator)
    frames = frames or {}
    benchmarks = frames.get("benchmarks", tables.benchmarks)
    if kind == "trend":
        return render.trend_section(row, frames.get("history", tables.history), benchmarks, authority_name=name)
    return render.comparison_section(row, frames.get("comparison", tables.comparison), benchmarks,
                                     authority_name=name)


def render_sections(tables: PackTables) -> dict[str, dict[str, str]]:
    """Every section the report notebooks show, as HTML: ``{kind: {indicator_id: html}}``, with
    ``""`` as the id of a section of the whole pack.

    A ``trend`` for each scorecard indicator and a ``comparison`` for each one with published
    figures.
    """
    out: dict[str, dict[str, str]] = {kind: {"": draw(tables, kind).data} for kind in PACK_KINDS}
    from kpitools.score.benchmarks import benchmarked_ids  # pandas: only when sections are drawn

    benchmarked = benchmarked_ids(tables.comparison, tables.benchmarks)
    # Each indicator's rows cut out once: the chart code looks them up several times a chart.
    by_indicator = {name: dict(tuple(df.groupby(df["indicator_id"].astype(str), sort=False)))
                    for name in ("history", "benchmarks", "comparison")
                    if "indicator_id" in (df := getattr(tables, name)).columns}
    out["trend"], out["comparison"] = {}, {}
    for row in tables.scorecard.to_dict("records"):
        ind = _indicator_id(row)
        frames = {name: groups.get(ind, getattr(tables, name).iloc[0:0]) for name, groups in by_indicator.items()}
        out["trend"][ind] = draw(tables, "trend", row, frames=frames).data
        if ind in benchmarked:
            out["comparison"][ind] = draw(tables, "comparison", row, frames=frames).data
    return out


def section(tables: PackTables, kind: str, indicator: str | Mapping[str, Any] | None = None) -> Fragment:
    """The section as rendered when the pack was built, or drawn now if the tables carry none.

    Parameters
    ----------
    tables
        From :func:`kpitools.pack.tables.load_or_build_tables`.
    kind
        ``summary``, ``scorecard``, ``highlights``, ``improvements``, ``notes``, ``trend`` or
        ``comparison``.
    indicator
        For ``trend`` and ``comparison``: the indicator's id (or its scorecard row).

    Examples
    --------
    >>> t = PackTables(meta={"authority_name": "Havering"}, scorecard=None, summary=None, history=None,
    ...                benchmarks=None, comparison=None, sections={"summary": {"": "<p>stored</p>"}})
    >>> section(t, "summary").data
    '<p>stored</p>'
    """
    stored = tables.sections.get(kind, {}).get(_indicator_id(indicator) if kind in INDICATOR_KINDS else "")
    if stored is not None:
        return Fragment(stored)
    return draw(tables, kind, indicator)
