"""HTML fragments: escaping, accessible tables and figures, RAG words, arrows with words."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import sample_benchmarks, sample_comparison, sample_history, sample_meta, sample_scorecard, sample_summary

from kpitools.present import charts, render
from kpitools.present.page import in_notebook_style

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"


def html_of(fragment) -> str:
    return fragment.data


def assert_no_markup_injection(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "onerror=alert" not in html or "&lt;img src=x onerror=alert(1)&gt;" in html


# --------------------------------------------------------------------------------------------
# Escaping: commentary, titles and names are untrusted
# --------------------------------------------------------------------------------------------


def test_esc():
    assert render.esc(SCRIPT) == "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert render.esc(None) == "" and render.esc(float("nan"), missing="–") == "–"


def test_commentary_is_escaped_in_highlights_and_improvements():
    card = sample_scorecard()
    highlights = html_of(render.highlights_block(card))
    improvements = html_of(render.improvements_block(card))
    assert "&lt;img src=x onerror=alert(1)&gt;" in highlights
    assert "&lt;script&gt;alert(\u2018x\u2019)&lt;/script&gt;" in improvements  # escaped; quotes made curly
    for html in (highlights, improvements):
        assert_no_markup_injection(html)


def test_titles_names_and_files_are_escaped_everywhere():
    card = sample_scorecard()
    card.loc[0, "title"] = "Re-referrals " + SCRIPT
    meta = sample_meta(
        authority_name="Havering " + IMG,
        committee=SCRIPT,
        illustrative_note=SCRIPT,
        inputs=[{"path": "data/raw/" + SCRIPT + ".csv", "sha256": "0" * 64}],
    )
    fragments = [
        render.title_block(meta, "Scorecard"),
        render.banner(meta["illustrative_note"]),
        render.scorecard_table(card, meta=meta),
        render.notes_block(card, meta),
        render.provenance_block(meta),
        render.heading(SCRIPT, 2, id="x"),
        render.trend_section(card.iloc[0], sample_history(), sample_benchmarks(), authority_name=IMG),
        render.comparison_section(card.iloc[0], sample_comparison(), sample_benchmarks(), authority_name="Havering"),
        render.paragraph(SCRIPT + "\n\n" + IMG),
    ]
    for fragment in fragments:
        assert_no_markup_injection(html_of(fragment))
    ranked = html_of(fragments[7])
    assert "Essex &lt;b&gt;bold&lt;/b&gt;" in ranked and "<b>bold</b>" not in ranked


def test_commentary_keeps_its_paragraphs():
    html = html_of(render.paragraph("First line\nsecond line\n\nNew paragraph"))
    assert html == "<p>First line<br>second line</p><p>New paragraph</p>"


# --------------------------------------------------------------------------------------------
# Scorecard table
# --------------------------------------------------------------------------------------------


def test_scorecard_table_structure():
    card = sample_scorecard()
    html = html_of(render.scorecard_table(card, meta=sample_meta()))
    assert "<caption>Scorecard: Havering, 2025-26 Q2</caption>" in html
    assert html.count('<th role="rowheader" scope="row">') == len(card)
    assert html.count('scope="col"') >= 10 and html.count('scope="colgroup"') == 2
    assert '<abbr title="Direction of travel">DoT</abbr>' in html
    assert '<abbr title="Statistical neighbours">SN</abbr>' in html
    assert "Key to the scorecard" in html  # abbreviations explained


@pytest.mark.parametrize("rag", ["Red", "Amber", "Green"])
def test_rag_is_a_word_in_a_coloured_badge(rag):
    assert render.rag_badge(rag) == f'<span class="kpi-rag kpi-rag--{rag.lower()}">{rag}</span>'
    html = html_of(render.scorecard_table(sample_scorecard()))
    assert f'<span class="kpi-rag kpi-rag--{rag.lower()}">{rag}</span>' in html


def test_unrated_status_is_a_word_with_its_reason_never_a_colour():
    html = render.rag_badge("", "not due", "Reported in Q2 and Q4 only")
    assert '<span class="kpi-status">Not due</span>' in html and "Reported in Q2 and Q4 only" in html
    assert "kpi-rag" not in html
    assert "Not a target measure" in render.rag_badge(None, "not a target measure")


@pytest.mark.parametrize(
    "dot, arrow, word", [("better", "\u2191", "better"), ("worse", "\u2193", "worse"), ("same", "\u2192", "same")]
)
def test_direction_of_travel_is_an_arrow_and_a_word(dot, arrow, word):
    html = render.dot_text(dot)
    assert f'<span class="kpi-arrow" aria-hidden="true">{arrow}</span> {word}' in html
    text = re.sub(r"<[^>]+>", "", html)
    assert text == f"{arrow} {word}"


def test_missing_direction_of_travel_reads_no_comparison():
    html = render.dot_text("")
    assert "no comparison" in html and "visually-hidden" in html


def test_scorecard_shows_arrows_and_words_per_row():
    html = html_of(render.scorecard_table(sample_scorecard()))
    assert "\u2193</span> worse" in html and "\u2191</span> better" in html and "\u2192</span> same" in html


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def figure():
    card = sample_scorecard()
    row = card.iloc[0].to_dict()
    chart = charts.trend_chart(sample_history(), sample_benchmarks(), row, authority_name="Havering")
    alt_text = charts.describe_trend(sample_history(), sample_benchmarks(), row, authority_name="Havering")
    tables = charts.trend_tables(sample_history(), sample_benchmarks(), row, authority_name="Havering")
    return render.svg_figure(chart, alt_text, "Re-referrals <trend>", tables), alt_text


def test_svg_figure_is_accessible():
    fragment, alt_text = figure()
    html = html_of(fragment)
    assert html.startswith('<figure class="kpi-figure" role="group"')
    svg_open = re.search(r"<svg\b[^>]*>", html).group(0)
    assert 'role="img"' in svg_open
    label = re.search(r'aria-label="([^"]*)"', svg_open).group(1)
    assert label.strip() and label == render.esc(alt_text)
    assert svg_open.count("role=") == 1  # Vega's own role attribute was replaced, not duplicated
    assert re.search(r"<title id=\"[^\"]+\">" + re.escape(render.esc(alt_text)) + "</title>", html)
    assert re.search(r"<desc id=\"[^\"]+\">Re-referrals &lt;trend&gt;</desc>", html)
    assert "<figcaption" in html and "Re-referrals &lt;trend&gt;</figcaption>" in html
    details = html[html.index("<details") :]
    assert "<summary>" in details and details.count("<caption>") == 2
    assert '<th scope="col"' in details and '<th scope="row"' in details
    assert "<script" not in html.lower()


def test_svg_has_one_class_attribute_and_no_inner_roles():
    # axe-core (svg-img-alt): Vega's mark containers keep role="graphics-symbol" inside our role="img";
    # and a second class attribute is dropped by the HTML parser (Vega's "marks" won on the index page,
    # so the chart did not scale down on a narrow screen).
    html = html_of(figure()[0])
    svg = html[html.index("<svg") : html.index("</svg>")]
    svg_open = re.match(r"<svg\b[^>]*>", svg).group(0)
    assert len(re.findall(r'\sclass="', svg_open)) == 1
    assert "kpi-chart" in re.search(r'\sclass="([^"]*)"', svg_open).group(1).split()
    inner = svg[len(svg_open) :]
    assert not re.search(r'<[^>]*\s(?:role|aria-[a-z]+)="', inner)
    assert "<text" in inner  # the chart's text itself is still there


def test_tables_scroll_in_named_keyboard_focusable_regions():
    # axe-core (scrollable-region-focusable, at 320 CSS px): a box that scrolls must take focus.
    html = html_of(figure()[0]) + html_of(render.scorecard_table(sample_scorecard(), meta=sample_meta()))
    html += html_of(render.summary_block(sample_summary(), "x", chart=False))
    html += html_of(render.provenance_block(sample_meta(git_revision="abc")))
    tables = html.count("<table")
    wraps = re.findall(r'<div class="kpi-table-wrap"[^>]*>', html)
    assert tables == len(wraps) == 5  # the figure's two data tables inside <details> included
    for w in wraps:
        assert 'role="region"' in w and 'tabindex="0"' in w
    assert (
        '<div class="kpi-table-wrap" role="region" aria-label="Scorecard: Havering, 2025-26 Q2" tabindex="0">' in html
    )
    assert render.table_wrap("<table></table>", SCRIPT).startswith(
        '<div class="kpi-table-wrap" role="region" aria-label="&lt;script&gt;'
    )


def test_svg_figure_needs_a_text_alternative():
    with pytest.raises(ValueError):
        render.svg_figure(charts.summary_chart(sample_summary()), "  ", "caption")


def test_two_figures_on_a_page_do_not_share_ids():
    a, _ = figure()
    b, _ = figure()
    ids_a = set(re.findall(r'\bid="([^"]+)"', a.data))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b.data))
    assert ids_a and not ids_a & ids_b
    for ref in re.findall(r"url\(#([^)]+)\)", a.data):
        assert ref in ids_a


def test_data_table_marks_numeric_columns():
    df = pd.DataFrame({"Period": ["2025-26 Q1", "2025-26 Q2"], "Value": ["21.3%", "1,204"], "Note": ["a", "b"]})
    html = html_of(render.data_table(df, "Figures"))
    assert '<th scope="col" class="num">Value</th>' in html and '<td class="num">21.3%</td>' in html
    assert '<th scope="col">Note</th>' in html and '<th scope="row">2025-26 Q1</th>' in html


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------


def test_banner():
    html = html_of(render.banner("Made-up figures"))
    assert 'role="note"' in html and "<strong>Illustrative data.</strong> Made-up figures" in html


def test_title_block_carries_the_page_title():
    fragment = render.title_block(sample_meta(), "Committee scorecard")
    assert "<h1>Havering: Committee scorecard</h1>" in fragment.data
    assert "Children and Learning Overview and Scrutiny Sub-Committee" in fragment.data
    data, metadata = fragment._repr_mimebundle_()
    assert data == {"text/html": in_notebook_style(fragment.data)}  # styled in a notebook
    assert metadata == {"kpitools": {"title": "Havering: Committee scorecard, 2025-26 Q2"}}


def test_period_is_not_repeated_when_the_label_contains_it():
    meta = sample_meta(period_label="July to September 2025 (2025-26 Q2)")
    assert "Period: July to September 2025 (2025-26 Q2)</p>" in render.title_block(meta, "x").data


def test_summary_block():
    html = html_of(render.summary_block(sample_summary(), "Performance data is available for 3 of the 4 indicators."))
    assert '<p class="kpi-lead">Performance data is available for 3 of the 4 indicators.</p>' in html
    assert "<caption>Indicators by rating and by status</caption>" in html
    assert "34% of rated indicators" in html and "25% of all indicators" in html
    assert 'role="img"' in html


def test_highlights_and_improvements_select_the_right_rows():
    card = sample_scorecard()
    highlights = html_of(render.highlights_block(card))
    assert "Children on a child protection plan" in highlights and "Re-referrals" not in highlights
    improvements = html_of(render.improvements_block(card))
    assert "Re-referrals" in improvements and "Care leavers" not in improvements
    assert "Improvement required" in improvements and "Corrective action" in improvements
    none = html_of(render.improvements_block(card[card["rag"] != "Red"]))
    assert "No indicator is rated Red" in none


def test_improvement_without_commentary_says_so():
    card = sample_scorecard()
    card.loc[0, "action"] = ""
    assert "No commentary has been supplied" in html_of(render.improvements_block(card))


def test_trend_section_without_figures_says_why():
    card = sample_scorecard()
    html = html_of(render.trend_section(card.iloc[3], sample_history(), sample_benchmarks()))
    assert "<svg" not in html and "no figures to chart" in html and "Not due" in html


def test_notes_credit_the_open_government_licence():
    html = html_of(render.notes_block(sample_scorecard(), sample_meta()))
    assert (
        "Contains public sector information licensed under the Open Government Licence v3.0: Department for Education"
    ) in html
    assert "Referrals within 12 months of a previous referral" in html
    assert "Not due" in html and "Green: on target or better" in html


def test_provenance_block():
    html = html_of(render.provenance_block(sample_meta(git_revision="abc123")))
    assert '<section class="kpi-provenance"><h2 id="provenance">Provenance</h2>' in html
    assert "data/raw/local/Havering/extract.csv" in html and "a" * 64 in html
    assert "<dt>Code revision (git)</dt><dd>abc123</dd>" in html
    assert "<dt>kpitools version</dt><dd>0.1.0</dd>" in html
    assert "3 November 2025 at 09:15 UTC" in html
    assert "<caption>Input files and their SHA-256 checksums</caption>" in html
