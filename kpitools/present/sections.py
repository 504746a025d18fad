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

The kinds of section are the registry :data:`SECTIONS` below: one line each, with whether it is
drawn once per pack or once per indicator, how it is drawn, and which indicators have one. A new
chart or section is its drawing function (in :mod:`kpitools.present.render`) and one line there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpitools.pack.tables import PackTables
from kpitools.present.page import Fragment

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SECTIONS",
    "Section",
    "KINDS",
    "PACK_KINDS",
    "INDICATOR_KINDS",
    "draw",
    "render_sections",
    "section",
    "is_benchmark_only",
    "pack_sections",
    "has_late_or_missing",
    "has_framework_changes",
]


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


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def _every_indicator(_row: Mapping[str, Any], _benchmarked: set[str]) -> bool:
    return True


def _has_published_figures(row: Mapping[str, Any], benchmarked: set[str]) -> bool:
    return _indicator_id(row) in benchmarked


@dataclass(frozen=True)
class Section:
    """One kind of section.

    A section of the whole pack is drawn by ``draw(tables)``; a per-indicator one by
    ``draw(tables, row, frames)``, with the indicator's scorecard row and its own rows of
    ``history``, ``benchmarks`` and ``comparison``, and only for the indicators ``applies(row,
    benchmarked)`` accepts (``benchmarked``: the ids with published figures).
    """

    name: str
    what: str
    per_indicator: bool
    draw: Callable[..., Fragment]
    applies: Callable[[Mapping[str, Any], set[str]], bool] = _every_indicator


def _render() -> Any:
    from kpitools.present import render  # pandas and the chart code: only when a section is drawn

    return render


def is_benchmark_only(meta: Mapping[str, Any]) -> bool:
    """Whether the pack shows published figures only: no local figures, so nothing is rated.

    Examples
    --------
    >>> is_benchmark_only({"has_local_data": False}), is_benchmark_only({"benchmark_only": False, "has_local_data": False})
    (True, False)
    >>> is_benchmark_only({"authority_name": "Havering", "has_local_data": True})
    False
    """
    return bool(meta.get("benchmark_only", not meta.get("has_local_data", True)))


# The committee scorecard's parts, by the anchor of each heading: a pack with local figures has its
# ratings; a benchmark-only pack has its published position in their place (no counts of zero, no
# "No data" beside a published rank). The changes to the indicators and the late and missing figures
# are there only when there is something to list.
_RATED_PARTS = (
    "summary",
    "framework-changes",
    "scorecard",
    "late-figures",
    "highlights",
    "watch",
    "improvements",
    "trends",
    "notes",
    "provenance",
)
_BENCHMARK_ONLY_PARTS = ("published-position", "framework-changes", "notes", "provenance")


def has_late_or_missing(meta: Mapping[str, Any]) -> bool:
    """Whether a figure of the pack is late (the latest available in place of the one due) or an
    indicator has no figure: the pack's ``late_indicators`` and ``missing_indicators``, of the
    indicators it has.

    Examples
    --------
    >>> has_late_or_missing({"late_indicators": ["A"], "indicators": ["A", "B"]})
    True
    >>> has_late_or_missing({"missing_indicators": ["C"], "indicators": ["A", "B"]}), has_late_or_missing({})
    (False, False)
    """
    listed = [*(meta.get("late_indicators") or []), *(meta.get("missing_indicators") or [])]
    kept = meta.get("indicators")
    # a pack cut down to some indicators keeps the whole pack's lists: only its own count
    return any(kept is None or i in kept for i in listed)


def has_framework_changes(meta: Mapping[str, Any]) -> bool:
    """Whether an indicator was added to or removed from the framework since the period before.

    Examples
    --------
    >>> has_framework_changes({"framework_changes": {"since": "2025-26 Q1", "added": [], "removed": [{"indicator_id": "A"}]}})
    True
    >>> has_framework_changes({"framework_changes": {"since": "2025-26 Q1", "added": [], "removed": []}})
    False
    """
    changes = meta.get("framework_changes") or {}
    return bool(changes.get("added") or changes.get("removed"))


def pack_sections(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The parts of the committee scorecard this pack has, by their anchors, in order: the notebook
    shows a part (and lists it in its contents) only when it is here.

    Examples
    --------
    >>> pack_sections({"has_local_data": False})
    ('published-position', 'notes', 'provenance')
    >>> pack_sections({"has_local_data": True})[:3]
    ('summary', 'scorecard', 'highlights')
    >>> pack_sections({"has_local_data": True, "missing_indicators": ["A"],
    ...                "framework_changes": {"added": [{"indicator_id": "B"}]}})[:4]
    ('summary', 'framework-changes', 'scorecard', 'late-figures')
    """
    parts = _BENCHMARK_ONLY_PARTS if is_benchmark_only(meta) else _RATED_PARTS
    # a benchmark-only pack lists no late or missing figures: it has no local figures at all
    shown = {
        "framework-changes": has_framework_changes(meta),
        "late-figures": has_late_or_missing(meta) and not is_benchmark_only(meta),
    }
    return tuple(p for p in parts if shown.get(p, True))


def _summary(tables: PackTables) -> Fragment:
    meta = tables.meta
    if is_benchmark_only(meta):
        # the index page's summary: the published position's lead, not counts of ratings that are all zero
        lead = _render().published_position_lead(
            tables.scorecard, tables.benchmarks, meta.get("authority_name"), benchmark_only=True
        )
        return Fragment(f'<div class="kpi-summary"><p class="kpi-lead">{_render().esc(lead)}</p></div>')
    sentences = meta.get("summary_sentences") or [meta.get("summary_sentence", "")]
    return _render().summary_block(tables.summary, " ".join(sentences))


def _scorecard(tables: PackTables) -> Fragment:
    return _render().scorecard_table(tables.scorecard, meta=tables.meta)


def _highlights(tables: PackTables) -> Fragment:
    return _render().highlights_block(tables.scorecard)


def _watch(tables: PackTables) -> Fragment:
    return _render().watch_block(tables.scorecard)


def _improvements(tables: PackTables) -> Fragment:
    return _render().improvements_block(tables.scorecard)


def _late_figures(tables: PackTables) -> Fragment:
    return _render().late_figures_block(tables.scorecard, tables.meta)


def _framework_changes(tables: PackTables) -> Fragment:
    return _render().framework_changes_block(tables.meta)


def _published_position(tables: PackTables) -> Fragment:
    return _render().published_position_block(
        tables.scorecard,
        tables.benchmarks,
        tables.meta.get("authority_name"),
        benchmark_only=is_benchmark_only(tables.meta),
    )


def _notes(tables: PackTables) -> Fragment:
    return _render().notes_block(tables.scorecard, tables.meta, ratings=not is_benchmark_only(tables.meta))


def _trend(tables: PackTables, row: Mapping[str, Any], frames: Mapping[str, pd.DataFrame]) -> Fragment:
    return _render().trend_section(
        row,
        frames.get("history", tables.history),
        frames.get("benchmarks", tables.benchmarks),
        authority_name=tables.meta.get("authority_name"),
        comparators=tables.meta.get("comparators"),
    )


def _comparison(tables: PackTables, row: Mapping[str, Any], frames: Mapping[str, pd.DataFrame]) -> Fragment:
    return _render().comparison_section(
        row,
        frames.get("comparison", tables.comparison),
        frames.get("benchmarks", tables.benchmarks),
        authority_name=tables.meta.get("authority_name"),
        comparators=tables.meta.get("comparators"),
    )


# fmt: off
SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("summary", "the summary sentence, the counts by rating and their chart (a benchmark-only pack: the "
            "published position's lead)", False, _summary),
    Section("framework_changes", "the indicators added to and removed from the framework since the period "
            "before, with why", False, _framework_changes),
    Section("scorecard", "the scorecard table", False, _scorecard),
    Section("late_figures", "the figures shown from an earlier period than the one due (late) and the "
            "indicators with no figure, with why", False, _late_figures),
    Section("highlights", "the indicators with a highlight in the commentary", False, _highlights),
    Section("watch", "the indicators rated amber: within tolerance, to watch", False, _watch),
    Section("improvements", "the indicators rated red with what is being done", False, _improvements),
    Section("published_position", "quartiles, best and worst ranks and changes of the published figures", False,
            _published_position),
    Section("notes", "definitions, sources and caveats", False, _notes),
    Section("trend", "one indicator's trend chart, against its target and benchmarks", True, _trend),
    Section("comparison", "one indicator's ranked comparison and published trend by year", True, _comparison,
            applies=_has_published_figures),
)}
# fmt: on
PACK_KINDS = tuple(name for name, s in SECTIONS.items() if not s.per_indicator)
INDICATOR_KINDS = tuple(name for name, s in SECTIONS.items() if s.per_indicator)
KINDS = PACK_KINDS + INDICATOR_KINDS


def draw(
    tables: PackTables,
    kind: str,
    indicator: str | Mapping[str, Any] | None = None,
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> Fragment:
    """Draw one section now from the tables (see :data:`SECTIONS` for the kinds).

    ``frames`` may give the indicator's own rows of ``history``, ``benchmarks`` and
    ``comparison``, already cut out, which saves looking them up in the whole tables.
    """
    if kind not in SECTIONS:
        raise ValueError(f"unknown section kind {kind!r}; expected one of {', '.join(KINDS)}")
    spec = SECTIONS[kind]
    if not spec.per_indicator:
        return spec.draw(tables)
    if indicator is None:
        raise ValueError(f"a {kind} section needs the indicator (its id or its scorecard row)")
    return spec.draw(tables, _scorecard_row(tables, indicator), frames or {})


def render_sections(tables: PackTables) -> dict[str, dict[str, str]]:
    """Every section the report notebooks show, as HTML: ``{kind: {indicator_id: html}}``, with
    ``""`` as the id of a section of the whole pack.

    Each section of the whole pack, and each per-indicator section for every scorecard indicator it
    applies to (a ``comparison`` only where there are published figures).
    """
    out: dict[str, dict[str, str]] = {kind: {"": SECTIONS[kind].draw(tables).data} for kind in PACK_KINDS}
    from kpitools.score.benchmarks import benchmarked_ids  # pandas: only when sections are drawn

    benchmarked = benchmarked_ids(tables.comparison, tables.benchmarks)
    # Each indicator's rows cut out once: the chart code looks them up several times a chart.
    by_indicator = {
        name: dict(tuple(df.groupby(df["indicator_id"].astype(str), sort=False)))
        for name in ("history", "benchmarks", "comparison")
        if "indicator_id" in (df := getattr(tables, name)).columns
    }
    per_indicator = [s for s in SECTIONS.values() if s.per_indicator]
    for s in per_indicator:
        out[s.name] = {}
    for row in tables.scorecard.to_dict("records"):
        ind = _indicator_id(row)
        frames = {name: groups.get(ind, getattr(tables, name).iloc[0:0]) for name, groups in by_indicator.items()}
        for s in per_indicator:
            if s.applies(row, benchmarked):
                out[s.name][ind] = s.draw(tables, row, frames).data
    return out


def section(tables: PackTables, kind: str, indicator: str | Mapping[str, Any] | None = None) -> Fragment:
    """The section as rendered when the pack was built, or drawn now if the tables carry none.

    Parameters
    ----------
    tables
        From :func:`kpitools.pack.tables.load_or_build_tables`.
    kind
        A name in :data:`SECTIONS`: ``summary``, ``framework_changes``, ``scorecard``, ``late_figures``,
        ``highlights``, ``watch``, ``improvements``, ``published_position``, ``notes``, ``trend`` or
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
