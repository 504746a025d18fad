"""The JupyterLab explorer (``explorer_spec``): titles that fit, the target band, the unit, financial
quarters on the time axis, ``years_before``; and the spec compiles with Vega-Lite 5.21 and draws."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
import vl_convert as vlc
from conftest import sample_benchmarks, sample_history, sample_scorecard

from kpitools.present import charts
from kpitools.present.charts import explore
from kpitools.present.charts.formatting import unit_label

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def tables():
    """The bundled demo data scored for Havering."""
    from kpitools.pack import load_or_build_tables

    return load_or_build_tables(
        tables_dir="",
        data_dir="",
        authority="Havering",
        period="latest",
        comparators=["Barking and Dagenham"],
        indicators=[],
    )


@pytest.fixture(scope="module")
def demo_spec(tables):
    return charts.explorer_spec(tables.history, tables.benchmarks, tables.scorecard)


def sample_spec(**kwargs) -> dict:
    return charts.explorer_spec(
        sample_history(), sample_benchmarks(), sample_scorecard(), authority_name="Havering", **kwargs
    )


def options(spec: dict) -> list[str]:
    return spec["params"][0]["bind"]["options"]


def option(spec: dict, indicator_id: str) -> str:
    (found,) = [o for o in options(spec) if o.startswith(f"{indicator_id}: ")]
    return found


def picking(spec: dict, indicator_id: str) -> dict:
    """A copy of ``spec`` with ``indicator_id`` picked in the drop-down."""
    spec = json.loads(json.dumps(spec))
    spec["params"][0]["value"] = option(spec, indicator_id)
    return spec


def per_indicator(expr: str) -> list:
    """The values a ``[...][indicator_index]`` expression looks the picked indicator up in."""
    values, index = expr.rsplit("[", 1)
    assert index == f"{explore._INDEX}]"
    return json.loads(values)


def rows(spec: dict) -> list[dict]:
    (values,) = spec["datasets"].values()
    return values


def svg_texts(svg: str) -> list[str]:
    """Every text drawn (a multi-line text as its lines)."""
    root = ET.fromstring(svg)
    out = []
    for text in root.iter(f"{SVG}text"):
        spans = list(text.iter(f"{SVG}tspan"))
        out.extend(["".join(s.itertext()) for s in spans] if spans else ["".join(text.itertext())])
    return out


def layer_with_mark(spec: dict, mark: str) -> dict:
    (layer,) = [la for la in spec["layer"] if la["mark"]["type"] == mark]
    return layer


# --------------------------------------------------------------------------------------------
# 1. The title fits the plot; the y axis has no long title
# --------------------------------------------------------------------------------------------


def test_title_is_the_picked_indicator_wrapped_to_the_width_and_limited_to_it():
    for width in (640, 400):
        spec = sample_spec(width=width)
        title = spec["title"]
        assert title["limit"] == width
        assert title["anchor"] == "start"
        lines = per_indicator(title["text"]["expr"])
        assert len(lines) == len(options(spec))
        for opt, wrapped in zip(options(spec), lines):
            assert " ".join(wrapped) == opt  # "ID: title", every word kept
            assert all(len(line) <= width // explore._TITLE_CHAR_PX for line in wrapped)
    for layer in sample_spec()["layer"]:
        assert layer["encoding"].get("y", {}).get("title", None) is None


def test_long_title_is_drawn_on_lines_no_wider_than_the_plot(demo_spec):
    svg = vlc.vegalite_to_svg(picking(demo_spec, "CP_REPEAT"))
    texts = svg_texts(svg)
    assert "CP_REPEAT: % of children becoming the subject of a child protection plan for a" in texts
    assert "second or subsequent time" in texts
    assert not any(t.startswith("CP_REPEAT") and t.endswith("time") for t in texts)  # not one long line


# --------------------------------------------------------------------------------------------
# 2. The target band
# --------------------------------------------------------------------------------------------


def test_target_band_is_a_shaded_area_from_the_local_rows_lower_and_upper():
    spec = sample_spec()
    band = layer_with_mark(spec, "area")
    assert band["encoding"]["y"]["field"] == "lower" and band["encoding"]["y2"] == {"field": "upper"}
    assert {"calculate": "'Target band'", "as": "series"} in band["transform"]
    assert "Target band" in band["encoding"]["color"]["scale"]["domain"]
    banded = {(r["indicator"][:4], r["series"]) for r in rows(spec) if r["lower"] is not None}
    assert banded == {("CS02", "Havering")}  # only the indicator with a band, on its local rows
    cs02 = [r for r in rows(spec) if r["indicator"].startswith("CS02") and r["series"] == "Havering"]
    assert {(r["lower"], r["upper"]) for r in cs02} == {(12.0, 18.0)} and len(cs02) == 6


def test_no_band_layer_when_no_indicator_has_a_band():
    h = sample_history().assign(lower=float("nan"), upper=float("nan"))
    spec = charts.explorer_spec(h, sample_benchmarks(), sample_scorecard(), authority_name="Havering")
    assert not [la for la in spec["layer"] if la["mark"]["type"] == "area"]
    assert "Target band" not in spec["layer"][0]["encoding"]["color"]["scale"]["domain"]


def band_paths(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [
        path
        for group in root.iter(f"{SVG}g")
        if "mark-area" in group.get("class", "")
        for path in group.iter(f"{SVG}path")
        if path.get("d")
    ]


def test_band_is_drawn_for_the_picked_indicator_only_when_it_has_one(demo_spec):
    assert band_paths(vlc.vegalite_to_svg(picking(demo_spec, "PLACEMENT_MOVES")))
    assert not band_paths(vlc.vegalite_to_svg(picking(demo_spec, "CP_REPEAT")))


# --------------------------------------------------------------------------------------------
# 3. The unit of the picked indicator, not "Value"
# --------------------------------------------------------------------------------------------


def unit_layer(spec: dict) -> dict:
    return layer_with_mark(spec, "text")


def test_unit_of_the_picked_indicator_heads_the_y_axis(demo_spec, tables):
    (calc,) = [t for t in unit_layer(demo_spec)["transform"] if t.get("as") == "unit"]
    units = per_indicator(calc["calculate"])
    card = tables.scorecard.set_index("indicator_id")
    expected = [unit_label(card.loc[o.split(": ")[0], "unit"]) for o in options(demo_spec)]
    assert units == expected
    assert {"Percent", "Rate", "Number", "Days", "Weeks"} <= set(units)
    texts = svg_texts(vlc.vegalite_to_svg(picking(demo_spec, "CIN_RATE")))
    assert "Rate" in texts and "Value" not in texts and "Percent" not in texts
    assert "Percent" in svg_texts(vlc.vegalite_to_svg(picking(demo_spec, "CP_REPEAT")))


def test_y_axis_labels_use_the_indicators_decimals_as_the_static_chart_does(demo_spec, tables):
    y_axis = demo_spec["layer"][-2]["encoding"]["y"]["axis"]
    expr = y_axis["labelExpr"]
    assert expr.startswith("format(datum.value, ") and expr.endswith(")")
    formats = per_indicator(expr[len("format(datum.value, ") : -1])
    card = tables.scorecard.set_index("indicator_id")
    assert formats == [f",.{int(card.loc[o.split(': ')[0], 'decimals'])}f" for o in options(demo_spec)]


# --------------------------------------------------------------------------------------------
# 4. Financial quarters on the time axis
# --------------------------------------------------------------------------------------------


def label_dates(dates: list[tuple[int, int, int]]) -> list[str]:
    """The axis's label expression applied to dates (year, month 1-12, day), drawn by Vega."""
    spec = {
        "data": {"values": [{"y": y, "m": m - 1, "d": d, "i": i} for i, (y, m, d) in enumerate(dates)]},
        "transform": [
            {"calculate": "datetime(datum.y, datum.m, datum.d)", "as": "value"},
            {"calculate": explore.fy_quarter_label_expr(), "as": "label"},
            {"calculate": "datum.i + ': ' + datum.label", "as": "text"},
        ],
        "mark": "text",
        "encoding": {"y": {"field": "i", "type": "ordinal", "axis": None}, "text": {"field": "text"}},
    }
    texts = sorted(t for t in svg_texts(vlc.vegalite_to_svg(spec, vl_version="5.21")) if ": " in t)
    return [t.split(": ", 1)[1] for t in sorted(texts, key=lambda t: int(t.split(":")[0]))]


def test_financial_quarter_labels_including_january_to_march():
    dates = [
        (2025, 1, 1),
        (2025, 1, 15),
        (2025, 2, 28),
        (2025, 3, 31),
        (2025, 4, 1),
        (2025, 6, 30),
        (2025, 9, 30),
        (2024, 12, 31),
        (2000, 3, 31),
        (1999, 12, 31),
    ]
    assert label_dates(dates) == [
        "2024-25 Q4",
        "2024-25 Q4",
        "2024-25 Q4",
        "2024-25 Q4",
        "2025-26 Q1",
        "2025-26 Q1",
        "2025-26 Q2",
        "2024-25 Q3",
        "1999-00 Q4",
        "1999-00 Q3",
    ]


def test_time_axis_ticks_are_the_picked_indicators_quarter_ends_labelled_as_financial_quarters():
    spec = sample_spec()
    axis = spec["layer"][-2]["encoding"]["x"]["axis"]
    assert "format" not in axis and axis["labelExpr"] == explore.fy_quarter_label_expr()
    assert axis["values"]["expr"].endswith(f"[{explore._INDEX}]")
    # CS01 with one published year before its first quarter: 31 March 2024 to 30 September 2025
    svg = vlc.vegalite_to_svg(picking(spec, "CS01"))
    labels = [t for t in svg_texts(svg) if " Q" in t and t[:4].isdigit()]
    assert labels == [
        "2023-24 Q4",
        "2024-25 Q1",
        "2024-25 Q2",
        "2024-25 Q3",
        "2024-25 Q4",
        "2025-26 Q1",
        "2025-26 Q2",
    ]


def test_quarter_ticks_are_at_most_seven_and_always_include_the_latest():
    short = explore._quarter_ticks(pd.Series(pd.to_datetime(["2024-06-30", "2025-03-31"])))
    assert short == list(pd.to_datetime(["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31"]))
    long = explore._quarter_ticks(pd.Series(pd.to_datetime(["2013-03-31", "2025-09-30"])))
    assert len(long) <= 7 and long[-1] == pd.Timestamp("2025-09-30")
    assert len({t.month for t in long}) == 1  # evenly spaced in whole years
    odd = explore._quarter_ticks(pd.Series(pd.to_datetime(["2025-04-30", "2025-05-31"])))
    assert odd == list(pd.to_datetime(["2025-04-30", "2025-05-31"]))  # no quarter end: the dates


# --------------------------------------------------------------------------------------------
# 5. years_before
# --------------------------------------------------------------------------------------------


def published_dates(spec: dict, indicator_id: str) -> list[str]:
    return sorted(
        str(r["date"])[:10]
        for r in rows(spec)
        if r["indicator"].startswith(f"{indicator_id}: ") and r["series"] not in ("Havering", "Target")
    )


def test_years_before_sets_how_many_published_years_come_before_the_first_local_period(tables):
    def spec(years: int) -> dict:
        return charts.explorer_spec(tables.history, tables.benchmarks, tables.scorecard, years_before=years)

    one, three, twelve = spec(1), spec(3), spec(12)
    # Havering's CP_REPEAT: local figures from 31 December 2022; published years from March 2013.
    assert published_dates(one, "CP_REPEAT")[0] == "2022-03-31"
    assert published_dates(three, "CP_REPEAT")[0] == "2020-03-31"
    assert published_dates(twelve, "CP_REPEAT")[0] == "2013-03-31"
    assert published_dates(spec(0), "CP_REPEAT")[0] == "2023-03-31"


def test_years_before_on_the_sample_data():
    assert published_dates(sample_spec(years_before=1), "CS01")[0] == "2024-03-31"
    assert published_dates(sample_spec(years_before=3), "CS01")[0] == "2023-03-31"


# --------------------------------------------------------------------------------------------
# Kept: the drop-down, the legend selection, tooltips; Vega-Lite 5.21; drawn
# --------------------------------------------------------------------------------------------


def test_drop_down_legend_selection_and_tooltips_are_kept(demo_spec):
    pick, index, legend = demo_spec["params"]
    assert pick["name"] == "indicator_pick" and pick["bind"]["input"] == "select"
    assert pick["value"] == options(demo_spec)[0]
    assert index == {"name": explore._INDEX, "expr": f"indexof({json.dumps(options(demo_spec))}, indicator_pick)"}
    assert legend["bind"] == "legend" and legend["select"] == {"type": "point", "fields": ["series"]}
    names = [la.get("name") for la in demo_spec["layer"]]
    assert legend["views"][0] in names
    assert demo_spec["layer"][names.index(legend["views"][0])]["encoding"]["color"]["field"] == "series"
    assert any("tooltip" in la["encoding"] for la in demo_spec["layer"])


def test_compiles_with_vega_lite_5_21_and_draws(demo_spec):
    vega = vlc.vegalite_to_vega(demo_spec, vl_version="5.21")
    signals = {s["name"] for s in vega.get("signals", [])}
    assert {"indicator_pick", explore._INDEX} <= signals
    for ind in ("CP_REPEAT", "PLACEMENT_MOVES", "UASC", "SW_VACANCY"):
        for version in ("5.21", None):
            svg = vlc.vegalite_to_svg(picking(demo_spec, ind), vl_version=version)
            assert svg.lstrip().startswith("<svg") and f"{ind}: " in "".join(svg_texts(svg))


def test_altair_chart_is_the_spec_and_validates(tables):
    chart = charts.explorer_chart(tables.history, tables.benchmarks, tables.scorecard, years_before=2)
    spec = charts.explorer_spec(tables.history, tables.benchmarks, tables.scorecard, years_before=2)
    assert chart.to_dict() == spec


def test_no_data_still_compiles_and_draws():
    h, b = sample_history().iloc[0:0], sample_benchmarks().iloc[0:0]
    spec = charts.explorer_spec(h, b, sample_scorecard())
    assert options(spec) == ["(no data)"]
    vlc.vegalite_to_vega(spec, vl_version="5.21")
    assert "No data to chart" in svg_texts(vlc.vegalite_to_svg(spec))
