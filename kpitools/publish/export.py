"""Export an executed notebook to one offline HTML page with the kpitools report template, after
checking its outputs keep the pack's promises (no script, nothing remote, every image described)."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from kpitools.core.errors import ReportError
from kpitools.core.files import atomic_path
from kpitools.core.imports import import_jsonschema
from kpitools.present import TEMPLATE_DIR, TEMPLATE_NAME

# Export
# --------------------------------------------------------------------------------------------

_REMOTE = re.compile(
    r"""<script\b|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//|\bsrc\s*=\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.I,
)


# What a report notebook shows instead of a chart or table the pack cannot hold: a described SVG
# figure and an accessible table (worked example in notebooks/reports/committee_scorecard.ipynb).
SUPPORTED_WAY = (
    "show a chart as a described figure, display(render.svg_figure(chart, alt_text=..., caption=..., "
    "data_table_df=...)), and a table as display(render.data_table(frame, caption=...)), with "
    "`from kpitools.present import render` (see 'Adding a section of your own' in "
    "notebooks/reports/committee_scorecard.ipynb)"
)
# Outputs that need a script to be seen: a live chart, a widget, JavaScript.
_SCRIPTED = re.compile(r"^application/(?:vnd\.vega(?:lite)?\.v\d+\+json|javascript|vnd\.jupyter\.widget-view\+json)$")


_VEGA_EMBED = re.compile(r"vegaEmbed|vega-embed|vega-lite", re.I)


def _what_it_is(mime: str) -> str:
    if "vega" in mime:
        return "an interactive Altair or Vega chart"
    if "widget" in mime:
        return "an interactive widget"
    return "JavaScript"


def _without_notebook_style(nb: Any) -> None:
    """The pack's blocks carry its stylesheet in a notebook (:func:`kpitools.present.page.in_notebook_style`);
    the pack's page has it once, in its head."""
    from kpitools.present.page import without_notebook_style

    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data") or {}
            text = data.get("text/html")
            if isinstance(text, list):
                text = "".join(text)
            if isinstance(text, str):
                data["text/html"] = without_notebook_style(text)


def _check_outputs(nb: Any, name: str) -> None:
    """Refuse outputs that would break the pack's promises: images without a text alternative,
    scripts, live charts, or anything loaded from the network."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {}) or {}
            md = output.get("metadata", {}) or {}
            scripted = sorted(m for m in data if _SCRIPTED.match(m))
            if scripted:
                problems.append(
                    f"cell {index + 1} shows {_what_it_is(scripted[0])} ({scripted[0]}), which the pack cannot "
                    f"hold: its pages have no script and must work on paper and offline. Instead, {SUPPORTED_WAY}"
                )
                continue
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime in data and "text/html" not in data:
                    alt = (md.get(mime) or {}).get("alt") if isinstance(md.get(mime), dict) else None
                    if not (alt or md.get("alt")):
                        problems.append(
                            f"cell {index + 1} shows an image ({mime}) without a text alternative. "
                            f"Instead, {SUPPORTED_WAY}"
                        )
            html_text = data.get("text/html")
            if isinstance(html_text, list):
                html_text = "".join(html_text)
            remote = _REMOTE.search(html_text) if html_text else None
            if remote and html_text and _VEGA_EMBED.search(html_text):
                # Altair's HTML renderers: a chart drawn by a script in the page
                problems.append(
                    f"cell {index + 1} shows {_what_it_is('vega')} (text/html with a script), which the pack "
                    f"cannot hold: its pages have no script and must work on paper and offline. Instead, {SUPPORTED_WAY}"
                )
            elif remote:
                problems.append(
                    f"cell {index + 1} outputs HTML with a script or a remote resource "
                    f"({remote.group(0)!r}); the pack must work offline. Instead, {SUPPORTED_WAY}"
                )
    if problems:
        raise ReportError(f"{name} cannot be exported:\n  - " + "\n  - ".join(problems))


def _find_title(nb: Any) -> str | None:
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = (output.get("metadata") or {}).get("kpitools")
            if isinstance(meta, dict) and meta.get("title"):
                return str(meta["title"])
    return None


@functools.lru_cache(maxsize=1)
def _exporter():
    # One exporter per process: building it (traitlets config, Jinja environment, template
    # lookup) costs more than exporting a pack's page, and a schedule's worker exports many.
    import_jsonschema()
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.exclude_anchor_links = True
    c.HTMLExporter.embed_images = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = ("remove-cell", "remove_cell")
    c.TagRemovePreprocessor.remove_all_outputs_tags = ("remove-output", "remove_output")
    return _pack_exporter_class()(config=c)


def _pack_exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PackHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last pass, which re-parses the whole page with
        BeautifulSoup only to add alt text to ``<img>`` and ``tabindex`` to JupyterLab's cell
        wrappers: our template has no such wrappers, ``_check_outputs`` refuses an image without a
        text alternative, and on a pack page with its charts that pass took longer than the rest
        of the export (1.7 s of 3.4 s measured)."""

        def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[Any, dict]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter(
                "highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            )
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PackHTMLExporter


def export_html(executed_nb_path_or_node: str | Path | Any, out_html: str | Path, title: str | None = None) -> Path:
    """Export an executed notebook to one self-contained, offline HTML page with the kpitools template.

    Parameters
    ----------
    executed_nb_path_or_node
        The executed notebook: a path to an ``.ipynb`` file or an ``nbformat.NotebookNode``.
    out_html
        The HTML file to write (written to a temporary name and renamed, so never half-written).
    title
        The page's ``<title>``. By default the title the notebook's
        :func:`kpitools.present.render.title_block` output carries, else ``metadata.title``, else the
        file name.

    Returns
    -------
    pathlib.Path
        ``out_html``.

    Raises
    ------
    ReportError
        When an output would break the pack's promises (an image without a text alternative, a
        script, a remote resource) or nbconvert fails.
    """
    import_jsonschema()
    import nbformat

    if isinstance(executed_nb_path_or_node, (str, Path)):
        src = Path(executed_nb_path_or_node)
        nb = nbformat.read(str(src), as_version=4)
        name, folder = src.name, str(src.parent)
    else:
        nb = copy.deepcopy(executed_nb_path_or_node)  # the caller's notebook stays as it was
        name, folder = "notebook", str(Path.cwd())
    _without_notebook_style(nb)
    _check_outputs(nb, name)
    page_title = title or _find_title(nb) or nb.metadata.get("title") or Path(name).stem
    out = Path(out_html)
    resources = {"metadata": {"name": Path(name).stem, "path": folder}, "kpitools_title": page_title}
    try:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    except Exception as exc:  # nbconvert / jinja errors: name the notebook
        raise ReportError(f"could not export {name} to HTML: {type(exc).__name__}: {exc}") from exc
    with atomic_path(out) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return out


def _html_title(path: Path) -> str | None:
    """The ``<title>`` of an exported page (the index lists each report by it)."""
    import html as _html

    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except OSError:
        return None
    m = re.search(r"<title>(.*?)</title>", head, re.S)
    return _html.unescape(m.group(1).strip()) if m else None
