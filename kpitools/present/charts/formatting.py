"""Formatting helpers: numbers in their unit, published labels, axis titles and benchmark years,
and the indicator row and rows of a table (shared by the chart families and
:mod:`kpitools.present.render`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.numbers import format_figure
from kpitools.core.values import ROUNDS_TO_ZERO
from kpitools.present.page import is_missing


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
    """Format a number in its unit for people: ``60.9%``, ``1,204``, ``12.5``
    (:func:`kpitools.core.numbers.format_figure`: ``12.35`` at 1 decimal is ``12.4``).

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
    # the one formatter of the pack: rounded half away from zero on the decimal as written (12.35 at
    # 1 decimal is 12.4, as the scorecard table shows it), separators, a real minus sign, % for percent
    return format_figure(number, unit, max(0, int(decimals)), missing=missing)


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


def _as_text(col: pd.Series) -> pd.Series:
    """``col.astype(str)``, without converting a column that is text already (it would copy it:
    ~1 ms a call for pandas' Arrow-backed strings)."""
    return col if isinstance(col.dtype, pd.StringDtype) else col.astype(str)


def _title(row: Mapping[str, Any]) -> str:
    t = row.get("title")
    return str(row.get("indicator_id", "Indicator")) if is_missing(t) else str(t)
