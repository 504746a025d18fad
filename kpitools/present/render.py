"""Accessible HTML fragments for the report notebooks.

Each function returns an :class:`IPython.display.HTML` object (its markup is ``.data``) that a
notebook shows with ``display(...)``; nbconvert copies it into the exported page as it is.

Rules every fragment follows
----------------------------
- Every piece of text that comes from data (titles, names, commentary, file names) is escaped with
  :func:`html.escape`: a ``<script>`` in commentary appears as text, never as markup.
- RAG ratings are words inside coloured badges; directions of travel are an arrow and a word.
- Charts are static SVG rendered in this process by vl-convert (no JavaScript in the page, works
  offline and prints), with a text alternative, a caption and their data as a table.
- Tables have a ``<caption>``, ``<th scope="col">`` headings and ``<th scope="row">`` row labels.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from kpitools.core.periods import parse_or_none, period_words
from kpitools.core.vocabulary import (
    BAND_RULE,
    FREQUENCY_WORDS,
    MEASURE_WORDS,
    RAG_SCHEME_RULES,
    STATUS_MEANINGS,
    STATUS_WORDS,
)
from kpitools.present import charts as _charts
from kpitools.present.charts import format_value

# The blocks that need only the metadata live in .page, which a notebook kernel imports without
# pandas; they are part of this module's API too.
from kpitools.present.page import (  # noqa: F401
    TITLE_METADATA_KEY,
    Fragment,
    _heading_html,
    _paragraphs,
    _period_text,
    _text,
    _uid,
    banner,
    contents,
    esc,
    format_timestamp,
    heading,
    is_missing,
    is_monthly,
    is_set,
    page_title,
    paragraph,
    period_name,
    provenance_block,
    slug,
    table_wrap,
    title_block,
)

__all__ = [
    "Fragment",
    "esc",
    "heading",
    "paragraph",
    "title_block",
    "banner",
    "contents",
    "chart_svg",
    "svg_figure",
    "data_table",
    "table_wrap",
    "rag_badge",
    "dot_text",
    "scorecard_table",
    "summary_block",
    "highlights_block",
    "improvements_block",
    "trend_section",
    "comparison_section",
    "notes_block",
    "provenance_block",
    "published_changes",
    "published_position_tables",
    "published_position_lead",
    "published_position_block",
    "figure_period",
    "period_words",
    "late_and_missing_tables",
    "late_figures_block",
    "framework_changes_block",
]


# --------------------------------------------------------------------------------------------
# Charts as accessible SVG figures
# --------------------------------------------------------------------------------------------


def _vl_version(spec: Mapping[str, Any]) -> str | None:
    """The Vega-Lite version (``"6.4"``) the spec declares in ``$schema``, if vl-convert has it.

    Read from the spec rather than from Altair, so that rendering never imports Altair.
    """
    import vl_convert as vlc

    m = re.search(r"/vega-lite/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    if not m:
        return None
    want = f"{m.group(1)}.{m.group(2)}"
    return want if want in vlc.get_vegalite_versions() else None


_ID_RE = re.compile(r'\bid="([^"]+)"')


def _unique_ids(svg: str, prefix: str) -> str:
    """Prefix the SVG's internal ids (clip paths, gradients) so several charts share a page."""
    ids = set(_ID_RE.findall(svg))
    if not ids:
        return svg
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


def chart_svg(chart: Any) -> str:
    """Render a Vega-Lite dict (such as :func:`kpitools.present.charts.trend_spec` gives) or an Altair
    chart to SVG text in this process with vl-convert.

    No browser and no network are used; the result contains no script.
    """
    import vl_convert as vlc

    # The chart builders are validated by the tests; skipping validation here saves ~0.1 s a chart.
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    version = _vl_version(spec)
    # A chart drawn twice in a pack (an authority with no local figures has the same published
    # trend on both pages) is drawn once: vl-convert takes ~60 ms a chart, hashing the spec ~0.1 ms.
    key = hashlib.sha256(json.dumps([spec, version], sort_keys=True, default=str).encode("utf-8")).hexdigest()
    if key in _SVG_DRAWN:
        return _SVG_DRAWN[key]
    svg = vlc.vegalite_to_svg(spec, vl_version=version) if version else vlc.vegalite_to_svg(spec)
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    if "<script" in svg.lower():  # never expected from vl-convert; refuse rather than publish it
        raise ValueError("the rendered chart contains a script element")
    if len(_SVG_DRAWN) >= 64:
        _SVG_DRAWN.clear()
    _SVG_DRAWN[key] = svg
    return svg


_SVG_DRAWN: dict[str, str] = {}  # spec hash -> SVG, the last few charts drawn in this process


def _accessible_svg(svg: str, alt_text: str, title: str) -> str:
    uid = _uid("chart")
    svg = _unique_ids(svg, uid)
    m = re.match(r"\s*<svg\b([^>]*)>", svg)
    if not m:
        raise ValueError("vl-convert did not return an SVG document")
    attrs = m.group(1)
    # Drop Vega's own ARIA attributes (role, aria-*) and any focusable/style; keep size and namespaces.
    attrs = re.sub(r'\s(?:role|aria-[a-z]+|focusable|style|tabindex)="[^"]*"', "", attrs)
    # One class attribute: a second one would be dropped by the HTML parser (Vega's class="marks"
    # won in the index page, so the chart did not scale to narrow screens).
    classes = " ".join(re.findall(r'\sclass="([^"]*)"', attrs) + ["kpi-chart"])
    attrs = re.sub(r'\sclass="[^"]*"', "", attrs)
    width = re.search(r'\bwidth="([\d.]+)', attrs)
    style = f' style="max-width:{width.group(1)}px"' if width else ""
    # The accessible name is the text alternative itself (aria-label, repeated in <title> for
    # tools that read SVG titles); <desc> holds the caption. The figure is labelled by its caption.
    opening = (
        f'<svg{attrs} role="img" aria-label="{esc(alt_text)}" focusable="false" class="{esc(classes)}"{style}>'
        f'<title id="{uid}-title">{esc(alt_text)}</title><desc id="{uid}-desc">{esc(title)}</desc>'
    )
    # Inside role="img" everything is presentational: Vega's mark containers keep
    # role="graphics-symbol" / aria-roledescription even with aria off, which axe-core reports as
    # images without a text alternative (svg-img-alt). The text alternative is the whole chart's.
    return opening + _INNER_TAG.sub(lambda t: _INNER_ARIA.sub("", t.group(0)), svg[m.end() :])


_INNER_TAG = re.compile(r"<[A-Za-z][^<>]*>")  # start tags only: chart text is left alone
_INNER_ARIA = re.compile(r'\s(?:role|aria-[a-z]+)="[^"]*"')


def _tables_html(data: pd.DataFrame | Sequence[tuple[str, pd.DataFrame]] | None, caption: str) -> str:
    if data is None:
        return ""
    if isinstance(data, pd.DataFrame):
        return table_wrap(_data_table_html(data, caption), caption)
    return "".join(table_wrap(_data_table_html(df, cap), cap) for cap, df in data)


def svg_figure(
    chart: Any,
    alt_text: str,
    caption: str,
    data_table_df: pd.DataFrame | Sequence[tuple[str, pd.DataFrame]] | None = None,
    *,
    table_caption: str | None = None,
    summary_text: str = "Show the figures in this chart as a table",
) -> Fragment:
    """A chart as an accessible static figure.

    Parameters
    ----------
    chart
        An Altair chart (or a Vega-Lite dict), rendered to SVG here with vl-convert.
    alt_text
        The text alternative: what the chart shows and its key figures. Becomes the SVG's
        ``aria-label`` and ``<title>``.
    caption
        The visible ``<figcaption>`` (also the SVG's ``<desc>``); the figure is labelled by it.
    data_table_df
        The chart's figures as display text: one DataFrame (its first column labels the rows), or
        a list of ``(caption, DataFrame)`` for several tables. Shown in a ``<details>`` element.
    table_caption
        Caption of the single table; defaults to ``caption``.
    summary_text
        The text of the ``<summary>`` that opens the table.

    Returns
    -------
    Fragment
        ``<figure role="group">`` holding ``<svg role="img">``, ``<figcaption>`` and the
        ``<details>`` table.
    """
    if not _text(alt_text):
        raise ValueError("a chart needs a text alternative (alt_text)")
    svg = _accessible_svg(chart_svg(chart), alt_text, caption)
    cap_id = _uid("figcap")
    tables = _tables_html(data_table_df, table_caption or caption)
    details = f'<details class="kpi-data"><summary>{esc(summary_text)}</summary>{tables}</details>' if tables else ""
    return Fragment(
        f'<figure class="kpi-figure" role="group" aria-labelledby="{cap_id}">'
        # the box scrolls sideways on a phone (the chart keeps a legible size): a region that takes
        # keyboard focus, named by the caption, so it can be scrolled without a mouse (WCAG 2.1.1)
        f'<div class="kpi-chart-wrap" tabindex="0" role="region" aria-labelledby="{cap_id}">{svg}</div>'
        f'<figcaption id="{cap_id}">{esc(caption)}</figcaption>{details}</figure>'
    )


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

_NUMERIC_CELL = re.compile(r"^[\u2212\-]?[\d,]+(?:\.\d+)?%?$|^[\u2013\-]$")


def _numeric_columns(df: pd.DataFrame) -> set[str]:
    out = set()
    for col in df.columns:
        values = [str(v).strip() for v in df[col] if not is_missing(v) and str(v).strip()]
        if values and all(_NUMERIC_CELL.match(v) for v in values) and any(ch.isdigit() for v in values for ch in v):
            out.add(col)
    return out


def _data_table_html(df: pd.DataFrame, caption: str, *, row_header: bool = True, cls: str = "kpi-table") -> str:
    numeric = _numeric_columns(df)
    cols = list(df.columns)
    num_attr = ' class="num"'
    head = "".join(f'<th scope="col"{num_attr if c in numeric else ""}>{esc(c)}</th>' for c in cols)
    body = []
    for row in df.itertuples(index=False, name=None):  # display text: no dtype to keep per row
        cells = []
        for i, c in enumerate(cols):
            klass = ' class="num"' if c in numeric else ""
            value = esc(row[i], missing="–")
            if i == 0 and row_header:
                cells.append(f'<th scope="row"{klass}>{value}</th>')
            else:
                cells.append(f"<td{klass}>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="{cls}"><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def data_table(df: pd.DataFrame, caption: str, *, row_header: bool = True) -> Fragment:
    """A DataFrame of display text as an accessible table (caption, column and row headers)."""
    return Fragment(table_wrap(_data_table_html(df, caption, row_header=row_header), caption))


def rag_badge(rag: Any, status: Any = None, reason: Any = None) -> str:
    """The rating as a word in a coloured badge, or the unrated status as a word in a grey one.

    ``rag_badge("Red")`` gives ``<span class="kpi-rag kpi-rag--red">Red</span>``.
    """
    r = _text(rag).capitalize()
    if r in ("Red", "Amber", "Green"):
        return f'<span class="kpi-rag kpi-rag--{r.lower()}">{r}</span>'
    s = _text(status).lower()
    word = STATUS_WORDS.get(s, _text(status).capitalize() or "Not rated")
    klass = "kpi-status kpi-status--info" if s == "not a target measure" else "kpi-status"
    out = f'<span class="{klass}">{esc(word)}</span>'
    why = _reason_after(word, reason)
    if why:
        out += f'<span class="kpi-reason">{esc(why)}</span>'
    return out


def _reason_after(word: str, reason: Any) -> str:
    """The reason without the status word it repeats: "Suppressed" then "to protect confidentiality
    (c)", not "value suppressed: suppressed to protect ..."."""
    why = _text(reason)
    for lead in ("value " + word.lower() + ":", word.lower() + ":", word.lower()):
        if why.lower().startswith(lead):
            why = why[len(lead) :].strip()
    return why


_DOT = {"better": ("\u2191", "better"), "worse": ("\u2193", "worse"), "same": ("\u2192", "same")}


def dot_text(dot: Any) -> str:
    """Direction of travel as an arrow and a word: ``↑ better``, ``↓ worse``, ``→ same``.

    The arrow is hidden from screen readers (the word says it); a blank gives a dash that reads
    "no comparison".
    """
    d = _text(dot).lower()
    if d in _DOT:
        arrow, word = _DOT[d]
        return (
            f'<span class="kpi-dot kpi-dot--{word}"><span class="kpi-arrow" aria-hidden="true">{arrow}'
            f"</span> {word}</span>"
        )
    return (
        '<span class="kpi-dot kpi-dot--none"><span aria-hidden="true">\u2013</span>'
        '<span class="visually-hidden">no comparison</span></span>'
    )


def figure_text(row: Mapping[str, Any], col: str) -> str:
    """A figure of the scorecard row as the pack shows it (in its unit, at its decimals; ``–`` when
    missing), as plain text: the scorecard table and the workbench both say it so."""
    unit = _text(row.get("unit")).lower()
    dec: Any = row.get("decimals")
    dec = 1 if is_missing(dec) else int(dec)
    return format_value(row.get(col), unit, dec)


def _num(row: Mapping[str, Any], col: str) -> str:
    return esc(figure_text(row, col))


def _was(row: Mapping[str, Any], col: str) -> str:
    """The figure a direction of travel compares with, beneath its arrow: ``was 22.9%``."""
    if is_missing(row.get(col)):
        return ""
    return f'<span class="kpi-sub">was {_num(row, col)}</span>'


def _value_cell(row: Mapping[str, Any], text_col: str, num_col: str) -> str:
    t = _text(row.get(text_col))
    return esc(t) if t else _num(row, num_col)


# The statuses of a row with no figure to date: nothing to say which period a figure is for.
_NO_FIGURE = ("no data", "not due")


def figure_period(row: Mapping[str, Any]) -> tuple[str, str]:
    """Whether the row's figure is for an earlier period than the pack's, and that period.

    ``("late", "2025-26 Q1")``: the figure due is missing and the latest available stands in its
    place; ``("earlier", "2025-26 Q1")``: not late, but the figure due is for an earlier period (a
    monthly pack's quarterly indicator, at the latest quarter ended); ``("", "")`` otherwise (a
    monthly figure in a quarterly pack ends with the quarter: nothing to say).

    Examples
    --------
    >>> figure_period({"period": "2025-26 Q2", "observation_period": "2025-26 Q1", "late": True, "status": "rated"})
    ('late', '2025-26 Q1')
    >>> figure_period({"period": "2025-08", "observation_period": "2025-26 Q1", "late": False, "status": "rated"})
    ('earlier', '2025-26 Q1')
    >>> figure_period({"period": "2025-26 Q2", "observation_period": "2025-09", "late": False, "status": "rated"})
    ('', '')
    """
    observed = _text(row.get("observation_period"))
    if not observed:
        return "", ""
    if is_set(row.get("late")):
        return "late", observed
    if _text(row.get("status")).lower() in _NO_FIGURE:
        return "", ""
    own, pack = parse_or_none(observed), parse_or_none(_text(row.get("period")))
    if own is None or pack is None:
        return "", ""
    end = row.get("observation_end")
    own_end = own.end if is_missing(end) else pd.Timestamp(end)
    return ("earlier", observed) if own_end < pack.end else ("", "")


def _figure_period_line(row: Mapping[str, Any]) -> str:
    """The value cell's line under the figure: ``Latest available: 2025-26 Q1`` (a flag, in words),
    ``As at 2025-26 Q1`` or ``Year 2024-25``; ``""`` for a figure of the pack's own period."""
    kind, observed = figure_period(row)
    # the period never breaks inside ("2025-26 / Q1"): the words before it may
    when = f'<span class="kpi-when">{esc(period_words(observed))}</span>'
    if kind == "late":
        return f'<span class="kpi-sub kpi-flag kpi-late">Latest available: {when}</span>'
    if kind == "earlier":
        p = parse_or_none(observed)
        lead = "Year" if p is not None and p.kind == "year" else "As at"
        return f'<span class="kpi-sub kpi-as-at">{lead} {when}</span>'
    return ""


_TABLE_ROLES = (
    ("<table ", '<table role="table" '),
    ("<thead>", '<thead role="rowgroup">'),
    ("<tbody>", '<tbody role="rowgroup">'),
    ("<tr>", '<tr role="row">'),
    ('<th scope="col"', '<th role="columnheader" scope="col"'),
    ('<th scope="colgroup"', '<th role="columnheader" scope="colgroup"'),
    ('<th scope="row"', '<th role="rowheader" scope="row"'),
    ("<td", '<td role="cell"'),
)


def _with_table_roles(table_html: str) -> str:
    """The table's own roles written out: on a phone the scorecard is laid out as cards (CSS
    ``display: block``), which makes some browsers (Safari) stop reading it as a table; explicit
    roles keep its rows, headers and cells for a screen reader.

    Examples
    --------
    >>> _with_table_roles('<table class="t"><tbody><tr><th scope="row">A</th><td>1</td></tr></tbody></table>')
    '<table role="table" class="t"><tbody role="rowgroup"><tr role="row"><th role="rowheader" scope="row">A</th><td role="cell">1</td></tr></tbody></table>'
    """
    for plain, with_role in _TABLE_ROLES:
        table_html = table_html.replace(plain, with_role)
    return table_html


def scorecard_table(
    scorecard_df: pd.DataFrame, caption: str | None = None, *, meta: Mapping[str, Any] | None = None
) -> Fragment:
    """The committee scorecard as an accessible table, with a key to its abbreviations.

    Parameters
    ----------
    scorecard_df
        ``PackTables.scorecard``.
    caption
        Table caption; by default "Scorecard for <period>" from the data.
    meta
        ``PackTables.meta``, used for the default caption.

    Returns
    -------
    Fragment
        One row per indicator: the indicator (with its polarity), value, target, rating (the RAG
        word in a coloured badge, or the unrated status and its reason), direction of travel
        against the previous period and the same period last year (arrow and word), London,
        England, statistical neighbours' average, national rank and quartile.
    """
    meta = meta or {}
    if caption is None:
        period = period_name(meta) or (
            _text(scorecard_df["period"].dropna().iloc[0])
            if "period" in scorecard_df and scorecard_df["period"].notna().any()
            else ""
        )
        who = _text(meta.get("authority_name"))
        caption = "Scorecard" + (f": {who}" if who else "") + (f", {period}" if period else "")
    main_period = _text(meta.get("period"))
    head = (
        '<tr><th scope="col" rowspan="2">Indicator</th><th scope="col" rowspan="2" class="num">Value</th>'
        '<th scope="col" rowspan="2" class="num">Target</th><th scope="col" rowspan="2">Rating</th>'
        '<th scope="colgroup" colspan="2" class="kpi-group">Direction of travel '
        '(<abbr title="Direction of travel">DoT</abbr>)</th>'
        '<th scope="colgroup" colspan="5" class="kpi-group">Published benchmarks</th></tr>'
        '<tr><th scope="col">On previous period</th><th scope="col">On same period last year</th>'
        '<th scope="col" class="num">London</th><th scope="col" class="num">England</th>'
        '<th scope="col" class="num"><abbr title="Statistical neighbours">SN</abbr> average</th>'
        '<th scope="col" class="num">National rank</th><th scope="col">Year</th></tr>'
    )
    colgroups = '<colgroup span="4"></colgroup><colgroup span="2"></colgroup><colgroup span="5"></colgroup>'
    rows = []
    for _, r in scorecard_df.iterrows():
        row = r.to_dict()
        title = esc(row.get("title"), missing=_text(row.get("indicator_id")))
        extra = ""
        if _text(row.get("polarity_text")):
            extra += f'<span class="kpi-sub">{esc(row.get("polarity_text"))}</span>'
        if bool(row.get("small_number")) and not is_missing(row.get("small_number")):
            extra += '<span class="kpi-sub kpi-flag">Small numbers: treat with caution</span>'
        value = _value_cell(row, "value_text", "value")
        p = _text(row.get("period"))
        if p and main_period and p != main_period:
            value += f'<span class="kpi-sub">{esc(p)}</span>'
        # which period the figure is for, when not the pack's: a late figure is flagged in words
        value += _figure_period_line(row)
        target = _value_cell(row, "target_text", "target")
        if is_set(row.get("target_prorated")) and not is_missing(row.get("target_annual")):
            # a year-to-date measure: the target pro-rated to the period, and the year's
            target += f'<span class="kpi-sub">Year to date; full year {_num(row, "target_annual")}</span>'
        sn = _num(row, "sn_mean")
        n = row.get("sn_count")
        listed = row.get("sn_listed")
        listed = 10 if is_missing(listed) else int(listed)
        if not is_missing(row.get("sn_mean")) and not is_missing(n):
            sn += f'<span class="kpi-sub">{int(n)} of {listed}</span>'
        rank = "–"
        if not is_missing(row.get("national_rank")):
            rank = f"{int(row['national_rank'])}"
            if not is_missing(row.get("national_count")):
                rank += f" of {int(row['national_count'])}"
            if _text(row.get("quartile")):
                rank += f'<span class="kpi-sub">Quartile {esc(row.get("quartile"))}</span>'
        elif _text(row.get("rank_note")):
            rank = "Not ranked"
        published = published_text(row)
        if published:
            # the figure that was ranked, so the rank can be checked against DfE's file
            rank += f'<span class="kpi-sub">Published: {esc(published)}</span>'
        year = esc(row.get("benchmark_year"), missing="–")
        if not is_missing(row.get("benchmark_year")):
            with contextlib.suppress(TypeError, ValueError):
                year = esc(int(row["benchmark_year"]))
        cells = [
            ("Value", "num", value),
            ("Target", "num", target),
            ("Rating", "kpi-rating", rag_badge(row.get("rag"), row.get("status"), row.get("status_reason"))),
            ("On previous period", "", dot_text(row.get("dot_short")) + _was(row, "previous_value")),
            ("On same period last year", "", dot_text(row.get("dot_long")) + _was(row, "last_year_value")),
            ("London", "num", _num(row, "london")),
            ("England", "num", _num(row, "england")),
            ("SN average", "num", sn),
            ("National rank", "num", rank),
            ("Year", "", year),
        ]
        # data-label: the column's heading, which a phone's one-card-per-indicator layout shows beside
        # each figure (the table's own headings are then out of sight)
        rows.append(
            f'<tr><th scope="row">{title}{extra}</th>'
            + "".join(
                f'<td{f" class={chr(34)}{cls}{chr(34)}" if cls else ""} data-label="{label}">{html_}</td>'
                for label, cls, html_ in cells
            )
            + "</tr>"
        )
    key = (
        '<div class="kpi-key"><h3 class="kpi-key-title">Key to the scorecard</h3><dl>'
        "<dt>Rating</dt><dd>Red, Amber or Green against the period's target (see the notes for the rules); "
        "an indicator that cannot be rated shows why instead, never a colour.</dd>"
        '<dt><abbr title="Direction of travel">DoT</abbr>: direction of travel</dt><dd>Whether performance '
        "got better or worse, taking account of whether a bigger or smaller value is better: "
        "\u2191 better, \u2193 worse, \u2192 same (equal at the published precision), \u2013 no comparison; "
        "the figure compared with is shown beneath. For a measure with a band, better is nearer the middle "
        "of the band.</dd>"
        '<dt><abbr title="Statistical neighbours">SN</abbr> average</dt><dd>The average of the authority\'s '
        "statistical neighbours (DfE's model of the 10 most similar authorities) that have a published "
        "figure; how many of the 10 is shown beneath it.</dd>"
        "<dt>National rank and quartile</dt><dd>The authority's published figure (shown beneath it) ranked "
        "among all local authorities with a figure, 1 being the best; quartile A is the best quarter, D the "
        "worst. A within-a-band or context measure is ranked only where the framework says which way is "
        "better.</dd>"
        "<dt>Year</dt><dd>The benchmarks' year: the latest published year (ending 31 March of that year for "
        "financial-year data) that ends on or before the end of the period.</dd></dl></div>"
    )
    kinds = {figure_period(r)[0] for r in scorecard_df.to_dict("records")}
    added = ""
    if "late" in kinds:
        added += (
            "<dt>Latest available</dt><dd>The figure due has not come in, so the latest earlier figure (a "
            "recent one: a year old at most, unless the council has set another limit) is shown in its place, "
            "rated against the target for the period it is for; the section Late and missing figures says "
            "why the figure due is missing.</dd>"
        )
    if "earlier" in kinds:
        when = period_name(meta)
        added += (
            "<dt>As at, Year</dt><dd>The period the figure is for, when it is earlier than "
            + (esc(when) if when else "the pack's period")
            + ": an indicator reported quarterly, half-yearly or yearly is shown at the latest period "
            "reported.</dd>"
        )
    if is_monthly(meta):
        # the columns' heads stay "previous period": a monthly figure's is the month before, a
        # quarterly figure's the quarter before
        key = key.replace(
            "the figure compared with is shown beneath.",
            "the figure compared with is shown beneath. The previous period is the one before the "
            "figure's own: the month before for a monthly indicator, the quarter before for a quarterly one.",
        )
    key = key.replace("</dl></div>", added + "</dl></div>")
    if "value_text" in scorecard_df.columns and scorecard_df["value_text"].eq("withheld").any():
        below = ((meta.get("disclosure") or {}).get("suppress_counts_below")) or 6
        key = key.replace(
            "</dl></div>",
            "<dt>withheld</dt><dd>The figure is withheld to protect children's privacy: a count of 1 to "
            f"{int(below) - 1}, or a figure from which one could be worked out. Its rating and direction of "
            "travel are still shown.</dd></dl></div>",
        )
    table = (
        f'<table class="kpi-table kpi-scorecard"><caption>{esc(caption)}</caption>'
        f"{colgroups}<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    table = _with_table_roles(table)
    return Fragment(table_wrap(table, caption) + benchmark_notes(scorecard_df) + key)


def published_text(row: Mapping[str, Any]) -> str:
    """The authority's published figure as DfE published it: ``16.3%``, or ``low``; ``""`` when none.

    Examples
    --------
    >>> published_text({"published_value": 0.0, "published_symbol": "low", "unit": "percent", "decimals": 1})
    'low'
    >>> published_text({"published_value": 16.3, "published_symbol": "", "unit": "percent", "decimals": 1})
    '16.3%'
    """
    if is_missing(row.get("published_value")):
        return ""
    return _charts.published_label(
        row.get("published_value"),
        row.get("published_symbol"),
        _text(row.get("unit")).lower(),
        1 if is_missing(row.get("decimals")) else int(row["decimals"]),
    )


def benchmark_notes(scorecard_df: pd.DataFrame, *, level: int = 3) -> str:
    """What a reader needs to know about the published figures: a joint return, an earlier code, a
    symbol, small numbers, why there is no rank, and which neighbours have no figure."""
    items = []
    for _, r in scorecard_df.iterrows():
        row = r.to_dict()
        said = []
        for col, lead in (
            ("published_note", "Published figure"),
            ("rank_note", ""),
            ("sn_note", "Statistical neighbours without a figure"),
        ):
            note = _text(row.get(col))
            if note:
                said.append(f"{lead}: {note}" if lead else note[:1].upper() + note[1:])
        if said:
            title = esc(row.get("title"), missing=_text(row.get("indicator_id")))
            items.append(f"<li><strong>{title}</strong>: {esc('. '.join(said))}.</li>")
    if not items:
        return ""
    return (
        f'<div class="kpi-key"><h{level} class="kpi-key-title">About the published figures</h{level}>'
        f'<ul class="kpi-bench-notes">{"".join(items)}</ul></div>'
    )


# --------------------------------------------------------------------------------------------
# Summary, highlights, improvements, trends, notes
# --------------------------------------------------------------------------------------------


def summary_block(summary_df: pd.DataFrame, sentence: Any, *, chart: bool = True) -> Fragment:
    """The summary sentence, the counts and percentages table and (by default) the RAG chart."""
    parts = [f'<p class="kpi-lead">{esc(sentence)}</p>'] if _text(sentence) else []
    table = _charts.summary_table(summary_df)
    caption = "Indicators by rating and by status"
    parts.append(table_wrap(_data_table_html(table, caption), caption))
    if chart and not summary_df.empty:
        parts.append(
            svg_figure(
                _charts.summary_spec(summary_df),
                _charts.describe_summary(summary_df),
                "Number of indicators by rating",
                None,
            ).data
        )
    return Fragment(f'<div class="kpi-summary">{"".join(parts)}</div>')


_QUOTED_TITLE = re.compile(r"^[\u2018'\"\u201c](?P<title>.+?)[\u2019'\"\u201d]\s+(?P<rest>.+)$", re.S)


def _lead(row: Mapping[str, Any]) -> str:
    """The generated sentence under the indicator's heading, without the title the heading has just
    said: "At 44.4%, it is below target ..." (the title is said once)."""
    sentence = _text(row.get("sentence"))
    value = _text(row.get("value_text"))
    m = _QUOTED_TITLE.match(sentence)
    if m and m.group("title").strip() == _text(row.get("title")):
        sentence = m.group("rest")
    elif not (sentence and sentence[0].islower()):
        return sentence
    # a figure for an earlier period than the pack's says so: never read as the period's own
    kind, observed = figure_period(row)
    when = period_words(observed)
    shown = value and value != "withheld"
    if kind == "late":
        late = f"in {when} (the latest available figure), it {sentence}"
        return f"At {value} {late}" if shown else late[:1].upper() + late[1:]
    if kind == "earlier":
        return f"At {value} in {when}, it {sentence}" if shown else f"In {when}, it {sentence}"
    if shown:
        return f"At {value}, it {sentence}"
    return f"It {sentence}"


def _indicator_rows(scorecard: pd.DataFrame, mask: pd.Series) -> Iterable[dict[str, Any]]:
    for _, r in scorecard[mask].iterrows():
        yield r.to_dict()


def _str_col(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    return df[col].map(_text)


def highlights_block(scorecard: pd.DataFrame, *, level: int = 3) -> Fragment:
    """Areas of strong performance: every Green indicator and any with highlight commentary."""
    mask = (_str_col(scorecard, "rag").str.capitalize() == "Green") | (_str_col(scorecard, "highlight") != "")
    items = []
    for row in _indicator_rows(scorecard, mask):
        body = f"<p>{rag_badge(row.get('rag'), row.get('status'))} {esc(_lead(row))}</p>"
        if _text(row.get("highlight")):
            body += (
                '<div class="kpi-commentary"><p class="kpi-label">Commentary</p>'
                + _paragraphs(row.get("highlight"))
                + "</div>"
            )
        items.append(f'<section class="kpi-item">{_heading_html(row.get("title"), level)}{body}</section>')
    if not items:
        return Fragment('<p class="kpi-none">No indicator is rated Green or has a highlight this period.</p>')
    return Fragment("".join(items))


def watch_block(scorecard: pd.DataFrame, *, level: int = 3) -> Fragment:
    """Every Amber indicator: off target but within the accepted tolerance (or, for a band, inside it
    but near its edge), with its sentence and any commentary, so that the committee hears of it
    before it turns Red."""
    mask = _str_col(scorecard, "rag").str.capitalize() == "Amber"
    items = []
    for row in _indicator_rows(scorecard, mask):
        body = f"<p>{rag_badge('Amber')} {esc(_lead(row))}</p>"
        for kind, label in (("improvement", "Commentary"), ("highlight", "Commentary"), ("action", "Action")):
            if _text(row.get(kind)):
                klass = "kpi-commentary kpi-action" if kind == "action" else "kpi-commentary"
                body += f'<div class="{klass}"><p class="kpi-label">{label}</p>{_paragraphs(row.get(kind))}</div>'
        items.append(f'<section class="kpi-item">{_heading_html(row.get("title"), level)}{body}</section>')
    if not items:
        return Fragment('<p class="kpi-none">No indicator is rated Amber this period.</p>')
    intro = (
        '<p class="kpi-sub-lead">Indicators rated Amber: off target but within the accepted tolerance, '
        "or inside their target band but close to its edge.</p>"
    )
    return Fragment(intro + "".join(items))


def improvements_block(scorecard: pd.DataFrame, *, level: int = 3) -> Fragment:
    """Every Red indicator with the improvement required and the corrective action."""
    mask = _str_col(scorecard, "rag").str.capitalize() == "Red"
    missing = '<p class="kpi-missing">No commentary has been supplied for this period.</p>'
    items = []
    for row in _indicator_rows(scorecard, mask):
        body = f"<p>{rag_badge('Red')} {esc(_lead(row))}</p>"
        body += (
            f'<div class="kpi-commentary"><p class="kpi-label">Improvement required</p>'
            f"{_paragraphs(row.get('improvement')) or missing}</div>"
        )
        body += (
            f'<div class="kpi-commentary kpi-action"><p class="kpi-label">Corrective action</p>'
            f"{_paragraphs(row.get('action')) or missing}</div>"
        )
        items.append(f'<section class="kpi-item">{_heading_html(row.get("title"), level)}{body}</section>')
    if not items:
        return Fragment('<p class="kpi-none">No indicator is rated Red this period.</p>')
    return Fragment("".join(items))


def trend_section(
    indicator_row: Mapping[str, Any] | pd.Series,
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
    level: int = 3,
) -> Fragment:
    """A heading and the indicator's trend chart as an accessible figure (``comparators``: their
    names, so that one comparator's series is called by its name, not an "average")."""
    row = indicator_row.to_dict() if isinstance(indicator_row, pd.Series) else dict(indicator_row)
    title = _text(row.get("title")) or _text(row.get("indicator_id"))
    head = _heading_html(title, level, id=f"trend-{slug(row.get('indicator_id'))}")
    if not _charts.has_trend_data(history, benchmarks, row):
        status = STATUS_WORDS.get(_text(row.get("status")).lower(), "")
        reason = _reason_after(status, row.get("status_reason")) if status else _text(row.get("status_reason"))
        why = " (" + "; ".join(x for x in (status, reason) if x) + ")" if (status or reason) else ""
        return Fragment(head + f'<p class="kpi-none">There are no figures to chart for this indicator{esc(why)}.</p>')
    chart = _charts.trend_spec(history, benchmarks, row, authority_name=authority_name, comparators=comparators)
    alt_text = _charts.describe_trend(history, benchmarks, row, authority_name=authority_name, comparators=comparators)
    tables = _charts.trend_tables(history, benchmarks, row, authority_name=authority_name, comparators=comparators)
    caption = _trend_caption(row, history, benchmarks)
    fig = svg_figure(chart, alt_text, caption, tables)
    return Fragment(head + fig.data)


def _trend_caption(row: Mapping[str, Any], history: pd.DataFrame, benchmarks: pd.DataFrame) -> str:
    """``Title: quarterly figures against the target band, with published benchmarks (smaller is better)``."""
    title = _text(row.get("title")) or _text(row.get("indicator_id"))
    ind = str(row.get("indicator_id"))
    h = history[history["indicator_id"].astype(str) == ind] if "indicator_id" in history.columns else history
    b = (
        benchmarks[benchmarks["indicator_id"].astype(str) == ind]
        if "indicator_id" in benchmarks.columns
        else benchmarks
    )
    has_target = any(
        c in h.columns and pd.to_numeric(h[c], errors="coerce").notna().any() for c in ("target", "lower", "upper")
    )
    band = _text(row.get("polarity")).lower() == "band"
    parts = [f"{title}: figures by period"]
    if has_target:
        parts.append(" against the target band" if band else " against the target")
    if not b.empty:
        parts.append(", with published benchmarks")
    polarity = _text(row.get("polarity_text"))
    if polarity:
        parts.append(f" ({polarity.lower()})")
    return "".join(parts)


def comparison_section(
    indicator_row: Mapping[str, Any] | pd.Series,
    comparison: pd.DataFrame,
    benchmarks: pd.DataFrame,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
    level: int = 2,
) -> Fragment:
    """For the benchmark notebook: heading, ranked bars, the ranked table and the trend by year."""
    row = indicator_row.to_dict() if isinstance(indicator_row, pd.Series) else dict(indicator_row)
    title = _text(row.get("title")) or _text(row.get("indicator_id"))
    sub = level + 1
    parts = [_heading_html(title, level, id=f"ind-{slug(row.get('indicator_id'))}")]
    if _text(row.get("polarity_text")):
        parts.append(f'<p class="kpi-sub-lead">{esc(row.get("polarity_text"))}.</p>')
    table = _charts.comparison_table(comparison, row)
    year = ""
    one = (
        comparison[comparison["indicator_id"].astype(str) == str(row.get("indicator_id"))]
        if "indicator_id" in comparison.columns
        else comparison
    )
    b = (
        benchmarks[benchmarks["indicator_id"].astype(str) == str(row.get("indicator_id"))]
        if "indicator_id" in benchmarks.columns
        else benchmarks
    )
    if "benchmark_year" in one.columns and one["benchmark_year"].notna().any():
        by = one["benchmark_year"].dropna().iloc[0]
        ends = (
            b.loc[pd.to_numeric(b["benchmark_year"], errors="coerce") == by, "year_end"]
            if {"benchmark_year", "year_end"} <= set(b.columns)
            else pd.Series(dtype=object)
        )
        year = _charts.benchmark_year_label(by, ends.iloc[0] if len(ends) else None)
    parts.append(_heading_html("Comparison" + (f", {year}" if year else ""), sub))
    ranked = _charts.is_ranked(row)
    if table.empty:
        parts.append('<p class="kpi-none">No published figures to compare.</p>')
    else:
        if not ranked:
            note = _text(row.get("rank_note")) or "not ranked: no published figure is better or worse than another"
            parts.append(f'<p class="kpi-sub-lead">{esc(note[:1].upper() + note[1:])}.</p>')
        band = _charts.band_text(row)
        if band:
            parts.append(f'<p class="kpi-sub-lead">In the chart, {esc(band)}.</p>')
        parts.append(
            svg_figure(
                _charts.comparison_spec(comparison, row),
                _charts.describe_comparison(comparison, row, year_label=year or None),
                f"{title}: authorities "
                + ("ranked, best first" if ranked else "listed by value")
                + (f" ({year})" if year else ""),
                None,
            ).data
        )
        caption = (
            f"{title}: " + ("ranked comparison" if ranked else "comparison by value") + (f", {year}" if year else "")
        )
        parts.append(table_wrap(_data_table_html(table, caption, row_header=False), caption))
    parts.append(_heading_html("Trend by year", sub))
    if b.empty:
        parts.append('<p class="kpi-none">No published series for this indicator.</p>')
    else:
        parts.append(
            svg_figure(
                _charts.benchmark_trend_spec(b, row, authority_name=authority_name, comparators=comparators),
                _describe_benchmark_trend(b, row, authority_name, comparators),
                f"{title}: published figures by year",
                _charts.trend_tables(pd.DataFrame(), b, row, authority_name=authority_name, comparators=comparators),
            ).data
        )
    return Fragment("".join(parts))


def _describe_benchmark_trend(
    b: pd.DataFrame, row: Mapping[str, Any], authority_name: str | None, comparators: Sequence[str] | None = None
) -> str:
    empty = pd.DataFrame(columns=["indicator_id", "period", "period_end", "value"])
    text = _charts.describe_trend(empty, b, row, authority_name=authority_name, comparators=comparators)
    years = pd.to_numeric(b["benchmark_year"], errors="coerce").dropna()
    if len(years):
        text = text.replace(
            "Line chart: published figures for",
            f"Line chart, {int(years.min())} to {int(years.max())}: published figures for",
            1,
        )
    return text


def notes_block(
    scorecard: pd.DataFrame, meta: Mapping[str, Any] | None = None, *, level: int = 3, ratings: bool = True
) -> Fragment:
    """Definitions and sources of the indicators, what the ratings mean (unless ``ratings`` is false:
    a pack of published figures only rates nothing), and the data licence."""
    meta = meta or {}
    defs = []
    for _, r in scorecard.iterrows():
        row = r.to_dict()
        details = []
        if _text(row.get("definition")):
            details.append(f"<dd>{esc(row.get('definition'))}</dd>")
        facts = []
        words = {"frequency": FREQUENCY_WORDS, "measure": MEASURE_WORDS}
        for label, col in (
            ("Polarity", "polarity_text"),
            ("Reported", "frequency"),
            ("Measured over", "measure"),
            ("Source", "source"),
        ):
            if _text(row.get(col)):
                said = words.get(col, {}).get(_text(row.get(col)), _text(row.get(col)))
                facts.append(f"{label}: {esc(said)}")
        if facts:
            details.append(f'<dd class="kpi-facts">{"; ".join(facts)}.</dd>')
        ident = _text(row.get("indicator_id"))
        defs.append(
            f"<dt>{esc(row.get('title'), missing=ident)}"
            + (f' <span class="kpi-id">({esc(ident)})</span>' if ident else "")
            + "</dt>"
            + "".join(details)
        )
    scheme = _text(meta.get("rag_scheme"))
    scheme_text = RAG_SCHEME_RULES.get(scheme.lower(), "")
    statuses = "".join(f"<dt>{esc(STATUS_WORDS[k])}</dt><dd>{esc(v)}</dd>" for k, v in STATUS_MEANINGS.items())
    rules = (
        f"<p>Rule set: {esc(scheme.replace('_', ' ')) or 'as configured for the authority'}."
        + (f" {esc(scheme_text)}" if scheme_text else "")
        + "</p>"
    )
    if (_str_col(scorecard, "polarity").str.lower() == "band").any() and scheme.lower() != "band":
        rules += f"<p>Indicators with a target band use the band rule. {esc(BAND_RULE)}</p>"
    return Fragment(
        _heading_html("Indicator definitions and sources", level)
        + f'<dl class="kpi-defs">{"".join(defs)}</dl>'
        + (
            _heading_html("What the ratings and statuses mean", level) + rules + f'<dl class="kpi-defs">{statuses}</dl>'
            if ratings
            else ""
        )
        + _heading_html("Licence", level)
        + "<p>Contains public sector information licensed under the Open Government Licence v3.0: "
        "Department for Education. Published benchmark figures are as released by the Department for "
        "Education; DfE's symbols (c suppressed, x not available, z not applicable, u low reliability, "
        "k rounds to zero) are shown as missing values, never as numbers.</p>"
    )


# --------------------------------------------------------------------------------------------
# Late and missing figures; changes to the indicators
# --------------------------------------------------------------------------------------------


def _why(reason: Any, otherwise: str) -> str:
    """A reason as a sentence's start: ``no data: no value in the extract`` gives ``No value in the
    extract`` (the status it repeats left off)."""
    why = _reason_after(STATUS_WORDS["no data"], reason) or otherwise
    return why[:1].upper() + why[1:]


def late_and_missing_tables(scorecard: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The late figures and the indicators without a figure, as display tables.

    ``late``: one row a figure shown in place of a missing one (``Indicator, Figure shown, Figure
    for, Due for, Why the figure due is missing``); ``missing``: one row an indicator with no figure
    (``Indicator, Due for, Why there is no figure``), the reason as the data gives it.
    """
    late, missing = [], []
    for row in scorecard.to_dict("records"):
        title = _text(row.get("title")) or _text(row.get("indicator_id"))
        due = period_words(_text(row.get("due_period")) or _text(row.get("period"))) or "–"
        kind, observed = figure_period(row)
        if kind == "late":
            late.append(
                {
                    "Indicator": title,
                    "Figure shown": _text(row.get("value_text")) or figure_text(row, "value"),
                    "Figure for": period_words(observed),
                    "Due for": due,
                    "Why the figure due is missing": _why(row.get("late_reason"), "no figure in the extract"),
                }
            )
        elif _text(row.get("status")).lower() == "no data":
            missing.append(
                {
                    "Indicator": title,
                    "Due for": due,
                    "Why there is no figure": _why(row.get("status_reason"), "no reason was given"),
                }
            )
    return {
        "late": pd.DataFrame(
            late, columns=["Indicator", "Figure shown", "Figure for", "Due for", "Why the figure due is missing"]
        ),
        "missing": pd.DataFrame(missing, columns=["Indicator", "Due for", "Why there is no figure"]),
    }


def late_figures_block(scorecard: pd.DataFrame, meta: Mapping[str, Any] | None = None, *, level: int = 3) -> Fragment:
    """Every late figure (the latest available shown in place of the one due: which period it is
    for, which it was due for, why the figure due is missing) and every indicator with no figure, with
    the reason the data gives; a lead says how many of each in plain words."""
    meta = meta or {}
    tables = late_and_missing_tables(scorecard)
    n_late, n_missing = len(tables["late"]), len(tables["missing"])
    if not n_late and not n_missing:
        return Fragment('<p class="kpi-none">Every figure due is in: none is late or missing.</p>')
    who, when = _text(meta.get("authority_name")), period_name(meta)
    of = ", ".join(x for x in (who, when) if x)
    said = []
    if n_late:
        one = n_late == 1
        said.append(
            f"The figure{'' if one else 's'} due for {_plural(n_late, 'indicator')} {'has' if one else 'have'} not "
            f"come in, so the scorecard shows {'its' if one else 'their'} latest available figure"
            f"{'' if one else 's'} instead, rated against the target for the period {'it is' if one else 'they are'} for."
        )
    if n_missing:
        said.append(
            f"{_plural(n_missing, 'indicator')} {'has' if n_missing == 1 else 'have'} no figure to show; "
            "the table below says why."
        )
    parts = [f'<p class="kpi-lead">{esc(" ".join(said))}</p>']
    if n_late:
        caption = "Figures shown from an earlier period than the one due" + (f": {of}" if of else "")
        parts.append(_heading_html("Latest available figures", level))
        parts.append(table_wrap(_data_table_html(tables["late"], caption), caption))
    if n_missing:
        caption = "Indicators with no figure" + (f": {of}" if of else "")
        parts.append(_heading_html("Indicators with no figure", level))
        parts.append(table_wrap(_data_table_html(tables["missing"], caption), caption))
    return Fragment(f'<div class="kpi-late-figures">{"".join(parts)}</div>')


def _changes_count(added: int, removed: int) -> str:
    """``1 indicator was added and 1 removed``.

    Examples
    --------
    >>> _changes_count(1, 1), _changes_count(2, 0), _changes_count(0, 3)
    ('1 indicator was added and 1 removed', '2 indicators were added', '3 indicators were removed')
    """
    if added and removed:
        return f"{_plural(added, 'indicator')} {'was' if added == 1 else 'were'} added and {removed} removed"
    n = added or removed
    return f"{_plural(n, 'indicator')} {'was' if n == 1 else 'were'} {'added' if added else 'removed'}"


def framework_changes_block(meta: Mapping[str, Any], *, level: int = 3) -> Fragment:
    """The indicators added to and removed from the framework since the period before
    (``meta["framework_changes"]``), each with the framework's reason."""
    changes = meta.get("framework_changes") or {}
    added = [c for c in changes.get("added") or [] if isinstance(c, Mapping)]
    removed = [c for c in changes.get("removed") or [] if isinstance(c, Mapping)]
    since = period_words(changes.get("since"))
    if not added and not removed:
        return Fragment('<p class="kpi-none">No indicator was added or removed since the period before.</p>')
    lead = f"Since {since}, " if since else "Since the period before, "
    lead += _changes_count(len(added), len(removed)) + "."
    if removed:
        lead += " An indicator removed is no longer reported in this pack."
    parts = [f'<p class="kpi-lead">{esc(lead)}</p>']
    for items, word in ((added, "added"), (removed, "removed")):
        if not items:
            continue
        frame = pd.DataFrame(
            [
                {
                    "Indicator": _text(c.get("title")) or _text(c.get("indicator_id")),
                    f"Why it was {word}": _text(c.get("reason")) or "No reason was recorded.",
                }
                for c in items
            ],
            columns=["Indicator", f"Why it was {word}"],
        )
        caption = f"Indicators {word}" + (f" since {since}" if since else "")
        parts.append(_heading_html(f"Indicators {word}", level))
        parts.append(table_wrap(_data_table_html(frame, caption), caption))
    return Fragment(f'<div class="kpi-framework-changes">{"".join(parts)}</div>')


# --------------------------------------------------------------------------------------------
# Published position: a pack of published figures only (no local figures, so no ratings)
# --------------------------------------------------------------------------------------------

_QUARTILES = {
    "A": "Quartile A: the best quarter of authorities",
    "B": "Quartile B: the second quarter",
    "C": "Quartile C: the third quarter",
    "D": "Quartile D: the worst quarter of authorities",
}


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _not_ranked_reason(row: Mapping[str, Any], who: str) -> str:
    """Why an indicator has no national rank, in words (the first clause of its ``rank_note``)."""
    note = _text(row.get("rank_note")).split(";")[0].strip()
    if note:
        return note[:1].upper() + note[1:]
    if is_missing(row.get("benchmark_year")):
        return "Not ranked: no published figures for this indicator"
    if is_missing(row.get("published_value")):
        return f"Not ranked: no published figure for {who} that year"
    return "Not ranked"


def _year_of(benchmarks: pd.DataFrame, ind: str, year: Any) -> str:
    """``year to March 2025``: the published year of one indicator's figures."""
    ends = pd.Series(dtype=object)
    if {"indicator_id", "benchmark_year", "year_end"} <= set(benchmarks.columns):
        b = benchmarks
        ends = b.loc[
            (b["indicator_id"].astype(str) == ind) & (pd.to_numeric(b["benchmark_year"], errors="coerce") == year),
            "year_end",
        ]
    return _charts.benchmark_year_label(year, ends.iloc[0] if len(ends) else None)


def _change_words(diff: float, unit: str, decimals: int) -> str:
    """``+1.2 percentage points``, ``−3``, ``no change``: a difference of two rounded figures."""
    if abs(diff) < 0.5 * 10.0**-decimals:
        return "no change"
    text = format_value(diff, None, decimals)
    text = ("+" + text) if diff > 0 else text
    return text + ((" percentage point" if abs(diff) == 1 else " percentage points") if unit == "percent" else "")


def published_changes(scorecard: pd.DataFrame, benchmarks: pd.DataFrame, authority_name: str) -> pd.DataFrame:
    """Each indicator's published figure against the authority's previous published year.

    One row per indicator with both: ``indicator_id, title, year, previous_year, value, previous,
    change`` (the difference of the two figures rounded to the indicator's precision) and
    ``direction``: ``better``, ``worse`` or ``same`` as the national rank counts better (its
    ``rank_polarity``), or ``higher`` / ``lower`` for a measure that is neither better nor worse.
    """
    from kpitools.core.numbers import round_half_up
    from kpitools.score.scoring import direction_of_travel

    cols = ["indicator_id", "title", "unit", "decimals", "year", "previous_year", "value", "previous", "change"]
    if benchmarks.empty or not {"indicator_id", "benchmark_year", "series", "value"} <= set(benchmarks.columns):
        return pd.DataFrame(columns=[*cols, "direction"])
    own = benchmarks[benchmarks["series"].astype(str) == str(authority_name)]
    own = own.assign(
        _year=pd.to_numeric(own["benchmark_year"], errors="coerce"), _value=pd.to_numeric(own["value"], errors="coerce")
    )
    own = own[own["_value"].notna() & own["_year"].notna()]
    by_id = dict(tuple(own.groupby(own["indicator_id"].astype(str), sort=False)))
    rows = []
    for row in scorecard.to_dict("records"):
        ind, year = _text(row.get("indicator_id")), row.get("benchmark_year")
        if is_missing(year) or ind not in by_id:
            continue
        s = by_id[ind]
        now, before = s[s["_year"] == float(year)], s[s["_year"] < float(year)]
        if now.empty or before.empty:
            continue
        before = before.sort_values("_year").iloc[-1]
        dec = 1 if is_missing(row.get("decimals")) else int(row["decimals"])
        value, previous = float(now["_value"].iloc[0]), float(before["_value"])
        v, p = round_half_up(pd.Series([value, previous]), dec)
        rows.append(
            {
                "indicator_id": ind,
                "title": _text(row.get("title")) or ind,
                "unit": _text(row.get("unit")).lower(),
                "decimals": dec,
                "year": int(year),
                "previous_year": int(before["_year"]),
                "value": value,
                "previous": previous,
                "change": round(float(v - p) / 10.0**dec, dec),  # of the figures as shown, scaled back
                # as the national rank counts better (the polarity where the tables carry no rank polarity)
                "rank_polarity": _text(row.get("rank_polarity", row.get("polarity"))).lower(),
            }
        )
    out = pd.DataFrame(rows, columns=[*cols, "rank_polarity"])
    if out.empty:
        return out.drop(columns="rank_polarity").assign(direction=pd.Series(dtype=object))
    direction = direction_of_travel(out["value"], out["previous"], out["rank_polarity"], out["decimals"])
    neither = direction.eq("")
    direction[neither] = [
        "same" if abs(c) < 0.5 * 10.0**-d else ("higher" if c > 0 else "lower")
        for c, d in zip(out.loc[neither, "change"], out.loc[neither, "decimals"])
    ]
    return out.drop(columns="rank_polarity").assign(direction=direction)


def _rank_text(row: Mapping[str, Any]) -> str:
    rank = f"{int(row['national_rank'])}"
    if not is_missing(row.get("national_count")):
        rank += f" of {int(row['national_count'])}"
    return rank


def published_position_tables(
    scorecard: pd.DataFrame, benchmarks: pd.DataFrame, authority_name: str | None = None
) -> dict[str, pd.DataFrame]:
    """The published position as display tables: ``quartiles`` (how many indicators in each quartile
    and how many not ranked, by why), ``best`` and ``worst`` (where the authority ranks best and
    worst, with London and England beside its figure) and ``changes`` (since the year before)."""
    who = _text(authority_name) or "the authority"
    card = scorecard
    rank = pd.to_numeric(card["national_rank"], errors="coerce") if "national_rank" in card else None
    ranked_mask = rank.notna() if rank is not None else pd.Series(False, index=card.index)
    quartile = _str_col(card, "quartile").str.upper()
    rows: list[tuple[str, int]] = [
        (words, int((ranked_mask & quartile.eq(q)).sum())) for q, words in _QUARTILES.items()
    ]
    reasons: dict[str, int] = {}
    for row in card[~ranked_mask].to_dict("records"):
        why = _not_ranked_reason(row, who)
        reasons[why] = reasons.get(why, 0) + 1
    rows += list(reasons.items())
    quartiles = pd.DataFrame(rows, columns=["Position", "Indicators"]).astype({"Indicators": object})
    quartiles["Indicators"] = quartiles["Indicators"].map(str)

    ranked = card[ranked_mask].assign(_rank=rank[ranked_mask] if rank is not None else None)
    ranked = ranked.reset_index(drop=True).reset_index().sort_values(["_rank", "index"], kind="stable")
    n = len(ranked)
    n_best = 3 if n >= 6 else (n + 1) // 2
    best = ranked.head(n_best)
    worst = ranked.iloc[n_best:].tail(min(3, n - n_best)).iloc[::-1]

    def rank_rows(frame: pd.DataFrame) -> pd.DataFrame:
        out = []
        for row in frame.to_dict("records"):
            out.append(
                {
                    "Indicator": _text(row.get("title")) or _text(row.get("indicator_id")),
                    "National rank": _rank_text(row),
                    "Quartile": _text(row.get("quartile")) or "–",
                    who: published_text(row) or "–",
                    "London": format_value(row.get("london"), _text(row.get("unit")).lower(), _decimals(row)),
                    "England": format_value(row.get("england"), _text(row.get("unit")).lower(), _decimals(row)),
                }
            )
        return pd.DataFrame(out, columns=["Indicator", "National rank", "Quartile", who, "London", "England"])

    ch = published_changes(card, benchmarks, who)
    common = ch["year"].mode().iloc[0] if len(ch) else None
    changes = pd.DataFrame(
        [
            {
                "Indicator": r["title"],
                "Latest": format_value(r["value"], r["unit"], r["decimals"])
                + ("" if r["year"] == common else f" ({_year_of(benchmarks, r['indicator_id'], r['year'])})"),
                "Year before": format_value(r["previous"], r["unit"], r["decimals"])
                + (
                    ""
                    if r["previous_year"] == r["year"] - 1 and r["year"] == common
                    else f" ({_year_of(benchmarks, r['indicator_id'], r['previous_year'])})"
                ),
                "Change": _change_words(r["change"], r["unit"], r["decimals"]),
                "Better or worse": {
                    "higher": "Higher: neither better nor worse",
                    "lower": "Lower: neither better nor worse",
                }.get(r["direction"], _text(r["direction"]).capitalize()),
            }
            for r in ch.to_dict("records")
        ],
        columns=["Indicator", "Latest", "Year before", "Change", "Better or worse"],
    )
    return {"quartiles": quartiles, "best": rank_rows(best), "worst": rank_rows(worst), "changes": changes}


def _decimals(row: Mapping[str, Any]) -> int:
    return 1 if is_missing(row.get("decimals")) else int(row["decimals"])


def _title_quoted(row: Mapping[str, Any]) -> str:
    return "\u2018" + (_text(row.get("title")) or _text(row.get("indicator_id"))) + "\u2019"


def _listed(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def published_position_lead(
    scorecard: pd.DataFrame,
    benchmarks: pd.DataFrame,
    authority_name: str | None = None,
    *,
    benchmark_only: bool = False,
) -> str:
    """The published position in a few sentences: every count of the tables of
    :func:`published_position_block` said in words (quartiles, best and worst, changes)."""
    who = _text(authority_name) or "The authority"
    card = scorecard
    total = len(card)
    rank = pd.to_numeric(card["national_rank"], errors="coerce") if "national_rank" in card else None
    ranked_mask = rank.notna() if rank is not None else pd.Series(False, index=card.index)
    published = card["published_value"].notna() if "published_value" in card else pd.Series(False, index=card.index)
    n_ranked, n_published = int(ranked_mask.sum()), int((published | ranked_mask).sum())
    sentences = []
    if benchmark_only:
        sentences.append(
            f"There are no local figures for {who} in this pack: it shows the figures the Department for "
            "Education has published, and how they compare."
        )
    if n_published == 0:
        sentences.append(f"There are no published figures for {who} to compare.")
        return " ".join(sentences)
    years = card.loc[published | ranked_mask, ["indicator_id", "benchmark_year"]].dropna()
    year = ""
    if len(years) and years["benchmark_year"].nunique() == 1:
        first = years.iloc[0]
        year = f" for the {_year_of(benchmarks, str(first['indicator_id']), first['benchmark_year'])}"
    quartile = _str_col(card, "quartile").str.upper()
    counts = [(q, int((ranked_mask & quartile.eq(q)).sum())) for q in "ABCD"]
    said = [
        f"{c} in quartile {q}" + {"A": " (the best quarter)", "D": " (the worst quarter)"}.get(q, "")
        for q, c in counts
        if c
    ]
    lead = f"{who} has published figures{year} for {n_published} of its {total} indicators"
    if n_ranked:
        lead += (
            f"; {n_ranked} of them {'is' if n_ranked == 1 else 'are'} ranked among England's local authorities: "
            + _listed(said)
        )
    sentences.append(lead + ".")
    others = []
    if n_published - n_ranked:
        k = n_published - n_ranked
        others.append(f"{_plural(k, 'indicator')} with a published figure {'is' if k == 1 else 'are'} not ranked")
    if total - n_published:
        k = total - n_published
        others.append(f"{_plural(k, 'indicator')} {'has' if k == 1 else 'have'} no published figure")
    if others:
        sentences.append(_listed(others)[:1].upper() + _listed(others)[1:] + ".")
    if n_ranked:
        tables = card[ranked_mask].assign(_rank=rank[ranked_mask] if rank is not None else None)
        tables = tables.reset_index(drop=True).reset_index().sort_values(["_rank", "index"], kind="stable")
        best, worst = tables.iloc[0].to_dict(), tables.iloc[-1].to_dict()
        text = f"It ranks best on {_title_quoted(best)} ({_rank_text(best)})"
        if n_ranked > 1:
            text += f" and worst on {_title_quoted(worst)} ({_rank_text(worst)})"
        sentences.append(text + ", 1 being the best.")
    ch = published_changes(card, benchmarks, _text(authority_name))
    if len(ch):
        d = ch["direction"].value_counts()
        parts = [
            f"{d.get('better', 0)} got better" if d.get("better", 0) else "",
            f"{d.get('worse', 0)} got worse" if d.get("worse", 0) else "",
            f"{d.get('same', 0)} stayed the same at the published precision" if d.get("same", 0) else "",
        ]
        moved = int(d.get("higher", 0) + d.get("lower", 0))
        if moved:
            parts.append(f"{moved} changed but {'is' if moved == 1 else 'are'} neither better nor worse")
        sentences.append(
            f"Of the {_plural(len(ch), 'published figure')} that can be compared with the year before, "
            + _listed([p for p in parts if p])
            + "."
        )
    return " ".join(sentences)


def published_position_block(
    scorecard: pd.DataFrame,
    benchmarks: pd.DataFrame,
    authority_name: str | None = None,
    *,
    benchmark_only: bool = False,
    level: int = 3,
) -> Fragment:
    """An authority's position by its published figures, for a pack without local figures (so
    without ratings): the lead, how many indicators are in each national quartile (and why the rest
    are not ranked), where it ranks best and worst, and the changes since the year before."""
    who = _text(authority_name) or "the authority"
    lead = published_position_lead(scorecard, benchmarks, authority_name, benchmark_only=benchmark_only)
    tables = published_position_tables(scorecard, benchmarks, authority_name)
    parts = [f'<p class="kpi-lead">{esc(lead)}</p>']
    caption = f"{who}: indicators by national quartile of its published figures"
    parts.append(_heading_html("By national quartile", level))
    parts.append(
        '<p class="kpi-sub-lead">Each published figure ranked among all local authorities in England with a '
        "figure, 1 being the best; quartile A is the best quarter of authorities, D the worst.</p>"
    )
    parts.append(table_wrap(_data_table_html(tables["quartiles"], caption), caption))
    for key, heading_text in (("best", f"Where {who} ranks best"), ("worst", f"Where {who} ranks worst")):
        if tables[key].empty:
            continue
        parts.append(_heading_html(heading_text, level))
        cap = f"{heading_text}: national rank, with London and England beside its published figure"
        parts.append(table_wrap(_data_table_html(tables[key], cap), cap))
    parts.append(_heading_html("Changes since the year before", level))
    if tables["changes"].empty:
        parts.append(f'<p class="kpi-none">There are no two published years of {esc(who)}\'s figures to compare.</p>')
    else:
        parts.append(
            '<p class="kpi-sub-lead">Each published figure against the year before, at the precision shown; '
            "better or worse as the national rank counts it.</p>"
        )
        ch = published_changes(scorecard, benchmarks, who)
        years = ch[["indicator_id", "year", "previous_year"]].drop_duplicates(["year", "previous_year"])
        cap = f"{who}: published figures against the year before"
        if len(years) == 1:
            ind, year, before = years.iloc[0]
            cap += f" ({_year_of(benchmarks, ind, year)} against the {_year_of(benchmarks, ind, before)})"
        parts.append(table_wrap(_data_table_html(tables["changes"], cap), cap))
    return Fragment(f'<div class="kpi-published-position">{"".join(parts)}</div>')
