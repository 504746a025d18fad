"""Comparison bars: the authority against its statistical neighbours and comparators, ranked best
first by the indicator's polarity (:func:`comparison_spec`, :func:`comparison_bars`), the target
band behind the bars (:func:`band_zones`, :func:`band_text`), and the chart's text alternative
(:func:`describe_comparison`) and data table (:func:`comparison_table`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from kpitools.present.charts.formatting import (
    _decimals,
    _for_indicator,
    _row,
    _title,
    _unit,
    benchmark_year_label,
    format_value,
    published_label,
    unit_label,
)
from kpitools.present.charts.style import (
    _ROLE_COLOURS,
    _ROLE_LEGEND,
    _STYLES,
    PALETTE,
    RAG_COLOURS,
    TEXT,
    _value_axis,
    _value_title,
)
from kpitools.present.charts.vega import _as_altair, _column_values, _Datasets, _empty_spec, _layer_spec, _top_level
from kpitools.present.page import is_missing

if TYPE_CHECKING:
    import altair as alt


def _polarity(row: Mapping[str, Any]) -> str:
    """How published figures are ranked: the row's ``rank_polarity`` where it has one (a band or
    context measure without a benchmark polarity has ``""``: listed by value, never best or worst),
    else its polarity."""
    p = row.get("rank_polarity", row.get("polarity"))
    p = "" if is_missing(p) else str(p).strip().lower()
    return p if p in ("higher", "lower") else ""


def is_ranked(row: Mapping[str, Any]) -> bool:
    """Whether the indicator's published figures are ranked best first (see :func:`_polarity`)."""
    return _polarity(row) != ""


class _Ranking(NamedTuple):
    """One indicator's comparison: the authorities as bars, best first, and the reference rows."""

    rows: pd.DataFrame  # the indicator's rows, ``value`` numeric
    roles: pd.Series  # the rows' roles, trimmed
    bars: list[int]  # positions in ``rows`` of the bars, best first
    labels: list[str]  # per bar: the value as text
    names: list[str]  # per bar: the name shown ("Havering (selected)")
    positions: list[int | None]  # per bar: 1 = best; equal values share the better position
    refs: list[int]  # positions in ``rows`` of London and England (with a value)
    ref_labels: list[str]  # per reference row: "London 20.1%"


def _ranking(comparison: pd.DataFrame, row: Mapping[str, Any]) -> _Ranking | None:
    """Rank one indicator's comparison rows by its polarity (None when there are none).

    Worked out on Python lists (assigning column after column to small frames cost ~10 ms a chart),
    in the order and with the positions that ``sort_values(["value", "la_name"])`` and
    ``round(decimals).rank(method="min")`` gave.
    """
    df = _for_indicator(comparison, row)
    if df.empty:
        return None
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    role = df["role"].astype(str).str.strip()
    is_ref = role.isin(["London", "England"]).tolist()
    ranked = is_ranked(row)
    ascending = _polarity(row) == "lower"  # unranked: largest first, with no positions
    unit, dec = _unit(row), _decimals(row)
    values, missing = df["value"].tolist(), df["value"].isna().tolist()
    la_names, name_missing = df["la_name"].tolist(), df["la_name"].isna().tolist()
    roles = role.tolist()

    # Best first by value (missing last), then by name: a stable sort, as sort_values' lexsort.
    def best_first(i: int) -> tuple[Any, ...]:
        v = values[i]
        return (
            missing[i],
            0 if missing[i] else (v if ascending else -v),
            name_missing[i],
            "" if name_missing[i] else la_names[i],
        )

    bars = sorted((i for i in range(len(df)) if not is_ref[i]), key=best_first)
    shown = df["la_name"].astype(str).tolist()
    names = [
        f"{shown[i]} (selected)"
        if roles[i] == "selected"
        else (f"{shown[i]} (comparator)" if roles[i] == "comparator" else str(shown[i]))
        for i in bars
    ]
    # Position among the authorities shown, best = 1; equal values at the displayed precision share
    # the better position (as DfE's LAIT ranks do).
    rounded = df["value"].round(dec).tolist()
    pool = [rounded[i] for i in bars if not missing[i]]
    positions = [
        None if missing[i] or not ranked else 1 + sum((w < rounded[i]) if ascending else (w > rounded[i]) for w in pool)
        for i in bars
    ]
    refs = [i for i in range(len(df)) if is_ref[i] and not missing[i]]
    raw_roles = df["role"].tolist()
    symbols = df["symbol"].fillna("").astype(str).tolist() if "symbol" in df.columns else [""] * len(df)
    return _Ranking(
        rows=df,
        roles=role,
        bars=bars,
        labels=[published_label(values[i], symbols[i], unit, dec, missing="no published figure") for i in bars],
        names=names,
        positions=positions,
        refs=refs,
        ref_labels=[f"{raw_roles[i]} {format_value(values[i], unit, dec)}" for i in refs],
    )


def _comparison_frame(comparison: pd.DataFrame, row: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bars, reference lines) ordered best first by the indicator's polarity, as frames."""
    r = _ranking(comparison, row)
    if r is None:
        df = _for_indicator(comparison, row)
        return df, df
    bars = r.rows.take(r.bars).reset_index(drop=True)
    bar_roles = [r.roles.iloc[i] for i in r.bars]
    bars["role"] = pd.Series(bar_roles, dtype=r.roles.dtype)
    bars["label"] = r.labels
    bars["name"] = r.names
    bars["role_text"] = pd.Series([_ROLE_LEGEND.get(role, role) for role in bar_roles], dtype=r.roles.dtype)
    bars["bar_value"] = bars["value"].fillna(0.0)
    bars["position"] = pd.array(r.positions, dtype="Int64")
    refs = r.rows.take(r.refs).reset_index(drop=True)
    refs["label"] = r.ref_labels
    return bars, refs


def comparison_spec(
    comparison_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    width: int = 460,
    bar_height: int = 22,
) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`comparison_bars`, built without Altair (for static rendering).

    Parameters
    ----------
    comparison_one_indicator, indicator_row, width, bar_height
        As for :func:`comparison_bars`.

    Returns
    -------
    dict
        A complete Vega-Lite spec.
    """
    row = _row(indicator_row)
    r = _ranking(comparison_one_indicator, row)
    if r is None or not r.bars:
        return _empty_spec(f"No published figures to compare for {_title(row)}", width, 60)
    unit, dec = _unit(row), _decimals(row)
    # The bars' data: every column of the rows (as _comparison_frame's frame has them), best first.
    columns = {col: _column_values(r.rows[col]) for col in r.rows.columns}
    columns["role"] = _column_values(r.roles)
    columns["bar_value"] = _column_values(r.rows["value"].fillna(0.0))
    roles = [columns["role"][i] for i in r.bars]
    bars = [
        {
            **{col: values[i] for col, values in columns.items()},
            "label": label,
            "name": name,
            "role_text": _ROLE_LEGEND.get(role, role),
            "position": position,
        }
        for i, role, label, name, position in zip(r.bars, roles, r.labels, r.names, r.positions)
    ]
    values = r.rows["value"].tolist()
    roles_present = [role for role in _ROLE_COLOURS if role in set(roles)]
    height = bar_height * len(bars)
    y = {
        "field": "name",
        "type": "nominal",
        "sort": list(r.names),
        "title": None,
        "axis": {
            "labelFontSize": 12,
            "labelLimit": 260,
            "ticks": False,
            "domain": False,
            "labelFontWeight": {"expr": "indexof(datum.value, ' (selected)') >= 0 ? 'bold' : 'normal'"},
        },
    }
    max_value = max([v for v in [values[i] for i in r.bars + r.refs] if not is_missing(v)] or [1.0])
    x_scale: dict[str, Any] = {"domain": [0, float(max_value * 1.04)], "nice": False, "zero": True}
    x = {
        "field": "bar_value",
        "type": "quantitative",
        "title": _value_title(unit_label(unit), unit),
        "scale": x_scale,
        "axis": {**_value_axis(unit, dec), "grid": True, "tickCount": 5},
    }
    color = {
        "field": "role_text",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": [_ROLE_LEGEND[role] for role in roles_present],
            "range": [_ROLE_COLOURS[role] for role in roles_present],
        },
        "legend": {"orient": "bottom", "direction": "horizontal", "symbolType": "square"},
    }
    text = {"field": "label", "type": "nominal"}
    layers: list[tuple[Any, dict[str, Any]]] = [
        (
            bars,
            {
                "mark": {"type": "bar", "height": max(8, bar_height - 6)},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": color,
                    "tooltip": [{"field": f, "type": "nominal"} for f in ("la_name", "label", "role_text")],
                },
            },
        ),
    ]
    # Values in a column to the right of the plot, like a table: never crossed by the reference lines.
    labels = [
        (
            bars,
            {
                "transform": [{"filter": "(datum.role !== 'selected')"}],
                "mark": {"type": "text", "align": "left", "fontSize": 12, "color": TEXT},
                "encoding": {"x": {"value": width + 10}, "y": y, "text": text},
            },
        ),
        (
            bars,
            {
                "transform": [{"filter": "(datum.role === 'selected')"}],
                "mark": {"type": "text", "align": "left", "fontSize": 12, "color": TEXT, "fontWeight": "bold"},
                "encoding": {"x": {"value": width + 10}, "y": y, "text": text},
            },
        ),
    ]
    ref_styles = {
        "London": (_STYLES["London"]["color"], [2, 2]),
        "England": (_STYLES["England"]["color"], [8, 3, 2, 3]),
    }
    # Reference labels stacked above the plot (one line each) so they never collide.
    ref_x = {"field": "bar_value", "type": "quantitative", "scale": x_scale}
    raw_roles = r.rows["role"].tolist()
    by_value = np.array([float(values[i]) for i in r.refs]).argsort(kind="quicksort").tolist()  # as sort_values
    for i, k in enumerate(by_value):
        ref = r.refs[k]
        colour, dash = ref_styles.get(str(raw_roles[ref]), (PALETTE["dark_grey"], [4, 2]))
        one = [{"bar_value": columns["value"][ref], "label": r.ref_labels[k]}]
        offset = -4 - 16 * (len(r.refs) - 1 - i)
        layers.append(
            (
                one,
                {
                    "mark": {
                        "type": "rule",
                        "strokeWidth": 2,
                        "strokeDash": dash,
                        "color": colour,
                        "y": offset + 2,
                        "y2": height,
                    },
                    "encoding": {"x": ref_x},
                },
            )
        )
        # The reference line keeps its colour (3:1 is enough for graphics); its label is text and
        # needs 4.5:1, which London's turquoise (3.17:1 on white) does not give.
        layers.append(
            (
                one,
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 4,
                        "fontSize": 12,
                        "fontWeight": "bold",
                        "color": TEXT,
                        "baseline": "bottom",
                        "y": offset + 4,
                    },
                    "encoding": {"x": ref_x, "text": text},
                },
            )
        )
    zones = band_zones(row)
    if zones:
        # the target band behind the bars: green inside, amber within the tolerance of an edge
        x_scale["domain"][1] = max(x_scale["domain"][1], float(zones[-1]["x2"]) * 1.04)
        zone_x = {"field": "x", "type": "quantitative", "scale": x_scale}
        layers.insert(
            0,
            (
                zones,
                {
                    "mark": {"type": "rect", "opacity": 0.25, "y": 0, "y2": height},
                    "encoding": {
                        "x": zone_x,
                        "x2": {"field": "x2"},
                        "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
                    },
                },
            ),
        )
    data = _Datasets()
    chart = _layer_spec(data, layers + labels, width=width, height=height)  # labels drawn last, on top
    return _top_level(chart, data, axisY={"labelPadding": 6})


def band_text(row: Mapping[str, Any]) -> str:
    """Words for the shaded band of :func:`comparison_bars` (``""`` without one)."""
    zones = band_zones(row)
    if not zones:
        return ""
    unit, dec = _unit(row), _decimals(row)
    green = next((z for z in zones if z["zone"] == "green"), None)
    text = (
        f"the target band, {format_value(zones[0]['x'], unit, dec)} to "
        f"{format_value(zones[-1]['x2'], unit, dec)}, is shaded"
    )
    if green and len(zones) > 1:
        text += (
            f": green from {format_value(green['x'], unit, dec)} to {format_value(green['x2'], unit, dec)}, "
            "amber within the tolerance of each edge"
        )
    return text


def band_zones(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The target band of a band indicator as zones along the value axis: amber within the tolerance
    of each edge, green between (as the band rule rates them); ``[]`` for other indicators.

    Examples
    --------
    >>> [(z["x"], z["x2"], z["zone"]) for z in band_zones({"polarity": "band", "lower": 10, "upper": 16,
    ...                                                     "tolerance": 1, "tolerance_type": "absolute"})]
    [(10.0, 11.0, 'amber'), (11.0, 15.0, 'green'), (15.0, 16.0, 'amber')]
    """
    if (
        str(row.get("polarity", "")).strip().lower() != "band"
        or is_missing(row.get("lower"))
        or is_missing(row.get("upper"))
    ):
        return []
    lo, up = float(row["lower"]), float(row["upper"])
    tol = 0.0 if is_missing(row.get("tolerance")) else float(row["tolerance"])
    if str(row.get("tolerance_type", "")).strip().lower() == "relative":
        tol *= up - lo
    tol = min(tol, (up - lo) / 2)
    amber, green = RAG_COLOURS["Amber"], RAG_COLOURS["Green"]
    zones: list[dict[str, Any]] = [
        {"x": lo, "x2": lo + tol, "zone": "amber", "colour": amber},
        {"x": lo + tol, "x2": up - tol, "zone": "green", "colour": green},
        {"x": up - tol, "x2": up, "zone": "amber", "colour": amber},
    ]
    return [z for z in zones if z["x2"] > z["x"]]


def comparison_bars(
    comparison_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    width: int = 460,
    bar_height: int = 22,
) -> alt.LayerChart | alt.Chart:
    """Horizontal ranked bars: the authority against its neighbours and comparators.

    Parameters
    ----------
    comparison_one_indicator
        ``PackTables.comparison`` rows (``indicator_id, benchmark_year, la_code, la_name, value,
        role, rank``); rows of other indicators are ignored. ``London`` and ``England`` rows are
        drawn as labelled reference lines, the others as bars.
    indicator_row
        The indicator's scorecard row (``title, unit, decimals, polarity``).
    width, bar_height
        Plot width and the height of one bar, in pixels.

    Returns
    -------
    altair.LayerChart
        Bars ordered best first by polarity; the selected authority in dark blue, its name in bold
        and followed by "(selected)"; comparators named "(comparator)"; the values written in a
        column to the right of the plot; dashed London and England rules with their names and
        values written above the plot. An ``altair.Chart`` saying so when there are no figures.
        Its ``to_dict()`` is :func:`comparison_spec`.
    """
    return _as_altair(comparison_spec(comparison_one_indicator, indicator_row, width=width, bar_height=bar_height))


# --------------------------------------------------------------------------------------------
# Text alternative and data table
# --------------------------------------------------------------------------------------------


def describe_comparison(
    comparison_one_indicator: pd.DataFrame,
    indicator_row: Mapping[str, Any] | pd.Series,
    *,
    year_label: str | None = None,
) -> str:
    """A text alternative for :func:`comparison_bars` (``year_label`` e.g. "year to March 2025")."""
    row = _row(indicator_row)
    bars, refs = _comparison_frame(comparison_one_indicator, row)
    title = _title(row)
    if bars.empty:
        return f"No published figures to compare for {title}."
    unit, dec = _unit(row), _decimals(row)
    with_value = bars.dropna(subset=["value"])
    n = len(with_value)
    year = (
        bars["benchmark_year"].dropna().iloc[0]
        if "benchmark_year" in bars.columns and bars["benchmark_year"].notna().any()
        else None
    )
    text = f"Bar chart: {title}"
    if year_label or year is not None:
        text += f", {year_label or benchmark_year_label(year)}"
    if not is_ranked(row):
        text += (
            f", {n} authorit{'y' if n == 1 else 'ies'} listed by value, largest first (not ranked: "
            "no published figure is better or worse than another)"
        )
        if band_zones(row):
            text += f"; {band_text(row)}"
        for _, r in with_value.iterrows():
            text += f"; {r['la_name']} {r['label']}"
        for _, r in refs.iterrows():
            text += f"; {r['role']} {format_value(r['value'], unit, dec)}"
        return text + ". The figures are in the table below the chart."
    text += f", {n} authorit{'y' if n == 1 else 'ies'} ordered best first"
    if band_zones(row):
        text += f"; {band_text(row)}"
    sel = with_value[with_value["role"] == "selected"]
    if not sel.empty:
        pos = int(sel.iloc[0]["position"])
        joint = "joint " if int((with_value["position"] == pos).sum()) > 1 else ""
        text += (
            f". {sel.iloc[0]['la_name']} is {joint}{_ordinal(pos)} of {n} at "
            f"{format_value(sel.iloc[0]['value'], unit, dec)}"
        )
    elif (bars["role"] == "selected").any():
        text += f". {bars[bars['role'] == 'selected'].iloc[0]['la_name']} has no published figure"
    if n:
        best, worst = with_value.iloc[0], with_value.iloc[-1]
        text += (
            f"; best {best['la_name']} {format_value(best['value'], unit, dec)}, "
            f"lowest-ranked {worst['la_name']} {format_value(worst['value'], unit, dec)}"
        )
    for _, r in refs.iterrows():
        text += f"; {r['role']} {format_value(r['value'], unit, dec)}"
    return text + ". The figures are in the table below the chart."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def comparison_table(
    comparison_one_indicator: pd.DataFrame, indicator_row: Mapping[str, Any] | pd.Series
) -> pd.DataFrame:
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
        has = not is_missing(r["value"]) and not is_missing(r["position"])
        joint = has and int((bars["position"] == r["position"]).sum()) > 1
        rows.append(
            {
                "Position": (f"{int(r['position'])}=" if joint else str(int(r["position"]))) if has else "–",
                "Authority": str(r["la_name"]),
                "Value": str(r["label"]),
                "Role": _ROLE_LEGEND.get(r["role"], str(r["role"])),
                "National rank": "–" if is_missing(r.get("rank")) else str(int(r["rank"])),
                "Note": "" if is_missing(r.get("note")) else str(r.get("note")),
            }
        )
    for _, r in refs.iterrows():
        rows.append(
            {
                "Position": "–",
                "Authority": str(r["la_name"]) if not is_missing(r.get("la_name")) else str(r["role"]),
                "Value": format_value(r["value"], unit, dec),
                "Role": f"{r['role']} figure",
                "National rank": "–",
                "Note": "",
            }
        )
    columns = ["Position", "Authority", "Value", "Role", "National rank", "Note"]
    out = pd.DataFrame(rows, columns=columns)
    return out if out["Note"].str.strip().ne("").any() else out.drop(columns=["Note"])
