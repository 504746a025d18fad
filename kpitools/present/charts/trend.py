"""The trend chart: the authority's values over time against its target and the published
benchmarks (:func:`trend_spec`, :func:`trend_chart`), the published series alone
(:func:`benchmark_trend_spec`, :func:`benchmark_trend_chart`), the time axis, and the chart's text
alternative (:func:`describe_trend`) and data tables (:func:`trend_tables`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from kpitools.core.vocabulary import STATUS_WORDS
from kpitools.present.charts.formatting import (
    _as_text,
    _decimals,
    _for_indicator,
    _row,
    _title,
    _unit,
    benchmark_year_label,
    format_value,
    unit_label,
)
from kpitools.present.charts.style import _BENCHMARK_SERIES, _LOCAL, _SERIES_LEGEND, _STYLES, PALETTE, TEXT
from kpitools.present.charts.vega import (
    _as_altair,
    _column_values,
    _Datasets,
    _empty_spec,
    _fresh,
    _layer_spec,
    _name_view,
    _param_name,
    _series_encoding,
    _text_values,
    _top_level,
)
from kpitools.present.page import is_missing

if TYPE_CHECKING:
    import altair as alt


def _authority_name(benchmarks: pd.DataFrame, authority_name: str | None) -> str:
    if authority_name:
        return str(authority_name)
    if not benchmarks.empty and "series" in benchmarks.columns:
        others = [s for s in benchmarks["series"].dropna().astype(str).unique() if s not in _BENCHMARK_SERIES]
        if others:
            return others[0]
    return "Authority"


class _Trend(NamedTuple):
    """The trend chart's data, as JSON-ready rows (what Altair wrote for the old DataFrames)."""

    points: list[dict[str, Any]]  # date, value, series, period, label: local, target, published
    dates: list[pd.Timestamp]  # each point's date (NaT where missing), for sorting and the axis
    has_value: list[bool]  # each point's value is not missing
    value_parts: list[pd.Series]  # the values with their pandas dtypes (for the explorer's frame) ...
    value_rows: list[int]  # ... and the points' positions in them, end to end
    band: list[dict[str, Any]]  # date, lower, upper, series, period
    band_dates: list[pd.Timestamp]
    order: list[str]  # every series drawn, in legend order


def _date_keys(when: pd.Series) -> np.ndarray:
    """Dates as a ``datetime64`` array to sort by (time-zone aware dates in UTC)."""
    if getattr(when.dtype, "tz", None) is not None:
        when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    return when.to_numpy(dtype="datetime64[ns]")


def _sorted_positions(keys: np.ndarray) -> list[int]:
    """The positions that put dates (:func:`_date_keys`) in order as ``sort_values`` does
    (quicksort, NaT last)."""
    missing = np.isnat(keys)
    present = np.flatnonzero(~missing)
    return present[keys[present].argsort(kind="quicksort")].tolist() + np.flatnonzero(missing).tolist()


def _iso(when: pd.Timestamp) -> str:
    return "" if when is pd.NaT else when.isoformat()


def _trend_series(history: pd.DataFrame, benchmarks: pd.DataFrame, row: Mapping[str, Any], name: str) -> _Trend:
    """The trend chart's data: the local series and target by period, the target band, and the
    published series by year.

    Each column is converted once and the rows are picked and ordered as Python lists (a pandas
    frame per series cost ~25 ms a chart). pandas still converts the numbers and dates and gives
    the values their common type, so the values are exactly those of the old frames.
    """
    unit, dec = _unit(row), _decimals(row)
    value_parts: list[pd.Series] = []  # concatenated once: the values' common type is pandas'
    part_rows: list[list[int]] = []  # the rows of each part drawn, in order
    dates: list[pd.Timestamp] = []
    series: list[str] = []
    periods: list[Any] = []
    order: list[str] = []
    band: list[dict[str, Any]] = []
    band_dates: list[pd.Timestamp] = []

    if not history.empty:
        period_end = pd.to_datetime(history["period_end"])
        pos = _sorted_positions(_date_keys(period_end))
        when_all = period_end.tolist()
        when = [when_all[i] for i in pos]
        label_all = (
            _text_values(history["period"])
            if "period" in history.columns
            else _column_values(period_end.dt.strftime("%b %Y"))
        )
        label = [label_all[i] for i in pos]
        local = pd.to_numeric(history["value"], errors="coerce") if "value" in history.columns else None
        target = pd.to_numeric(history["target"], errors="coerce") if "target" in history.columns else None
        for values, key, drawn in (
            (local, name, local is not None and history["value"].notna().any()),
            (target, "Target", target is not None and target.notna().any()),
        ):
            if drawn:
                value_parts.append(values)
                part_rows.append(pos)
                dates.extend(when)
                series.extend([key] * len(pos))
                periods.extend(label)
                order.append(key)
        if {"lower", "upper"} <= set(history.columns):
            lo = pd.to_numeric(history["lower"], errors="coerce")
            hi = pd.to_numeric(history["upper"], errors="coerce")
            both = (lo.notna() & hi.notna()).tolist()
            if any(both):
                lower, upper = _column_values(lo), _column_values(hi)
                keep = [i for i in pos if both[i]]
                band_dates = [when_all[i] for i in keep]
                band = [
                    {
                        "date": _iso(when_all[i]),
                        "lower": lower[i],
                        "upper": upper[i],
                        "series": "Target band",
                        "period": label_all[i],
                    }
                    for i in keep
                ]
                order.append("Target band")

    if not benchmarks.empty:
        year_end = pd.to_datetime(benchmarks["year_end"])
        rows = np.arange(len(benchmarks))
        if value_parts:
            # Leave out years long before the local series (the first local date; NaT keeps none).
            first = min((d for d in dates if d is not pd.NaT), default=pd.NaT)
            rows = np.flatnonzero((year_end >= first - pd.DateOffset(years=1)).to_numpy())
        # Converted after that cut, as before: what is left decides the type of an object column.
        values = pd.to_numeric(benchmarks["value"].iloc[rows], errors="coerce")
        has = values.notna().tolist()
        names = _as_text(benchmarks["series"]).tolist()
        ends_all, end_keys = year_end.tolist(), _date_keys(year_end)
        years_all = benchmarks["benchmark_year"].tolist()
        drawn_any = False
        for key in [name, *_BENCHMARK_SERIES]:
            mine = [j for j, r in enumerate(rows.tolist()) if has[j] and names[r] == key]
            if not mine:
                continue
            mine = [mine[k] for k in _sorted_positions(end_keys[rows[mine]])]
            if not drawn_any:
                value_parts.append(values)
                part_rows.append([])
                drawn_any = True
            part_rows[-1].extend(mine)
            when = [ends_all[rows[j]] for j in mine]
            dates.extend(when)
            display = f"{name} (published, annual)" if key == name else _SERIES_LEGEND.get(key, key)
            series.extend([display] * len(mine))
            periods.extend(benchmark_year_label(years_all[rows[j]], e) for j, e in zip(mine, when))
            order.append(display)

    offsets = np.cumsum([0] + [len(v) for v in value_parts]).tolist()
    value_rows = [offset + r for offset, rows_ in zip(offsets, part_rows) for r in rows_]
    converted, missing = _values_of_parts(value_parts)
    point_values = [converted[i] for i in value_rows]
    points = [
        {"date": _iso(d), "value": v, "series": s, "period": p, "label": format_value(v, unit, dec)}
        for d, v, s, p in zip(dates, point_values, series, periods)
    ]
    return _Trend(points, dates, [not missing[i] for i in value_rows], value_parts, value_rows, band, band_dates, order)


def _values_of_parts(parts: list[pd.Series]) -> tuple[list[Any], list[bool]]:
    """The JSON-ready values of the parts end to end, and which are missing, as one column of their
    common type (what concatenating the old frames gave)."""
    if len({str(part.dtype) for part in parts}) > 1:  # mixed types: let pandas find the common one
        parts = [pd.concat(parts, ignore_index=True)]
    values: list[Any] = []
    missing: list[bool] = []
    for part in parts:
        values.extend(_column_values(part))
        missing.extend(part.isna().tolist())
    return values, missing


def _style_for(series: str, name: str) -> dict[str, Any]:
    if series == name:
        return _STYLES[_LOCAL]
    if series == f"{name} (published, annual)":
        return _STYLES["published"]
    for key, legend in _SERIES_LEGEND.items():
        if series == legend:
            return _STYLES[key]
    return _STYLES.get(series, {"color": PALETTE["dark_grey"], "shape": "circle", "dash": [1, 0]})


def trend_spec(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 260,
    interactive: bool = False,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`trend_chart`, built without Altair (for static rendering).

    Parameters
    ----------
    history_one_indicator, benchmarks_one_indicator, indicator_row, authority_name, width, height, interactive
        As for :func:`trend_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec (``$schema``, ``config``, inline ``datasets``): the plot above a
        legend drawn with marks; a short text chart when there is nothing to draw.
    """
    row = _row(indicator_row)
    history = _for_indicator(history_one_indicator, row)
    benchmarks = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(benchmarks, authority_name)
    trend = _trend_series(history, benchmarks, row, name)
    order = trend.order
    unit, dec = _unit(row), _decimals(row)

    if not order:
        return _empty_spec(f"No data to chart for {_title(row)}", width, height)

    styles = [_style_for(s, name) for s in order]
    color = _series_encoding(order, [s["color"] for s in styles], title=None, legend=None)
    dash = _series_encoding(order, [s["dash"] for s in styles], title=None, legend=None)
    shape = _series_encoding(order, [s["shape"] for s in styles], title=None, legend=None)
    y_title = unit_label(unit)
    fmt = f",.{dec}f"
    x = {"field": "date", "type": "temporal", "title": None, "axis": _time_axis(trend.dates + trend.band_dates)}
    y_scale = {"zero": False, "nice": True, "padding": 12}
    y = {"field": "value", "type": "quantitative", "title": y_title, "scale": y_scale, "axis": {"format": fmt}}
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Series"},
        {"field": "period", "type": "nominal", "title": "Period"},
        {"field": "label", "type": "nominal", "title": "Value"},
    ]

    data = _Datasets()
    layers: list[tuple[Any, dict[str, Any]]] = []
    if trend.band:
        layers.append(
            (
                trend.band,
                {
                    "mark": {"type": "area", "interpolate": "step-before", "opacity": 0.55},
                    "encoding": {"x": x, "y": {**y, "field": "lower"}, "y2": {"field": "upper"}, "color": color},
                },
            )
        )
    target = [p for p in trend.points if p["series"] == "Target"]
    if target:
        layers.append(
            (
                target,
                {
                    "mark": {"type": "line", "interpolate": "step-before", "strokeWidth": 2},
                    "encoding": {"x": x, "y": y, "color": color, "strokeDash": dash},
                },
            )
        )
    drawn = [i for i, (p, has) in enumerate(zip(trend.points, trend.has_value)) if has and p["series"] != "Target"]
    lines = [trend.points[i] for i in drawn]
    if lines:
        layers.append(
            (
                lines,
                {
                    "mark": {"type": "line", "strokeWidth": 2.5},
                    "encoding": {
                        "x": x,
                        "y": y,
                        "color": color,
                        "strokeDash": dash,
                        "detail": {"field": "series", "type": "nominal"},
                    },
                },
            )
        )
        point_encoding = {"x": x, "y": y, "color": color, "shape": shape}
        if interactive:
            point_encoding["tooltip"] = tooltip
        layers.append(
            (
                lines,
                {
                    "mark": {"type": "point", "filled": True, "size": 55, "opacity": 1, "strokeWidth": 1.5},
                    "encoding": point_encoding,
                },
            )
        )
        local = [i for i in drawn if trend.points[i]["series"] == name]
        if local:
            # The latest local value, as sorting by date would give it (a missing date sorts last).
            keys = np.array([trend.dates[i].value for i in local], dtype="i8").view("datetime64[ns]")  # NaT: NaT
            latest = local[_sorted_positions(keys)[-1]]
            layers.append(
                (
                    [dict(trend.points[latest])],
                    {
                        "mark": {
                            "type": "text",
                            "align": "left",
                            "dx": 8,
                            "dy": -10,
                            "fontWeight": "bold",
                            "fontSize": 13,
                            "color": PALETTE["dark_blue"],
                        },
                        "encoding": {"x": x, "y": y, "text": {"field": "label", "type": "nominal"}},
                    },
                )
            )
    plot = _layer_spec(data, layers, width=width, height=height)
    spec = _top_level({"vconcat": [plot, _line_legend(data, order, styles, width)], "spacing": 14}, data)
    if interactive and spec["vconcat"][0]["layer"]:
        # What Altair's .interactive(bind_y=False) adds: pan and zoom along the time axis.
        scales = {"select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        view = _name_view(spec["vconcat"][0]["layer"][0], 0)
        spec["params"] = [{"name": _param_name(scales), **_fresh(scales), "views": [view]}]
    return spec


def trend_chart(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 260,
    interactive: bool = False,
) -> alt.VConcatChart | alt.Chart:
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
    altair.VConcatChart
        Local values as a solid line with circles; the target as a dashed step line; the band
        (for band indicators) as a shaded area; published benchmarks as lines each with its own
        colour, point shape and dash pattern; one legend naming every series. An ``altair.Chart``
        saying so when there is nothing to draw. Its ``to_dict()`` is :func:`trend_spec`.
    """
    return _as_altair(
        trend_spec(
            history_one_indicator,
            benchmarks_one_indicator,
            indicator_row,
            authority_name=authority_name,
            width=width,
            height=height,
            interactive=interactive,
        )
    )


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


def _time_axis(when: list[pd.Timestamp]) -> dict[str, Any]:
    """Ticks on the periods' end dates (``when``, NaT ignored), labelled as financial quarters
    (``2025-26 Q2``) when the dates are quarter ends and as financial years (``2024-25``) when they
    are all 31 March."""
    dates = sorted({d for d in when if d is not pd.NaT})
    if not dates:
        return {"format": "%b %Y", "labelAngle": 0, "grid": False}
    month_ends = all(d.is_month_end for d in dates)
    months = {d.month for d in dates}
    if month_ends and len(months) == 1 and len(dates) <= 60:
        # Annual figures (published years): one tick a year, a financial year when it ends in March.
        month = int(dates[0].month)
        ticks = pd.date_range(dates[0], dates[-1], freq=f"YE-{dates[0].strftime('%b').upper()}")
        label = {"labelExpr": _fy_label_expr(1)} if month == 3 else {"format": "%b %Y"}
        return {
            "values": _tick_values(_thin(ticks)),
            "labelAngle": 0,
            "labelOverlap": False,
            "labelFlush": False,
            "grid": False,
            "labelFontSize": 11,
            **label,
        }
    if month_ends and months <= {3, 6, 9, 12} and len(dates) <= 80:
        # Quarter ends, labelled as financial quarters; the latest period is always labelled.
        ticks = pd.date_range(dates[0], dates[-1], freq="QE-DEC")
        return {
            "values": _tick_values(_thin(ticks)),
            "labelExpr": _quarter_label_expr(),
            "labelAngle": 0,
            "labelOverlap": False,
            "labelFlush": False,
            "grid": False,
            "labelFontSize": 11,
        }
    return {"format": "%b %Y", "labelAngle": 0, "labelOverlap": "greedy", "tickCount": 6, "grid": False}


def _line_legend(data: _Datasets, order: list[str], styles: list[dict[str, Any]], width: int) -> dict[str, Any]:
    """A legend drawn with marks, showing each series' line pattern AND point shape together."""
    cols = 2
    col_width = width / cols
    rows: list[dict[str, Any]] = []
    for i, series in enumerate(order):
        c, r = i % cols, i // cols
        x0 = c * col_width
        rows.append(
            {
                "series": series,
                "row": r,
                "x0": x0,
                "x1": x0 + 34,
                "xm": x0 + 17,
                "xt": x0 + 44,
                "is_band": series == "Target band",
                "has_point": series not in ("Target", "Target band"),
            }
        )
    n_rows = rows[-1]["row"] + 1
    xs = {"domain": [0, width], "range": [0, width]}
    ys = {"domain": [0, max(1, n_rows - 1)], "range": [9, 9 + 22 * max(1, n_rows - 1)]}
    color = _series_encoding(order, [s["color"] for s in styles], legend=None)
    dash = _series_encoding(order, [s["dash"] for s in styles], legend=None)
    shape = _series_encoding(order, [s["shape"] for s in styles], legend=None)
    y = {"field": "row", "type": "quantitative", "scale": ys, "axis": None}

    def x(field: str) -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "scale": xs, "axis": None}

    layers: list[tuple[Any, dict[str, Any]]] = [
        (
            rows,
            {
                "transform": [{"filter": "!datum.is_band"}],
                "mark": {"type": "rule", "strokeWidth": 2.5},
                "encoding": {"x": x("x0"), "x2": {"field": "x1"}, "y": y, "color": color, "strokeDash": dash},
            },
        ),
        (
            rows,
            {
                "transform": [{"filter": "datum.is_band"}],
                "mark": {"type": "rect", "opacity": 0.55, "height": 14},
                "encoding": {"x": x("x0"), "x2": {"field": "x1"}, "y": y, "color": color},
            },
        ),
        (
            rows,
            {
                "transform": [{"filter": "datum.has_point"}],
                "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
                "encoding": {"x": x("xm"), "y": y, "color": color, "shape": shape},
            },
        ),
        (
            rows,
            {
                "mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": 12, "color": TEXT},
                "encoding": {"x": x("xt"), "y": y, "text": {"field": "series", "type": "nominal"}},
            },
        ),
    ]
    return _layer_spec(data, layers, width=width, height=22 * n_rows - 4)


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


def benchmark_trend_spec(
    benchmarks_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 260,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`benchmark_trend_chart`, built without Altair.

    Parameters
    ----------
    benchmarks_one_indicator, indicator_row, authority_name, width, height
        As for :func:`benchmark_trend_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec.
    """
    empty = pd.DataFrame(columns=["indicator_id", "period", "period_end", "value", "target", "lower", "upper"])
    return trend_spec(
        empty, benchmarks_one_indicator, indicator_row, authority_name=authority_name, width=width, height=height
    )


def benchmark_trend_chart(
    benchmarks_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    width: int = 620,
    height: int = 260,
) -> alt.VConcatChart | alt.Chart:
    """The published series by year (authority, London, England, neighbours, comparators).

    Same styles and size as :func:`trend_chart`, without the local quarterly series and the target:
    for an authority with no local figures the two are the same chart, drawn once per pack.

    Parameters
    ----------
    benchmarks_one_indicator
        ``PackTables.benchmarks`` rows (``indicator_id, benchmark_year, year_end, series, value``).
    indicator_row
        The indicator's scorecard row.
    authority_name
        Name for the authority's own published series (see :func:`trend_chart`).
    width, height
        Plot size in pixels.

    Returns
    -------
    altair.VConcatChart
        As :func:`trend_chart`; its ``to_dict()`` is :func:`benchmark_trend_spec`.
    """
    return _as_altair(
        benchmark_trend_spec(
            benchmarks_one_indicator, indicator_row, authority_name=authority_name, width=width, height=height
        )
    )


# --------------------------------------------------------------------------------------------
# Text alternative and data tables
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
        if not is_missing(lo) and not is_missing(hi):
            text += f" against a target band of {format_value(lo, unit, dec)} to {format_value(hi, unit, dec)}"
        elif not is_missing(last.get("target")):
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
            label = {
                name: f"{name} (published)",
                "Statistical neighbours": "statistical neighbours' average",
                "Comparators": "comparators' average",
            }.get(series, series)
            year = benchmark_year_label(s["benchmark_year"], s.get("year_end"))
            by_year.setdefault(year, []).append(f"{label} {format_value(s['value'], unit, dec)}")
        for year, items in by_year.items():
            sentences.append(f"In the {year}: " + ", ".join(items))
    return ". ".join(sentences) + ". The figures are in the tables below the chart."


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
        t = pd.DataFrame(
            {
                "Period": h["period"].astype(str),
                name: [format_value(v, unit, dec) for v in h.get("value", pd.Series(dtype=float))],
            }
        )
        has_band = {"lower", "upper"} <= set(h.columns) and h[["lower", "upper"]].notna().all(axis=1).any()
        if has_band:
            t["Target band"] = [
                "–"
                if is_missing(lo) or is_missing(hi)
                else f"{format_value(lo, unit, dec)} to {format_value(hi, unit, dec)}"
                for lo, hi in zip(h["lower"], h["upper"])
            ]
        elif "target" in h.columns:
            t["Target"] = [format_value(v, unit, dec) for v in h["target"]]
        if "rag" in h.columns:
            status = h["status"] if "status" in h.columns else pd.Series([""] * len(h), index=h.index)
            t["Rating"] = [
                str(r)
                if not is_missing(r) and str(r)
                else STATUS_WORDS.get(str(s).lower(), "–")
                if not is_missing(s)
                else "–"
                for r, s in zip(h["rag"], status)
            ]
        out.append((f"{name}: {_title(row)} by period", t.reset_index(drop=True)))
    if not b.empty:
        b = b.assign(value=pd.to_numeric(b["value"], errors="coerce"))
        b["Year"] = [
            benchmark_year_label(y, e) for y, e in zip(b["benchmark_year"], b.get("year_end", [None] * len(b)))
        ]
        b["_order"] = b["benchmark_year"]
        wide = b.groupby(["_order", "Year", "series"], sort=True)["value"].first().unstack("series").reset_index()
        cols = [c for c in [name, "London", "England", "Statistical neighbours", "Comparators"] if c in wide.columns]
        t = wide[["Year"] + cols].copy()
        for c in cols:
            t[c] = [format_value(v, unit, dec) for v in t[c]]
        t = t.rename(
            columns={
                name: f"{name} (published)",
                "Statistical neighbours": "Statistical neighbours (average)",
                "Comparators": "Comparators (average)",
            }
        )
        t.columns.name = None
        out.append((f"Published figures by year: {_title(row)}", t.reset_index(drop=True)))
    return out
