"""The trend chart: the authority's values over time against its target and the published
benchmarks (:func:`trend_spec`, :func:`trend_chart`), the published series alone
(:func:`benchmark_trend_spec`, :func:`benchmark_trend_chart`), the time axis, and the chart's text
alternative (:func:`describe_trend`) and data tables (:func:`trend_tables`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from kpitools.core.periods import Period, parse_or_none
from kpitools.core.vocabulary import STATUS_WORDS
from kpitools.present.charts.comparison import band_zones
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
from kpitools.present.charts.style import (
    _BAND_ZONE_FILLS,
    _BAND_ZONE_TEXT,
    _BENCHMARK_SERIES,
    _LOCAL,
    _PERCENT_UNITS,
    _SERIES_LEGEND,
    _STYLES,
    PALETTE,
    TEXT,
    _comparator_legend,
    _value_axis,
    _value_title,
)
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
from kpitools.present.page import is_missing, is_set

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


def _trend_series(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    row: Mapping[str, Any],
    name: str,
    comparators_legend: str | None = None,
) -> _Trend:
    """The trend chart's data: the local series and target by period, the target band, and the
    published series by year.

    Each column is converted once and the rows are picked and ordered as Python lists (a pandas
    frame per series cost ~25 ms a chart). pandas still converts the numbers and dates and gives
    the values their common type, so the values are exactly those of the old frames.
    ``comparators_legend`` names the comparators' series (by default their average).
    """
    legend = dict(_SERIES_LEGEND)
    if comparators_legend:
        legend["Comparators"] = comparators_legend
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
            [_said(v) for v in _text_values(history["period"])]
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
            display = f"{name} (published, annual)" if key == name else legend.get(key, key)
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


def _style_for(series: str, name: str, comparators_legend: str | None = None) -> dict[str, Any]:
    if series == name:
        return _STYLES[_LOCAL]
    if comparators_legend and series == comparators_legend:
        return _STYLES["Comparators"]
    if series == f"{name} (published, annual)":
        return _STYLES["published"]
    for key, legend in _SERIES_LEGEND.items():
        if series == legend:
            return _STYLES[key]
    return _STYLES.get(series, {"color": PALETTE["dark_grey"], "shape": "circle", "dash": [1, 0]})


class _Current(NamedTuple):
    """The reporting period of a chart: its label, its last day, and why it has no figure (``""``
    when it has one; else ``suppressed``, ``no data`` or ``not due``); ``late``: the figure due is
    missing and the scorecard shows the latest available in its place, ``reason`` says why."""

    period: str
    end: pd.Timestamp
    status: str
    late: bool = False
    reason: str = ""


#: The statuses that leave the reporting period without a figure (any other missing value is "no data").
_GAP_STATUSES = ("suppressed", "no data", "not due")


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _month_said(label: str) -> str:
    p = parse_or_none(label)
    return p.end.strftime("%b %Y") if p is not None and p.kind == "month" else label


def _said(label: Any) -> Any:
    """A period's label as the chart says it: a month as its time axis writes it (``Aug 2025`` for
    ``2025-08``), a quarter or a year as labelled (``2025-26 Q2``, ``2011-12``).

    Examples
    --------
    >>> _said("2025-08"), _said("2025-26 Q2"), _said("2011-12")
    ('Aug 2025', '2025-26 Q2', '2011-12')
    """
    return _month_said(label) if isinstance(label, str) and _MONTH.fullmatch(label) else label


def _reporting_period(row: Mapping[str, Any]) -> Period | None:
    """The period the row's figure is due for: its ``due_period`` when that ends before the pack's
    period (a monthly pack's quarterly indicator is due at the latest quarter ended, not the month),
    else the pack's ``period`` (a figure not due yet is charted as not due at the pack's period)."""
    pack, due = parse_or_none(row.get("period")), parse_or_none(row.get("due_period"))
    if pack is not None and due is not None and due.end < pack.end:
        return due
    return pack


def _current(row: Mapping[str, Any], history: pd.DataFrame) -> _Current | None:
    """The reporting period of the indicator's row (the period its figure is due for) when the
    indicator has local figures to chart; None otherwise (a chart of published figures ends where
    they end). A late figure (the latest available, for an earlier period) leaves the reporting
    period a gap: the figure due is missing."""
    if history.empty or not {"period_end", "value"} <= set(history.columns):
        return None
    values = pd.to_numeric(history["value"], errors="coerce")
    reporting = _reporting_period(row)
    if reporting is None or not values.notna().any():
        return None
    end = reporting.end
    at_end = (pd.to_datetime(history["period_end"]) == end).to_numpy()
    late = is_set(row.get("late"))
    has = (not late and not is_missing(row.get("value"))) or bool(values[at_end].notna().any())
    status = "" if is_missing(row.get("status")) else str(row.get("status")).strip().lower()
    missing = "" if has else (status if status in _GAP_STATUSES else "no data")
    reason = "" if is_missing(row.get("late_reason")) else str(row.get("late_reason")).strip()
    return _Current(_said(reporting.label), end, missing, late and not has, reason.removeprefix("no data:").strip())


def _date_time(when: pd.Timestamp) -> dict[str, int]:
    """A Vega-Lite DateTime (local time, as the data's ISO dates are read)."""
    return {"year": int(when.year), "month": int(when.month), "date": int(when.day)}


def _band_tolerance_words(row: Mapping[str, Any], width: float) -> str:
    """``2 percentage points`` for the width of a band's amber zones."""
    unit, dec = _unit(row), _decimals(row)
    shown = format_value(width, "", dec)
    if unit in _PERCENT_UNITS:
        return f"{shown} percentage point{'' if shown == '1' else 's'}"
    return f"{shown} {unit}".strip() if unit in ("days", "weeks") else shown


def _band_zone_rows(trend: _Trend, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The target band as zones by period (``date, period, zone, part, y, y2, colour``): Amber within
    the tolerance of each edge, Green between, as :func:`kpitools.present.charts.comparison.band_zones`
    rates them; the whole band Green when there is no tolerance."""
    out = []
    for b in trend.band:
        zones = band_zones({**row, "polarity": "band", "lower": b["lower"], "upper": b["upper"]})
        for z in zones:
            zone = "Green" if z["zone"] == "green" else "Amber"
            part = "middle" if zone == "Green" else ("low" if z["x"] == float(b["lower"]) else "high")
            out.append(
                {
                    "date": b["date"],
                    "period": b["period"],
                    "zone": zone,
                    "part": part,
                    "y": float(z["x"]),
                    "y2": float(z["x2"]),
                    "colour": _BAND_ZONE_FILLS[zone],
                }
            )
    return out


def trend_spec(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
    width: int = 620,
    height: int = 260,
    interactive: bool = False,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`trend_chart`, built without Altair (for static rendering).

    Parameters
    ----------
    history_one_indicator, benchmarks_one_indicator, indicator_row, authority_name, comparators, width, height, interactive
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
    comparators_legend = _comparator_legend(
        list(comparators) if comparators else None, _count(row.get("comparator_count"))
    )
    trend = _trend_series(history, benchmarks, row, name, comparators_legend)
    order = trend.order
    unit, dec = _unit(row), _decimals(row)

    if not order:
        return _empty_spec(f"No data to chart for {_title(row)}", width, height)

    current = _current(row, history)
    styles = [_style_for(s, name, comparators_legend) for s in order]
    color = _series_encoding(order, [s["color"] for s in styles], title=None, legend=None)
    dash = _series_encoding(order, [s["dash"] for s in styles], title=None, legend=None)
    shape = _series_encoding(order, [s["shape"] for s in styles], title=None, legend=None)
    y_title = _value_title(unit_label(unit), unit)
    when = trend.dates + trend.band_dates + ([current.end] if current else [])
    x_axis = _time_axis(when)
    x: dict[str, Any] = {"field": "date", "type": "temporal", "title": None, "axis": x_axis}
    known = [d for d in when if d is not pd.NaT]
    if current and known:
        # The time axis always reaches the reporting period, with a figure or without one.
        x["scale"] = {"domain": [_date_time(min(known)), _date_time(max(known))]}
    y_scale: dict[str, Any] = {"zero": False, "nice": True, "padding": 12}
    y = {"field": "value", "type": "quantitative", "title": y_title, "scale": y_scale, "axis": _value_axis(unit, dec)}
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Series"},
        {"field": "period", "type": "nominal", "title": "Period"},
        {"field": "label", "type": "nominal", "title": "Value"},
    ]

    data = _Datasets()
    layers: list[tuple[Any, dict[str, Any]]] = []
    zones = _band_zone_rows(trend, row) if trend.band else []
    band_labels: list[dict[str, Any]] = []
    if zones:
        # The whole band, its amber edges and some space outside it: never a plot filled by the band.
        lows, highs = [float(b["lower"]) for b in trend.band], [float(b["upper"]) for b in trend.band]
        shown = [float(p["value"]) for p, has in zip(trend.points, trend.has_value) if has]
        span = max(max(highs) - min(lows), 10.0**-dec)
        lo, hi = min(lows) - 0.35 * span, max(highs) + 0.35 * span
        if min(lows) >= 0 and lo < 0:
            lo = 0.0
        if unit in _PERCENT_UNITS and max(highs) <= 100 and hi > 100:
            hi = 100.0
        lo, hi = min([lo, *shown]), max([hi, *shown])
        y_scale.pop("padding")
        y_scale["domain"] = [lo, hi]
        # The zones named in words beside the plot's right edge, at the latest period's band.
        last = trend.band[-1]
        for z in (z for z in zones if z["date"] == last["date"]):
            if (z["y2"] - z["y"]) >= 0.06 * (hi - lo):
                band_labels.append({"y": (z["y"] + z["y2"]) / 2, "text": z["zone"]})
        top, bottom = float(last["upper"]), float(last["lower"])
        if hi - top >= 0.06 * (hi - lo):
            band_labels.append({"y": (top + hi) / 2, "text": "Red: outside band"})
        if bottom - lo >= 0.06 * (hi - lo):
            band_labels.append({"y": (lo + bottom) / 2, "text": "Red: outside band"})
        for zone in ("Green", "Amber"):
            these = [z for z in zones if z["zone"] == zone]
            if not these:
                continue
            layers.append(
                (
                    these,
                    {
                        "mark": {
                            "type": "area",
                            "interpolate": "step-before",
                            "opacity": 1,
                            "color": _BAND_ZONE_FILLS[zone],
                        },
                        "encoding": {
                            "x": x,
                            "y": {**y, "field": "y"},
                            "y2": {"field": "y2"},
                            "detail": {"field": "part", "type": "nominal"},
                        },
                    },
                )
            )
        layers.append(
            (
                band_labels,
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "baseline": "middle",
                        "dx": 8,
                        "fontSize": 11,
                        "fontStyle": "italic",
                        "color": _BAND_ZONE_TEXT,
                    },
                    "encoding": {
                        "x": {"value": width},
                        "y": {**y, "field": "y"},
                        "text": {"field": "text", "type": "nominal"},
                    },
                },
            )
        )
    elif trend.band:
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
    if current and current.status:
        # No figure for the reporting period: a gap (the line stops at the last figure), a dashed
        # rule at the period's end and its status in words at the end of the axis.
        gap = [
            {
                "date": _iso(current.end),
                "period": current.period,
                "status": current.status,
                "status_text": f"{current.period}: {current.status}",
            }
        ]
        layers.append(
            (
                gap,
                {
                    "mark": {"type": "rule", "strokeDash": [2, 3], "strokeWidth": 1.5, "color": PALETTE["dark_grey"]},
                    "encoding": {"x": x},
                },
            )
        )
        status_mark = {
            "type": "text",
            "align": "right",
            "baseline": "bottom",
            "dx": -5,
            "y": height - 4,
            "fontSize": 12,
            "fontWeight": "bold",
            "color": TEXT,
        }
        status_encoding = {"x": x, "text": {"field": "status_text", "type": "nominal"}}
        layers += _haloed(gap, status_mark, status_encoding)
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
        point_encoding: dict[str, Any] = {"x": x, "y": y, "color": color, "shape": shape}
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
            # The latest local value, as sorting by date would give it (a missing date sorts last),
            # labelled with its own period: never read as the reporting period's figure.
            keys = np.array([trend.dates[i].value for i in local], dtype="i8").view("datetime64[ns]")  # NaT: NaT
            latest = dict(trend.points[local[_sorted_positions(keys)[-1]]])
            latest["end_label"] = f"{latest['period']}: {latest['label']}" if latest.get("period") else latest["label"]
            at_end = current is None or not current.status
            end_mark = {
                "type": "text",
                # at the end of the axis the label sits above and to the left of its point
                "align": "right" if at_end else "center",
                "dx": 4 if at_end else 0,
                "dy": -14,
                "fontWeight": "bold",
                "fontSize": 13,
                "color": PALETTE["dark_blue"],
            }
            end_encoding = {"x": x, "y": y, "text": {"field": "end_label", "type": "nominal"}}
            layers += _haloed([latest], end_mark, end_encoding)
    plot = _layer_spec(data, layers, width=width, height=height)
    legend = _line_legend(data, order, styles, width, band_text=_band_legend(row, zones))
    spec = _top_level({"vconcat": [plot, legend], "spacing": 14}, data)
    if interactive and spec["vconcat"][0]["layer"]:
        # What Altair's .interactive(bind_y=False) adds: pan and zoom along the time axis.
        scales = {"select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        view = _name_view(spec["vconcat"][0]["layer"][0], 0)
        spec["params"] = [{"name": _param_name(scales), **_fresh(scales), "views": [view]}]
    return spec


def _haloed(
    source: list[dict[str, Any]], mark: dict[str, Any], encoding: dict[str, Any]
) -> list[tuple[Any, dict[str, Any]]]:
    """A text layer over a white outline of itself, so that the lines it crosses never hide it."""
    halo = {**mark, "color": "white", "stroke": "white", "strokeWidth": 4, "strokeJoin": "round"}
    return [(source, {"mark": halo, "encoding": encoding}), (source, {"mark": mark, "encoding": encoding})]


def _count(value: Any) -> int | None:
    if is_missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _band_legend(row: Mapping[str, Any], zones: list[dict[str, Any]]) -> str:
    """The legend's words for the target band's zones (``""`` for a plain band)."""
    if not zones:
        return ""
    amber = [z for z in zones if z["zone"] == "Amber"]
    if not amber:
        return "Target band: Green inside, Red outside"
    within = _band_tolerance_words(row, amber[-1]["y2"] - amber[-1]["y"])
    return f"Target band: Green inside, Amber within {within} of an edge, Red outside"


def trend_chart(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
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
    comparators
        The pack's comparators by name (``meta["comparators"]``): one comparator's series is named
        after it, not called an average; without them the row's ``comparator_count`` decides.
    width, height
        Plot size in pixels (the SVG scales down to fit the page).
    interactive
        Add tooltips and pan/zoom (for JupyterLab; static SVG ignores them).

    Returns
    -------
    altair.VConcatChart
        Local values as a solid line with circles, the time axis ending at the reporting period
        (the row's ``period``: a period without a figure is a gap with its status written at the
        end of the axis, and the last figure drawn is labelled with its own period); the target as a
        dashed step line; the band (for band indicators) as its zones, amber within the tolerance of
        each edge and green between, named in words, with space outside it; published benchmarks as lines each with its own
        colour, point shape and dash pattern; one legend naming every series. An ``altair.Chart``
        saying so when there is nothing to draw. Its ``to_dict()`` is :func:`trend_spec`.
    """
    return _as_altair(
        trend_spec(
            history_one_indicator,
            benchmarks_one_indicator,
            indicator_row,
            authority_name=authority_name,
            comparators=comparators,
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
    (``2025-26 Q2``) when the dates are quarter ends, as financial years (``2024-25``) when they
    are all 31 March, and as months (``Aug 2025``) when they are other month ends."""
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
    if month_ends and len(dates) <= 80:
        # Month ends (a monthly indicator's trend): a tick every few months, counted back from the
        # latest so it is labelled; never labels hidden for overlapping (invisible text, to a reader).
        ticks = pd.date_range(dates[0], dates[-1], freq="ME")
        return {
            "values": _tick_values(_thin(ticks)),
            "format": "%b %Y",
            "labelAngle": 0,
            "labelOverlap": False,
            "labelFlush": False,
            "grid": False,
            "labelFontSize": 11,
        }
    return {"format": "%b %Y", "labelAngle": 0, "labelOverlap": "greedy", "tickCount": 6, "grid": False}


def _line_legend(
    data: _Datasets, order: list[str], styles: list[dict[str, Any]], width: int, band_text: str = ""
) -> dict[str, Any]:
    """A legend drawn with marks, showing each series' line pattern AND point shape together; with
    ``band_text``, the target band is drawn as its zones (amber, green, amber) and named in those words."""
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
                "text": band_text if band_text and series == "Target band" else series,
            }
        )
    zoned = bool(band_text) and "Target band" in order
    if zoned:  # the band row spans both columns: its words are long
        band_at = order.index("Target band")
        others = [r for r in rows if r["series"] != "Target band"]
        for k, other in enumerate(others):
            left = (k % cols) * col_width
            other.update(row=k // cols + 1, x0=left, x1=left + 34, xm=left + 17, xt=left + 44)
        band_row = rows[band_at]
        band_row.update(row=0, x0=0, x1=34, xm=17, xt=44)
        rows = [band_row, *others]
    n_rows = max(r["row"] for r in rows) + 1
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
        )
        if not zoned
        else (
            [
                {"row": 0, "x0": x0, "x1": x0 + w, "colour": _BAND_ZONE_FILLS[zone]}
                for x0, w, zone in ((0, 9, "Amber"), (9, 16, "Green"), (25, 9, "Amber"))
            ],
            {
                "mark": {"type": "rect", "height": 14, "stroke": PALETTE["dark_grey"], "strokeWidth": 0.5},
                "encoding": {
                    "x": x("x0"),
                    "x2": {"field": "x1"},
                    "y": y,
                    "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
                },
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
                "encoding": {"x": x("xt"), "y": y, "text": {"field": "text", "type": "nominal"}},
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
    comparators: Sequence[str] | None = None,
    width: int = 620,
    height: int = 260,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`benchmark_trend_chart`, built without Altair.

    Parameters
    ----------
    benchmarks_one_indicator, indicator_row, authority_name, comparators, width, height
        As for :func:`benchmark_trend_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec.
    """
    empty = pd.DataFrame(columns=["indicator_id", "period", "period_end", "value", "target", "lower", "upper"])
    return trend_spec(
        empty,
        benchmarks_one_indicator,
        indicator_row,
        authority_name=authority_name,
        comparators=comparators,
        width=width,
        height=height,
    )


def benchmark_trend_chart(
    benchmarks_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
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
    comparators
        The pack's comparators by name (see :func:`trend_chart`).
    width, height
        Plot size in pixels.

    Returns
    -------
    altair.VConcatChart
        As :func:`trend_chart`; its ``to_dict()`` is :func:`benchmark_trend_spec`.
    """
    return _as_altair(
        benchmark_trend_spec(
            benchmarks_one_indicator,
            indicator_row,
            authority_name=authority_name,
            comparators=comparators,
            width=width,
            height=height,
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


def _status_sentence(current: _Current) -> str:
    """Why the reporting period has no figure, as a sentence."""
    if current.status == "suppressed":
        return f"The {current.period} figure is suppressed"
    if current.status == "not due":
        return f"No figure is due for {current.period} (not due)"
    if current.late and current.reason:
        return f"There is no figure for {current.period} (no data: {current.reason})"
    return f"There is no figure for {current.period} (no data)"


def _published_names(
    name: str, row: Mapping[str, Any], comparators: Sequence[str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """How the published series are named in the text alternative and in the table's headings: the
    comparators' average only for two or more comparators, one comparator by its name."""
    legend = _comparator_legend(list(comparators) if comparators else None, _count(row.get("comparator_count")))
    if legend == _SERIES_LEGEND["Comparators"]:
        said, heading = "comparators' average", "Comparators (average)"
    elif legend == "Comparator (annual)":
        said, heading = "comparator", "Comparator"
    else:
        one = legend.removesuffix(" (annual)")
        said, heading = f"{one} (comparator)", f"{one} (comparator)"
    text = {
        name: f"{name} (published)",
        "Statistical neighbours": "statistical neighbours' average",
        "Comparators": said,
    }
    headings = {
        name: f"{name} (published)",
        "Statistical neighbours": "Statistical neighbours (average)",
        "Comparators": heading,
    }
    return text, headings


def describe_trend(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
) -> str:
    """A text alternative for :func:`trend_chart`.

    Example: "Line chart: Re-referrals within 12 months, Havering, 2022-23 Q1 to 2025-26 Q2.
    Latest 21.3% against a target of 20.0%. In the year to March 2025: London 20.1%, England
    22.6%. The figures are in the tables below the chart." When the reporting period has no figure
    it says so ("The 2025-26 Q2 figure is suppressed; the last figure shown is 50% in 2025-26 Q1
    ..."), never quoting the previous figure as the latest.
    """
    row = _row(indicator_row)
    h = _for_indicator(history_one_indicator, row)
    b = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(b, authority_name)
    unit, dec = _unit(row), _decimals(row)
    title = _title(row)
    current = _current(row, h)
    gap = current is not None and bool(current.status)
    sentences: list[str] = []
    if not h.empty and "period_end" in h.columns:
        h = h.assign(period_end=pd.to_datetime(h["period_end"])).sort_values("period_end")
    last = _last_valid(h, "value")
    if last is not None:
        valid = h[pd.to_numeric(h["value"], errors="coerce").notna()]
        first_p, last_p = _said(str(valid.iloc[0].get("period", ""))), _said(str(last.get("period", "")))
        end_p = current.period if gap and current is not None else last_p
        span = f"{first_p} to {end_p}" if first_p != end_p else end_p
        figure = format_value(last["value"], unit, dec)
        if gap and current is not None:
            text = (
                f"Line chart: {title}, {name}, {span}. {_status_sentence(current)}: the line stops at the "
                f"last figure, {figure} in {last_p}"
            )
        else:
            text = f"Line chart: {title}, {name}, {span}. Latest {figure}"
        lo, hi = last.get("lower"), last.get("upper")
        if not is_missing(lo) and not is_missing(hi):
            text += f" against a target band of {format_value(lo, unit, dec)} to {format_value(hi, unit, dec)}"
            text += _band_zone_words(row, float(lo), float(hi))
        elif not is_missing(last.get("target")):
            text += f" against a target of {format_value(last['target'], unit, dec)}"
        else:
            text += " (no target)"
        sentences.append(text)
        if gap and current is not None and current.late:
            # the scorecard shows this figure, rated for its own period: say so, never "latest"
            sentences.append(f"The scorecard shows the {last_p} figure as the latest available")
    else:
        sentences.append(f"Line chart: published figures for {title}")
        if gap and current is not None:
            sentences.append(_status_sentence(current))
    if not b.empty:
        said, _ = _published_names(name, row, comparators)
        b = b.assign(value=pd.to_numeric(b["value"], errors="coerce")).dropna(subset=["value"])
        by_year: dict[str, list[str]] = {}
        for series in (name, "London", "England", "Statistical neighbours", "Comparators"):
            s = b[b["series"].astype(str) == series]
            if s.empty:
                continue
            s = s.sort_values("benchmark_year").iloc[-1]
            label = said.get(series, series)
            year = benchmark_year_label(s["benchmark_year"], s.get("year_end"))
            by_year.setdefault(year, []).append(f"{label} {format_value(s['value'], unit, dec)}")
        for year, items in by_year.items():
            sentences.append(f"In the {year}: " + ", ".join(items))
    return ". ".join(sentences) + ". The figures are in the tables below the chart."


def _band_zone_words(row: Mapping[str, Any], lo: float, hi: float) -> str:
    """`` (amber within 2 percentage points of each edge, 10% to 12% and 14% to 16%; green 12% to 14%;
    red outside)``: the band's zones as the chart shades them (``""`` when there are none)."""
    zones = band_zones({**row, "polarity": "band", "lower": lo, "upper": hi})
    if not zones:
        return ""
    unit, dec = _unit(row), _decimals(row)

    def span(z: dict[str, Any]) -> str:
        return f"{format_value(z['x'], unit, dec)} to {format_value(z['x2'], unit, dec)}"

    green = [span(z) for z in zones if z["zone"] == "green"]
    amber = [z for z in zones if z["zone"] == "amber"]
    parts = []
    if amber:
        within = _band_tolerance_words(row, float(amber[0]["x2"]) - float(amber[0]["x"]))
        parts.append(f"amber within {within} of each edge, " + " and ".join(span(z) for z in amber))
    if green:
        parts.append(f"green {green[0]}")
    parts.append("red outside; the chart shades and names the zones")
    return " (" + "; ".join(parts) + ")"


def trend_tables(
    history_one_indicator: pd.DataFrame,
    benchmarks_one_indicator: pd.DataFrame | None,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    authority_name: str | None = None,
    comparators: Sequence[str] | None = None,
) -> list[tuple[str, pd.DataFrame]]:
    """The data behind :func:`trend_chart` as captioned tables of display text.

    Returns ``[(caption, DataFrame), ...]``: the local series by period (value, target or band,
    RAG), always down to the reporting period (a period without a figure says why in words:
    ``Suppressed``, ``No data``), and the published series by year (one column per series). The
    first column of each table labels its rows.
    """
    row = _row(indicator_row)
    h = _for_indicator(history_one_indicator, row)
    b = _for_indicator(benchmarks_one_indicator, row)
    name = _authority_name(b, authority_name)
    unit, dec = _unit(row), _decimals(row)
    out: list[tuple[str, pd.DataFrame]] = []
    if not h.empty:
        h = h.assign(period_end=pd.to_datetime(h["period_end"])).sort_values("period_end")
        current = _current(row, h)
        if current is not None and not (h["period_end"] == current.end).any():
            # the reporting period's row, with the scorecard's target and status
            extra = {"period": current.period, "period_end": current.end, "value": row.get("value")}
            for col in ("target", "lower", "upper", "rag", "status"):
                if col in h.columns:
                    extra[col] = row.get(col)
            if current.late:
                # the figure due is missing: the row's figure, target and rating are an earlier period's
                extra = {"period": current.period, "period_end": current.end, "value": None, "status": "no data"}
            h = pd.concat([h, pd.DataFrame([extra])], ignore_index=True)
        status = h["status"] if "status" in h.columns else pd.Series([None] * len(h), index=h.index)
        values = h["value"] if "value" in h.columns else pd.Series([None] * len(h), index=h.index)
        t = pd.DataFrame(
            {
                "Period": [_said(p) for p in h["period"].astype(str)],
                name: [
                    format_value(v, unit, dec)
                    if not is_missing(v) or is_missing(s)
                    else STATUS_WORDS.get(str(s).lower(), "–")
                    if str(s).lower() in _GAP_STATUSES
                    else "No data"
                    for v, s in zip(values, status)
                ],
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
        _, headings = _published_names(name, row, comparators)
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
        t = t.rename(columns=headings)
        t.columns.name = None
        out.append((f"Published figures by year: {_title(row)}", t.reset_index(drop=True)))
    return out
