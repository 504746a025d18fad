"""One figure, one text: the table, the chart's data table, the chart's text alternative, the generated
sentence and the scorecard files all show a figure the same way (rounded half away from zero on the
decimal as written: 12.35% at 1 decimal is 12.4% everywhere), and the files hold no float noise."""

from __future__ import annotations

import csv
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any

import pandas as pd
import pytest
from conftest import sample_benchmarks, sample_history, sample_meta, sample_scorecard
from hypothesis import given
from hypothesis import strategies as st

from kpitools.core.authorities import select
from kpitools.pack.build import FIGURE_COLUMNS
from kpitools.present import charts
from kpitools.present.charts.formatting import benchmark_year_label
from kpitools.present.render import _num, scorecard_table
from kpitools.score.text import format_values

MINUS = "\u2212"
# every float column of the scorecard that holds a figure in the indicator's unit: the files' own list
# the benchmark series of the trend chart, by scorecard column
SERIES = {
    "london": "London",
    "england": "England",
    "sn_mean": "Statistical neighbours",
    "comparator_mean": "Comparators",
}
SERIES_TABLE = {"Statistical neighbours": "Statistical neighbours (average)", "Comparators": "Comparators (average)"}
SERIES_ALT = {"Statistical neighbours": "statistical neighbours' average", "Comparators": "comparators' average"}


def expected(value: Any, unit: Any, decimals: Any) -> str:
    """The figure as a spreadsheet would round it: half away from zero, on the decimal as written."""
    d = int(decimals)
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)
    text = f"{abs(q):,.{d}f}"
    text = MINUS + text if q < 0 else text
    return text + ("%" if str(unit).lower() == "percent" else "")


def number_part(text: str) -> str:
    """``447 days`` -> ``447`` (the table names some units after the number; the charts in their titles)."""
    return text.split(" ")[0]


def missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


# --------------------------------------------------------------------------------------------
# The bundled demo data: Havering (local figures and benchmarks) and London boroughs (benchmarks)
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dataset():
    from kpitools.ingest.loaders import load_dataset
    from kpitools.pack.build import framework_ranks

    ds = load_dataset(None)
    return ds, framework_ranks(ds)


@cache
def _tables(authority: str, period: str):
    from kpitools.pack.build import build_tables

    ds, ranks = _dataset()
    return build_tables(ds, authority, period, (), (), ranks)


def _london_boroughs(n: int = 5) -> list[str]:
    return [a.name for a in select("London") if a.name != "City of London"][:n]


CASES = [("Havering", "latest"), ("Havering", "2025-26 Q1"), ("Havering", "2024-25 Q4")] + [
    (name, period) for name in _london_boroughs() for period in ("latest", "2025-26 Q1")
]


def _written(tables, tmp_path) -> tuple[pd.DataFrame, list[dict[str, Any]], str]:
    from kpitools.pack.build import write_scorecard

    out_csv = write_scorecard(tables.scorecard, tables.meta, tmp_path / "card.csv")
    out_json = write_scorecard(tables.scorecard, tables.meta, tmp_path / "card.json")
    raw = out_csv.read_text(encoding="utf-8")
    return pd.read_csv(out_csv), json.loads(out_json.read_text(encoding="utf-8"))["scorecard"], raw


@pytest.mark.parametrize(("authority", "period"), CASES)
def test_every_figure_of_the_pack_reads_the_same_everywhere(authority, period, tmp_path):
    tables = _tables(authority, period)
    card = tables.scorecard
    name = tables.meta["authority_name"]
    from_csv, from_json, _ = _written(tables, tmp_path)
    assert len(from_csv) == len(card) == len(from_json)
    problems: list[str] = []

    def agree(what: str, shown: dict[str, str]) -> None:
        if len(set(shown.values())) > 1:
            problems.append(f"{authority} {period} {what}: {shown}")

    for i, row in card.iterrows():
        r = row.to_dict()
        ind, unit, dec = r["indicator_id"], r["unit"], int(r["decimals"])
        h = tables.history[tables.history["indicator_id"] == ind]
        b = tables.benchmarks[tables.benchmarks["indicator_id"] == ind]
        tabs = dict(charts.trend_tables(h, b, r, authority_name=name))
        alt = charts.describe_trend(h, b, r, authority_name=name)
        local = tabs.get(f"{name}: {charts.formatting._title(r)} by period")
        published = tabs.get(f"Published figures by year: {charts.formatting._title(r)}")

        # the authority's own figure: table, chart data table, alt text, CSV, JSON
        if not missing(r["value"]):
            shown = {
                "table": number_part(str(r["value_text"])),
                "csv": expected(from_csv.loc[i, "value"], unit, dec),
                "json": expected(from_json[i]["value"], unit, dec),
                "reference": expected(r["value"], unit, dec),
            }
            if local is not None:
                # the chart's row of the figure's own period (a late figure is not the pack period's)
                at = local[local["Period"] == str(r.get("observation_period") or r["period"])]
                if len(at):
                    shown["chart table"] = at.iloc[0][name]
            valid = h[h["value"].notna()].sort_values("period_end")
            if len(valid) and str(valid.iloc[-1]["period"]) == str(r["period"]):
                m = re.search(r"Latest (\S+?)(?= against| \(no target\)|\. )", alt)
                shown["alt text"] = m.group(1) if m else alt
            agree(f"{ind} value", shown)

        # the target band, as the sentence and the target column quote it and the alt text says it
        if r["polarity"] == "band" and not missing(r["lower"]) and not missing(r["upper"]):
            lo, up = expected(r["lower"], unit, dec), expected(r["upper"], unit, dec)
            m = re.search(r"target band of (.+?)\u2013(.+?)(?: but|\.| and)", str(r["sentence"]))
            if m:
                agree(f"{ind} band lower", {"sentence": number_part(m.group(1)), "reference": lo})
                agree(f"{ind} band upper", {"sentence": number_part(m.group(2)), "reference": up})
            agree(f"{ind} target text", {"table": str(r["target_text"]), "reference": f"{lo}\u2013{up}"})
            valid = h[h["value"].notna()].sort_values("period_end")
            if len(valid) and str(valid.iloc[-1]["period"]) == str(r["period"]):
                agree(f"{ind} band in alt text", {"alt": f"of {lo} to {up}" in alt and "yes" or alt, "ref": "yes"})

        # the benchmarks: the scorecard's columns, the chart's published table and its alt text
        year = r.get("benchmark_year")
        for col, series in SERIES.items():
            v = r.get(col)
            if missing(v):
                continue
            shown = {
                "csv": expected(from_csv.loc[i, col], unit, dec),
                "json": expected(from_json[i][col], unit, dec),
                "reference": expected(v, unit, dec),
            }
            if col in ("london", "england", "sn_mean"):
                shown["table"] = _num(r, col)
            s = b[(b["series"].astype(str) == series) & (b["benchmark_year"] == year)] if not missing(year) else b[:0]
            if published is not None and len(s) and abs(float(s.iloc[0]["value"]) - float(v)) < 1e-9:
                label = benchmark_year_label(year, s.iloc[0].get("year_end"))
                at = published[published["Year"] == label]
                if len(at):
                    shown["chart table"] = at.iloc[0][SERIES_TABLE.get(series, series)]
                latest = b[b["series"].astype(str) == series].dropna(subset=["value"])
                if len(latest) and latest["benchmark_year"].max() == year:
                    word = SERIES_ALT.get(series, series)
                    shown["alt text"] = (
                        shown["reference"]
                        if re.search(re.escape(f"{word} {shown['reference']}") + r"(?=, |\. )", alt)
                        else alt
                    )
            agree(f"{ind} {col}", shown)

        # every figure column of the files: the figure at the row's precision, no float noise
        for col in FIGURE_COLUMNS:
            v = r.get(col)
            if col not in card.columns or missing(v):
                continue
            agree(
                f"{ind} {col} in the files",
                {
                    "csv": expected(from_csv.loc[i, col], unit, dec),
                    "json": expected(from_json[i][col], unit, dec),
                    "reference": expected(v, unit, dec),
                },
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("authority", "period"), CASES[:4])
def test_the_scorecard_files_hold_figures_at_their_precision_as_numbers(authority, period, tmp_path):
    tables = _tables(authority, period)
    card = tables.scorecard
    _, from_json, raw = _written(tables, tmp_path)
    assert not re.search(r"\d\.\d{9,}", raw), "float noise in the CSV"
    with (tmp_path / "card.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in card.iterrows():
        dec = int(row["decimals"])
        for col in FIGURE_COLUMNS:
            if col not in card.columns or missing(row[col]):
                continue
            text = rows[i][col]
            digits = len(text.split(".")[1]) if "." in text else 0
            assert digits <= max(dec, 1), f"{row['indicator_id']} {col}: {text} at {dec} decimals"
            j = from_json[i][col]
            assert isinstance(j, (int, float)) and not isinstance(j, bool), f"{col} is not a number in JSON: {j!r}"
            assert len(repr(float(j)).split(".")[1]) <= max(dec, 1), f"{row['indicator_id']} {col}: {j!r}"
        for col in card.columns:
            j = from_json[i][col]
            if isinstance(j, float):
                assert not re.search(r"\d\.\d{11,}", repr(j)), f"float noise in JSON {col}: {j!r}"


# --------------------------------------------------------------------------------------------
# A direct case: 12.35% at 1 decimal is 12.4% in the table, the chart's data table and its alt text
# --------------------------------------------------------------------------------------------


def _one_indicator(value: float):
    card = sample_scorecard().iloc[[0]].reset_index(drop=True)
    card["value"] = value
    card["london"] = value
    card["value_text"] = format_values(card["value"], card["unit"], card["decimals"])
    hist = sample_history()
    hist = hist[hist["indicator_id"] == "CS01"].copy()
    hist.loc[hist.index[-1], "value"] = value
    bench = sample_benchmarks()
    bench = bench[bench["indicator_id"] == "CS01"].copy()
    bench.loc[(bench["series"] == "London") & (bench["benchmark_year"] == 2025), "value"] = value
    return card, hist, bench


def test_12_35_percent_reads_12_4_percent_in_the_table_the_chart_table_and_the_alt_text():
    card, hist, bench = _one_indicator(12.35)
    row = card.iloc[0].to_dict()
    assert row["value_text"] == "12.4%"
    html = str(scorecard_table(card, meta=sample_meta()))
    assert ">12.4%<" in html and "12.3%" not in html
    assert _num(row, "london") == "12.4%"
    tabs = charts.trend_tables(hist, bench, row, authority_name="Havering")
    local, published = tabs[0][1], tabs[1][1]
    assert local.iloc[-1]["Havering"] == "12.4%"
    assert published.iloc[-1]["London"] == "12.4%"
    alt = charts.describe_trend(hist, bench, row, authority_name="Havering")
    assert "Latest 12.4% against" in alt and "London 12.4%" in alt and "12.3%" not in alt


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "text"),
    [
        (12.35, "percent", 1, "12.4%"),
        (0.125, "rate", 2, "0.13"),
        (2.675, "rate", 2, "2.68"),
        (-2.5, "count", 0, MINUS + "3"),
        (-1234.5, "count", 0, MINUS + "1,235"),
        (1.005, "percent", 2, "1.01%"),
    ],
)
def test_the_table_and_the_charts_round_half_up_alike(value, unit, decimals, text):
    table = format_values(pd.Series([value]), pd.Series([unit]), pd.Series([decimals])).iloc[0]
    assert table == text
    assert charts.format_value(value, unit, decimals) == text


@given(
    n=st.integers(min_value=-(10**8), max_value=10**8),
    places=st.integers(min_value=0, max_value=3),
    decimals=st.integers(min_value=0, max_value=3),
    unit=st.sampled_from(["percent", "count", "rate"]),
)
def test_the_table_and_the_charts_agree_with_the_decimal_as_written(n, places, decimals, unit):
    x = n / 10**places
    want = expected(x, unit, decimals)
    assert charts.format_value(x, unit, decimals) == want
    assert format_values(pd.Series([x]), pd.Series([unit]), pd.Series([decimals])).iloc[0] == want
