"""Exploration (JupyterLab only: interactive, never exported): one chart for every indicator, a
drop-down picking the indicator (:func:`explorer_spec`, :func:`explorer_chart`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kpitools.present.charts.formatting import _for_indicator
from kpitools.present.charts.style import _BENCHMARK_SERIES, _SERIES_LEGEND
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


def explorer_spec(
    history: pd.DataFrame,
    benchmarks: pd.DataFrame,
    scorecard: pd.DataFrame,
    *,
    authority_name: str | None = None,
    width: int = 640,
    height: int = 300,
    years_before: int = 1,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`explorer_chart`, built without Altair.

    Parameters
    ----------
    history, benchmarks, scorecard, authority_name, width, height, years_before
        As for :func:`explorer_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec with its parameters (drop-down, legend selection).
    """
    name = _authority_name(benchmarks, authority_name)
    titles = dict(zip(scorecard["indicator_id"].astype(str), scorecard["title"].astype(str)))
    rows = []
    for ind, title in titles.items():
        row = scorecard[scorecard["indicator_id"].astype(str) == ind].iloc[0].to_dict()
        trend = _trend_series(_for_indicator(history, row), _for_indicator(benchmarks, row), row, name)
        if not trend.points:
            continue
        # A frame again, so that pandas gives the values one type across the indicators.
        frame = pd.DataFrame(
            {
                "date": pd.Series(trend.dates),
                "value": pd.concat(trend.value_parts, ignore_index=True).iloc[trend.value_rows].reset_index(drop=True),
                **{col: [p[col] for p in trend.points] for col in ("series", "period", "label")},
                "indicator": f"{ind}: {title}",
            }
        )
        local = frame.loc[frame["series"].isin([name, "Target"]), "date"]
        if not local.empty:  # published years from ``years_before`` before the first local period
            frame = frame[frame["date"] >= local.min() - pd.DateOffset(years=years_before)]
        rows.append(frame)
    data = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["date", "value", "series", "period", "label", "indicator"])
    )
    options = list(dict.fromkeys(data["indicator"])) or ["(no data)"]
    pick = {
        "name": "indicator_pick",
        "value": options[0],
        "bind": {"input": "select", "options": options, "name": "Indicator: "},
    }
    legend_select = {"select": {"type": "point", "fields": ["series"]}, "bind": "legend"}
    legend_pick = {"name": _param_name(legend_select), **legend_select}
    order = [name, "Target", f"{name} (published, annual)"] + [_SERIES_LEGEND[s] for s in _BENCHMARK_SERIES]
    styles = [_style_for(s, name) for s in order]
    color = _series_encoding(
        order, [s["color"] for s in styles], title="Series", legend={"orient": "bottom", "columns": 2}
    )
    dash = _series_encoding(order, [s["dash"] for s in styles], legend=None)
    shape = _series_encoding(order, [s["shape"] for s in styles], legend=None)
    opacity = {"condition": {"param": legend_pick["name"], "value": 1.0}, "value": 0.15}
    x = {"field": "date", "type": "temporal", "title": None, "axis": {"format": "%b %Y", "labelAngle": 0}}
    y = {"field": "value", "type": "quantitative", "title": "Value", "scale": {"zero": False}}
    picked = {"filter": "(datum.indicator === indicator_pick)"}
    not_target = {"filter": "(datum.series !== 'Target')"}
    tooltip = [
        {"field": "series", "type": "nominal", "title": "Series"},
        {"field": "period", "type": "nominal", "title": "Period"},
        {"field": "label", "type": "nominal", "title": "Value"},
    ]
    layers = [
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
    ]
    datasets = _Datasets()
    spec = _top_level(
        _layer_spec(
            datasets, layers, width=width, height=height, title={"text": {"expr": "indicator_pick"}, "anchor": "start"}
        ),
        datasets,
    )
    # The legend selection lives in the first layer's view; the drop-down is a plain variable.
    spec["params"] = _fresh([pick, {**legend_pick, "views": [_name_view(spec["layer"][0], 0)]}])
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
        Published years shown before the first local period.

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
        )
    )
