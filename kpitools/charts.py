"""Altair charts for the committee pack and the benchmark comparison.

Every builder takes the :class:`kpitools.pack.PackTables` DataFrames (columns as in
``docs/DESIGN.md``) and returns an Altair chart. The report notebooks render them to static SVG
with :func:`kpitools.render.svg_figure`; the exploration notebook shows them interactively.

Design rules
------------
- Colours come from the Government Analysis Function palette (:data:`PALETTE`).
- Colour is never the only cue: every series also has its own point shape and dash pattern, the
  selected authority is labelled in words and bold, reference lines carry text labels, and RAG
  bars are labelled with the RAG word.
- Every chart has a text alternative (``describe_*``) and a data table (``*_table``) next to it.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import altair as alt
import pandas as pd

__all__ = [
    "PALETTE",
    "RAG_COLOURS",
    "RAG_TEXT_COLOURS",
    "FONT",
    "format_value",
    "unit_label",
    "benchmark_year_label",
    "trend_chart",
    "benchmark_trend_chart",
    "has_trend_data",
    "explorer_chart",
    "comparison_bars",
    "summary_chart",
    "describe_trend",
    "describe_comparison",
    "describe_summary",
    "trend_tables",
    "comparison_table",
    "summary_table",
]

#: Government Analysis Function categorical palette (in its recommended order).
PALETTE: dict[str, str] = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}

#: RAG fills. White text on Red (4.9:1) and Green (6.2:1); near-black text on Amber (16:1).
RAG_COLOURS: dict[str, str] = {"Red": "#D4351C", "Amber": "#FFDD00", "Green": "#00703C"}
RAG_TEXT_COLOURS: dict[str, str] = {"Red": "#FFFFFF", "Amber": "#0B0C0C", "Green": "#FFFFFF"}
#: Neutral fill for statuses that carry no rating (no data, not due, ...): never a RAG colour.
NEUTRAL = "#B1B4B6"
TEXT = "#0B0C0C"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"

# Series styles for trend charts: colour, point shape and dash pattern all differ, so the series
# can be told apart in greyscale print and by people who do not see the colours.
_LOCAL = "local"
_STYLES: dict[str, dict[str, Any]] = {
    _LOCAL: {"color": PALETTE["dark_blue"], "shape": "circle", "dash": [1, 0]},
    "Target": {"color": PALETTE["dark_grey"], "shape": "stroke", "dash": [6, 4]},
    "Target band": {"color": "#BFE4E0", "shape": "square", "dash": [1, 0]},
    "published": {"color": PALETTE["dark_blue"], "shape": "triangle-down", "dash": [10, 3]},
    "London": {"color": PALETTE["turquoise"], "shape": "square", "dash": [2, 2]},
    "England": {"color": PALETTE["dark_pink"], "shape": "triangle-up", "dash": [8, 3, 2, 3]},
    "Statistical neighbours": {"color": PALETTE["orange"], "shape": "diamond", "dash": [4, 2]},
    "Comparators": {"color": PALETTE["light_purple"], "shape": "cross", "dash": [1, 2]},
}
_BENCHMARK_SERIES = ("London", "England", "Statistical neighbours", "Comparators")
_SERIES_LEGEND = {
    "London": "London (annual)",
    "England": "England (annual)",
    "Statistical neighbours": "Statistical neighbours' average (annual)",
    "Comparators": "Comparators' average (annual)",
}

# Comparison bars: roles.
_ROLE_COLOURS = {
    "selected": PALETTE["dark_blue"],
    "statistical neighbour": "#8C8C8C",  # 3.4:1 against white: meets the 3:1 for graphics
    "comparator": PALETTE["light_purple"],
}
_ROLE_LEGEND = {
    "selected": "Selected authority",
    "statistical neighbour": "Statistical neighbour",
    "comparator": "Comparator",
}

_STATUS_WORDS = {
    "rated": "Rated",
    "no data": "No data",
    "suppressed": "Suppressed",
    "no target": "No target",
    "not due": "Not due",
    "not a target measure": "Not a target measure",
}


# --------------------------------------------------------------------------------------------
# Formatting helpers (shared with kpitools.render)
# --------------------------------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _decimals(row: Mapping[str, Any] | None, default: int = 1) -> int:
    if row is None:
        return default
    d = row.get("decimals")
    if _is_missing(d):
        return default
    try:
        return max(0, min(6, int(d)))
    except (TypeError, ValueError):
        return default


def _unit(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    u = row.get("unit")
    return "" if _is_missing(u) else str(u).strip().lower()


def format_value(value: Any, unit: str | None = None, decimals: int = 1, missing: str = "–") -> str:
    """Format a number in its unit for people: ``60.9%``, ``1,204``, ``12.5``.

    Parameters
    ----------
    value
        The number (already in the unit: ``60.9`` for 60.9 percent). Missing values give
        ``missing``.
    unit
        ``percent`` adds a ``%`` sign; other units are shown as plain numbers (the unit is named in
        the column heading or the axis title).
    decimals
        Decimal places, as the indicator framework specifies.
    missing
        Text for a missing value.
    """
    if _is_missing(value):
        return missing
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(number):
        return missing
    text = f"{number:,.{max(0, int(decimals))}f}"
    if text.startswith("-"):
        text = "\u2212" + text[1:]  # a real minus sign
    if (unit or "").lower() in {"percent", "%", "percentage"}:
        text += "%"
    return text


def unit_label(unit: str | None) -> str:
    """A readable axis title for a unit: ``percent`` gives ``Percent``."""
    u = (unit or "").strip().lower()
    return {
        "percent": "Percent",
        "percentage": "Percent",
        "count": "Number",
        "rate": "Rate",
        "days": "Days",
        "weeks": "Weeks",
    }.get(u, u.capitalize() if u else "Value")


def benchmark_year_label(year: Any, year_end: Any = None) -> str:
    """``2025`` with a year end of 31 March 2025 gives ``year to March 2025``; without the year end,
    ``published year 2025`` (DfE's ``time_period``)."""
    if not _is_missing(year_end):
        ts = pd.Timestamp(year_end)
        return f"year to {ts.strftime('%B %Y')}"
    if _is_missing(year):
        return "latest published year"
    try:
        return f"published year {int(year)}"
    except (TypeError, ValueError):
        return str(year)


def _row(indicator_row: Mapping[str, Any] | pd.Series | None) -> dict[str, Any]:
    if indicator_row is None:
        return {}
    if isinstance(indicator_row, pd.Series):
        return indicator_row.to_dict()
    return dict(indicator_row)


def _for_indicator(df: pd.DataFrame | None, row: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of ``df`` for the row's indicator (tolerates an already-filtered frame)."""
    if df is None:
        return pd.DataFrame()
    ind = row.get("indicator_id")
    if ind is not None and "indicator_id" in df.columns:
        df = df[df["indicator_id"].astype(str) == str(ind)]
    return df.copy()


def _title(row: Mapping[str, Any]) -> str:
    t = row.get("title")
    return str(row.get("indicator_id", "Indicator")) if _is_missing(t) else str(t)


_CONFIG = dict(
    font=FONT, background="white", aria=False,
    axis=dict(labelColor=TEXT, titleColor=TEXT, labelFontSize=12, titleFontSize=12, gridColor="#E5E5E5",
              domainColor="#505A5F", tickColor="#505A5F", titleFontWeight="bold"),
    legend=dict(labelColor=TEXT, titleColor=TEXT, labelFontSize=12, titleFontSize=12, labelLimit=320,
                symbolStrokeWidth=2.5),
    view=dict(stroke=None),
    text=dict(font=FONT),
)


def _base_config(chart: alt.TopLevelMixin, **extra: Any) -> alt.TopLevelMixin:
    """Apply the house style in one step (each ``configure_*`` call would copy the whole chart)."""
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in _CONFIG.items()}
    for key, value in extra.items():
        config.setdefault(key, {}).update(value)
    chart.config = alt.Config(**config)
    return chart


# --------------------------------------------------------------------------------------------
# Trend chart
# --------------------------------------------------------------------------------------------

def _authority_name(benchmarks: pd.DataFrame, authority_name: str | None) -> str:
    if authority_name:
        return str(authority_name)
    if not benchmarks.empty and "series" in benchmarks.columns:
        others = [s for s in benchmarks["series"].dropna().astype(str).unique() if s not in _BENCHMARK_SERIES]
        if others:
            return others[0]
    return "Authority"


def _trend_long(history: pd.DataFrame, benchmarks: pd.DataFrame, row: Mapping[str, Any],
                name: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Long data for the trend chart: (points, band, legend order)."""
    unit, dec = _unit(row), _decimals(row)
    parts: list[pd.DataFrame] = []
    order: list[str] = []
    band = pd.DataFrame()

    if not history.empty:
        h = history.copy()
        h["period_end"] = pd.to_datetime(h["period_end"])
        h = h.sort_values("period_end")
        label = h["period"].astype(str) if "period" in h.columns else h["period_end"].dt.strftime("%b %Y")
        if "value" in h.columns and h["value"].notna().any():
            local = pd.DataFrame({"date": h["period_end"], "value": pd.to_numeric(h["value"], errors="coerce"),
                                  "series": name, "period": label})
            parts.append(local)
            order.append(name)
        if "target" in h.columns and pd.to_numeric(h["target"], errors="coerce").notna().any():
            tgt = pd.DataFrame({"date": h["period_end"], "value": pd.to_numeric(h["target"], errors="coerce"),
                                "series": "Target", "period": label})
            parts.append(tgt)
            order.append("Target")
        if {"lower", "upper"} <= set(h.columns):
            lo = pd.to_numeric(h["lower"], errors="coerce")
            hi = pd.to_numeric(h["upper"], errors="coerce")
            if (lo.notna() & hi.notna()).any():
                band = pd.DataFrame({"date": h["period_end"], "lower": lo, "upper": hi,
                                     "series": "Target band", "period": label}).dropna(subset=["lower", "upper"])
                order.append("Target band")

    if not benchmarks.empty:
        b = benchmarks.copy()
        b["year_end"] = pd.to_datetime(b["year_end"])
        if parts:
            first = min(p["date"].min() for p in parts)
            b = b[b["year_end"] >= first - pd.DateOffset(years=1)]
        b["value"] = pd.to_numeric(b["value"], errors="coerce")
        b = b.dropna(subset=["value"])
        seen = set(b["series"].astype(str))
        for series in [name] + list(_BENCHMARK_SERIES):
            if series not in seen:
                continue
            s = b[b["series"].astype(str) == series].sort_values("year_end")
            display = f"{name} (published, annual)" if series == name else _SERIES_LEGEND.get(series, series)
            parts.append(pd.DataFrame({
                "date": s["year_end"], "value": s["value"], "series": display,
                "period": [benchmark_year_label(y, e) for y, e in zip(s["benchmark_year"], s["year_end"])],
            }))
            order.append(display)

    points = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["date", "value", "series", "period"])
    if not points.empty:
        points["label"] = [format_value(v, unit, dec) for v in points["value"]]
    return points, band, order


def _style_for(series: str, name: str) -> dict[str, Any]:
    if series == name:
        return _STYLES[_LOCAL]
    if series == f"{name} (published, annual)":
        return _STYLES["published"]
    for key, legend in _SERIES_LEGEND.items():
        if series == legend:
            return _STYLES[key]
    return _STYLES.get(series, {"color": PALETTE["dark_grey"], "shape": "circle", "dash": [1, 0]})


def trend_chart(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 260,
    interactive: bool = False,
) -> alt.LayerChart:
    """The authority's values over time against its target and the published benchmarks.

    Parameters
    ----------
    history_one_indicator
        ``PackTables.history`` rows (``indicator_id, period, period_end, value, target, lower,
        upper, rag, status``); rows of other indicators are ignored.
    benchmarks_one_indicator
        ``PackTables.benchmarks`` rows (``indicator_id, benchmark_year, year_end, series,
        value``). Years more than a year before the first local period are left out so that the
        local series stays readable.
    indicator_row
        The indicator's ``PackTables.scorecard`` row (``indicator_id, title, unit, decimals,
        polarity`` are used).
    authority_name
        Name for the local series; by default the benchmark series that is not London, England,
        statistical neighbours or comparators.
    width, height
        Plot size in pixels (the SVG scales down to fit the page).
    interactive
        Add tooltips and pan/zoom (for JupyterLab; static SVG ignores them).

    Returns
    -------
    altair.LayerChart
        Local values as a solid line with circles; the target as a dashed step line; the band
        (for band indicators) as a shaded area; published benchmarks as lines each with its own
        colour, point shape and dash pattern; one legend naming every series.
    """
    row = _row(indicator_row)
    history = _for_indicator(history_one_indicator, row)
    benchmarks = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(benchmarks, authority_name)
    points, band, order = _trend_long(history, benchmarks, row, name)
    unit, dec = _unit(row), _decimals(row)

    if not order:
        return _base_config(_empty_chart(f"No data to chart for {_title(row)}", width, height))

    styles = [_style_for(s, name) for s in order]
    color = alt.Color("series:N", title=None, legend=None,
                      scale=alt.Scale(domain=order, range=[s["color"] for s in styles]))
    dash = alt.StrokeDash("series:N", title=None, legend=None,
                          scale=alt.Scale(domain=order, range=[s["dash"] for s in styles]))
    shape = alt.Shape("series:N", title=None, legend=None,
                      scale=alt.Scale(domain=order, range=[s["shape"] for s in styles]))
    y_title = unit_label(unit)
    fmt = f",.{dec}f"
    x = alt.X("date:T", title=None, axis=_time_axis(points, band))
    y_scale = alt.Scale(zero=False, nice=True, padding=12)
    y = alt.Y("value:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=fmt))
    tooltip = [alt.Tooltip("series:N", title="Series"), alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("label:N", title="Value")]

    layers: list[alt.Chart] = []
    if not band.empty:
        layers.append(
            alt.Chart(band).mark_area(interpolate="step-before", opacity=0.55)
            .encode(x=x, y=alt.Y("lower:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=fmt)), y2="upper:Q",
                    color=color)
        )
    target = points[points["series"] == "Target"]
    if not target.empty:
        layers.append(
            alt.Chart(target).mark_line(interpolate="step-before", strokeWidth=2)
            .encode(x=x, y=y, color=color, strokeDash=dash)
        )
    lines = points[points["series"] != "Target"].dropna(subset=["value"])
    if not lines.empty:
        enc = dict(x=x, y=y, color=color, strokeDash=dash, detail="series:N")
        layers.append(alt.Chart(lines).mark_line(strokeWidth=2.5).encode(**enc))
        pt = alt.Chart(lines).mark_point(filled=True, size=55, opacity=1, strokeWidth=1.5).encode(
            x=x, y=y, color=color, shape=shape,
            **({"tooltip": tooltip} if interactive else {}),
        )
        layers.append(pt)
        local = lines[lines["series"] == name]
        if not local.empty:
            last = local.sort_values("date").tail(1)
            layers.append(
                alt.Chart(last).mark_text(align="left", dx=8, dy=-10, fontWeight="bold", fontSize=13,
                                          color=PALETTE["dark_blue"])
                .encode(x=x, y=y, text="label:N")
            )
    chart = alt.layer(*layers).properties(width=width, height=height)
    if interactive:
        chart = chart.interactive(bind_y=False)
    legend = _line_legend(order, styles, width)
    return _base_config(alt.vconcat(chart, legend, spacing=14))


def _quarter_label_expr() -> str:
    """A Vega expression labelling a quarter-end date as its financial quarter (``2025-26 Q2``)."""
    fy = "(month(datum.value) >= 3 ? year(datum.value) : year(datum.value) - 1)"
    q = "(month(datum.value) == 5 ? 1 : month(datum.value) == 8 ? 2 : month(datum.value) == 11 ? 3 : 4)"
    return f"{fy} + '-' + slice('' + ({fy} + 1), 2) + ' Q' + {q}"


def _thin(ticks: pd.DatetimeIndex, most: int = 7) -> pd.DatetimeIndex:
    """At most ``most`` evenly spaced ticks, counted back from the last so the latest is labelled."""
    if len(ticks) <= most:
        return ticks
    step = -(-len(ticks) // most)
    return ticks[::-1][::step][::-1]


def _tick_values(ticks: pd.DatetimeIndex) -> list[str]:
    """Tick dates as Vega-Lite parses the data's dates (local midnight), cheaply (no DateTime objects)."""
    return [t.strftime("%Y-%m-%dT00:00:00") for t in ticks]


def _fy_label_expr(shift: int) -> str:
    fy = f"(year(datum.value) - {shift})"
    return f"{fy} + '-' + slice('' + ({fy} + 1), 2)"


def _time_axis(points: pd.DataFrame, band: pd.DataFrame) -> alt.Axis:
    """Ticks on the periods' end dates, labelled as financial quarters (``2025-26 Q2``) when the
    dates are quarter ends and as financial years (``2024-25``) when they are all 31 March."""
    dates = pd.concat([points.get("date", pd.Series(dtype="datetime64[ns]")),
                       band.get("date", pd.Series(dtype="datetime64[ns]"))]).dropna()
    dates = pd.to_datetime(dates).drop_duplicates().sort_values()
    if len(dates) == 0:
        return alt.Axis(format="%b %Y", labelAngle=0, grid=False)
    month_ends = bool(dates.dt.is_month_end.all())
    if month_ends and dates.dt.month.nunique() == 1 and len(dates) <= 60:
        # Annual figures (published years): one tick a year, a financial year when it ends in March.
        month = int(dates.iloc[0].month)
        ticks = pd.date_range(dates.iloc[0], dates.iloc[-1], freq=f"YE-{dates.iloc[0].strftime('%b').upper()}")
        label = dict(labelExpr=_fy_label_expr(1)) if month == 3 else dict(format="%b %Y")
        return alt.Axis(values=_tick_values(_thin(ticks)), labelAngle=0, labelOverlap=False, labelFlush=False,
                        grid=False, labelFontSize=11, **label)
    if month_ends and bool(dates.dt.month.isin([3, 6, 9, 12]).all()) and len(dates) <= 80:
        # Quarter ends, labelled as financial quarters; the latest period is always labelled.
        ticks = pd.date_range(dates.iloc[0], dates.iloc[-1], freq="QE-DEC")
        return alt.Axis(values=_tick_values(_thin(ticks)), labelExpr=_quarter_label_expr(), labelAngle=0,
                        labelOverlap=False, labelFlush=False, grid=False, labelFontSize=11)
    return alt.Axis(format="%b %Y", labelAngle=0, labelOverlap="greedy", tickCount=6, grid=False)


def _line_legend(order: list[str], styles: list[dict[str, Any]], width: int) -> alt.LayerChart:
    """A legend drawn with marks, showing each series' line pattern AND point shape together."""
    cols = 2
    col_width = width / cols
    rows = []
    for i, (series, st) in enumerate(zip(order, styles)):
        c, r = i % cols, i // cols
        x0 = c * col_width
        rows.append({"series": series, "row": r, "x0": x0, "x1": x0 + 34, "xm": x0 + 17, "xt": x0 + 44,
                     "is_band": series == "Target band", "has_point": series not in ("Target", "Target band")})
    df = pd.DataFrame(rows)
    n_rows = int(df["row"].max()) + 1
    xs = alt.Scale(domain=[0, width], range=[0, width])
    ys = alt.Scale(domain=[0, max(1, n_rows - 1)], range=[9, 9 + 22 * max(1, n_rows - 1)])
    color = alt.Color("series:N", legend=None, scale=alt.Scale(domain=order, range=[s["color"] for s in styles]))
    dash = alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=order, range=[s["dash"] for s in styles]))
    shape = alt.Shape("series:N", legend=None, scale=alt.Scale(domain=order, range=[s["shape"] for s in styles]))
    y = alt.Y("row:Q", scale=ys, axis=None)
    base = alt.Chart(df)
    layers = [
        base.transform_filter("!datum.is_band").mark_rule(strokeWidth=2.5).encode(
            x=alt.X("x0:Q", scale=xs, axis=None), x2="x1:Q", y=y, color=color, strokeDash=dash),
        base.transform_filter("datum.is_band").mark_rect(opacity=0.55, height=14).encode(
            x=alt.X("x0:Q", scale=xs, axis=None), x2="x1:Q", y=y, color=color),
        base.transform_filter("datum.has_point").mark_point(filled=True, size=60, opacity=1).encode(
            x=alt.X("xm:Q", scale=xs, axis=None), y=y, color=color, shape=shape),
        base.mark_text(align="left", baseline="middle", fontSize=12, color=TEXT).encode(
            x=alt.X("xt:Q", scale=xs, axis=None), y=y, text="series:N"),
    ]
    return alt.layer(*layers).properties(width=width, height=22 * n_rows - 4)


def has_trend_data(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
) -> bool:
    """True when :func:`trend_chart` would draw at least one value."""
    row = _row(indicator_row)
    h = _for_indicator(history_one_indicator, row)
    b = _for_indicator(benchmarks_one_indicator, row)
    has_h = not h.empty and "value" in h.columns and pd.to_numeric(h["value"], errors="coerce").notna().any()
    has_b = not b.empty and pd.to_numeric(b["value"], errors="coerce").notna().any()
    return bool(has_h or has_b)


def benchmark_trend_chart(
    benchmarks_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 240,
) -> alt.LayerChart:
    """The published series by year (authority, London, England, neighbours, comparators).

    Same styles as :func:`trend_chart`, without the local quarterly series and the target.
    """
    empty = pd.DataFrame(columns=["indicator_id", "period", "period_end", "value", "target", "lower", "upper"])
    return trend_chart(empty, benchmarks_one_indicator, indicator_row, authority_name=authority_name,
                       width=width, height=height)


def _empty_chart(message: str, width: int, height: int) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"text": [message]})).mark_text(fontSize=14, color=TEXT).encode(
        text="text:N").properties(width=width, height=min(height, 60))


# --------------------------------------------------------------------------------------------
# Comparison bars
# --------------------------------------------------------------------------------------------

def _polarity(row: Mapping[str, Any]) -> str:
    p = row.get("polarity")
    return "" if _is_missing(p) else str(p).strip().lower()


def _comparison_frame(comparison: pd.DataFrame, row: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bars, reference lines) ordered best first by the indicator's polarity."""
    df = _for_indicator(comparison, row)
    if df.empty:
        return df, df
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    role = df["role"].astype(str).str.strip()
    refs = df[role.isin(["London", "England"])].copy()
    bars = df[~role.isin(["London", "England"])].copy()
    bars["role"] = bars["role"].astype(str).str.strip()
    ascending = _polarity(row) == "lower"
    bars = bars.sort_values(["value", "la_name"], ascending=[ascending, True], na_position="last")
    unit, dec = _unit(row), _decimals(row)
    bars["label"] = [format_value(v, unit, dec, missing="no published figure") for v in bars["value"]]
    bars["name"] = [
        f"{n} (selected)" if r == "selected" else (f"{n} (comparator)" if r == "comparator" else str(n))
        for n, r in zip(bars["la_name"].astype(str), bars["role"])
    ]
    bars["role_text"] = bars["role"].map(_ROLE_LEGEND).fillna(bars["role"])
    bars["bar_value"] = bars["value"].fillna(0.0)
    # Position among the authorities shown, best = 1; equal values at the displayed precision share
    # the better position (as DfE's LAIT ranks do).
    bars["position"] = bars["value"].round(dec).rank(method="min", ascending=ascending).astype("Int64")
    refs["label"] = [f"{r} {format_value(v, unit, dec)}" for r, v in zip(refs["role"], refs["value"])]
    refs = refs.dropna(subset=["value"])
    return bars.reset_index(drop=True), refs.reset_index(drop=True)


def comparison_bars(
    comparison_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    width: int = 460,
    bar_height: int = 22,
) -> alt.LayerChart:
    """Horizontal ranked bars: the authority against its neighbours and comparators.

    Parameters
    ----------
    comparison_one_indicator
        ``PackTables.comparison`` rows (``indicator_id, benchmark_year, la_code, la_name, value,
        role, rank``); rows of other indicators are ignored. ``London`` and ``England`` rows are
        drawn as labelled reference lines, the others as bars.
    indicator_row
        The indicator's scorecard row (``title, unit, decimals, polarity``).

    Returns
    -------
    altair.LayerChart
        Bars ordered best first by polarity; the selected authority in dark blue, its name in bold
        and followed by "(selected)"; comparators named "(comparator)"; the values written in a
        column to the right of the plot; dashed London and England rules with their names and
        values written above the plot.
    """
    row = _row(indicator_row)
    bars, refs = _comparison_frame(comparison_one_indicator, row)
    if bars.empty:
        return _base_config(_empty_chart(f"No published figures to compare for {_title(row)}", width, 60))
    unit, dec = _unit(row), _decimals(row)
    names = list(bars["name"])
    roles_present = [r for r in _ROLE_COLOURS if r in set(bars["role"])]
    height = bar_height * len(bars)
    y = alt.Y("name:N", sort=names, title=None,
              axis=alt.Axis(labelFontSize=12, labelLimit=260, ticks=False, domain=False,
                            labelFontWeight=alt.ExprRef("indexof(datum.value, ' (selected)') >= 0 ? 'bold' : 'normal'")))
    max_value = max([v for v in list(bars["value"]) + list(refs["value"]) if not _is_missing(v)] or [1.0])
    x_scale = alt.Scale(domain=[0, max_value * 1.04], nice=False, zero=True)
    x = alt.X("bar_value:Q", title=unit_label(unit), scale=x_scale,
              axis=alt.Axis(format=f",.{dec}f", grid=True, tickCount=5))
    color = alt.Color("role_text:N", title=None,
                      scale=alt.Scale(domain=[_ROLE_LEGEND[r] for r in roles_present],
                                      range=[_ROLE_COLOURS[r] for r in roles_present]),
                      legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square"))
    base = alt.Chart(bars)
    layers: list[alt.Chart] = [
        base.mark_bar(height=max(8, bar_height - 6)).encode(x=x, y=y, color=color,
                                                            tooltip=["la_name:N", "label:N", "role_text:N"]),
    ]
    # Values in a column to the right of the plot, like a table: never crossed by the reference lines.
    labels = [
        base.transform_filter(alt.datum.role != "selected").mark_text(align="left", fontSize=12, color=TEXT)
        .encode(x=alt.value(width + 10), y=y, text="label:N"),
        base.transform_filter(alt.datum.role == "selected").mark_text(
            align="left", fontSize=12, color=TEXT, fontWeight="bold").encode(x=alt.value(width + 10), y=y,
                                                                              text="label:N"),
    ]
    ref_styles = {"London": (_STYLES["London"]["color"], [2, 2]),
                  "England": (_STYLES["England"]["color"], [8, 3, 2, 3])}
    # Reference labels stacked above the plot (one line each) so they never collide.
    for i, (_, ref) in enumerate(refs.sort_values("value").iterrows()):
        colour, dash = ref_styles.get(str(ref["role"]), (PALETTE["dark_grey"], [4, 2]))
        one = pd.DataFrame([{"bar_value": ref["value"], "label": ref["label"]}])
        offset = -4 - 16 * (len(refs) - 1 - i)
        layers.append(alt.Chart(one).mark_rule(strokeWidth=2, strokeDash=dash, color=colour, y=offset + 2,
                                               y2=height)
                      .encode(x=alt.X("bar_value:Q", scale=x_scale)))
        layers.append(
            alt.Chart(one).mark_text(align="left", dx=4, fontSize=12, fontWeight="bold", color=colour,
                                     baseline="bottom", y=offset + 4)
            .encode(x=alt.X("bar_value:Q", scale=x_scale), text="label:N")
        )
    chart = alt.layer(*layers, *labels).properties(width=width, height=height)  # labels drawn last, on top
    return _base_config(chart, axisY={"labelPadding": 6})


# --------------------------------------------------------------------------------------------
# Summary chart
# --------------------------------------------------------------------------------------------

def _summary_rows(summary: pd.DataFrame) -> pd.DataFrame:
    df = summary.copy()
    df["group"] = df["group"].astype(str).str.lower()
    df["category"] = df["category"].astype(str)
    df["count"] = pd.to_numeric(df["count"], errors="coerce").fillna(0).astype(int)
    rag = df[df["group"] == "rag"].set_index("category")["count"]
    rows = [{"category": c, "count": int(rag.get(c, 0)), "kind": c} for c in ("Green", "Amber", "Red")]
    status = df[(df["group"] == "status") & (df["category"].str.lower() != "rated")]
    for _, r in status.iterrows():
        if r["count"] > 0:
            word = _STATUS_WORDS.get(r["category"].lower(), r["category"].capitalize())
            rows.append({"category": word, "count": int(r["count"]), "kind": "status"})
    return pd.DataFrame(rows)


def summary_chart(summary: pd.DataFrame, *, width: int = 420, bar_height: int = 30) -> alt.LayerChart:
    """Counts of indicators by RAG rating (and by unrated status) as labelled bars.

    Parameters
    ----------
    summary
        ``PackTables.summary`` (``group, category, count, percent``).

    Returns
    -------
    altair.LayerChart
        One bar per category (Green, Amber, Red, then any unrated statuses in grey), named on the
        axis in words, outlined so the Amber bar keeps a 3:1 contrast, with its count written at
        the end of the bar.
    """
    rows = _summary_rows(summary)
    order = list(rows["category"])
    colours = [RAG_COLOURS.get(c, NEUTRAL) for c in order]
    maxc = max(1, int(rows["count"].max()) if not rows.empty else 1)
    # No axis: every bar has its count written at its end.
    x = alt.X("count:Q", title=None, scale=alt.Scale(domain=[0, maxc * 1.15], nice=False), axis=None)
    y = alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13, ticks=False, domain=False))
    base = alt.Chart(rows)
    chart = alt.layer(
        base.mark_bar(stroke=TEXT, strokeWidth=1, height=bar_height - 8).encode(
            x=x, y=y, color=alt.Color("category:N", scale=alt.Scale(domain=order, range=colours), legend=None)),
        base.mark_text(align="left", dx=5, fontSize=13, fontWeight="bold", color=TEXT).encode(
            x=x, y=y, text="count:Q"),
    ).properties(width=width, height=bar_height * max(1, len(rows)))
    return _base_config(chart)


# --------------------------------------------------------------------------------------------
# Text alternatives and data tables
# --------------------------------------------------------------------------------------------

def _last_valid(df: pd.DataFrame, col: str) -> pd.Series | None:
    if df.empty or col not in df.columns:
        return None
    d = df[pd.to_numeric(df[col], errors="coerce").notna()]
    return None if d.empty else d.iloc[-1]


def describe_trend(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
) -> str:
    """A text alternative for :func:`trend_chart`.

    Example: "Line chart: Re-referrals within 12 months, Havering, 2022-23 Q1 to 2025-26 Q2.
    Latest 21.3% against a target of 20.0%. In the year to March 2025: London 20.1%, England
    22.6%. The figures are in the tables below the chart."
    """
    row = _row(indicator_row)
    h = _for_indicator(history_one_indicator, row)
    b = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(b, authority_name)
    unit, dec = _unit(row), _decimals(row)
    title = _title(row)
    sentences: list[str] = []
    if not h.empty and "period_end" in h.columns:
        h = h.assign(period_end=pd.to_datetime(h["period_end"])).sort_values("period_end")
    last = _last_valid(h, "value")
    if last is not None:
        valid = h[pd.to_numeric(h["value"], errors="coerce").notna()]
        first_p, last_p = str(valid.iloc[0].get("period", "")), str(last.get("period", ""))
        span = f"{first_p} to {last_p}" if first_p != last_p else last_p
        text = f"Line chart: {title}, {name}, {span}. Latest {format_value(last['value'], unit, dec)}"
        lo, hi = last.get("lower"), last.get("upper")
        if not _is_missing(lo) and not _is_missing(hi):
            text += f" against a target band of {format_value(lo, unit, dec)} to {format_value(hi, unit, dec)}"
        elif not _is_missing(last.get("target")):
            text += f" against a target of {format_value(last['target'], unit, dec)}"
        else:
            text += " (no target)"
        sentences.append(text)
    else:
        sentences.append(f"Line chart: published figures for {title}")
    if not b.empty:
        b = b.assign(value=pd.to_numeric(b["value"], errors="coerce")).dropna(subset=["value"])
        by_year: dict[str, list[str]] = {}
        for series in (name, "London", "England", "Statistical neighbours", "Comparators"):
            s = b[b["series"].astype(str) == series]
            if s.empty:
                continue
            s = s.sort_values("benchmark_year").iloc[-1]
            label = {name: f"{name} (published)", "Statistical neighbours": "statistical neighbours' average",
                     "Comparators": "comparators' average"}.get(series, series)
            year = benchmark_year_label(s["benchmark_year"], s.get("year_end"))
            by_year.setdefault(year, []).append(f"{label} {format_value(s['value'], unit, dec)}")
        for year, items in by_year.items():
            sentences.append(f"In the {year}: " + ", ".join(items))
    return ". ".join(sentences) + ". The figures are in the tables below the chart."


def describe_comparison(comparison_one_indicator: pd.DataFrame, indicator_row: Mapping[str, Any] | pd.Series,
                        *, year_label: str | None = None) -> str:
    """A text alternative for :func:`comparison_bars` (``year_label`` e.g. "year to March 2025")."""
    row = _row(indicator_row)
    bars, refs = _comparison_frame(comparison_one_indicator, row)
    title = _title(row)
    if bars.empty:
        return f"No published figures to compare for {title}."
    unit, dec = _unit(row), _decimals(row)
    with_value = bars.dropna(subset=["value"])
    n = len(with_value)
    year = bars["benchmark_year"].dropna().iloc[0] if "benchmark_year" in bars.columns and bars["benchmark_year"].notna().any() else None
    text = f"Bar chart: {title}"
    if year_label or year is not None:
        text += f", {year_label or benchmark_year_label(year)}"
    text += f", {n} authorit{'y' if n == 1 else 'ies'} ordered best first"
    sel = with_value[with_value["role"] == "selected"]
    if not sel.empty:
        pos = int(sel.iloc[0]["position"])
        joint = "joint " if int((with_value["position"] == pos).sum()) > 1 else ""
        text += (f". {sel.iloc[0]['la_name']} is {joint}{_ordinal(pos)} of {n} at "
                 f"{format_value(sel.iloc[0]['value'], unit, dec)}")
    elif (bars["role"] == "selected").any():
        text += f". {bars[bars['role'] == 'selected'].iloc[0]['la_name']} has no published figure"
    if n:
        best, worst = with_value.iloc[0], with_value.iloc[-1]
        text += (f"; best {best['la_name']} {format_value(best['value'], unit, dec)}, "
                 f"lowest-ranked {worst['la_name']} {format_value(worst['value'], unit, dec)}")
    for _, r in refs.iterrows():
        text += f"; {r['role']} {format_value(r['value'], unit, dec)}"
    return text + ". The figures are in the table below the chart."


def describe_summary(summary: pd.DataFrame) -> str:
    """A text alternative for :func:`summary_chart`."""
    rows = _summary_rows(summary)
    items = [f"{r['category']} {r['count']}" for _, r in rows.iterrows()]
    return "Bar chart of the number of indicators by rating: " + ", ".join(items) + "."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def trend_tables(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
) -> list[tuple[str, pd.DataFrame]]:
    """The data behind :func:`trend_chart` as captioned tables of display text.

    Returns ``[(caption, DataFrame), ...]``: the local series by period (value, target or band,
    RAG) and the published series by year (one column per series). The first column of each
    table labels its rows.
    """
    row = _row(indicator_row)
    h = _for_indicator(history_one_indicator, row)
    b = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(b, authority_name)
    unit, dec = _unit(row), _decimals(row)
    out: list[tuple[str, pd.DataFrame]] = []
    if not h.empty:
        h = h.assign(period_end=pd.to_datetime(h["period_end"])).sort_values("period_end")
        t = pd.DataFrame({"Period": h["period"].astype(str),
                          name: [format_value(v, unit, dec) for v in h.get("value", pd.Series(dtype=float))]})
        has_band = {"lower", "upper"} <= set(h.columns) and h[["lower", "upper"]].notna().all(axis=1).any()
        if has_band:
            t["Target band"] = [
                "–" if _is_missing(lo) or _is_missing(hi) else f"{format_value(lo, unit, dec)} to {format_value(hi, unit, dec)}"
                for lo, hi in zip(h["lower"], h["upper"])]
        elif "target" in h.columns:
            t["Target"] = [format_value(v, unit, dec) for v in h["target"]]
        if "rag" in h.columns:
            status = h["status"] if "status" in h.columns else pd.Series([""] * len(h), index=h.index)
            t["Rating"] = [str(r) if not _is_missing(r) and str(r) else
                           _STATUS_WORDS.get(str(s).lower(), "–") if not _is_missing(s) else "–"
                           for r, s in zip(h["rag"], status)]
        out.append((f"{name}: {_title(row)} by period", t.reset_index(drop=True)))
    if not b.empty:
        b = b.assign(value=pd.to_numeric(b["value"], errors="coerce"))
        b["Year"] = [benchmark_year_label(y, e) for y, e in zip(b["benchmark_year"], b.get("year_end", [None] * len(b)))]
        b["_order"] = b["benchmark_year"]
        wide = (b.groupby(["_order", "Year", "series"], sort=True)["value"].first()
                .unstack("series").reset_index())
        cols = [c for c in [name, "London", "England", "Statistical neighbours", "Comparators"] if c in wide.columns]
        t = wide[["Year"] + cols].copy()
        for c in cols:
            t[c] = [format_value(v, unit, dec) for v in t[c]]
        t = t.rename(columns={name: f"{name} (published)", "Statistical neighbours": "Statistical neighbours (average)",
                              "Comparators": "Comparators (average)"})
        t.columns.name = None
        out.append((f"Published figures by year: {_title(row)}", t.reset_index(drop=True)))
    return out


def comparison_table(comparison_one_indicator: pd.DataFrame, indicator_row: Mapping[str, Any] | pd.Series) -> pd.DataFrame:
    """The ranked comparison as display text: ``Position, Authority, Value, Role, National rank``.

    Ordered best first by polarity, London and England at the end. Equal values (at the displayed
    precision) share the better position, written ``5=``. ``National rank`` is the
    ``rank`` column (the rank among all authorities) when the data has it.
    """
    row = _row(indicator_row)
    bars, refs = _comparison_frame(comparison_one_indicator, row)
    unit, dec = _unit(row), _decimals(row)
    rows = []
    for _, r in bars.iterrows():
        has = not _is_missing(r["value"])
        joint = has and int((bars["position"] == r["position"]).sum()) > 1
        rows.append({
            "Position": (f"{int(r['position'])}=" if joint else str(int(r["position"]))) if has else "–",
            "Authority": str(r["la_name"]),
            "Value": format_value(r["value"], unit, dec, missing="no published figure"),
            "Role": _ROLE_LEGEND.get(r["role"], str(r["role"])),
            "National rank": "–" if _is_missing(r.get("rank")) else str(int(r["rank"])),
        })
    for _, r in refs.iterrows():
        rows.append({"Position": "–", "Authority": str(r["la_name"]) if not _is_missing(r.get("la_name")) else str(r["role"]),
                     "Value": format_value(r["value"], unit, dec), "Role": f"{r['role']} figure",
                     "National rank": "–"})
    return pd.DataFrame(rows, columns=["Position", "Authority", "Value", "Role", "National rank"])


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as display text: ``Category, Number of indicators, Percent``."""
    df = summary.copy()
    out = []
    for group, heading in (("rag", "rated indicators"), ("status", "all indicators")):
        part = df[df["group"].astype(str).str.lower() == group]
        for _, r in part.iterrows():
            cat = str(r["category"])
            word = cat if group == "rag" else _STATUS_WORDS.get(cat.lower(), cat.capitalize())
            pct = "–" if _is_missing(r.get("percent")) else f"{int(round(float(r['percent'])))}%"
            out.append({"Category": word, "Number of indicators": str(int(r["count"])),
                        "Percent": f"{pct} of {heading}" if pct != "–" else pct})
    return pd.DataFrame(out, columns=["Category", "Number of indicators", "Percent"])


# --------------------------------------------------------------------------------------------
# Exploration (JupyterLab only: interactive, never exported)
# --------------------------------------------------------------------------------------------

def explorer_chart(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    scorecard: pd.DataFrame,
    *,
    authority_name: str | None = None,
    width: int = 640,
    height: int = 300,
    years_before: int = 1,
) -> alt.LayerChart:
    """One interactive chart for every indicator: a drop-down picks the indicator, clicking the
    legend highlights a series, hovering shows the figures.

    Parameters
    ----------
    history, benchmarks, scorecard
        ``PackTables.history``, ``.benchmarks`` and ``.scorecard``.
    authority_name
        Name of the local series (default: the benchmark series that is not a reference series).
    years_before
        Published years shown before the first local period.

    Notes
    -----
    Needs a JavaScript renderer (JupyterLab); the committee pack uses the static charts instead.
    """
    name = _authority_name(benchmarks, authority_name)
    titles = dict(zip(scorecard["indicator_id"].astype(str), scorecard["title"].astype(str)))
    rows = []
    for ind, title in titles.items():
        row = scorecard[scorecard["indicator_id"].astype(str) == ind].iloc[0].to_dict()
        points, band, _ = _trend_long(_for_indicator(history, row), _for_indicator(benchmarks, row), row, name)
        if points.empty:
            continue
        points = points.assign(indicator=f"{ind}: {title}")
        rows.append(points)
    data = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["date", "value", "series", "period", "label", "indicator"])
    options = list(dict.fromkeys(data["indicator"])) or ["(no data)"]
    pick = alt.param(name="indicator_pick", value=options[0],
                     bind=alt.binding_select(options=options, name="Indicator: "))
    order = [name, "Target", f"{name} (published, annual)"] + [_SERIES_LEGEND[s] for s in _BENCHMARK_SERIES]
    styles = [_style_for(s, name) for s in order]
    legend_pick = alt.selection_point(fields=["series"], bind="legend")
    color = alt.Color("series:N", title="Series", scale=alt.Scale(domain=order, range=[s["color"] for s in styles]),
                      legend=alt.Legend(orient="bottom", columns=2))
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=order, range=[s["dash"] for s in styles]), legend=None)
    shape = alt.Shape("series:N", scale=alt.Scale(domain=order, range=[s["shape"] for s in styles]), legend=None)
    opacity = alt.condition(legend_pick, alt.value(1.0), alt.value(0.15))
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y = alt.Y("value:Q", title="Value", scale=alt.Scale(zero=False))
    base = alt.Chart(data).transform_filter(alt.datum.indicator == pick)
    tooltip = [alt.Tooltip("series:N", title="Series"), alt.Tooltip("period:N", title="Period"),
               alt.Tooltip("label:N", title="Value")]
    lines = base.transform_filter(alt.datum.series != "Target").mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=color, strokeDash=dash, opacity=opacity)
    target = base.transform_filter(alt.datum.series == "Target").mark_line(
        strokeWidth=2, interpolate="step-before").encode(x=x, y=y, color=color, strokeDash=dash, opacity=opacity)
    points = base.transform_filter(alt.datum.series != "Target").mark_point(filled=True, size=60).encode(
        x=x, y=y, color=color, shape=shape, opacity=opacity, tooltip=tooltip)
    chart = alt.layer(target, lines, points).add_params(pick, legend_pick).properties(
        width=width, height=height, title=alt.Title(alt.expr(pick.name), anchor="start"))
    return _base_config(chart)
