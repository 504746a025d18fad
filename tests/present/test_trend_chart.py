"""The static trend chart read as a councillor reads it, on the demo data (Havering, 2025-26 Q2, one
comparator): it ends at the reporting period, a suppressed or missing current figure is a gap with its
status written, ticks carry their unit and never repeat, a band shows its amber edges and the space
outside it, and one comparator is never called an average."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pandas as pd
import pytest
import vl_convert as vlc
from conftest import walk

from kpitools.present import charts

PERIOD_END = pd.Timestamp("2025-09-30")


@pytest.fixture(scope="module")
def tables():
    from kpitools.pack import load_or_build_tables

    return load_or_build_tables(authority="Havering", period="latest", comparators=["Barking and Dagenham"])


def parts(tables, ind: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    card = tables.scorecard
    row = card[card["indicator_id"] == ind].iloc[0].to_dict()
    history = tables.history[tables.history["indicator_id"] == ind]
    benchmarks = tables.benchmarks[tables.benchmarks["indicator_id"] == ind]
    return history, benchmarks, row


def spec_for(tables, ind: str, **kwargs: Any) -> dict[str, Any]:
    h, b, row = parts(tables, ind)
    return charts.trend_spec(h, b, row, authority_name=tables.meta["authority_name"], **kwargs)


def plot_of(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["vconcat"][0]


def layer_values(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    data = layer.get("data") or plot_of(spec).get("data")
    return spec["datasets"][data["name"]] if data else []


def as_date(value: Any) -> pd.Timestamp:
    if isinstance(value, dict):  # a Vega-Lite DateTime (months counted from 1)
        return pd.Timestamp(int(value["year"]), int(value.get("month", 1)), int(value.get("date", 1)))
    return pd.Timestamp(value)


def x_domains(spec: dict[str, Any]) -> list[list[pd.Timestamp]]:
    out = []
    for layer in plot_of(spec)["layer"]:
        x = layer.get("encoding", {}).get("x", {})
        if x.get("type") == "temporal" and "domain" in x.get("scale", {}):
            out.append([as_date(v) for v in x["scale"]["domain"]])
    return out


def y_axes(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        layer["encoding"]["y"]
        for layer in plot_of(spec)["layer"]
        if isinstance(layer.get("encoding", {}).get("y"), dict) and layer["encoding"]["y"].get("type") == "quantitative"
    ]


def axis_labels(svg: str, which: str) -> list[str]:
    """The tick labels of the plot's x or y axis in a rendered SVG (the legend below has no axes)."""
    groups = re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', svg, flags=re.S)
    found = []
    for group in groups:
        texts = re.findall(r"<text([^>]*)>([^<]*)</text>", group)
        anchors = {re.search(r'text-anchor="(\w+)"', attrs).group(1) for attrs, _ in texts}  # type: ignore[union-attr]
        # y labels are right-aligned beside the axis; x labels are centred under their ticks
        if (which == "y") == (anchors == {"end"}):
            found.append([unescape(t) for _, t in texts])
    assert len(found) == 1, found
    return found[0]


def svg_texts(svg: str) -> list[str]:
    return [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


# --------------------------------------------------------------------------------------------
# 1. The chart ends at the reporting period; a suppressed or missing figure is a gap, in words
# --------------------------------------------------------------------------------------------


def test_demo_data_has_a_suppressed_and_a_missing_current_figure(tables):
    card = tables.scorecard.set_index("indicator_id")
    assert card.loc["ADOPTION_14M", "status"] == "suppressed" and pd.isna(card.loc["ADOPTION_14M", "value"])
    # the figure due is missing: the scorecard shows 2025-26 Q1's as the latest available (late)
    late = card.loc["CARE_PROC_WEEKS"]
    assert late["late"] and late["observation_period"] == "2025-26 Q1" and late["value"] == 41
    assert tables.meta["period"] == "2025-26 Q2"


@pytest.mark.parametrize(
    ("ind", "status"), [("ADOPTION_14M", "suppressed"), ("CARE_PROC_WEEKS", "no data"), ("REREFERRAL", None)]
)
def test_the_time_axis_reaches_the_reporting_period(tables, ind, status):
    spec = spec_for(tables, ind)
    domains = x_domains(spec)
    assert domains, "the x scale's domain is set"
    assert all(max(d) == PERIOD_END for d in domains)
    svg = vlc.vegalite_to_svg(spec)
    assert axis_labels(svg, "x")[-1] == "2025-26 Q2"


@pytest.mark.parametrize(("ind", "words"), [("ADOPTION_14M", "suppressed"), ("CARE_PROC_WEEKS", "no data")])
def test_a_missing_current_figure_is_a_gap_with_its_status_written(tables, ind, words):
    spec = spec_for(tables, ind)
    layers = plot_of(spec)["layer"]
    # the gap: a layer of its own at the reporting period, saying why there is no figure
    gap = [
        layer
        for layer in layers
        if any(v.get("status_text") == f"2025-26 Q2: {words}" for v in layer_values(spec, layer))
    ]
    assert gap
    assert all(as_date(v["date"]) == PERIOD_END for layer in gap for v in layer_values(spec, layer))
    # no line or point reaches the reporting period: the line does not join to it
    for layer in layers:
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if mark in ("line", "point"):
            drawn = [v for v in layer_values(spec, layer) if v.get("value") is not None and v.get("series") != "Target"]
            assert all(as_date(v["date"]) < PERIOD_END for v in drawn)
    svg = vlc.vegalite_to_svg(spec)
    texts = svg_texts(svg)
    assert f"2025-26 Q2: {words}" in texts
    # the last drawn figure is labelled with its own period, not as the latest
    assert any(t.startswith("2025-26 Q1: ") for t in texts), texts


def test_the_end_label_of_a_current_figure_names_its_period(tables):
    texts = svg_texts(vlc.vegalite_to_svg(spec_for(tables, "REREFERRAL")))
    assert "2025-26 Q2: 15.8%" in texts


def test_the_data_table_has_the_reporting_period_with_its_status(tables):
    h, b, row = parts(tables, "ADOPTION_14M")
    (_, local), *_ = charts.trend_tables(h, b, row, authority_name="Havering")
    assert local.iloc[-1].tolist() == ["2025-26 Q2", "Suppressed", "70%", "Suppressed"]
    assert local.iloc[-2]["Period"] == "2025-26 Q1"
    h, b, row = parts(tables, "CARE_PROC_WEEKS")
    (_, local), *_ = charts.trend_tables(h, b, row, authority_name="Havering")
    assert local.iloc[-1]["Period"] == "2025-26 Q2" and local.iloc[-1]["Havering"] == "No data"


def test_the_text_alternative_says_the_current_figure_is_suppressed(tables):
    h, b, row = parts(tables, "ADOPTION_14M")
    text = charts.describe_trend(h, b, row, authority_name="Havering")
    assert "Latest 50%" not in text
    assert "to 2025-26 Q2" in text and "2025-26 Q2 figure is suppressed" in text
    assert "50% in 2025-26 Q1" in text
    h, b, row = parts(tables, "CARE_PROC_WEEKS")
    text = charts.describe_trend(h, b, row, authority_name="Havering")
    assert "Latest" not in text and "no figure for 2025-26 Q2" in text


# --------------------------------------------------------------------------------------------
# 2. Ticks carry their unit and never repeat
# --------------------------------------------------------------------------------------------


def test_early_years_ticks_are_unique_and_percentages(tables):
    spec = spec_for(tables, "EY_GOOD_OUTSTANDING")
    labels = axis_labels(vlc.vegalite_to_svg(spec), "y")
    assert len(labels) >= 3
    assert len(labels) == len(set(labels)), labels
    assert all(re.fullmatch(r"\d+%", t) for t in labels), labels
    assert all(y["axis"].get("tickMinStep") == 1 for y in y_axes(spec))


@pytest.mark.parametrize("ind", ["REREFERRAL", "CP_REPEAT", "PLACEMENT_MOVES", "SW_TURNOVER"])
def test_percent_ticks_carry_the_sign_and_do_not_repeat(tables, ind):
    labels = axis_labels(vlc.vegalite_to_svg(spec_for(tables, ind)), "y")
    assert len(labels) == len(set(labels)) and all(t.endswith("%") for t in labels), labels


@pytest.mark.parametrize("ind", ["CIN_RATE", "CLA_RATE"])
def test_rates_say_per_10000(tables, ind):
    spec = spec_for(tables, ind)
    assert all("per 10,000" in y["title"] for y in y_axes(spec))
    svg = vlc.vegalite_to_svg(spec)
    assert any("per 10,000" in t for t in svg_texts(svg))
    labels = axis_labels(svg, "y")
    assert len(labels) == len(set(labels))


# --------------------------------------------------------------------------------------------
# 3. A band chart shows the whole band, its amber edges and the space outside it
# --------------------------------------------------------------------------------------------


def test_band_chart_shows_the_band_its_amber_edges_and_outside(tables):
    spec = spec_for(tables, "PLACEMENT_MOVES")  # band 10% to 16%, tolerance 2 points
    domains = [y["scale"]["domain"] for y in y_axes(spec) if "domain" in y.get("scale", {})]
    assert domains
    assert all(lo < 10 and hi > 16 for lo, hi in domains)
    # the zones: amber within the tolerance of each edge, green between, each labelled in words
    zones = [v for layer in plot_of(spec)["layer"] for v in layer_values(spec, layer) if "zone" in v]
    spans = {(v["zone"], v["y"], v["y2"]) for v in zones}
    assert {("Amber", 10.0, 12.0), ("Green", 12.0, 14.0), ("Amber", 14.0, 16.0)} <= spans
    colours = {v["zone"]: v["colour"] for v in zones}
    assert colours["Amber"] != colours["Green"]
    svg = vlc.vegalite_to_svg(spec)
    texts = " | ".join(svg_texts(svg))
    for words in ("Amber", "Green", "Red: outside band"):
        assert words in texts, texts
    labels = axis_labels(svg, "y")
    assert len(labels) == len(set(labels)) and all(t.endswith("%") for t in labels)
    h, b, row = parts(tables, "PLACEMENT_MOVES")
    text = charts.describe_trend(h, b, row, authority_name="Havering")
    assert "amber" in text.lower() and "12% to 14%" in text


# --------------------------------------------------------------------------------------------
# 4. One comparator is named, never averaged
# --------------------------------------------------------------------------------------------


def test_one_comparator_is_named_not_averaged(tables):
    h, b, row = parts(tables, "REREFERRAL")
    assert (b["series"] == "Comparators").any() and tables.meta["comparators"] == ["Barking and Dagenham"]
    named: dict[str, Any] = {"authority_name": "Havering", "comparators": tables.meta["comparators"]}
    spec = charts.trend_spec(h, b, row, **named)
    domain = next(d["scale"]["domain"] for d in walk(spec) if d.get("field") == "series" and "scale" in d)
    assert "Barking and Dagenham (annual)" in domain
    text = charts.describe_trend(h, b, row, **named)
    tables_ = charts.trend_tables(h, b, row, **named)
    everything = json.dumps(spec) + text + json.dumps([t.columns.tolist() for _, t in tables_])
    assert "average" not in everything.lower().replace("statistical neighbours' average", "").replace(
        "statistical neighbours (average)", ""
    )
    assert "Barking and Dagenham" in text
    assert "Barking and Dagenham (comparator)" in tables_[-1][1].columns


def test_one_comparator_is_never_called_an_average_even_unnamed(tables):
    # as the pack draws it today: the names are not passed, the row's comparator_count is 1
    h, b, row = parts(tables, "REREFERRAL")
    spec = charts.trend_spec(h, b, row, authority_name="Havering")
    text = charts.describe_trend(h, b, row, authority_name="Havering")
    published = charts.trend_tables(h, b, row, authority_name="Havering")[-1][1]
    for words in (json.dumps(spec), text, " ".join(published.columns)):
        assert "Comparators' average" not in words and "comparators' average" not in words
        assert "Comparators (average)" not in words
