"""Vega-Lite specs as plain dicts, and Altair only on demand.

The engine under every chart family: inline data sets named as Altair names them, layer and
top-level specs with the house config (:mod:`kpitools.present.charts.style`), and the Altair
object for a finished spec (:func:`_as_altair`), the only place that imports Altair.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpitools.core.imports import import_jsonschema
from kpitools.present.charts.formatting import _as_text
from kpitools.present.charts.style import _CONFIG, TEXT, VEGA_LITE_SCHEMA

if TYPE_CHECKING:
    import altair as alt


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


def _text_values(col: pd.Series) -> list[Any]:
    """``_column_values(col.astype(str))``; a column of Python strings is taken as it is."""
    values = col.tolist()
    if col.dtype == object and all(type(v) is str for v in values):
        return values
    return _column_values(_as_text(col))


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
