"""Charts live in JupyterLab (kpitools.present.live) and the pack's look in a notebook (page.Fragment)."""

from __future__ import annotations

import re

import altair as alt
import pytest
import tinycss2
from conftest import sample_tables

from kpitools.present import charts, render, sections
from kpitools.present.live import VEGA_MIMETYPE, LiveChart, enable_altair, live, vega_bundle
from kpitools.present.page import Fragment, in_notebook_style, notebook_css, without_notebook_style


def test_a_live_chart_is_vega_5_for_jupyterlabs_own_renderer_with_its_text_alternative():
    t = sample_tables()
    row = t.scorecard.iloc[0].to_dict()
    spec = charts.trend_spec(t.history, t.benchmarks, row, authority_name="Havering", interactive=True)
    bundle = vega_bundle(spec, "Line chart")
    assert set(bundle) == {VEGA_MIMETYPE, "text/plain"}
    assert VEGA_MIMETYPE == "application/vnd.vega.v5+json"
    vega = bundle[VEGA_MIMETYPE]
    assert vega["$schema"] == "https://vega.github.io/schema/vega/v5.json"
    assert bundle["text/plain"] == "Line chart"
    # Vega, not Vega-Lite: marks and signals, the data inline (nothing to fetch)
    assert "marks" in vega and "signals" in vega
    assert all("url" not in d for d in vega.get("data", []))
    values = [v for d in vega["data"] for v in d.get("values", []) if isinstance(v, dict)]
    assert any("Havering" in str(v.values()) for v in values)


def test_no_script_is_shared_between_charts_so_any_number_draw():
    # The old set-up inlined one script per chart under the same names: only the first chart drew.
    t = sample_tables()
    bundles = [vega_bundle(charts.summary_spec(t.summary)), vega_bundle(charts.summary_spec(t.summary))]
    for b in bundles:
        assert "text/html" not in b and "application/javascript" not in b
        assert "<script" not in str(b)
    assert bundles[0] == bundles[1]  # the same chart twice is the same, self-contained output


def test_live_chart_object_shows_itself_and_keeps_its_spec():
    spec = charts.summary_spec(sample_tables().summary)
    chart = LiveChart(spec, "Bar chart of ratings")
    assert chart.to_dict() == spec and chart.to_dict() is not spec
    data, metadata = chart._repr_mimebundle_()
    assert data["text/plain"] == "Bar chart of ratings"
    # drawn as SVG (text stays text), not on JupyterLab's default canvas
    assert metadata == {VEGA_MIMETYPE: {"embed_options": {"renderer": "svg"}}}
    assert live(charts.summary_chart(sample_tables().summary)).spec["$schema"].startswith("https://vega.github.io/")


def test_altair_charts_of_the_analysts_own_draw_the_same_live_way():
    before = alt.renderers.active
    try:
        enable_altair()
        assert alt.renderers.active == "kpitools"
        chart = alt.Chart(alt.Data(values=[{"x": 1, "y": 2}])).mark_point().encode(x="x:Q", y="y:Q")
        bundle, metadata = chart._repr_mimebundle_()
        assert VEGA_MIMETYPE in bundle and metadata[VEGA_MIMETYPE]["embed_options"]["renderer"] == "svg"
        assert not any(k.startswith("application/vnd.vegalite") for k in bundle)
    finally:
        alt.renderers.enable(before)


# --------------------------------------------------------------------------------------------
# The pack's look in a notebook
# --------------------------------------------------------------------------------------------


def _selectors(css: str) -> list[str]:
    out = []

    def walk(nodes):
        for node in nodes:
            if node.type == "qualified-rule":
                out.extend(s.strip() for s in tinycss2.serialize(node.prelude).split(","))
            elif node.type == "at-rule" and node.content is not None:
                walk(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return out


def test_notebook_css_touches_only_the_packs_own_outputs():
    css = notebook_css()
    selectors = _selectors(css)
    assert len(selectors) > 80
    # every rule is scoped to the wrapper, so JupyterLab's own look is untouched
    assert all(s == ".kpi-nb" or s.startswith(".kpi-nb ") for s in selectors), [
        s for s in selectors if not s.startswith(".kpi-nb")
    ]
    assert not re.search(r"\.kpi-nb (?:html|body|main|:root)\b", css)
    assert "@media print" not in css and "@page" not in css
    # the rules that make the blocks readable: badge colours, hidden words, sub-lines
    for rule in (".kpi-nb .kpi-rag--red", ".kpi-nb .visually-hidden", ".kpi-nb .kpi-sub", ".kpi-nb table"):
        assert rule in css
    assert "table-layout: auto" in css  # JupyterLab's fixed layout would squeeze the indicator column


def test_every_section_shows_styled_in_a_notebook_and_exports_as_it_was():
    t = sample_tables()
    tables = sections.PackTables(
        meta={"authority_name": "Havering", "period": "2025-26 Q2"},
        scorecard=t.scorecard,
        summary=t.summary,
        history=t.history,
        benchmarks=t.benchmarks,
        comparison=t.comparison,
    )
    for kind in sections.PACK_KINDS:
        fragment = sections.draw(tables, kind)
        data, _ = fragment._repr_mimebundle_()
        shown = data["text/html"]
        assert shown.startswith('<div class="kpi-nb" data-kpitools-notebook="1"><style>')
        assert notebook_css() in shown and fragment.data in shown
        assert without_notebook_style(shown) == fragment.data, kind
        assert str(fragment) == fragment.data  # what the pack's own code reads is unchanged


def test_only_a_wrapped_block_is_unwrapped():
    page_html = '<div class="kpi-nb">not ours</div>'
    assert without_notebook_style(page_html) == page_html
    inner = in_notebook_style("<p>a</p><div>b</div>")
    assert without_notebook_style(inner) == "<p>a</p><div>b</div>"


def test_a_fragment_keeps_its_title_metadata_in_a_notebook():
    f = Fragment("<h1>x</h1>", metadata={"title": "Havering: scorecard"})
    _, md = f._repr_mimebundle_()
    assert md == {"kpitools": {"title": "Havering: scorecard"}}


@pytest.mark.parametrize("block", [render.heading("Trends", 2, id="t"), render.paragraph("Some words.")])
def test_page_blocks_too(block):
    assert block._repr_mimebundle_()[0]["text/html"].startswith('<div class="kpi-nb"')
