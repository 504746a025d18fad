"""Page blocks that need nothing but the pack's metadata: headings, paragraphs, the title, the
illustrative-data banner, contents, provenance, and the :class:`Fragment` every block is made of.

This module imports neither pandas nor the chart code, because a report notebook's kernel imports
it: the notebook places sections the worker has already rendered (:mod:`kpitools.present.sections`) and
builds only these blocks itself, so starting it costs little more than starting a kernel.
:mod:`kpitools.present.render` re-exports everything here beside its table and chart sections.

Every piece of text that comes from data is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from IPython.display import HTML

TITLE_METADATA_KEY = "kpitools"


class Fragment(HTML):
    """HTML for a notebook output, optionally carrying output metadata.

    ``metadata`` is stored in the notebook under ``output.metadata["kpitools"]``; the exporter
    reads ``{"title": ...}`` from it to title the page (see :func:`title_block`).
    """

    def __init__(self, data: str, metadata: Mapping[str, Any] | None = None) -> None:
        super().__init__(data=data)
        self.kpi_metadata = dict(metadata or {})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None):  # noqa: ARG002  (IPython's protocol)
        # In a notebook the pack's stylesheet is not on the page: each output carries it, scoped to
        # the output (so JupyterLab's own look is untouched); the exporter takes it off again.
        data = {"text/html": in_notebook_style(self.data)}
        return data, ({TITLE_METADATA_KEY: self.kpi_metadata} if self.kpi_metadata else {})

    def __str__(self) -> str:  # handy in tests and when building the index page
        return self.data


# --------------------------------------------------------------------------------------------
# The pack's look in a notebook
# --------------------------------------------------------------------------------------------

NOTEBOOK_CLASS = "kpi-nb"
_NOTEBOOK_OPEN = f'<div class="{NOTEBOOK_CLASS}" data-kpitools-notebook="1"><style>'
_NOTEBOOK_WRAPPED = re.compile(re.escape(_NOTEBOOK_OPEN) + r".*?</style>(?P<body>.*)</div>\Z", re.S)
# The page's own elements are the wrapper in a notebook (its <main> and its margins are the
# notebook's); the print rules have no page to act on.
_PAGE_ELEMENTS = {"html", "body", ":root"}
_NOT_IN_A_NOTEBOOK = {"main"}


def _scoped_selector(selector: str) -> str:
    parts = []
    for one in selector.split(","):
        one = one.strip()
        if one in _PAGE_ELEMENTS:
            parts.append(f".{NOTEBOOK_CLASS}")
        else:
            parts.append(f".{NOTEBOOK_CLASS} {one}")
    return ", ".join(parts)


@functools.cache
def notebook_css() -> str:
    """The pack's stylesheet with every rule scoped to a notebook output (``.kpi-nb ...``).

    ``body`` and ``:root`` become the output's wrapper; ``@media print`` and ``@page`` rules are left
    out (printing a notebook is not printing the pack).

    Examples
    --------
    >>> css = notebook_css()
    >>> ".kpi-nb .kpi-rag--red {" in css, "@media print" in css, ".kpi-nb body" in css
    (True, False, False)
    """
    import tinycss2  # nbconvert's own CSS parser (bleach[css]): only when a notebook shows a block

    from kpitools.present import TEMPLATE_DIR, TEMPLATE_NAME

    source = (TEMPLATE_DIR / TEMPLATE_NAME / "kpitools.css").read_text(encoding="utf-8")

    def rules(nodes: Any) -> list[str]:
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                selector = tinycss2.serialize(node.prelude).strip()
                if selector in _NOT_IN_A_NOTEBOOK:
                    continue
                out.append(f"{_scoped_selector(selector)} {{{tinycss2.serialize(node.content)}}}")
            elif node.type == "at-rule" and node.lower_at_keyword == "media" and node.content is not None:
                query = tinycss2.serialize(node.prelude).strip()
                if "print" in query:
                    continue
                inner = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
                out.append(f"@media {query} {{{' '.join(rules(inner))}}}")
        return out

    top = tinycss2.parse_stylesheet(source, skip_comments=True, skip_whitespace=True)
    # Tidy: the stylesheet's own line breaks and indents inside declarations add nothing here.
    return re.sub(r"\s+", " ", " ".join(rules(top))) + _NOTEBOOK_ONLY


# JupyterLab lays its output tables out fixed and centred (columns of equal width): the pack's own
# column widths (the scorecard's indicator column) need the browser's automatic layout back.
_NOTEBOOK_ONLY = f" .{NOTEBOOK_CLASS} table {{ table-layout: auto; margin-left: 0; margin-right: 0; }}"


def in_notebook_style(body: str) -> str:
    """A block's HTML as a notebook shows it: wrapped with the pack's stylesheet, scoped to it."""
    return f"{_NOTEBOOK_OPEN}{notebook_css()}</style>{body}</div>"


def without_notebook_style(html_text: str) -> str:
    """The block's own HTML again (what the exporter puts in the pack): see :func:`in_notebook_style`.

    Examples
    --------
    >>> without_notebook_style(in_notebook_style("<p>Hello</p>"))
    '<p>Hello</p>'
    >>> without_notebook_style("<p>Not wrapped</p>")
    '<p>Not wrapped</p>'
    """
    m = _NOTEBOOK_WRAPPED.match(html_text)
    return m.group("body") if m else html_text


_ids = itertools.count(1)


def _uid(prefix: str) -> str:
    """An id unique within the page (and across notebooks exported separately)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}-{next(_ids)}"


def is_set(value: Any) -> bool:
    """A flag column's cell is true: ``True``, ``1``; missing or false is not.

    Examples
    --------
    >>> [is_set(v) for v in (True, False, None, float("nan"), 1)]
    [True, False, False, False, True]
    """
    return not is_missing(value) and bool(value)


def is_missing(value: Any) -> bool:
    """``None``, NaN, ``pd.NA`` or ``NaT``: the one notion of "no value" for text, tables and charts.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), 0, "", "n/a")]
    [True, True, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, int)):
        return False
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    pd = sys.modules.get("pandas")  # other scalars (numpy's) only come with pandas already imported
    if pd is not None:
        try:
            return bool(pd.isna(value))
        except (TypeError, ValueError):  # a list or an array is not "missing"
            return False
    return False


def esc(value: Any, missing: str = "") -> str:
    """Text from data, escaped for HTML (``None``/NaN give ``missing``)."""
    if is_missing(value):
        return html.escape(missing)
    return html.escape(str(value), quote=True)


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value).strip()


_OPENS_AFTER = r"(^|[\s(\[{\u2014\u2013/-])"


def curly_quotes(text: str) -> str:
    """Straight quotes as the pack's generated sentences write them (one quote style on a page).

    A quote at the start or after a space or bracket opens; any other closes, and so is an
    apostrophe (which typesetting writes as a closing quote).

    Examples
    --------
    >>> curly_quotes("'Re-referrals' is on target; the children's (early help) offer")
    '‘Re-referrals’ is on target; the children’s (early help) offer'
    """
    text = re.sub(_OPENS_AFTER + "'", "\\1\u2018", text)
    text = re.sub(_OPENS_AFTER + '"', "\\1\u201c", text)
    return text.replace("'", "\u2019").replace('"', "\u201d")


def _paragraphs(text: Any, cls: str | None = None) -> str:
    """Commentary as paragraphs: blank lines split paragraphs, single newlines become breaks; quotes
    curly, as the generated sentences have them."""
    t = curly_quotes(_text(text))
    if not t:
        return ""
    attr = f' class="{cls}"' if cls else ""
    paras = [p for p in re.split(r"\n\s*\n", t) if p.strip()]
    return "".join(f"<p{attr}>" + "<br>".join(esc(line) for line in p.strip().splitlines()) + "</p>" for p in paras)


def slug(text: Any) -> str:
    """An id-safe slug: ``Re-referrals (12 months)`` gives ``re-referrals-12-months``."""
    s = re.sub(r"[^a-z0-9]+", "-", _text(text).lower()).strip("-")
    return s or "section"


# --------------------------------------------------------------------------------------------
# Headings, title, banner
# --------------------------------------------------------------------------------------------


def _heading_html(text: Any, level: int = 2, id: str | None = None) -> str:
    level = min(6, max(1, int(level)))
    ident = f' id="{esc(id)}"' if id else ""
    return f"<h{level}{ident}>{esc(text)}</h{level}>"


def heading(text: Any, level: int = 2, id: str | None = None) -> Fragment:
    """A heading (``<h1>``-``<h6>``) whose text is escaped; ``id`` makes it a link target."""
    return Fragment(_heading_html(text, level, id))


def is_monthly(meta: Mapping[str, Any]) -> bool:
    """Whether the pack is for a month (``2025-08``) rather than a quarter.

    Examples
    --------
    >>> is_monthly({"period": "2025-08", "period_kind": "month"}), is_monthly({"period": "2025-26 Q2"})
    (True, False)
    """
    return _text(meta.get("period_kind")).lower() == "month"


def period_name(meta: Mapping[str, Any]) -> str:
    """The pack's period as a title names it: ``2025-26 Q2``, or ``August 2025`` for a monthly pack
    (a person reads "August 2025", not "2025-08").

    Examples
    --------
    >>> period_name({"period": "2025-26 Q2", "period_label": "July to September 2025 (2025-26 Q2)"})
    '2025-26 Q2'
    >>> period_name({"period": "2025-08", "period_label": "August 2025", "period_kind": "month"})
    'August 2025'
    """
    period, label = _text(meta.get("period")), _text(meta.get("period_label"))
    if is_monthly(meta) and label:
        return label
    return period or label


def page_title(meta: Mapping[str, Any], report_name: str) -> str:
    """The page's ``<title>``: ``Havering: Committee scorecard, 2025-26 Q2`` (``..., August 2025``
    for a monthly pack)."""
    name = _text(meta.get("authority_name")) or _text(meta.get("authority_code")) or "Authority"
    period = period_name(meta)
    return f"{name}: {report_name}" + (f", {period}" if period else "")


def _period_text(meta: Mapping[str, Any]) -> str:
    """``2025-26 Q2 (July to September 2025)``, without repeating the period when the label has it;
    a monthly pack's month in words only (``August 2025``)."""
    period, label = _text(meta.get("period")), _text(meta.get("period_label"))
    if label and (is_monthly(meta) or (period and period in label)):
        return label
    if label and period:
        return f"{period} ({label})"
    return period or label


def paragraph(text: Any, cls: str | None = None) -> Fragment:
    """Text from data as escaped paragraphs (blank lines separate paragraphs)."""
    return Fragment(_paragraphs(text, cls))


def title_block(meta: Mapping[str, Any], report_name: str) -> Fragment:
    """The ``<h1>`` with the authority, the committee and the period.

    The output also carries the page title as metadata, which
    :func:`kpitools.publish.export.export_html` uses for ``<title>``.
    """
    name = _text(meta.get("authority_name")) or _text(meta.get("authority_code")) or "Authority"
    committee = _text(meta.get("committee"))
    when = esc(_period_text(meta))
    parts = ['<header class="kpi-title">', f"<h1>{esc(name)}: {esc(report_name)}</h1>"]
    if committee:
        parts.append(f'<p class="kpi-committee">{esc(committee)}</p>')
    if when:
        parts.append(f'<p class="kpi-period">Period: {when}</p>')
    parts.append("</header>")
    return Fragment("".join(parts), metadata={"title": page_title(meta, report_name)})


def _banner_html(text: Any, label: str = "Illustrative data") -> str:
    return f'<div class="kpi-banner" role="note"><p><strong>{esc(label)}.</strong> {esc(text)}</p></div>'


def banner(text: Any, label: str = "Illustrative data") -> Fragment:
    """The banner shown when the figures are illustrative (``meta["illustrative"]``)."""
    return Fragment(_banner_html(text, label))


def contents(items: Sequence[tuple[str, str]], label: str = "Contents") -> Fragment:
    """A list of links to the page's sections: ``[(id, text), ...]``."""
    links = "".join(f'<li><a href="#{esc(i)}">{esc(t)}</a></li>' for i, t in items)
    return Fragment(
        f'<nav class="kpi-contents" aria-label="{esc(label)}"><h2 class="kpi-contents-title">'
        f"{esc(label)}</h2><ol>{links}</ol></nav>"
    )


def table_wrap(table_html: str, caption: Any) -> str:
    """A table in a box that scrolls sideways on narrow screens (WCAG 1.4.10 reflow).

    The box can scroll, so it is a named region that takes keyboard focus (tabindex="0"): a
    keyboard user can then scroll it with the arrow keys (WCAG 2.1.1; axe-core's
    scrollable-region-focusable). Its name is the table's caption.
    """
    return f'<div class="kpi-table-wrap" role="region" aria-label="{esc(caption)}" tabindex="0">{table_html}</div>'


# --------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------


def format_timestamp(value: Any) -> str:
    """``2025-11-03T09:15:00+00:00`` gives ``3 November 2025 at 09:15 UTC``."""
    if is_missing(value) or not _text(value):
        return ""
    try:
        ts = value if isinstance(value, datetime) else datetime.fromisoformat(_text(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return _text(value)
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
        zone = " UTC"
    else:
        zone = ""
    return f"{ts.day} {ts.strftime('%B %Y')} at {ts.strftime('%H:%M')}{zone}"


def provenance_block(
    meta: Mapping[str, Any], *, level: int = 2, heading_text: str = "Provenance", extra: Mapping[str, Any] | None = None
) -> Fragment:
    """Where the figures come from: input files with SHA-256, period, generation time, versions.

    Parameters
    ----------
    meta
        ``PackTables.meta``: ``authority_name, authority_code, period, period_label, generated_at,
        kpitools_version, rag_scheme, comparators, inputs`` (a list of ``{path, sha256}``) and
        optionally ``git_revision``. Without ``git_revision`` the revision of the kpitools
        checkout is looked up (blank when it is not a git checkout).
    extra
        More label/value pairs to list (e.g. the notebook's parameters).
    """
    git = meta.get("git_revision")
    if git is None:
        from kpitools.core.provenance import git_revision

        git = git_revision()
    facts: list[tuple[str, str]] = []
    name = _text(meta.get("authority_name"))
    code = _text(meta.get("authority_code"))
    if name or code:
        facts.append(("Authority", f"{name} ({code})" if name and code else name or code))
    if _period_text(meta):
        facts.append(("Period", _period_text(meta)))
    if meta.get("comparators"):
        facts.append(("Comparators", ", ".join(str(c) for c in meta["comparators"])))
    if _text(meta.get("rag_scheme")):
        facts.append(("RAG rule set", _text(meta.get("rag_scheme"))))
    if _text(meta.get("generated_at")):
        facts.append(("Figures generated", format_timestamp(meta.get("generated_at"))))
    facts.append(("Page built", format_timestamp(datetime.now(UTC).isoformat(timespec="seconds"))))
    facts.append(("kpitools version", _text(meta.get("kpitools_version")) or _package_version()))
    facts.append(("Code revision (git)", _text(git) or "not a git checkout"))
    if meta.get("illustrative"):
        facts.append(("Data", "Illustrative"))
    for k, v in (extra or {}).items():
        facts.append((str(k), _text(v)))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    inputs = meta.get("inputs") or []
    rows = "".join(
        f'<tr><th scope="row">{esc(i.get("path"))}</th><td><code class="kpi-hash">{esc(i.get("sha256"))}</code></td></tr>'
        for i in inputs
        if isinstance(i, Mapping)
    )
    caption = "Input files and their SHA-256 checksums"
    table = (
        table_wrap(
            f'<table class="kpi-table kpi-inputs"><caption>{caption}</caption><thead><tr>'
            f'<th scope="col">File</th><th scope="col">SHA-256</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>",
            caption,
        )
        if rows
        else '<p class="kpi-none">No input files are recorded.</p>'
    )
    return Fragment(
        f'<section class="kpi-provenance">{_heading_html(heading_text, level, id="provenance")}'
        f'<dl class="kpi-facts-list">{dl}</dl>{table}</section>'
    )


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("kpitools")
    except Exception:  # not installed: a source checkout
        return "unknown (source checkout)"
