"""The pack's index page: the reports, the summary, the data files and the provenance.

The page shell (head, styles, skip link) is ``pack_index.html.j2`` beside the report template, so the
index and the report pages share one head and one stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from kpitools.present import TEMPLATE_DIR, TEMPLATE_NAME
from kpitools.present import render as r
from kpitools.present.sections import is_benchmark_only

__all__ = ["index_page", "index_body"]


def index_page(
    title: str,
    meta: Mapping[str, Any],
    summary: Any,
    reports: list[tuple[str, str]],
    downloads: list[tuple[str, str]],
    notebooks: list[dict[str, Any]],
    summary_html: str | None = None,
) -> str:
    """The whole index page, rendered from ``pack_index.html.j2``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / TEMPLATE_NAME)), autoescape=True, keep_trailing_newline=True
    )
    body = index_body(title, meta, summary, reports, downloads, notebooks, summary_html)
    return env.get_template("pack_index.html.j2").render(title=title, body=Markup(body))


def index_body(
    title: str,
    meta: Mapping[str, Any],
    summary: Any,
    reports: list[tuple[str, str]],
    downloads: list[tuple[str, str]],
    notebooks: list[dict[str, Any]],
    summary_html: str | None = None,
) -> str:
    """The index page's content, between the page head and foot (HTML)."""
    parts = [f'<header class="kpi-title"><h1>{r.esc(title)}</h1>']
    if meta.get("committee"):
        parts.append(f'<p class="kpi-committee">{r.esc(meta.get("committee"))}</p>')
    if r._period_text(meta):
        parts.append(f'<p class="kpi-period">Period: {r.esc(r._period_text(meta))}</p>')
    parts.append("</header>")
    if meta.get("illustrative"):
        parts.append(r.banner(meta.get("illustrative_note") or "The figures in this pack are illustrative.").data)
    parts.append('<h2 id="reports">Reports</h2><ul class="kpi-reports">')
    parts += [f'<li><a href="{r.esc(href)}">{r.esc(text)}</a></li>' for href, text in reports]
    parts.append("</ul>")
    if is_benchmark_only(meta):
        # no local figures, nothing rated: the published position's lead (the pack's summary section),
        # never "Performance data is available for 0 of ..." nor a chart of zeros
        if summary_html:
            parts.append('<h2 id="summary">Published position</h2>')
            parts.append(summary_html)
    elif summary_html:
        parts.append('<h2 id="summary">Summary</h2>')
        parts.append(summary_html)
    elif summary is not None or meta.get("summary_sentence"):
        parts.append('<h2 id="summary">Summary</h2>')
        if summary is not None and len(summary):
            parts.append(
                r.summary_block(
                    summary, " ".join(meta.get("summary_sentences") or []) or meta.get("summary_sentence")
                ).data
            )
        else:
            parts.append(f'<p class="kpi-lead">{r.esc(meta.get("summary_sentence"))}</p>')
    if downloads:
        parts.append('<h2 id="downloads">Data files</h2><ul>')
        parts += [f'<li><a href="{r.esc(href)}">{r.esc(text)}</a></li>' for href, text in downloads]
        parts.append("</ul>")
    parts.append(r.provenance_block(meta).data)
    rows = "".join(
        f'<tr><th scope="row">{r.esc(n["notebook"])}</th><td>{r.esc(n["html"])}</td>'
        f'<td><code class="kpi-hash">{r.esc(n["notebook_sha256"])}</code></td></tr>'
        for n in notebooks
    )
    caption = "Report notebooks and their SHA-256 checksums"
    parts.append(
        r.table_wrap(
            f'<table class="kpi-table kpi-inputs"><caption>{caption}</caption><thead><tr>'
            '<th scope="col">Notebook</th><th scope="col">Page</th>'
            f'<th scope="col">SHA-256 of the notebook</th></tr></thead><tbody>{rows}</tbody></table>',
            caption,
        )
    )
    return "\n".join(parts)
