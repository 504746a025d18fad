"""Late and missing figures, changes to the indicators and monthly packs, as the committee reads them
in the pages the command line builds (the demo packs of conftest: Havering for 2025-26 Q2 and for
August 2025) and in the sections of the 2025-26 Q1 pack."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
import vl_convert as vlc
from conftest import table_rows, text_of

from kpitools.ingest.loaders import load_dataset
from kpitools.pack.build import build_tables
from kpitools.present import charts
from kpitools.present.sections import draw, pack_sections
from kpitools.score.summary import summary_sentences

LATE = "Average duration of care proceedings (weeks)"  # CARE_PROC_WEEKS: 2025-26 Q1's figure in Q2
NO_FIGURE = "Number of family groups subject to child protection plans"  # CP_FAMILY_GROUPS
ADDED = "Average caseload of social workers holding child protection plans"  # CP_CASELOAD, from August 2025
REMOVED = "% of children subject to a child protection plan with an allocated social worker"  # CP_ALLOCATED
REREFERRAL = "% of referrals that are re-referrals within 12 months"


def page_of(folder: Path, name: str = "committee_scorecard.html") -> str:
    return (folder / name).read_text(encoding="utf-8")


def part(page: str, anchor: str) -> str:
    """The part of the page under the ``<h2 id=anchor>`` heading, to the next ``<h2``."""
    start = page.index(f'<h2 id="{anchor}">')
    end = page.find("<h2", start + 1)
    return page[start : end if end > 0 else len(page)]


def scorecard_row(page: str, title: str) -> dict[str, str]:
    """One indicator's row of the scorecard: each cell's text by its column (its data-label)."""
    table = re.search(r'<table role="table" class="kpi-table kpi-scorecard">.*?</table>', page, re.S).group(0)
    for tr in re.findall(r'<tr role="row">(.*?)</tr>', table, re.S):
        head = re.search(r'<th role="rowheader" scope="row">(.*?)(<span|</th>)', tr, re.S)
        if head and html.unescape(head.group(1)).strip() == title:
            return {k: text_of(v) for k, v in re.findall(r'data-label="([^"]+)">(.*?)</td>', tr, re.S)}
    raise AssertionError(f"{title!r} is not in the scorecard")


def contents_of(page: str) -> list[str]:
    nav = re.search(r'<nav[^>]*class="[^"]*kpi-contents.*?</nav>', page, re.S).group(0)
    return re.findall(r'href="#([^"]+)"', nav)


@pytest.fixture(scope="module")
def quarter(demo_packs) -> Path:
    return demo_packs.folders["Havering"]  # 2025-26 Q2, the latest


@pytest.fixture(scope="module")
def month(demo_packs) -> Path:
    return demo_packs.folders["Havering-monthly"]  # 2025-08


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(None, write_processed=False)


# --------------------------------------------------------------------------------------------
# A quarterly pack: a late figure, an indicator with no figure, indicators added and removed
# --------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_late_figure_says_in_words_which_period_it_is_for(quarter):
    page = page_of(quarter)
    value = scorecard_row(page, LATE)["Value"]
    assert value == "41 weeks Latest available: 2025-26 Q1"
    assert (
        '<span class="kpi-sub kpi-flag kpi-late">Latest available: <span class="kpi-when">2025-26 Q1</span></span>'
        in page
    )
    # a figure of the quarter itself, and a monthly figure ending with the quarter, say nothing more
    assert scorecard_row(page, REREFERRAL)["Value"] == "15.8%"
    assert scorecard_row(page, "Number of unaccompanied asylum-seeking children looked after")["Value"] == "34"
    key = text_of(page[page.index("Key to the scorecard") :])
    assert "Latest available The figure due has not come in" in key
    # the watch list says whose figure the late Amber is
    assert "At 41 weeks in 2025-26 Q1 (the latest available figure), it is above target" in text_of(part(page, "watch"))


@pytest.mark.e2e
def test_late_and_missing_figures_are_listed_in_one_place_with_why(quarter):
    page = page_of(quarter)
    contents = contents_of(page)
    assert contents.index("scorecard") < contents.index("late-figures") < contents.index("highlights")
    section = part(page, "late-figures")
    assert "Late and missing figures" in section
    assert text_of(section).startswith(
        "Late and missing figures The figure due for 1 indicator has not come in, so the scorecard shows its "
        "latest available figure instead"
    )
    late = table_rows(section, "Figures shown from an earlier period than the one due")
    assert late == [[LATE, "41 weeks", "2025-26 Q1", "2025-26 Q2", "No value in the extract"]]
    # its trend says why there is nothing to chart, once ("No data; no data: ..." before)
    assert (
        "There are no figures to chart for this indicator (No data; not captured in the case system until its "
        "group-working upgrade, due in 2026)." in text_of(part(page, "trends"))
    )
    missing = table_rows(section, "Indicators with no figure")
    assert missing == [
        [NO_FIGURE, "2025-26 Q2", "Not captured in the case system until its group-working upgrade, due in 2026"]
    ]
    # the tables are read as tables: caption, column headings and a heading for each row
    assert section.count("<caption>") == 2 and section.count('<th scope="row">') == 2
    assert section.count('<th scope="col"') == 5 + 3


@pytest.mark.e2e
def test_the_summary_says_how_many_rated_figures_are_late(quarter):
    said = "1 of them is the latest available figure rather than 2025-26 Q2's: see Late and missing figures in the committee scorecard."
    summary = text_of(part(page_of(quarter), "summary"))
    assert "Performance data is available for 14 of the 23 indicators." in summary and said in summary
    assert said in text_of(page_of(quarter, "index.html"))


@pytest.mark.e2e
def test_indicators_added_and_removed_are_listed_with_why(quarter):
    page = page_of(quarter)
    contents = contents_of(page)
    assert contents.index("summary") < contents.index("framework-changes") < contents.index("scorecard")
    section = part(page, "framework-changes")
    assert "Changes to the indicators" in section
    assert "Since 2025-26 Q1, 1 indicator was added and 1 removed." in text_of(section)
    assert table_rows(section, "Indicators added since 2025-26 Q1") == [
        [
            ADDED,
            "Added from August 2025: a more telling measure for the committee than allocated cases, "
            "which are always 100%.",
        ]
    ]
    assert table_rows(section, "Indicators removed since 2025-26 Q1") == [
        [
            REMOVED,
            "Removed from August 2025: always 100%, and monitored within the department so that no case "
            "is unallocated.",
        ]
    ]
    # the removed indicator is gone from the scorecard, the added one is there
    scorecard = part(page, "scorecard")
    assert ADDED in scorecard and REMOVED not in scorecard


@pytest.mark.e2e
def test_the_late_figures_trend_leaves_its_quarter_a_gap_and_says_why(quarter):
    trend = page_of(quarter).split('id="trend-care-proc-weeks"', 1)[1].split("<h3", 1)[0]
    alt = html.unescape(re.search(r'aria-label="(Line chart:[^"]*)"', trend).group(1))
    assert "There is no figure for 2025-26 Q2 (no data: no value in the extract)" in alt
    assert "41 in 2025-26 Q1" in alt and "The scorecard shows the 2025-26 Q1 figure as the latest available" in alt
    assert "Latest 41" not in alt
    rows = table_rows(trend, "Havering: Average duration of care proceedings (weeks) by period")
    assert rows[-2][:2] == ["2025-26 Q1", "41"]
    assert rows[-1] == ["2025-26 Q2", "No data", "\u2013", "No data"]  # not 2025-26 Q1's figure, target or rating


# --------------------------------------------------------------------------------------------
# A monthly pack
# --------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_monthly_pack_names_its_month_in_words(month):
    page = page_of(month)
    assert "<title>Havering: Children&#39;s services performance scorecard, August 2025</title>" in page
    assert '<p class="kpi-period">Period: August 2025</p>' in page
    assert "<caption>Scorecard: Havering, August 2025</caption>" in page
    index = page_of(month, "index.html")
    assert ">Havering: Children&#x27;s services performance scorecard, August 2025</a>" in index
    assert ">Havering: Benchmark comparison, August 2025</a>" in index
    for name in ("committee_scorecard.html", "benchmark_comparison.html", "index.html"):
        said = page_of(month, name)
        titles = re.findall(r"<title>.*?</title>|<h[1-3][^>]*>.*?</h[1-3]>|<caption>.*?</caption>", said, re.S)
        titles += re.findall(r'class="kpi-period">.*?</p>|<figcaption[^>]*>.*?</figcaption>', said, re.S)
        assert titles and not [t for t in titles if "2025-08" in t], name


@pytest.mark.e2e
def test_a_monthly_pack_says_which_period_each_figure_is_for(month):
    page = page_of(month)
    assert scorecard_row(page, REREFERRAL)["Value"] == "15.7% As at 2025-26 Q1"
    assert scorecard_row(page, "% of new Education, Health and Care plans issued within 20 weeks")["Value"] == (
        "62.5% Year 2024-25"
    )
    assert scorecard_row(page, ADDED)["Value"] == "14.7"  # a monthly figure, for August itself
    assert "Latest available:" not in part(page, "scorecard")
    key = text_of(page[page.index("Key to the scorecard") :])
    assert "As at, Year The period the figure is for, when it is earlier than August 2025" in key
    assert "the month before for a monthly indicator, the quarter before for a quarterly one" in key
    # nothing late; the indicator with no figure is still listed, due at the latest quarter ended
    section = part(page, "late-figures")
    assert "Figures shown from an earlier period" not in section
    assert table_rows(section, "Indicators with no figure") == [
        [NO_FIGURE, "2025-26 Q1", "Not captured in the case system until its group-working upgrade, due in 2026"]
    ]
    assert "Since July 2025, 1 indicator was added and 1 removed." in text_of(part(page, "framework-changes"))


@pytest.mark.e2e
def test_a_monthly_packs_quarterly_trend_ends_at_its_quarter_not_the_month(month):
    trend = page_of(month).split('id="trend-rereferral"', 1)[1].split("<h3", 1)[0]
    alt = html.unescape(re.search(r'aria-label="(Line chart:[^"]*)"', trend).group(1))
    assert "to 2025-26 Q1. Latest 15.7%" in alt and "no figure" not in alt
    rows = table_rows(trend, f"Havering: {REREFERRAL} by period")
    assert rows[-1][:2] == ["2025-26 Q1", "15.7%"] and not [r for r in rows if "2025" in r[0] and "Q" not in r[0]]
    # a monthly indicator by month, its months in words as the time axis writes them
    caseload = page_of(month).split('id="trend-cp-caseload"', 1)[1].split("<h3", 1)[0]
    assert table_rows(caseload, f"Havering: {ADDED} by period")[-1][:2] == ["Aug 2025", "14.7"]


def test_a_monthly_packs_quarterly_chart_claims_no_gap_for_the_month(dataset):
    tables = build_tables(dataset, "Havering", "2025-08")
    card = tables.scorecard.set_index("indicator_id", drop=False)
    row = card.loc["REREFERRAL"].to_dict()
    h = tables.history[tables.history["indicator_id"] == "REREFERRAL"]
    b = tables.benchmarks[tables.benchmarks["indicator_id"] == "REREFERRAL"]
    spec = charts.trend_spec(h, b, row, authority_name="Havering")
    layers = spec["vconcat"][0]["layer"]
    domains = [
        layer["encoding"]["x"]["scale"]["domain"]
        for layer in layers
        if "domain" in layer.get("encoding", {}).get("x", {}).get("scale", {})
    ]
    ends = {pd.Timestamp(d[1]["year"], d[1]["month"], d[1]["date"]) for d in domains}
    assert ends == {pd.Timestamp("2025-06-30")}  # the quarter it is due for, not 31 August
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", vlc.vegalite_to_svg(spec))
    assert "2025-26 Q1: 15.7%" in texts and not [t for t in texts if "no data" in t]


# --------------------------------------------------------------------------------------------
# The quarter before: the framework as it was
# --------------------------------------------------------------------------------------------


def test_the_quarter_before_has_the_framework_as_it_was(dataset):
    tables = build_tables(dataset, "Havering", "2025-26 Q1")
    scorecard = draw(tables, "scorecard").data
    assert REMOVED in scorecard and ADDED not in scorecard
    assert "framework-changes" in pack_sections(tables.meta) and "late-figures" in pack_sections(tables.meta)
    changes = draw(tables, "framework_changes").data
    assert "Since 2024-25 Q4, 1 indicator was added." in text_of(changes)
    assert table_rows(changes, "Indicators added since 2024-25 Q4") == [
        [NO_FIGURE, "Added from 2025-26 Q1 at the committee's request."]
    ]
    assert "Indicators removed" not in changes


# --------------------------------------------------------------------------------------------
# Which parts a pack has, and the summary's sentence, from the tables alone
# --------------------------------------------------------------------------------------------


def test_a_pack_has_the_new_parts_only_when_there_is_something_to_list():
    nothing = {"has_local_data": True, "late_indicators": [], "missing_indicators": []}
    assert not {"late-figures", "framework-changes"} & set(pack_sections(nothing))
    none_changed = {**nothing, "framework_changes": {"since": "2025-26 Q1", "added": [], "removed": []}}
    assert "framework-changes" not in pack_sections(none_changed)
    late = {**nothing, "late_indicators": ["A"], "indicators": ["A", "B"]}
    assert pack_sections(late)[:4] == ("summary", "scorecard", "late-figures", "highlights")
    # a pack cut down to other indicators lists nothing of those left out
    assert "late-figures" not in pack_sections({**late, "indicators": ["B"]})
    changed = {**nothing, "framework_changes": {"since": "2025-26 Q1", "added": [], "removed": [{"indicator_id": "X"}]}}
    assert pack_sections(changed)[:3] == ("summary", "framework-changes", "scorecard")
    # a pack of published figures only has no local figures to be late, but its indicators changed too
    only = {"has_local_data": False, "missing_indicators": ["A"], "framework_changes": changed["framework_changes"]}
    assert pack_sections(only) == ("published-position", "framework-changes", "notes", "provenance")


def test_the_summary_counts_late_figures_among_the_rated():
    card = pd.DataFrame(
        {
            "status": ["rated", "rated", "rated", "no data", "not a target measure"],
            "rag": ["Green", "Amber", "Red", "", ""],
            "late": [False, True, True, False, True],
            "due_period": ["2025-07", "2025-07", "2025-07", "2025-07", "2025-07"],
        }
    )
    assert summary_sentences(card) == [
        "Performance data is available for 3 of the 5 indicators.",
        "Of the 3 indicators: 1 (34%) has a status of Green, 1 (33%) has a status of Amber, 1 (33%) has a status of Red.",
        "2 of them are the latest available figures rather than July 2025's: see Late and missing figures in the committee scorecard.",
    ]
    assert len(summary_sentences(card.assign(late=False))) == 2  # none late: nothing more is said
