"""Charts for the committee pack and the benchmark comparison, as Vega-Lite specs and Altair charts.

Every builder takes the :class:`kpitools.pack.build.PackTables` DataFrames (columns as in
``docs/DESIGN.md``). The ``*_spec`` functions return a chart as a Vega-Lite dict, built directly
(a few milliseconds a chart, no Altair); the report notebooks render those to static SVG with
:func:`kpitools.present.render.svg_figure`. :func:`trend_chart`, :func:`benchmark_trend_chart`,
:func:`comparison_bars`, :func:`summary_chart` and :func:`explorer_chart` return the same charts as
Altair objects for the exploration notebook and the tests (``chart.to_dict()`` is the spec).
Altair is imported only when one of those is first called.

Design rules
------------
- Colours come from the Government Analysis Function palette (:data:`PALETTE`).
- Colour is never the only cue: every series also has its own point shape and dash pattern, the
  selected authority is labelled in words and bold, reference lines carry text labels, and RAG
  bars are labelled with the RAG word.
- Every chart has a text alternative (``describe_*``) and a data table (``*_table``) next to it.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import threading
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from kpitools.core.imports import import_jsonschema
from kpitools.core.values import ROUNDS_TO_ZERO
from kpitools.core.vocabulary import STATUS_WORDS
from kpitools.present.page import is_missing

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "PALETTE",
    "RAG_COLOURS",
    "RAG_TEXT_COLOURS",
    "FONT",
    "VEGA_LITE_SCHEMA",
    "format_value",
    "unit_label",
    "benchmark_year_label",
    "trend_spec",
    "trend_chart",
    "benchmark_trend_spec",
    "benchmark_trend_chart",
    "has_trend_data",
    "explorer_spec",
    "explorer_chart",
    "comparison_spec",
    "comparison_bars",
    "summary_spec",
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


# --------------------------------------------------------------------------------------------
# Formatting helpers (shared with kpitools.present.render)
# --------------------------------------------------------------------------------------------


def _decimals(row: Mapping[str, Any] | None, default: int = 1) -> int:
    if row is None:
        return default
    d: Any = row.get("decimals")
    if is_missing(d):
        return default
    try:
        return max(0, min(6, int(d)))
    except (TypeError, ValueError):
        return default


def _unit(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return ""
    u = row.get("unit")
    return "" if is_missing(u) else str(u).strip().lower()


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
    if is_missing(value):
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


def published_label(value: Any, symbol: Any, unit: str | None = None, decimals: int = 1, missing: str = "–") -> str:
    """A published figure as DfE published it: ``16.3%``, or ``low`` for a figure that rounds to zero
    (counted as 0, shown as its symbol).

    Examples
    --------
    >>> published_label(0.0, "low", "percent", 1), published_label(16.3, "", "percent", 1)
    ('low', '16.3%')
    """
    if not is_missing(value) and not is_missing(symbol) and str(symbol) in ROUNDS_TO_ZERO:
        return str(symbol)
    return format_value(value, unit, decimals, missing=missing)


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
    if not is_missing(year_end):
        ts = pd.Timestamp(year_end)
        return f"year to {ts.strftime('%B %Y')}"
    if is_missing(year):
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
        ids = df["indicator_id"].tolist()
        if all(i == ind for i in ids):  # already this indicator's rows (kpitools.present.sections cuts them once)
            return df.copy()
        return df.take(np.flatnonzero((_as_text(df["indicator_id"]) == str(ind)).fillna(False).to_numpy(dtype=bool)))
    return df.copy()


def _text_values(col: pd.Series) -> list[Any]:
    """``_column_values(col.astype(str))``; a column of Python strings is taken as it is."""
    values = col.tolist()
    if col.dtype == object and all(type(v) is str for v in values):
        return values
    return _column_values(_as_text(col))


def _as_text(col: pd.Series) -> pd.Series:
    """``col.astype(str)``, without converting a column that is text already (it would copy it:
    ~1 ms a call for pandas' Arrow-backed strings)."""
    return col if isinstance(col.dtype, pd.StringDtype) else col.astype(str)


def _title(row: Mapping[str, Any]) -> str:
    t = row.get("title")
    return str(row.get("indicator_id", "Indicator")) if is_missing(t) else str(t)


_CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "aria": False,
    "axis": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "gridColor": "#E5E5E5",
        "domainColor": "#505A5F",
        "tickColor": "#505A5F",
        "titleFontWeight": "bold",
    },
    "legend": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "labelLimit": 320,
        "symbolStrokeWidth": 2.5,
    },
    # The continuous sizes are what Altair's default theme adds: kept so the specs are the ones
    # Altair wrote (every chart here sets its own width and height).
    "view": {"continuousWidth": 300, "continuousHeight": 300, "stroke": None},
    "text": {"font": FONT},
}

#: The Vega-Lite version the specs are written for (Altair 6.3's); :func:`kpitools.present.render.chart_svg`
#: asks vl-convert for this version.
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


# --------------------------------------------------------------------------------------------
# Vega-Lite specs as plain dicts, and Altair only on demand
# --------------------------------------------------------------------------------------------
# Building the charts with Altair's objects cost ~0.25 s a chart (object construction, deep copies,
# schema look-ups) before vl-convert even started; the same spec written as dicts takes a few
# milliseconds. The specs are the ones the Altair-built charts gave (compared chart by chart on two
# packs when the change was made), down to the names of the inline data sets.

_ALTAIR_LOCK = threading.Lock()


def _altair() -> ModuleType:
    """Import Altair (once); everything else in this module works without it."""
    if "altair" in sys.modules:
        return sys.modules["altair"]
    with _ALTAIR_LOCK:
        import_jsonschema()  # 2.8 s of a 3.5 s "import altair" was jsonschema's IRI checker
        import altair
    return altair


#: pandas' nullable dtypes, whose missing values are pd.NA.
_NULLABLE = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean"}


def _column_values(col: pd.Series) -> list[Any]:
    """A column as the JSON-ready values Altair writes for it (``sanitize_pandas_dataframe``):
    dates as ISO text (``""`` for NaT), missing and infinite numbers as null, NumPy scalars as
    Python numbers."""
    dtype = str(col.dtype)
    if dtype.startswith(("datetime", "timestamp")):
        return ["" if x is pd.NaT else x.isoformat() for x in col]
    if dtype.startswith("timedelta"):
        raise ValueError(f"column {col.name!r} holds time differences, which Vega-Lite cannot show")
    if dtype == "bool" or (dtype not in _NULLABLE and col.dtype.kind in "iu"):
        return col.tolist()
    if dtype not in _NULLABLE and col.dtype.kind == "f":
        arr = col.to_numpy()
        return [v if ok else None for v, ok in zip(arr.tolist(), np.isfinite(arr).tolist())]
    # Object, text, categories and the nullable dtypes: missing values become null.
    values = [
        None if missing else (v.item() if isinstance(v, np.generic) else v)
        for v, missing in zip(col.astype(object).tolist(), col.isna().tolist())
    ]
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in values]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts (see :func:`_column_values`)."""
    if len(df.columns) == 0:
        return [{} for _ in range(len(df))]
    names = list(df.columns)
    return [dict(zip(names, row)) for row in zip(*(_column_values(df[name]) for name in names))]


def _dataset_name(values: list[dict[str, Any]]) -> str:
    """Altair's name for an inline data set: a hash of its values."""
    if values == [{}]:
        return "empty"
    return "data-" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


class _Datasets:
    """The inline data of one chart, kept once each under its hash name in the spec's ``datasets``."""

    def __init__(self) -> None:
        self.values: dict[str, list[dict[str, Any]]] = {}
        self._names: dict[int, tuple[Any, str]] = {}

    def ref(self, source: pd.DataFrame | list[dict[str, Any]]) -> dict[str, str]:
        """``{"name": ...}`` for a DataFrame or a list of records (converted once per object)."""
        known = self._names.get(id(source))
        if known is None:
            values = _records(source) if isinstance(source, pd.DataFrame) else source
            name = _dataset_name(values)
            self.values[name] = values
            known = self._names[id(source)] = (source, name)  # holding the source keeps its id unique
        return {"name": known[1]}


def _layer_spec(data: _Datasets, layers: list[tuple[Any, dict[str, Any]]], **props: Any) -> dict[str, Any]:
    """A layer chart from ``(data source, unit spec)`` pairs. As Altair does, data that every layer
    takes from the same object is given once, on the layer chart."""
    first = layers[0][0] if layers else None
    if first is not None and all(source is first for source, _ in layers):
        spec: dict[str, Any] = {"data": data.ref(first), "layer": [unit for _, unit in layers]}
    else:
        spec = {"layer": [unit if source is None else {"data": data.ref(source), **unit} for source, unit in layers]}
    spec.update(props)
    return spec


def _fresh(obj: Any) -> Any:
    """A deep copy of a spec fragment, so that no two places in a spec share a list or a dict."""
    if isinstance(obj, dict):
        return {k: _fresh(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_fresh(v) for v in obj]
    return obj


def _top_level(chart: dict[str, Any], data: _Datasets, **extra_config: dict[str, Any]) -> dict[str, Any]:
    """The complete spec: schema, the chart (copied), the house style and the inline data sets."""
    config = {k: (dict(v) if isinstance(v, dict) else v) for k, v in _CONFIG.items()}
    for key, value in extra_config.items():
        config.setdefault(key, {}).update(value)
    spec = {"$schema": VEGA_LITE_SCHEMA, **_fresh(chart), "config": config}
    if data.values:
        spec["datasets"] = data.values
    return spec


def _param_name(param: dict[str, Any]) -> str:
    """The name Altair gives an unnamed selection parameter (a hash of its definition)."""
    key = json.dumps({"empty": "Undefined", "param": param, "param_type": "selection"}, sort_keys=True)
    return "param_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _name_view(unit: dict[str, Any], position: int) -> str:
    """Name a view that a selection is bound to (a hash of the view, like Altair's ``view_...``
    names, though not the same digits: Altair hashes its Python objects) and return the name."""
    digest = hashlib.sha256(json.dumps(unit, sort_keys=True, default=str).encode()).hexdigest()[:16]
    unit["name"] = f"view_{digest}_{position}"
    return unit["name"]


def _as_altair(spec: dict[str, Any]) -> Any:
    """The Altair chart object for a finished spec; its ``to_dict()`` gives ``spec`` back.

    Built from the spec's parts: ``alt.VConcatChart.from_dict(spec, validate=False)`` gives the same
    chart but measured 0.2 to 1.4 s a chart (it picks each schema ``anyOf`` by validating).
    """
    altair = _altair()
    kwds = dict(spec)
    if "params" in kwds:  # Altair lifts parameters as schema objects, not dicts
        kwds["params"] = [
            altair.TopLevelSelectionParameter(**p) if "select" in p else altair.VariableParameter(**p)
            for p in kwds["params"]
        ]
    if "vconcat" in kwds:
        kwds["vconcat"] = [_as_altair_view(altair, sub) for sub in kwds["vconcat"]]
        return altair.VConcatChart(**kwds)
    return _as_altair_view(altair, kwds)


def _as_altair_view(altair: ModuleType, spec: dict[str, Any]) -> alt.LayerChart | alt.Chart:
    kwds = dict(spec)
    if "layer" in kwds:
        kwds["layer"] = [_as_altair_view(altair, unit) for unit in kwds["layer"]]
        return altair.LayerChart(**kwds)
    if "encoding" in kwds:  # a schema object: Altair inspects the encoding when charts are layered
        kwds["encoding"] = altair.FacetedEncoding(**kwds["encoding"])
    return altair.Chart(**kwds)


def _series_encoding(order: list[str], values: list[Any], **extra: Any) -> dict[str, Any]:
    """A nominal ``series`` channel mapping each series, in ``order``, to its own style value."""
    return {"field": "series", "type": "nominal", **extra, "scale": {"domain": list(order), "range": list(values)}}


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


def _empty_spec(message: str, width: int, height: int) -> dict[str, Any]:
    """A chart that only says ``message`` (when there is nothing to draw)."""
    data = _Datasets()
    chart = {
        "data": data.ref([{"text": message}]),
        "mark": {"type": "text", "fontSize": 14, "color": TEXT},
        "encoding": {"text": {"field": "text", "type": "nominal"}},
        "width": width,
        "height": min(height, 60),
    }
    return _top_level(chart, data)


# --------------------------------------------------------------------------------------------
# Comparison bars
# --------------------------------------------------------------------------------------------


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
        "title": unit_label(unit),
        "scale": x_scale,
        "axis": {"format": f",.{dec}f", "grid": True, "tickCount": 5},
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
# Summary chart
# --------------------------------------------------------------------------------------------


def _summary_records(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per bar: Green, Amber and Red (even when 0), then each unrated status with a count."""
    groups = summary["group"].astype(str).str.lower().tolist()
    categories = summary["category"].astype(str).tolist()
    counts = pd.to_numeric(summary["count"], errors="coerce").fillna(0).astype(int).tolist()
    rag: dict[str, int] = {}
    for group, category, count in zip(groups, categories, counts):
        if group == "rag":
            if category in rag:
                raise ValueError(f"the summary has more than one {category!r} row")
            rag[category] = count
    rows = [{"category": c, "count": int(rag.get(c, 0)), "kind": c} for c in ("Green", "Amber", "Red")]
    for group, category, count in zip(groups, categories, counts):
        if group == "status" and category.lower() != "rated" and count > 0:
            word = STATUS_WORDS.get(category.lower(), category.capitalize())
            rows.append({"category": word, "count": int(count), "kind": "status"})
    return rows


def _summary_rows(summary: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(_summary_records(summary))


def summary_spec(summary: pd.DataFrame, *, width: int = 420, bar_height: int = 30) -> dict[str, Any]:
    """The Vega-Lite spec of :func:`summary_chart`, built without Altair (for static rendering).

    Parameters
    ----------
    summary, width, bar_height
        As for :func:`summary_chart`.

    Returns
    -------
    dict
        A complete Vega-Lite spec.
    """
    rows = _summary_records(summary)
    order = [r["category"] for r in rows]
    colours = [RAG_COLOURS.get(c, NEUTRAL) for c in order]
    maxc = max(1, max(r["count"] for r in rows))
    # No axis: every bar has its count written at its end.
    x = {
        "field": "count",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": [0, maxc * 1.15], "nice": False},
        "axis": None,
    }
    y = {
        "field": "category",
        "type": "nominal",
        "sort": order,
        "title": None,
        "axis": {"labelFontSize": 13, "ticks": False, "domain": False},
    }
    colour = {"field": "category", "type": "nominal", "scale": {"domain": order, "range": colours}, "legend": None}
    data = _Datasets()
    chart = _layer_spec(
        data,
        [
            (
                rows,
                {
                    "mark": {"type": "bar", "stroke": TEXT, "strokeWidth": 1, "height": bar_height - 8},
                    "encoding": {"x": x, "y": y, "color": colour},
                },
            ),
            (
                rows,
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 5,
                        "fontSize": 13,
                        "fontWeight": "bold",
                        "color": TEXT,
                    },
                    "encoding": {"x": x, "y": y, "text": {"field": "count", "type": "quantitative"}},
                },
            ),
        ],
        width=width,
        height=bar_height * max(1, len(rows)),
    )
    return _top_level(chart, data)


def summary_chart(summary: pd.DataFrame, *, width: int = 420, bar_height: int = 30) -> alt.LayerChart:
    """Counts of indicators by RAG rating (and by unrated status) as labelled bars.

    Parameters
    ----------
    summary
        ``PackTables.summary`` (``group, category, count, percent``).
    width, bar_height
        Plot width and the height of one bar, in pixels.

    Returns
    -------
    altair.LayerChart
        One bar per category (Green, Amber, Red, then any unrated statuses in grey), named on the
        axis in words, outlined so the Amber bar keeps a 3:1 contrast, with its count written at
        the end of the bar. Its ``to_dict()`` is :func:`summary_spec`.
    """
    return _as_altair(summary_spec(summary, width=width, bar_height=bar_height))


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


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as display text: ``Category, Number of indicators, Percent``."""
    df = summary.copy()
    out = []
    for group, heading in (("rag", "rated indicators"), ("status", "all indicators")):
        part = df[df["group"].astype(str).str.lower() == group]
        for _, r in part.iterrows():
            cat = str(r["category"])
            word = cat if group == "rag" else STATUS_WORDS.get(cat.lower(), cat.capitalize())
            pct = "–" if is_missing(r.get("percent")) else f"{int(round(float(r['percent'])))}%"
            out.append(
                {
                    "Category": word,
                    "Number of indicators": str(int(r["count"])),
                    "Percent": f"{pct} of {heading}" if pct != "–" else pct,
                }
            )
    return pd.DataFrame(out, columns=["Category", "Number of indicators", "Percent"])


# --------------------------------------------------------------------------------------------
# Exploration (JupyterLab only: interactive, never exported)
# --------------------------------------------------------------------------------------------


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
