"""Exploration (JupyterLab only: interactive, never exported): one chart for every indicator, a
drop-down picking the indicator (:func:`explorer_spec`, :func:`explorer_chart`)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpitools.present.charts.formatting import _decimals, _for_indicator, _title, _unit, unit_label
from kpitools.present.charts.style import _BENCHMARK_SERIES, _SERIES_LEGEND, _comparator_legend
from kpitools.present.charts.trend import _authority_name, _style_for, _trend_series
from kpitools.present.charts.vega import (
    _as_altair,
    _Datasets,
    _fresh,
    _layer_spec,
    _name_view,
    _param_name,
    _series_encoding,
    _top_level,
)

if TYPE_CHECKING:
    import altair as alt

#: The position of the picked indicator among the drop-down's options (a variable parameter), by
#: which the title, the unit and the time axis of each indicator are looked up.
_INDEX = "indicator_index"

#: Pixels a character of the title takes at most, on average, in its 13 px bold font: a title is
#: wrapped at ``width / _TITLE_CHAR_PX`` characters a line (and the title's ``limit`` cuts a line that
#: is still too wide with an ellipsis, rather than letting it be clipped).
_TITLE_CHAR_PX = 8


def fy_quarter_label_expr(field: str = "datum.value") -> str:
    """A Vega expression labelling a date as its financial quarter (April to March years):
    ``2025-26 Q2`` for any date from July to September 2025, ``2024-25 Q4`` for January to March
    2025. Unlike the static trend chart's labels it holds for any day of any month, not only quarter ends.
    """
    month, year = f"month({field})", f"year({field})"
    fy = f"({month} >= 3 ? {year} : {year} - 1)"  # Vega's months count from 0: 3 is April
    quarter = f"(floor((({month} + 9) % 12) / 3) + 1)"
    return f"{fy} + '-' + slice('' + ({fy} + 1), 2) + ' Q' + {quarter}"


def _literal(value: Any) -> str:
    """A Vega expression literal for a string, number or a (nested) list of them (JSON is its syntax)."""
    return json.dumps(value)


def _by_pick(values: list[Any]) -> str:
    """A Vega expression giving the picked indicator's entry of ``values`` (one per option)."""
    return f"{_literal(values)}[{_INDEX}]"


def _quarter_ticks(dates: pd.Series, most: int = 7) -> list[pd.Timestamp]:
    """Ticks for one indicator's dates: quarter ends (each labelled as its financial quarter), every
    1, 2, 4, 8, ... quarters so that at most ``most`` show, counted back from the last so that the
    latest is labelled; the dates themselves when no quarter end falls among them."""
    when = pd.to_datetime(dates).dropna().sort_values()
    if when.empty:
        return []
    first, last = when.iloc[0].normalize(), when.iloc[-1].normalize()
    ends = pd.date_range(first, last, freq="QE-DEC").normalize()
    if ends.empty:
        return list(dict.fromkeys(when.dt.normalize()))[-most:]
    step = 1
    while -(-len(ends) // step) > most:
        step *= 2
    return list(ends[::-1][::step][::-1])


def _dates_expr(ticks: list[pd.Timestamp]) -> str:
    """Tick dates as Vega ``datetime`` calls: local midnight, as Vega-Lite reads the data's dates."""
    return "[" + ", ".join(f"datetime({t.year}, {t.month - 1}, {t.day})" for t in ticks) + "]"


def _published_and_local(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    row: Mapping[str, Any],
    name: str,
    years_before: int,
    comparators_legend: str | None = None,
) -> pd.DataFrame:
    """One indicator's rows (``date, value, series, period, label`` and the target band's
    ``lower, upper`` on the local rows), with the published years from ``years_before`` years
    before the first local period.

    The local and the published series are taken from the trend chart's data separately: built
    together, the trend chart keeps only the one published year before the local series.
    """
    frames = []
    band: dict[str, tuple[Any, Any]] = {}
    for part_history, part_benchmarks in ((history, pd.DataFrame()), (pd.DataFrame(), benchmarks)):
        trend = _trend_series(part_history, part_benchmarks, row, name, comparators_legend=comparators_legend)
        band.update({b["date"]: (b["lower"], b["upper"]) for b in trend.band})
        if not trend.points:
            continue
        # A frame again, so that pandas gives the values one type across the indicators.
        values = pd.concat(trend.value_parts, ignore_index=True).iloc[trend.value_rows].reset_index(drop=True)
        frames.append(
            pd.DataFrame(
                {
                    "date": pd.Series(trend.dates),
                    "value": values,
                    **{col: [p[col] for p in trend.points] for col in ("series", "period", "label")},
                    "iso": [p["date"] for p in trend.points],
                }
            )
        )
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    local = frame.loc[frame["series"].isin([name, "Target"]), "date"].dropna()
    if not local.empty:  # published years from ``years_before`` years before the first local period
        frame = frame[frame["date"] >= local.min() - pd.DateOffset(years=max(0, int(years_before)))]
    if band:
        on_local = frame["series"] == name
        frame = frame.assign(
            lower=[band.get(d, (None, None))[0] if here else None for d, here in zip(frame["iso"], on_local)],
            upper=[band.get(d, (None, None))[1] if here else None for d, here in zip(frame["iso"], on_local)],
        )
    return frame.drop(columns="iso").reset_index(drop=True)


def explorer_spec(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    scorecard: pd.DataFrame,
    *,
    authority_name: str | None = None,
    width: int = 640,
    height: int = 300,
    years_before: int = 1,
    comparators: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`explorer_chart`, built without Altair.

    Parameters
    ----------
    history, benchmarks, scorecard, authority_name, width, height, years_before, comparators
        As for :func:`explorer_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec with its parameters (drop-down, the picked indicator's position
        ``indicator_index``, legend selection).
    """
    name = _authority_name(benchmarks, authority_name)
    legend = _comparator_legend(list(comparators or []))  # one comparator is named, not an "average"
    ids = scorecard["indicator_id"].astype(str)
    rows, titles, units, ticks, formats = [], [], [], [], []
    for ind in dict.fromkeys(ids):
        row = scorecard[ids == ind].iloc[0].to_dict()
        frame = _published_and_local(
            _for_indicator(history, row), _for_indicator(benchmarks, row), row, name, years_before, legend
        )
        if frame.empty:
            continue
        title = _title(row)
        rows.append(frame.assign(indicator=f"{ind}: {title}"))
        titles.append(textwrap.wrap(f"{ind}: {title}", max(20, width // _TITLE_CHAR_PX)))
        units.append(unit_label(_unit(row)))  # the static trend chart's y axis title
        ticks.append(_quarter_ticks(frame["date"]))
        formats.append(f",.{_decimals(row)}f")  # the static trend chart's axis format
    has_band = any("lower" in f.columns for f in rows)
    columns = ["date", "value", "series", "period", "label", "indicator"] + (["lower", "upper"] if has_band else [])
    data = pd.concat(rows, ignore_index=True).reindex(columns=columns) if rows else pd.DataFrame(columns=columns)
    options = list(dict.fromkeys(data["indicator"]))
    if not options:
        options, titles, units, ticks, formats = ["(no data)"], [["No data to chart"]], [""], [[]], [",.1f"]
    pick = {
        "name": "indicator_pick",
        "value": options[0],
        "bind": {"input": "select", "options": options, "name": "Indicator: "},
    }
    index = {"name": _INDEX, "expr": f"indexof({_literal(options)}, indicator_pick)"}
    legend_select = {"select": {"type": "point", "fields": ["series"]}, "bind": "legend"}
    legend_pick = {"name": _param_name(legend_select), **legend_select}
    order = [name, "Target"] + (["Target band"] if has_band else [])
    order += [f"{name} (published, annual)"] + [
        legend if s == "Comparators" else _SERIES_LEGEND[s] for s in _BENCHMARK_SERIES
    ]
    styles = [_style_for(s, name, legend) for s in order]
    color = _series_encoding(
        order, [s["color"] for s in styles], title="Series", legend={"orient": "bottom", "columns": 2}
    )
    dash = _series_encoding(order, [s["dash"] for s in styles], legend=None)
    shape = _series_encoding(order, [s["shape"] for s in styles], legend=None)
    opacity = {"condition": {"param": legend_pick["name"], "value": 1.0}, "value": 0.15}
    x_axis = {
        "values": {"expr": f"[{', '.join(_dates_expr(t) for t in ticks)}][{_INDEX}]"},
        "labelExpr": fy_quarter_label_expr(),
        "labelAngle": 0,
        "labelOverlap": False,
        "labelFlush": False,
        "grid": False,
    }
    x = {"field": "date", "type": "temporal", "title": None, "axis": x_axis}
    y_axis = {"labelExpr": f"format(datum.value, {_by_pick(formats)})"}
    y_scale = {"zero": False, "nice": True, "padding": 12}  # as the static trend chart: a band never fills the plot
    y = {"field": "value", "type": "quantitative", "title": None, "scale": y_scale, "axis": y_axis}
    picked = {"filter": "(datum.indicator === indicator_pick)"}
    not_target = {"filter": "(datum.series !== 'Target')"}
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Series"},
        {"field": "period", "type": "nominal", "title": "Period"},
        {"field": "label", "type": "nominal", "title": "Value"},
    ]
    layers = []
    if has_band:
        band_opacity = {"condition": {"param": legend_pick["name"], "value": 0.55}, "value": 0.1}
        layers.append(
            (
                data,
                {
                    "transform": [
                        picked,
                        {"filter": "isValid(datum.lower) && isValid(datum.upper)"},
                        {"calculate": "'Target band'", "as": "series"},
                    ],
                    "mark": {"type": "area", "interpolate": "step-before"},
                    "encoding": {
                        "x": x,
                        "y": {**y, "field": "lower"},
                        "y2": {"field": "upper"},
                        "color": color,
                        "opacity": band_opacity,
                    },
                },
            )
        )
    layers += [
        (
            data,
            {
                "transform": [picked, {"filter": "(datum.series === 'Target')"}],
                "mark": {"type": "line", "strokeWidth": 2, "interpolate": "step-before"},
                "encoding": {"x": x, "y": y, "color": color, "strokeDash": dash, "opacity": opacity},
            },
        ),
        (
            data,
            {
                "transform": [picked, not_target],
                "mark": {"type": "line", "strokeWidth": 2.5},
                "encoding": {"x": x, "y": y, "color": color, "strokeDash": dash, "opacity": opacity},
            },
        ),
        (
            data,
            {
                "transform": [picked, not_target],
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {"x": x, "y": y, "color": color, "shape": shape, "opacity": opacity, "tooltip": tooltip},
            },
        ),
        (
            # The y axis's title: Vega-Lite takes an axis title from no expression, so the unit of the
            # picked indicator is written by a mark, level with the top of the axis.
            data,
            {
                "transform": [
                    picked,
                    {"aggregate": [{"op": "count", "as": "points"}], "groupby": ["indicator"]},
                    {"calculate": _by_pick(units), "as": "unit"},
                ],
                "mark": {"type": "text", "align": "left", "baseline": "bottom", "dy": -6, "fontWeight": "bold"},
                "encoding": {"x": {"value": 0}, "y": {"value": 0}, "text": {"field": "unit", "type": "nominal"}},
            },
        ),
    ]
    chart_title = {
        "text": {"expr": _by_pick(titles)},
        "anchor": "start",
        "limit": width,  # a line wider than the plot is cut with an ellipsis, never clipped
    }
    datasets = _Datasets()
    spec = _top_level(_layer_spec(datasets, layers, width=width, height=height, title=chart_title), datasets)
    # The legend selection lives in the target's view; the drop-down and its position are variables.
    target_view = len(layers) - 4
    spec["params"] = _fresh(
        [pick, index, {**legend_pick, "views": [_name_view(spec["layer"][target_view], target_view)]}]
    )
    return spec


def explorer_chart(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    scorecard: pd.DataFrame,
    *,
    authority_name: str | None = None,
    width: int = 640,
    height: int = 300,
    years_before: int = 1,
    comparators: Sequence[str] | None = None,
) -> alt.LayerChart:
    """One interactive chart for every indicator: a drop-down picks the indicator, clicking the
    legend highlights a series, hovering shows the figures.

    Parameters
    ----------
    history, benchmarks, scorecard
        ``PackTables.history``, ``.benchmarks`` and ``.scorecard``.
    authority_name
        Name of the local series (default: the benchmark series that is not a reference series).
    width, height
        Plot size in pixels.
    years_before
        How many years of published figures to show before the first local period (``0``: none
        before it; an indicator with no local figures shows every published year).
    comparators
        The comparators' names: one is named in the legend, two or more are "Comparators' average".

    Returns
    -------
    altair.LayerChart
        The chart; its ``to_dict()`` is :func:`explorer_spec`.

    Notes
    -----
    Needs a JavaScript renderer (JupyterLab); the committee pack uses the static charts instead.
    """
    return _as_altair(
        explorer_spec(
            history,
            benchmarks,
            scorecard,
            authority_name=authority_name,
            width=width,
            height=height,
            years_before=years_before,
            comparators=comparators,
        )
    )
