"""Chart builders: valid Vega-Lite, Analysis Function colours, never colour alone, static SVG."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from conftest import sample_benchmarks, sample_comparison, sample_history, sample_scorecard, sample_summary, walk

from kpitools.present import charts
from kpitools.present.charts import style, vega
from kpitools.present.render import chart_svg


def row(ind: str) -> dict:
    card = sample_scorecard()
    return card[card["indicator_id"] == ind].iloc[0].to_dict()


def spec_of(chart) -> dict:
    return chart.to_dict()  # validates against the Vega-Lite schema


def scales_for(spec: dict, channel: str) -> list[dict]:
    return [
        enc[channel]["scale"]
        for enc in (d.get("encoding", {}) for d in walk(spec))
        if channel in enc and isinstance(enc[channel], dict) and "scale" in enc[channel]
    ]


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --------------------------------------------------------------------------------------------


def test_palette_is_the_analysis_function_palette():
    assert list(charts.PALETTE.values()) == ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]


@pytest.mark.parametrize("rag", ["Red", "Amber", "Green"])
def test_rag_text_colours_meet_wcag_aa(rag):
    assert contrast(charts.RAG_COLOURS[rag], charts.RAG_TEXT_COLOURS[rag]) >= 4.5


def test_comparison_bar_colours_meet_the_3_to_1_contrast_for_graphics():
    for colour in style._ROLE_COLOURS.values():
        assert contrast(colour, "#FFFFFF") >= 3.0, colour


def test_format_value():
    assert charts.format_value(60.9, "percent", 1) == "60.9%"
    assert charts.format_value(1204, "count", 0) == "1,204"
    assert charts.format_value(-2.5, "rate", 1) == "\u22122.5"
    assert charts.format_value(float("nan"), "percent", 1) == "–"
    assert charts.format_value(None, "percent", 1, missing="no data") == "no data"
    assert charts.format_value(pd.NA, "count", 0) == "–"


def test_trend_chart_is_valid_and_styles_every_series_three_ways():
    chart = charts.trend_chart(sample_history(), sample_benchmarks(), row("CS02"), authority_name="Havering")
    assert isinstance(chart, alt.TopLevelMixin)
    spec = spec_of(chart)
    colour = scales_for(spec, "color")[0]
    domain = colour["domain"]
    assert domain[:3] == ["Havering", "Target band", "Havering (published, annual)"]
    for series in (
        "London (annual)",
        "England (annual)",
        "Statistical neighbours' average (annual)",
        "Comparators' average (annual)",
    ):
        assert series in domain
    # Colour is never the only cue: the line series differ in dash pattern and point shape too.
    dashes = dict(zip(domain, scales_for(spec, "strokeDash")[0]["range"]))
    shapes = dict(zip(domain, scales_for(spec, "shape")[0]["range"]))
    lines = [s for s in domain if s not in ("Target band",)]
    assert len({json.dumps(dashes[s]) for s in lines}) == len(lines)
    assert len({shapes[s] for s in lines}) == len(lines)
    assert set(colour["range"]) <= set(charts.PALETTE.values()) | {style._STYLES["Target band"]["color"]}
    marks = {d["mark"]["type"] if isinstance(d.get("mark"), dict) else d.get("mark") for d in walk(spec) if "mark" in d}
    assert {"area", "line", "point", "text", "rule"} <= marks  # band, lines, points, label, drawn legend


def test_trend_chart_target_is_a_dashed_step_line():
    spec = spec_of(charts.trend_chart(sample_history(), sample_benchmarks(), row("CS01"), authority_name="Havering"))
    steps = [
        d
        for d in walk(spec)
        if isinstance(d.get("mark"), dict)
        and d["mark"].get("interpolate") == "step-before"
        and d["mark"]["type"] == "line"
    ]
    assert steps
    colour = scales_for(spec, "color")[0]
    dash = dict(zip(colour["domain"], scales_for(spec, "strokeDash")[0]["range"]))
    assert dash["Target"] != [1, 0]


def test_trend_chart_leaves_out_benchmark_years_long_before_the_local_series():
    bench = sample_benchmarks()
    old = bench.iloc[[0]].assign(benchmark_year=2010, year_end=pd.Timestamp("2010-03-31"), value=99.0)
    chart = charts.trend_chart(sample_history(), pd.concat([bench, old]), row("CS01"), authority_name="Havering")
    assert "2010-03-31" not in json.dumps(spec_of(chart), default=str)


def test_trend_axis_labels_financial_quarters_and_always_the_latest():
    svg = chart_svg(charts.trend_chart(sample_history(), sample_benchmarks(), row("CS01"), authority_name="Havering"))
    assert "2025-26 Q2" in svg
    assert "<script" not in svg.lower()


def test_benchmark_trend_chart_labels_financial_years():
    svg = chart_svg(charts.benchmark_trend_chart(sample_benchmarks(), row("CS01"), authority_name="Havering"))
    assert "2024-25" in svg and "2022-23" in svg


def test_trend_chart_without_data_is_still_a_chart():
    empty = sample_history().iloc[0:0]
    assert not charts.has_trend_data(empty, sample_benchmarks().iloc[0:0], row("CS04"))
    spec_of(charts.trend_chart(empty, sample_benchmarks().iloc[0:0], row("CS04")))


def test_comparison_bars_highlight_the_selected_authority_in_words_bold_and_colour():
    chart = charts.comparison_bars(sample_comparison(), row("CS01"))
    spec = spec_of(chart)
    y = [
        d["encoding"]["y"]
        for d in walk(spec)
        if "encoding" in d
        and "y" in d["encoding"]
        and isinstance(d["encoding"]["y"], dict)
        and "sort" in d["encoding"]["y"]
    ][0]
    # Smaller is better: best (lowest) first; no figure last.
    assert y["sort"][:3] == ["Bexley", "Thurrock", "Havering (selected)"]
    assert y["sort"][-1].startswith("Essex")
    assert "Barking and Dagenham (comparator)" in y["sort"]
    assert "(selected)" in json.dumps(y["axis"]["labelFontWeight"])
    colour = scales_for(spec, "color")[0]
    assert dict(zip(colour["domain"], colour["range"]))["Selected authority"] == charts.PALETTE["dark_blue"]
    svg = chart_svg(chart)
    assert "London 20.1%" in svg and "England 22.6%" in svg
    assert "Essex &lt;b&gt;bold&lt;/b&gt;" in svg  # names are text, never markup
    assert 'font-weight="bold"' in svg


def test_comparison_bars_order_follows_polarity():
    comp = sample_comparison()
    higher = dict(row("CS01"), polarity="higher")
    spec = spec_of(charts.comparison_bars(comp, higher))
    y = [
        d["encoding"]["y"]
        for d in walk(spec)
        if "encoding" in d
        and "y" in d["encoding"]
        and isinstance(d["encoding"]["y"], dict)
        and "sort" in d["encoding"]["y"]
    ][0]
    assert y["sort"][0] == "Bromley"


def test_summary_chart_counts_as_labels_and_rag_colours():
    chart = charts.summary_chart(sample_summary())
    spec = spec_of(chart)
    colour = scales_for(spec, "color")[0]
    mapping = dict(zip(colour["domain"], colour["range"]))
    assert mapping["Green"] == "#00703C" and mapping["Amber"] == "#FFDD00" and mapping["Red"] == "#D4351C"
    assert mapping["Not due"] == charts.NEUTRAL
    texts = [d for d in walk(spec) if isinstance(d.get("mark"), dict) and d["mark"]["type"] == "text"]
    assert texts and texts[0]["encoding"]["text"]["field"] == "count"
    bars = [d for d in walk(spec) if isinstance(d.get("mark"), dict) and d["mark"]["type"] == "bar"]
    assert bars[0]["mark"]["stroke"]  # outlined: the Amber bar keeps a 3:1 contrast with the page
    svg = chart_svg(chart)
    for word in ("Green", "Amber", "Red", "Not due"):
        assert f">{word}<" in svg


def test_descriptions_carry_the_key_figures():
    text = charts.describe_trend(sample_history(), sample_benchmarks(), row("CS01"), authority_name="Havering")
    assert text.startswith("Line chart: Re-referrals")
    assert "2024-25 Q1 to 2025-26 Q2" in text and "Latest 21.3%" in text and "target of 20.0%" in text
    assert "England 22.6%" in text and "year to March 2025" in text
    band = charts.describe_trend(sample_history(), sample_benchmarks(), row("CS02"), authority_name="Havering")
    assert "target band of 12.0% to 18.0%" in band
    comp = charts.describe_comparison(sample_comparison(), row("CS01"))
    assert "Havering is 3rd of 5 at 21.3%" in comp and "London 20.1%" in comp
    assert charts.describe_summary(sample_summary()) == (
        "Bar chart of the number of indicators by rating: Green 1, Amber 1, Red 1, Not due 1."
    )


def test_data_tables_behind_the_charts():
    tables = charts.trend_tables(sample_history(), sample_benchmarks(), row("CS02"), authority_name="Havering")
    (cap1, local), (cap2, published) = tables
    assert list(local.columns) == ["Period", "Havering", "Target band", "Rating"]
    assert local.iloc[-1].tolist() == ["2025-26 Q2", "15.2%", "12.0% to 18.0%", "Green"]
    assert list(published["Year"]) == ["year to March 2023", "year to March 2024", "year to March 2025"]
    assert "London" in published.columns and "Comparators (average)" in published.columns
    ranked = charts.comparison_table(sample_comparison(), row("CS01"))
    assert ranked["Authority"].tolist()[:3] == ["Bexley", "Thurrock", "Havering"]
    assert ranked.loc[ranked["Authority"] == "Havering", "Role"].item() == "Selected authority"
    assert ranked.loc[ranked["Authority"].str.startswith("Essex"), "Value"].item() == "no published figure"
    assert ranked["Position"].tolist()[:5] == ["1", "2", "3", "4", "5"]


def test_equal_values_share_the_better_position():
    comp = sample_comparison()
    comp.loc[comp["la_name"] == "Thurrock", "value"] = 21.3  # same as Havering at one decimal place
    ranked = charts.comparison_table(comp, row("CS01"))
    assert ranked["Position"].tolist()[:3] == ["1", "2=", "2="]
    assert "Havering is joint 2nd of 5 at 21.3%" in charts.describe_comparison(comp, row("CS01"))


def test_explorer_chart_has_a_drop_down_and_tooltips():
    card = sample_scorecard()
    spec = spec_of(charts.explorer_chart(sample_history(), sample_benchmarks(), card, authority_name="Havering"))
    params = [p for d in walk(spec) for p in d.get("params", []) if isinstance(d.get("params"), list)]
    assert any(p.get("bind", {}).get("input") == "select" for p in params)
    assert any("tooltip" in d.get("encoding", {}) for d in walk(spec))


def test_explorer_shows_published_years_from_years_before_the_first_local_period():
    h, b, card = sample_history(), sample_benchmarks(), sample_scorecard()

    def published_dates(years: int) -> set[str]:
        spec = charts.explorer_spec(h, b, card, authority_name="Havering", years_before=years)
        (values,) = spec["datasets"].values()
        return {str(v["date"])[:10] for v in values if v["series"] not in ("Havering", "Target")}

    # local figures start 2024-06-30; published years end 31 March 2023, 2024, 2025
    assert "2023-03-31" not in published_dates(0) and "2024-03-31" not in published_dates(0)
    assert "2024-03-31" in published_dates(1) and "2023-03-31" not in published_dates(1)
    assert published_dates(3) >= published_dates(1) >= published_dates(0) == {"2025-03-31"}


def test_static_svg_has_no_script_and_no_remote_reference():
    for chart in (
        charts.trend_chart(sample_history(), sample_benchmarks(), row("CS01")),
        charts.comparison_bars(sample_comparison(), row("CS01")),
        charts.summary_chart(sample_summary()),
    ):
        svg = chart_svg(chart)
        assert svg.lstrip().startswith("<svg")
        assert "<script" not in svg.lower()
        assert not re.search(r'(?:src|href)="https?:', svg)


# --------------------------------------------------------------------------------------------
# Specs as dicts, and Altair only on demand
# --------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "KPITOOLS_KEEP_RFC3987"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_importing_the_renderer_does_not_import_altair():
    r = run_python("import kpitools.present.render, sys; assert 'altair' not in sys.modules")
    assert r.returncode == 0, r.stderr


# Every public name of the single module kpitools/present/charts.py had (less imported modules and typing
# names), from before it became a package: notebooks reach them as ``charts.X``.
OLD_PUBLIC_NAMES = [
    "FONT", "NEUTRAL", "PALETTE", "RAG_COLOURS", "RAG_TEXT_COLOURS", "ROUNDS_TO_ZERO", "STATUS_WORDS", "TEXT",
    "VEGA_LITE_SCHEMA", "band_text", "band_zones", "benchmark_trend_chart", "benchmark_trend_spec",
    "benchmark_year_label", "comparison_bars", "comparison_spec", "comparison_table", "describe_comparison",
    "describe_summary", "describe_trend", "explorer_chart", "explorer_spec", "format_value", "has_trend_data",
    "import_jsonschema", "is_missing", "is_ranked", "published_label", "summary_chart", "summary_spec",
    "summary_table", "trend_chart", "trend_spec", "trend_tables", "unit_label",
]  # fmt: skip


@pytest.mark.parametrize("name", OLD_PUBLIC_NAMES)
def test_the_package_keeps_every_public_name_of_the_old_module(name):
    assert hasattr(charts, name)


def test_importing_any_chart_module_does_not_import_altair():
    modules = ["style", "formatting", "vega", "trend", "comparison", "summary", "explore"]
    code = "import importlib, sys\n" + "".join(
        f"importlib.import_module('kpitools.present.charts.{m}'); assert 'altair' not in sys.modules, {m!r}\n"
        for m in modules
    )
    r = run_python(code)
    assert r.returncode == 0, r.stderr


def test_text_helpers_specs_and_static_figures_need_no_altair():
    r = run_python(
        textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests")
        from conftest import sample_benchmarks, sample_comparison, sample_history, sample_scorecard, sample_summary
        from kpitools.present import charts
        from kpitools.present import render
        row = sample_scorecard().iloc[0].to_dict()
        h, b, c, s = sample_history(), sample_benchmarks(), sample_comparison(), sample_summary()
        assert charts.format_value(60.9, "percent", 1) == "60.9%" and charts.unit_label("count") == "Number"
        assert charts.has_trend_data(h, b, row) and charts.benchmark_year_label(2025) == "published year 2025"
        charts.describe_trend(h, b, row); charts.trend_tables(h, b, row); charts.describe_comparison(c, row)
        charts.comparison_table(c, row); charts.describe_summary(s); charts.summary_table(s)
        render.trend_section(row, h, b, authority_name="Havering")
        render.comparison_section(row, c, b, authority_name="Havering")
        render.summary_block(s, "Sentence.")
        assert "altair" not in sys.modules, "altair was imported"
    """)
    )
    assert r.returncode == 0, r.stderr


def test_altair_is_imported_without_the_rfc3987_grammar_unless_asked():
    check = (
        "from kpitools.present.charts import vega; vega._altair(); import sys, jsonschema; "
        "print('rfc3987_syntax' in sys.modules, 'iri' in jsonschema.FormatChecker.checkers)"
    )
    r = run_python(check)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]  # skipped, and nothing left behind in sys.modules
    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987_syntax is not installed")
    kept = run_python(check, KPITOOLS_KEEP_RFC3987="1")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.split() == ["True", "True"]


def spec_cases() -> list[tuple[str, dict, alt.TopLevelMixin]]:
    h, b, c, s, card = sample_history(), sample_benchmarks(), sample_comparison(), sample_summary(), sample_scorecard()
    empty = h.iloc[0:0]
    return [
        (
            "trend",
            charts.trend_spec(h, b, row("CS02"), authority_name="Havering"),
            charts.trend_chart(h, b, row("CS02"), authority_name="Havering"),
        ),
        (
            "interactive trend",
            charts.trend_spec(h, b, row("CS01"), authority_name="Havering", interactive=True),
            charts.trend_chart(h, b, row("CS01"), authority_name="Havering", interactive=True),
        ),
        (
            "no data",
            charts.trend_spec(empty, b.iloc[0:0], row("CS04")),
            charts.trend_chart(empty, b.iloc[0:0], row("CS04")),
        ),
        (
            "published trend",
            charts.benchmark_trend_spec(b, row("CS01"), authority_name="Havering"),
            charts.benchmark_trend_chart(b, row("CS01"), authority_name="Havering"),
        ),
        ("comparison", charts.comparison_spec(c, row("CS01")), charts.comparison_bars(c, row("CS01"))),
        ("summary", charts.summary_spec(s), charts.summary_chart(s)),
        (
            "explorer",
            charts.explorer_spec(h, b, card, authority_name="Havering"),
            charts.explorer_chart(h, b, card, authority_name="Havering"),
        ),
    ]


def test_the_charts_are_their_specs_and_validate():
    for name, spec, chart in spec_cases():
        assert isinstance(chart, alt.TopLevelMixin), name
        assert chart.to_dict() == spec, name  # to_dict() validates against the Vega-Lite schema
        assert json.loads(json.dumps(spec)) == spec, name  # plain JSON: no NumPy or pandas values
        assert spec["$schema"] == charts.VEGA_LITE_SCHEMA


def test_specs_share_no_mutable_parts_with_each_other_or_the_module():
    h, b = sample_history(), sample_benchmarks()
    first = charts.trend_spec(h, b, row("CS02"), authority_name="Havering")
    expected = json.dumps(first, sort_keys=True)
    for d in walk(first):  # scribble over every dict and list of the first spec
        for v in d.values():
            if isinstance(v, list):
                v.append("x")
        d["scribbled"] = True
    again = charts.trend_spec(h, b, row("CS02"), authority_name="Havering")
    assert json.dumps(again, sort_keys=True) == expected


def test_inline_data_is_named_and_written_as_altair_does():
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-31", None, "2025-03-31"]),
            "value": [1.5, float("nan"), float("inf")],
            "count": [1, 2, 3],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
            "name": ["a", None, "c"],
            "kind": pd.Categorical(["x", "y", None]),
        }
    )
    altair_datasets = alt.Chart(df).mark_point().to_dict()["datasets"]
    values = vega._records(df)
    assert altair_datasets == {vega._dataset_name(values): values}
    interval = alt.selection_interval(bind="scales", encodings=["x"])
    if re.fullmatch(r"param_[0-9a-f]{16}", interval.name):  # Altair 6 names parameters by a hash (5: a counter)
        scales = {"select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        assert vega._param_name(scales) == interval.name


def numbered_clips(svg: str) -> str:
    """vl-convert numbers clip paths with a counter that runs on across renders: renumber them."""
    names: dict[str, str] = {}
    return re.sub(r"\bclip\d+\b", lambda m: names.setdefault(m.group(0), f"clip-{len(names)}"), svg)


def test_rendered_svg_is_the_same_from_the_spec_and_from_the_chart():
    from kpitools.present import render

    for name, spec, chart in spec_cases()[:3]:
        assert render._vl_version(spec) is not None  # vl-convert renders the version the spec declares
        assert numbered_clips(chart_svg(spec)) == numbered_clips(chart_svg(chart)), name
