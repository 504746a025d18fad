"""Charts that stay live in JupyterLab, offline, any number to a notebook.

JupyterLab ships its own Vega renderer (``@jupyterlab/vega5-extension``: Vega 5 and Vega-Lite 5.6),
so a chart needs no script of its own and nothing from a CDN. Our specs are written for the
Vega-Lite that vl-convert bundles (the one that draws the pack's SVG); rather than hand JupyterLab's
older Vega-Lite a newer spec, vl-convert compiles each one to Vega and the output carries that Vega
spec under ``application/vnd.vega.v5+json``, with the chart's text alternative as ``text/plain``.
Tooltips, the legend highlight and the drop-downs are Vega's own, so they work as in the browser.

The committee pack never holds these outputs: it keeps its static, described SVG
(:func:`kpitools.present.render.svg_figure`), and the exporter refuses a live chart in a report
notebook with a message naming that function.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

VEGA_MIMETYPE = "application/vnd.vega.v5+json"
VEGA_SCHEMA = "https://vega.github.io/schema/vega/v5.json"
RENDERER_NAME = "kpitools"
# JupyterLab draws on a canvas unless told otherwise: SVG keeps the chart's text as text (sharper,
# searchable, read by screen readers) and matches the pack's static charts.
EMBED_METADATA = {VEGA_MIMETYPE: {"embed_options": {"renderer": "svg"}}}

__all__ = ["LiveChart", "VEGA_MIMETYPE", "enable_altair", "live", "vega_bundle"]


def _plain_text(spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, str) and title:
        return f"Chart: {title}"
    return "Chart (open this notebook in JupyterLab to see it)."


def vega_bundle(spec: Mapping[str, Any], alt_text: str | None = None) -> dict[str, Any]:
    """The notebook output of a Vega-Lite spec: ``{VEGA_MIMETYPE: vega_spec, "text/plain": ...}``.

    Parameters
    ----------
    spec
        A Vega-Lite spec (a dict, as ``chart.to_dict()`` or the ``*_spec`` builders give).
    alt_text
        What ``text/plain`` says (a reader without JavaScript, a diff of the notebook).

    Examples
    --------
    >>> bundle = vega_bundle({"mark": "point", "data": {"values": [{"x": 1}]},
    ...                       "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    >>> sorted(bundle), bundle[VEGA_MIMETYPE]["$schema"]
    (['application/vnd.vega.v5+json', 'text/plain'], 'https://vega.github.io/schema/vega/v5.json')
    """
    import vl_convert as vlc

    vega = vlc.vegalite_to_vega(dict(spec), vl_version=compile_with())
    vega["$schema"] = VEGA_SCHEMA
    return {VEGA_MIMETYPE: vega, "text/plain": alt_text or _plain_text(spec)}


@functools.cache
def compile_with() -> str:
    """The newest Vega-Lite 5 this vl-convert bundles: it compiles to Vega 5, the Vega JupyterLab 4
    runs (Vega-Lite 6 targets Vega 6).

    Examples
    --------
    >>> compile_with().startswith("5.")
    True
    """
    import vl_convert as vlc

    fives = [v for v in vlc.get_vegalite_versions() if v.lstrip("v").startswith("5.")]
    return max(fives, key=lambda v: tuple(int(x) for x in v.lstrip("v").split(".")))


class LiveChart:
    """A chart shown live in JupyterLab (see the module's notes); ``spec`` is its Vega-Lite.

    ``alt_text`` is what the chart shows, in words: ``text/plain`` carries it. Displaying it twice,
    or re-running its cell, draws it again: nothing is shared between outputs.
    """

    def __init__(self, spec: Mapping[str, Any], alt_text: str | None = None) -> None:
        self.spec = dict(spec)
        self.alt_text = alt_text

    def to_dict(self) -> dict[str, Any]:
        return dict(self.spec)

    def _repr_mimebundle_(
        self,
        include: Any = None,  # noqa: ARG002  (IPython's protocol)
        exclude: Any = None,  # noqa: ARG002
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        return vega_bundle(self.spec, self.alt_text), EMBED_METADATA

    def __repr__(self) -> str:
        return f"<LiveChart: {self.alt_text or _plain_text(self.spec)}>"


def live(chart: Any, alt_text: str | None = None) -> LiveChart:
    """Any chart (an Altair chart or a Vega-Lite dict) as a :class:`LiveChart`."""
    spec = chart if isinstance(chart, Mapping) else chart.to_dict()
    return LiveChart(spec, alt_text)


def _altair_renderer(spec: dict[str, Any], **_metadata: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return vega_bundle(spec), EMBED_METADATA


@functools.cache
def _register() -> None:
    import altair as alt

    alt.renderers.register(RENDERER_NAME, _altair_renderer)


def enable_altair() -> None:
    """Show every Altair chart of this kernel the same way (``alt.renderers.enable("kpitools")``).

    Altair's own renderers either emit a Vega-Lite version JupyterLab 4 cannot draw or inline a
    script per chart (only the first chart of a page then works).
    """
    import altair as alt

    _register()
    alt.renderers.enable(RENDERER_NAME)
