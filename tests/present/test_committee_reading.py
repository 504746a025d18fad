"""What the committee reads (issue: Amber gets words, the figures compared with are shown, each
sentence said once, plain words), on the bundled demo data."""

from __future__ import annotations

import html
import re

import pytest

from kpitools.core.vocabulary import MEASURE_WORDS
from kpitools.pack import load_or_build_tables
from kpitools.present import render, sections


@pytest.fixture(scope="module")
def havering():
    return load_or_build_tables(authority="Havering", period="2025-26 Q2", comparators=["Barking and Dagenham"])


def text_of(fragment_html: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment_html))).strip()


def items(block_html: str) -> dict[str, str]:
    """Each indicator's item of a block, by its heading."""
    out = {}
    for m in re.finditer(r'<section class="kpi-item"><h3>(.*?)</h3>(.*?)</section>', block_html, re.S):
        out[html.unescape(m.group(1))] = m.group(2)
    return out


def test_every_amber_indicator_is_within_tolerance_with_its_sentence_and_commentary(havering):
    card = havering.scorecard
    amber = card[card["rag"].eq("Amber")]
    assert len(amber) == 5  # one of them late: 2025-26 Q1's figure, the latest available
    watch = sections.draw(havering, "watch").data
    found = items(watch)
    assert set(found) == set(amber["title"])  # every Amber, and nothing else
    for row in amber.to_dict("records"):
        body = text_of(found[row["title"]])
        assert "Amber" in body and "within the tolerance" in body or "close to its edge" in body
        for kind in ("improvement", "highlight", "action"):
            if isinstance(row[kind], str) and row[kind].strip():
                assert text_of(render.paragraph(row[kind]).data)[:60] in body
    assert "within the accepted tolerance" in text_of(watch)


def test_the_scorecard_names_the_watch_section_in_its_notebook():
    import nbformat

    from kpitools.core.config import Paths

    nb = nbformat.read(str(Paths.from_data_dir().notebooks / "committee_scorecard.ipynb"), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert '("watch", "Within tolerance")' in code and 'section(tables, "watch")' in code
    assert code.index('"highlights")') < code.index('"watch")') < code.index('"improvements")')


def test_the_figures_compared_with_are_beside_the_arrows(havering):
    table = render.scorecard_table(havering.scorecard, meta=havering.meta).data
    rows = {
        html.unescape(m.group(1)): m.group(2)
        for m in re.finditer(
            r'<tr role="row"><th role="rowheader" scope="row">(.*?)<span.*?</th>(.*?)</tr>', table, re.S
        )
    }
    card = havering.scorecard.set_index("title")
    cp = rows["% of children becoming the subject of a child protection plan for a second or subsequent time"]
    previous = re.search(r'data-label="On previous period">(.*?)</td>', cp).group(1)
    last_year = re.search(r'data-label="On same period last year">(.*?)</td>', cp).group(1)
    row = card.loc["% of children becoming the subject of a child protection plan for a second or subsequent time"]
    assert f"was {row['previous_value']:.1f}%" in text_of(previous)
    assert f"was {row['last_year_value']:.1f}%" in text_of(last_year)
    # every cell carries its column heading (the phone's one-card-per-indicator layout shows it) and
    # its role (a table laid out as cards stays a table to a screen reader, Safari's included)
    for body in rows.values():
        assert body.count("<td") == body.count("data-label=") == body.count('<td role="cell"') == 10
    assert table.count("<tr") == table.count('<tr role="row">') == len(havering.scorecard) + 2
    assert '<table role="table" class="kpi-table kpi-scorecard">' in table
    assert len(re.findall(r"<th[ >]", table)) == table.count('<th role="') > 0


def test_a_year_to_date_target_shows_the_full_year_target_too(havering):
    table = render.scorecard_table(havering.scorecard, meta=havering.meta).data
    row = havering.scorecard.set_index("indicator_id").loc["FOSTER_CARERS_NEW"]
    assert bool(row["target_prorated"]) and row["target"] == 10 and row["target_annual"] == 20
    cell = re.search(r"new in-house foster carers recruited.*?data-label=\"Target\">(.*?)</td>", table, re.S).group(1)
    assert text_of(cell) == "10 Year to date; full year 20"


def test_each_title_is_said_once_under_its_heading(havering):
    card = havering.scorecard
    for kind in ("highlights", "watch", "improvements"):
        for title, body in items(sections.draw(havering, kind).data).items():
            lead = re.search(r"<p>.*?</p>", body, re.S).group(0)  # the badge and the generated sentence
            assert title not in html.unescape(lead), (kind, title)
            assert re.search(r"\b(At [^,]+, it|It) (is|has|remains) ", text_of(lead)), text_of(lead)
    assert len(card) > 0


def test_a_reason_does_not_repeat_its_status():
    badge = text_of(render.rag_badge("", "suppressed", "value suppressed: suppressed to protect confidentiality (c)"))
    assert badge == "Suppressed to protect confidentiality (c)"
    assert text_of(render.rag_badge("", "no data", "no data: no value in the extract for this period")) == (
        "No data no value in the extract for this period"
    )
    assert text_of(render.rag_badge("", "not due", "not due this period (reported once a year, in Q4)")) == (
        "Not due this period (reported once a year, in Q4)"
    )


def test_the_notes_say_no_internal_code(havering):
    notes = text_of(sections.draw(havering, "notes").data)
    for code in ("ytd", "rolling12", "biannual", "Measure: snapshot", "Frequency: quarterly"):
        assert not re.search(rf"\b{code}\b", notes), code
    assert MEASURE_WORDS["ytd"] in notes and MEASURE_WORDS["rolling12"] in notes


def test_one_quote_style_in_the_commentary_and_sentences(havering):
    for kind in ("highlights", "watch", "improvements"):
        shown = text_of(sections.draw(havering, kind).data)
        assert "'" not in shown and '"' not in shown, kind
    assert "\u2018" in text_of(sections.draw(havering, "improvements").data)


@pytest.mark.parametrize("period", ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2"])
def test_no_sentence_says_the_same_as_the_same_time(period):
    t = load_or_build_tables(authority="Havering", period=period)
    for sentence in t.scorecard["sentence"]:
        assert "the same as the same time" not in sentence, sentence
