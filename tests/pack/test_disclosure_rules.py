"""Each disclosure rule on small hand-made tables, each from an attack that worked before: a withheld
number must not be shown, nor worked back from what is shown (docs/disclosure.md)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.core.errors import ConfigError, InputError
from kpitools.pack.disclosure import WITHHELD_COMMENTARY, number_mentions, small, withhold_small_numbers
from kpitools.pack.tables import PackTables

PERIODS = ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2"]
ENDS = pd.to_datetime(["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"])


def row(indicator="A", unit="count", measure="snapshot", value=20.0, **extra):
    base = {
        "indicator_id": indicator,
        "unit": unit,
        "measure": measure,
        "frequency": "quarterly",
        "period": "2025-26 Q2",
        "value": value,
        "numerator": np.nan,
        "denominator": np.nan,
        "previous_value": np.nan,
        "last_year_value": np.nan,
        "status": "rated",
        "status_reason": "",
        "rag": "Green",
        "dot_short": "better",
        "dot_long": "better",
        "published_value": np.nan,
        "national_rank": pd.NA,
        "national_count": pd.NA,
        "quartile": "",
        "sn_mean": np.nan,
        "comparator_mean": np.nan,
        "highlight": np.nan,
        "improvement": np.nan,
        "action": np.nan,
    }
    base.update(extra)
    return base


def history(indicator, values, numerators=None, denominators=None):
    n = len(values)
    return pd.DataFrame(
        {
            "indicator_id": indicator,
            "period": PERIODS[-n:],
            "period_end": ENDS[-n:],
            "value": values,
            "numerator": numerators or [np.nan] * n,
            "denominator": denominators or [np.nan] * n,
            "status": "rated",
            "rag": "Green",
        }
    )


def tables(card_rows, hist=None, comparison=None, benchmarks=None, meta=None):
    return PackTables(
        meta=meta or {},
        scorecard=pd.DataFrame(card_rows),
        summary=pd.DataFrame(),
        history=hist if hist is not None else pd.DataFrame(),
        benchmarks=benchmarks if benchmarks is not None else pd.DataFrame(),
        comparison=comparison if comparison is not None else pd.DataFrame(),
    )


def card_of(t, indicator="A"):
    return t.scorecard.set_index("indicator_id").loc[indicator]


def test_a_complement_that_is_small_withholds_the_figure():
    # 98 of 100 looked after children had a health check: 2 did not.
    t = withhold_small_numbers(tables([row("H", "percent", value=98.0, numerator=98.0, denominator=100.0)]))
    got = card_of(t, "H")
    assert got["status"] == "rated" and got["rag"] == "Green" and math.isnan(got["value"])
    assert math.isnan(got["numerator"]) and math.isnan(got["denominator"])
    ok = withhold_small_numbers(tables([row("H", "percent", value=90.0, numerator=90.0, denominator=100.0)]))
    assert card_of(ok, "H")["value"] == 90.0


def test_a_year_to_date_count_that_differs_by_a_small_number_is_withheld():
    # 8 in Q1, 11 by Q2: 3 in the quarter. Q1's 8 stays; Q2's 11 goes, with its direction.
    hist = history("Y", [8.0, 11.0])
    t = withhold_small_numbers(tables([row("Y", measure="ytd", value=11.0, previous_value=8.0)], hist))
    got = card_of(t, "Y")
    assert got["status"] == "rated" and math.isnan(got["value"])
    assert t.history["value"].tolist()[0] == 8.0 and math.isnan(t.history["value"].tolist()[1])
    # a new year starts again from nothing: Q1 of the next year is compared with no earlier figure
    hist = pd.DataFrame(
        {
            "indicator_id": "Y",
            "period": ["2024-25 Q4", "2025-26 Q1"],
            "period_end": ENDS[3:5],
            "value": [30.0, 33.0],
            "status": "rated",
            "rag": "Green",
        }
    )
    t = withhold_small_numbers(tables([row("Y", measure="ytd", value=33.0, period="2025-26 Q1")], hist))
    assert card_of(t, "Y")["value"] == 33.0


def test_an_average_beside_a_withheld_member_is_withheld_and_so_is_its_rank():
    comparison = pd.DataFrame(
        {
            "indicator_id": "C",
            "benchmark_year": 2025,
            "la_code": ["E1", "E2", "E3"],
            "la_name": ["Here", "N1", "N2"],
            "value": [40.0, 3.0, 30.0],
            "role": ["selected", "statistical neighbour", "statistical neighbour"],
            "rank": [10, 150, 20],
        }
    )
    benchmarks = pd.DataFrame(
        {
            "indicator_id": "C",
            "benchmark_year": [2024, 2025],
            "series": "Statistical neighbours",
            "value": [18.0, 16.5],
        }
    )
    card = row("C", value=40.0, published_value=40.0, sn_mean=16.5, national_rank=10, quartile="A")
    t = withhold_small_numbers(tables([card], comparison=comparison, benchmarks=benchmarks))
    got = card_of(t, "C")
    assert math.isnan(got["sn_mean"])  # (16.5 x 2) - 30 would give the withheld 3
    assert t.benchmarks["value"].tolist()[0] == 18.0 and math.isnan(t.benchmarks["value"].tolist()[1])
    assert t.comparison["rank"].tolist() == [10, "", 20] and math.isnan(t.comparison["value"].tolist()[1])
    assert got["national_rank"] == 10 and got["quartile"] == "A"  # the authority's own figure is not small


def test_a_withheld_published_figure_keeps_no_national_rank_or_quartile():
    card = row("P", value=20.0, published_value=4.0, national_rank=12, national_count=153, quartile="A")
    got = card_of(withhold_small_numbers(tables([card])), "P")
    assert math.isnan(got["published_value"]) and pd.isna(got["national_rank"]) and got["quartile"] == ""


def test_no_direction_of_travel_against_a_withheld_figure():
    # last quarter's 3 is withheld: "the same as the previous quarter" would give it back
    hist = history("D", [12.0, 3.0, 12.0])
    t = withhold_small_numbers(tables([row("D", value=12.0, previous_value=3.0, last_year_value=12.0)], hist))
    got = card_of(t, "D")
    assert math.isnan(got["previous_value"]) and got["dot_short"] == "" and got["dot_long"] == "better"


def test_number_mentions_finds_digits_and_words_and_nothing_else():
    text = "Five new fostering households; Four of the nine sets (44%); twenty-one children; 2025-26."
    assert number_mentions(text, [5]) == ["Five"]
    assert number_mentions(text, [4, 9]) == ["Four", "nine"]
    assert number_mentions(text, [44.4]) == ["44"]
    assert number_mentions(text, [21]) == ["twenty-one"]
    assert number_mentions("In 2025-26, 120 children and 1,204 contacts.", [1, 5, 20, 12, 204]) == []
    assert number_mentions("1,204 contacts", [1204]) == ["1,204"]


COMMENTARY_META = {"commentary_sources": {"F": {"highlight": [["commentary/havering.csv", 4]]}}}


def test_commentary_naming_a_withheld_count_stops_a_publish_run_with_file_and_row():
    card = row("F", value=5.0, highlight="Five new fostering households were approved at panel.")
    with pytest.raises(InputError) as err:
        withhold_small_numbers(tables([card], meta=COMMENTARY_META))
    text = str(err.value)
    assert "commentary/havering.csv, row 4, column 'text'" in text and "('Five')" in text
    assert "commentary_with_withheld_figures: withhold" in text
    assert err.value.exit_code == 2


def test_or_the_commentary_is_left_out_when_the_setting_says_so():
    card = row("F", value=5.0, highlight="Five new fostering households were approved at panel.")
    t = withhold_small_numbers(tables([card], meta=COMMENTARY_META), free_text="withhold")
    assert card_of(t, "F")["highlight"] == WITHHELD_COMMENTARY
    assert t.meta["disclosure"]["commentary_with_withheld_figures"] == "withhold"


def test_a_number_in_the_quoted_title_is_not_a_withheld_figure():
    title = "Children on a plan for a second time within 2 years"
    card = row(
        "T",
        "percent",
        value=22.2,
        numerator=2.0,
        denominator=9.0,
        title=title,
        improvement=f"'{title}' is above target; a review is under way.",
    )
    assert card_of(withhold_small_numbers(tables([card])), "T")["improvement"].startswith("'Children")


def test_commentary_of_a_shown_figure_is_left_alone():
    card = row("F", value=12.0, highlight="Twelve new households, five more than planned.")
    assert card_of(withhold_small_numbers(tables([card])), "F")["highlight"].startswith("Twelve")


@pytest.mark.parametrize("below", [0, -3, 0.5, float("nan"), float("inf"), "six"])
def test_a_threshold_that_would_withhold_nothing_is_refused(below):
    with pytest.raises(ConfigError, match="suppress_counts_below"):
        withhold_small_numbers(tables([row()]), below)


# --------------------------------------------------------------------------------------------
# The property: whatever the figures, nothing published is small or gives a small number back
# --------------------------------------------------------------------------------------------

counts = st.one_of(st.just(0.0), st.integers(1, 40).map(float))


@st.composite
def packs(draw):
    n = draw(st.integers(2, 6))
    ytd = draw(st.booleans())
    values = draw(st.lists(counts, min_size=n, max_size=n))
    if ytd:  # cumulative within each year
        values = list(np.maximum.accumulate(values))
    dens = draw(st.lists(st.integers(1, 60).map(float), min_size=n, max_size=n))
    nums = [min(draw(counts), d) for d in dens]
    hist = pd.concat(
        [
            history("Y", values),
            history("R", [100 * a / b for a, b in zip(nums, dens)], nums, dens),
        ],
        ignore_index=True,
    )
    cards = [
        row("Y", measure="ytd" if ytd else "snapshot", value=values[-1], previous_value=values[-2]),
        row("R", "percent", value=100 * nums[-1] / dens[-1], numerator=nums[-1], denominator=dens[-1]),
    ]
    return tables(cards, hist), ytd


@settings(max_examples=80, deadline=None)
@given(packs())
def test_no_published_figure_is_small_or_gives_a_small_number_back(pack):
    t, ytd = pack
    out = withhold_small_numbers(t)
    card, hist = out.scorecard.set_index("indicator_id"), out.history
    y, r = card.loc["Y"], card.loc["R"]
    assert not small([y["value"], y["previous_value"]]).any()
    assert not small([r["numerator"], r["denominator"], r["denominator"] - r["numerator"]]).any()
    ys = hist[hist["indicator_id"] == "Y"]
    assert not small(ys["value"]).any()
    rs = hist[hist["indicator_id"] == "R"]
    assert not small(rs["numerator"]).any() and not small(rs["denominator"] - rs["numerator"]).any()
    if ytd:  # consecutive figures shown in a year never differ by a small number
        shown = ys.dropna(subset=["value"])
        for _, year in shown.groupby(shown["period"].str[:7]):
            assert not small(year["value"].diff().dropna()).any()
    if math.isnan(y["previous_value"]):
        assert y["dot_short"] == ""
    if math.isnan(y["value"]):  # "same" beside a withheld figure would give it back
        assert y["dot_short"] != "same"


def test_a_withheld_figure_keeps_its_rating_its_place_and_its_count():
    # Care proceedings, 4 of 9 within 26 weeks against 55%: Red. The 4 is small, so 44.4% is
    # withheld; the committee must still hear it is Red, with its improvement and action.
    from kpitools.present import render
    from kpitools.score.summary import summarise

    red = row(
        "C",
        "percent",
        value=44.4,
        numerator=4.0,
        denominator=9.0,
        rag="Red",
        dot_short="better",
        dot_long="same",
        title="% of care proceedings completed within 26 weeks",
        polarity="higher",
        target=55.0,
        lower=np.nan,
        upper=np.nan,
        decimals=1,
        value_text="44.4%",
        improvement="Week 16 reviews.",
        action="Legal planning meetings.",
    )
    t = withhold_small_numbers(tables([red, row("G", value=40.0)]))
    got = card_of(t, "C")
    assert math.isnan(got["value"]) and got["rag"] == "Red" and got["status"] == "rated"
    assert got["dot_short"] == "better"  # says nothing of the figure
    assert got["dot_long"] == ""  # "same" would: it would equal last year's figure
    assert got["value_text"] == "withheld" and "below target" in got["sentence"]
    summary = summarise(t.scorecard).set_index("category")
    assert summary.loc["Red", "count"] == 1
    block = render.improvements_block(t.scorecard).data
    assert "care proceedings" in block and "Week 16 reviews." in block and "Legal planning meetings." in block
    assert "44.4" not in block
