"""The analyst's questions (kpitools.explore) on the bundled demo data."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools import explore
from kpitools.explore import workbench
from kpitools.present.live import VEGA_MIMETYPE, LiveChart


@pytest.fixture(scope="module")
def havering():
    return explore.open(authority="Havering", period="2025-26 Q2", comparators=["Barking and Dagenham"])


def test_open_scores_the_authority_period_and_comparators_asked_for(havering):
    assert havering.name == "Havering" and havering.period == "2025-26 Q2"
    assert havering.meta["comparators"] == ["Barking and Dagenham"]
    assert "CP_REPEAT" in havering.ids()
    assert explore.current() is havering
    html = havering._repr_html_()
    assert (
        "Havering, July to September 2025 (2025-26 Q2)</strong>" in html and "Performance data is available for" in html
    )


def test_another_period_and_no_comparators_is_another_pack():
    other = explore.open(authority="Havering", period="2025-26 Q1")
    try:
        assert other.period == "2025-26 Q1" and not other.meta.get("comparators")
        assert explore.current() is other
    finally:
        explore.open(authority="Havering", period="2025-26 Q2", comparators=["Barking and Dagenham"])


def test_indicator_in_detail_has_live_charts_figures_and_the_packs_sentence(havering):
    view = explore.indicator("cp_repeat")  # ids are matched whatever their case
    row = havering.tables.scorecard.set_index("indicator_id").loc["CP_REPEAT"]
    assert view.row["indicator_id"] == "CP_REPEAT"
    assert view.sentence == row["sentence"] and view.sentence
    assert isinstance(view.chart, LiveChart) and isinstance(view.comparison, LiveChart)
    trend, _ = view.chart._repr_mimebundle_()
    assert VEGA_MIMETYPE in trend and trend["text/plain"].startswith("Line chart")
    names = {v.get("series") for d in view.chart.spec["datasets"].values() for v in d}
    assert {"Havering", "Target", "London (annual)", "England (annual)"} <= names
    # one comparator is named, not called an "average"
    assert "Barking and Dagenham (annual)" in names and not any("Comparators" in str(n) for n in names)
    # the figures as tables of display text, the local series first, with the latest period in it
    caption, local = view.figures[0]
    assert "2025-26 Q2" in local.iloc[:, 0].tolist()
    assert row["value_text"] in local.astype(str).to_numpy().ravel().tolist()


def test_an_indicator_without_published_figures_has_no_ranking(havering):
    local_only = [i for i in havering.ids() if i not in set(havering.meta["benchmarked"])]
    assert local_only
    assert explore.indicator(local_only[0]).comparison is None


def test_an_unknown_indicator_names_the_ones_there_are(havering):
    with pytest.raises(workbench.UnknownIndicatorError) as caught:
        explore.indicator("CP_REPEATS")
    assert caught.value.exit_code == 2
    assert "'CP_REPEATS' is not an indicator of Havering's 2025-26 Q2 pack" in str(caught.value)
    assert "CP_REPEAT" in str(caught.value) and "REREFERRAL" in str(caught.value)


def test_a_question_before_a_pack_is_open_says_how_to_start(monkeypatch):
    monkeypatch.setattr(workbench, "_current", None)
    with pytest.raises(workbench.NoPackOpenError, match=r"explore\.open\(authority="):
        explore.scorecard()


def test_scorecard_is_display_text_whole_titles_and_never_nan(havering):
    styler = explore.scorecard()
    view = styler.data
    card = havering.tables.scorecard
    assert view["Indicator"].tolist() == card["title"].tolist()  # whole titles
    assert list(view.columns[:6]) == ["Id", "Indicator", "Value", "Figure for", "Target", "Rating"]
    cells = view.to_numpy().ravel().tolist()
    assert all(isinstance(c, str) and c for c in cells)
    assert not any(c.lower() in ("nan", "none", "<na>") for c in cells)
    cp = view.set_index("Id").loc["CP_REPEAT"]
    assert cp["Rating"] == card.set_index("indicator_id").loc["CP_REPEAT", "rag"]
    assert cp["Since previous"] in ("\u2191 better", "\u2193 worse", "\u2192 same")
    assert cp["National rank"].endswith(")") and " of " in cp["National rank"]
    html = styler.to_html()
    assert "#d4351c" in html.lower() or "#ffdd00" in html.lower()  # ratings in their colours
    assert "min-width: 28em" in html  # the title column is not squeezed to a few words a line


def test_scorecard_view_formats_previous_and_last_year_as_the_pack_does(havering):
    view = workbench.scorecard_view(havering.tables.scorecard).set_index("Id")
    row = havering.tables.scorecard.set_index("indicator_id").loc["REREFERRAL"]
    assert view.loc["REREFERRAL", "Previous period"] == f"{row['previous_value']:.1f}%"
    assert view.loc["REREFERRAL", "Same period last year"] == f"{row['last_year_value']:.1f}%"
    suppressed = havering.tables.scorecard[havering.tables.scorecard["status"].eq("suppressed")]
    for ind in suppressed["indicator_id"]:
        assert view.loc[ind, "Value"] == "\u2013" and view.loc[ind, "Rating"] == "Suppressed"


def test_the_scorecard_and_an_indicator_say_which_period_each_figure_is_for(havering):
    view = workbench.scorecard_view(havering.tables.scorecard).set_index("Id")
    # CARE_PROC_WEEKS: 2025-26 Q2's figure is missing, 2025-26 Q1's stands in its place
    assert view.loc["CARE_PROC_WEEKS", ["Value", "Figure for"]].tolist() == [
        "41 weeks",
        "2025-26 Q1 (latest available)",
    ]
    assert view.loc["REREFERRAL", "Figure for"] == "2025-26 Q2"
    assert view.loc["UASC", "Figure for"] == "September 2025"  # a monthly indicator: the quarter's last month
    assert view.loc["CP_FAMILY_GROUPS", "Figure for"] == "\u2013"  # no figure
    header = explore.indicator("CARE_PROC_WEEKS")._header().data
    assert "<dt>Figure for</dt><dd>2025-26 Q1 (latest available)</dd>" in header


def test_every_indicator_in_one_live_chart(havering):
    chart = explore.indicators()
    assert isinstance(chart, LiveChart)
    pick = next(p for p in chart.spec["params"] if p["name"] == "indicator_pick")
    assert len(pick["bind"]["options"]) >= len(havering.meta["benchmarked"])
    vega = chart._repr_mimebundle_()[0][VEGA_MIMETYPE]
    assert any(s.get("name") == "indicator_pick" and "bind" in s for s in vega["signals"])


def test_the_view_shows_itself_in_order(havering, monkeypatch):
    shown = []
    monkeypatch.setattr(workbench, "display", shown.append)
    explore.indicator("REREFERRAL")._ipython_display_()
    assert "re-referrals" in shown[0].data.lower() and "Green" in shown[0].data
    assert isinstance(shown[1], LiveChart) and isinstance(shown[2], LiveChart)
    assert len(shown) == 3 + len(explore.indicator("REREFERRAL").figures)


def test_no_input_frame_is_changed(havering):
    before = havering.tables.scorecard.copy()
    explore.scorecard()
    explore.indicator("CP_REPEAT")
    explore.draft_commentary()
    pd.testing.assert_frame_equal(havering.tables.scorecard, before)
