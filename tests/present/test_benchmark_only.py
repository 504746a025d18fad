"""A pack of published figures only (Barnet: no local figures) is designed as such.

No RAG summary of zeros and no "No data" beside a published rank: its published position instead (how
many indicators in each national quartile, where it ranks best and worst, the changes since the year
before), checked here against the scorecard and the published series computed independently; and the
committee scorecard built by the command line, against a full pack (Havering) that keeps its ratings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import table_rows, text_of

from kpitools.present import render
from kpitools.present.index_page import index_body
from kpitools.present.sections import SECTIONS, draw, is_benchmark_only, pack_sections

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def barnet():
    from kpitools.pack import load_or_build_tables

    tables = load_or_build_tables(authority="Barnet", period="latest")
    assert is_benchmark_only(tables.meta), "Barnet has no local figures: a pack of published figures only"
    return tables


def test_the_published_position_is_a_registered_section_and_a_benchmark_only_pack_has_no_ratings():
    assert "published_position" in SECTIONS and not SECTIONS["published_position"].per_indicator
    only = pack_sections({"has_local_data": False})
    assert "published-position" in only and "notes" in only and "provenance" in only
    assert not {"summary", "scorecard", "highlights", "watch", "improvements", "trends"} & set(only)
    full = pack_sections({"has_local_data": True})
    assert {"summary", "scorecard", "trends"} <= set(full) and "published-position" not in full
    # the pack's own flag, once it is there, says it
    assert pack_sections({"has_local_data": True, "benchmark_only": True}) == only


def test_quartile_counts_are_the_scorecards(barnet):
    card = barnet.scorecard
    section = draw(barnet, "published_position").data
    rows = {r[0]: int(r[1]) for r in table_rows(section, "Barnet: indicators by national quartile")}
    ranked = card["national_rank"].notna()
    for q in "ABCD":
        shown = next(n for label, n in rows.items() if label.startswith(f"Quartile {q}"))
        assert shown == int((ranked & card["quartile"].eq(q)).sum()), q
    # the rest are counted too, with why in words (no codes), and every indicator is counted once
    assert sum(rows.values()) == len(card)
    not_ranked = {label: n for label, n in rows.items() if label.startswith("Not ranked")}
    assert sum(not_ranked.values()) == int((~ranked).sum()) > 0
    assert any("context measure" in label for label in not_ranked)
    assert not any(re.search(r"\b[A-Z_]{4,}\b", label) for label in rows)  # no indicator ids


def test_best_and_worst_ranks_are_the_scorecards_min_and_max(barnet):
    card = barnet.scorecard.dropna(subset=["national_rank"])
    section = draw(barnet, "published_position").data
    best = table_rows(section, "Where Barnet ranks best")
    worst = table_rows(section, "Where Barnet ranks worst")
    top = card.loc[card["national_rank"].astype(int).idxmin()]
    bottom = card.loc[card["national_rank"].astype(int).idxmax()]
    assert best[0][0] == top["title"] and best[0][1] == f"{int(top['national_rank'])} of {int(top['national_count'])}"
    assert worst[0][0] == bottom["title"]
    assert worst[0][1] == f"{int(bottom['national_rank'])} of {int(bottom['national_count'])}"
    # the published figure, with London and England beside it
    assert best[0][3:] == [
        render.published_text(top.to_dict()),
        render.format_value(top["london"], top["unit"], int(top["decimals"])),
        render.format_value(top["england"], top["unit"], int(top["decimals"])),
    ]
    ranks = [int(r[1].split(" of ")[0]) for r in best]
    assert ranks == sorted(ranks) and all(r <= int(w[1].split(" of ")[0]) for r in ranks for w in worst)
    lead = text_of(section)
    assert f"ranks best on \u2018{top['title']}\u2019 ({int(top['national_rank'])} of" in lead
    assert f"worst on \u2018{bottom['title']}\u2019 ({int(bottom['national_rank'])} of" in lead


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [("CP_REPEAT", "Better"), ("SW_TURNOVER", "Worse"), ("SW_CASELOAD", "Better"), ("CLA_RATE", "Higher")],
)
def test_changes_since_last_year_agree_with_the_published_series(barnet, indicator, expected):
    row = barnet.scorecard.set_index("indicator_id").loc[indicator]
    b = barnet.benchmarks
    own = b[b["indicator_id"].eq(indicator) & b["series"].eq("Barnet")].set_index("benchmark_year")["value"]
    year = int(row["benchmark_year"])
    now, before = float(own.loc[year]), float(own.loc[year - 1])
    dec, unit = int(row["decimals"]), row["unit"]
    change = round(round(now, dec) - round(before, dec), dec)
    lower_is_better = row["rank_polarity"] == "lower"
    if row["rank_polarity"] in ("lower", "higher") and change:
        assert expected == ("Better" if (change < 0) == lower_is_better else "Worse")
    section = draw(barnet, "published_position").data
    rows = {r[0]: r[1:] for r in table_rows(section, "Barnet: published figures against the year before")}
    latest, previous, said, direction = rows[row["title"]]
    assert latest == render.format_value(now, unit, dec) and previous == render.format_value(before, unit, dec)
    assert said.startswith(("+" if change > 0 else "\u2212") + render.format_value(abs(change), None, dec))
    assert direction.startswith(expected)


def test_a_change_within_the_published_precision_is_the_same():
    card = pd.DataFrame(
        [
            {"indicator_id": "X", "title": "A rate", "unit": "percent", "decimals": 1, "rank_polarity": "lower"},
        ]
    ).assign(benchmark_year=2025)
    b = pd.DataFrame(
        {
            "indicator_id": ["X", "X"],
            "benchmark_year": [2024, 2025],
            "year_end": pd.to_datetime(["2024-03-31", "2025-03-31"]),
            "series": ["Barnet", "Barnet"],
            "value": [12.34, 12.3],
            "note": ["", ""],
        }
    )
    changes = render.published_changes(card, b, "Barnet")
    assert changes["direction"].tolist() == ["same"] and changes["change"].tolist() == [0.0]


def test_the_summary_of_a_benchmark_only_pack_is_its_published_position_not_zeros(barnet):
    summary = draw(barnet, "summary").data
    assert "available for 0" not in summary and "<svg" not in summary
    assert "ranks best on" in summary and "quartile A" in summary
    # the index page shows it under its own heading, even without the stored summary
    body = index_body("Barnet", barnet.meta, barnet.summary, [], [], [], summary)
    assert "Published position" in body and "ranks best on" in body and "available for 0" not in body
    body = index_body("Barnet", barnet.meta, barnet.summary, [], [], [], None)
    assert "available for 0" not in body and "<svg" not in body


def test_the_notes_of_a_benchmark_only_pack_do_not_explain_ratings(barnet):
    notes = draw(barnet, "notes").data
    assert "Indicator definitions and sources" in notes and "No data" not in notes and "Licence" in notes


# --------------------------------------------------------------------------------------------
# The packs as the command line builds them
# --------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_barnets_pack_shows_its_published_position_and_havering_keeps_its_ratings(demo_packs):
    barnet = demo_packs.folders["Barnet"]  # kpitools report --benchmark-only (conftest)
    page = (barnet / "committee_scorecard.html").read_text(encoding="utf-8")
    body = page[page.index("<body") :]
    assert "Performance data is available for 0" not in body
    assert "No data" not in body and "kpi-status" not in body and "kpi-rag" not in body  # no badges
    assert "Number of indicators by rating" not in body  # the RAG summary chart
    assert 'id="published-position"' in body and "Where Barnet ranks best" in body
    contents = re.search(r'<nav[^>]*class="[^"]*kpi-contents.*?</nav>', body, re.S).group(0)
    # the indicators added and removed since the quarter before are the framework's, so still listed
    assert re.findall(r'href="#([^"]+)"', contents) == [
        "published-position",
        "framework-changes",
        "notes",
        "provenance",
    ]
    assert 'id="late-figures"' not in body  # no local figures: none is late, none listed as missing
    index = (barnet / "index.html").read_text(encoding="utf-8")
    assert "Performance data is available for 0" not in index and "ranks best on" in index

    havering = demo_packs.folders["Havering"]
    page = (havering / "committee_scorecard.html").read_text(encoding="utf-8")
    assert "Number of indicators by rating" in page and 'id="summary"' in page and 'id="scorecard"' in page
    assert 'id="published-position"' not in page  # a full pack: its ratings, no published-position part
