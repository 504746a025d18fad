"""Figures for people: the one rounding rule and the one formatter for every figure in a pack.

The rule: a figure is rounded **half away from zero on the decimal value as written** (what a
spreadsheet does, and what a reader expects): the float's shortest representation (``repr``),
read as a decimal and quantized with ``ROUND_HALF_UP``. So ``12.35`` at 1 decimal is ``12.4`` (the
binary float is ``12.3499999...``, which is why Python's ``f"{12.35:.1f}"`` gives ``12.3``),
``0.125`` at 2 decimals ``0.13``, ``-2.5`` at 0 decimals ``-3`` and ``-0.04`` at 1 decimal
``0.0`` (a zero is shown without a sign).

Text: thousands separators (``1,234``), a real minus sign (U+2212) and ``%`` for a percent. The table
(:func:`kpitools.score.text.format_values`), the charts
(:func:`kpitools.present.charts.formatting.format_value`), the ratings
(:mod:`kpitools.score.scoring`, which compares at the displayed precision) and the scorecard files
(:func:`kpitools.pack.build.write_scorecard`) all round with this module.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

MINUS = "\u2212"  # a real minus sign, not a hyphen
PERCENT_UNITS = frozenset({"percent", "%", "percentage"})
# a product |x| * 10**d this close to a half (relative) is decided from the decimal as written; the
# float's own error is a few parts in 1e16, so every true tie is caught, and the few near ones are exact
_NEAR_HALF = 1e-12


def _half_up_scaled(x: float, decimals: int) -> float:
    """One figure, rounded half away from zero as written, as a count of its last decimal."""
    try:
        d = Decimal(repr(float(x))).scaleb(decimals)
    except InvalidOperation:  # pragma: no cover - only finite numbers reach here
        return float("nan")
    return float(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_scaled(x: pd.Series | np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """:func:`round_half_up` with ``10 ** decimals`` already worked out (once per indicator, not per row)."""
    x = np.asarray(x, dtype="float64")
    scale_arr = np.broadcast_to(np.asarray(scale, dtype="float64"), x.shape)
    y = np.abs(x) * scale_arr
    k = np.floor(y + 0.5)
    with np.errstate(invalid="ignore"):
        near = np.abs(y - np.floor(y) - 0.5) <= _NEAR_HALF * np.maximum(y, 1.0)
    if near.any():
        idx = np.flatnonzero(near)
        dec = np.rint(np.log10(scale_arr[idx])).astype("int64")
        k[idx] = [abs(_half_up_scaled(v, int(d))) for v, d in zip(x[idx], dec)]
    return np.sign(x) * k


def _round_one(x: float, decimals: int) -> float:
    """:func:`round_scaled` for one finite number (no numpy: a chart's table formats cell by cell)."""
    y = abs(x) * 10.0**decimals
    if abs(y - math.floor(y) - 0.5) <= _NEAR_HALF * max(y, 1.0):
        k = abs(_half_up_scaled(x, decimals))
    else:
        k = math.floor(y + 0.5)
    return math.copysign(k, x) if k else 0.0


def round_half_up(x: pd.Series | np.ndarray, decimals: pd.Series | np.ndarray | int) -> np.ndarray:
    """Round half away from zero on the decimal as written, per row, in units of the last decimal.

    Returns the scaled integers as floats (``12.35`` at 1 decimal -> ``124``), NaN where ``x`` is NaN.

    Examples
    --------
    >>> round_half_up(np.array([0.15, 2.675, -1.25, 12.35]), np.array([1, 2, 1, 1])).tolist()
    [2.0, 268.0, -13.0, 124.0]
    """
    return round_scaled(x, 10.0 ** np.asarray(decimals, dtype="float64"))


def round_figures(x: pd.Series | np.ndarray, decimals: pd.Series | np.ndarray | int) -> np.ndarray:
    """Figures rounded half up to ``decimals`` as floats: the nearest float to the rounded decimal, so
    ``21.619999999999997`` at 2 decimals is ``21.62`` (written ``21.62``, not ``21.619999999999997``).

    Examples
    --------
    >>> round_figures(np.array([21.619999999999997, 12.35, np.nan]), np.array([2, 1, 1])).tolist()
    [21.62, 12.4, nan]
    """
    scale = 10.0 ** np.asarray(decimals, dtype="float64")
    out = round_scaled(x, scale) / scale
    return np.where(out == 0, 0.0, out)  # no -0.0


def round_significant(x: pd.Series | np.ndarray, digits: int = 10) -> np.ndarray:
    """Floats to ``digits`` significant digits: float noise taken off (``0.30000000000000004`` -> ``0.3``).

    Examples
    --------
    >>> round_significant(np.array([0.30000000000000004, 1234.5678, 0.0, np.nan])).tolist()
    [0.3, 1234.5678, 0.0, nan]
    """
    x = np.asarray(x, dtype="float64")
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    if ok.any():
        out[ok] = [float(f"{v:.{digits - 1}e}") for v in x[ok]]
    return out


def _floats(x: Any) -> np.ndarray:
    """A column or a scalar as float64, NaN for pandas' NA."""
    if isinstance(x, pd.Series | pd.Index):
        return x.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(x, dtype="float64")


def _number_text(scaled: float, decimals: int) -> str:
    """``scaled`` (a count of the last decimal) as text with separators and a real minus sign."""
    text = f"{abs(scaled) / 10.0**decimals:,.{decimals}f}"
    return MINUS + text if scaled < 0 else text


def format_number(value: Any, decimals: int = 1, missing: str = "\u2013") -> str:
    """A number rounded half up (as written) with thousands separators and a real minus sign.

    Examples
    --------
    >>> format_number(12.35, 1), format_number(1234.5, 0), format_number(-2.5, 0), format_number(None)
    ('12.4', '1,235', '\u22123', '\u2013')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return missing
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return missing
    d = max(0, int(decimals))
    return _number_text(_round_one(number, d), d)


def format_figure(value: Any, unit: str | None = None, decimals: int = 1, missing: str = "\u2013") -> str:
    """A figure in its unit for people: ``12.4%`` (percent), ``1,204``, ``\u22122.5``; ``missing`` when
    there is no number. Rounded half away from zero on the decimal as written (module docstring).

    Examples
    --------
    >>> format_figure(12.35, "percent", 1), format_figure(0.125, "rate", 2), format_figure(-2.5, "count", 0)
    ('12.4%', '0.13', '\u22123')
    """
    text = format_number(value, decimals, missing)
    if text != missing and (unit or "").strip().lower() in PERCENT_UNITS:
        try:
            float(value)
        except (TypeError, ValueError):
            return text  # text that is not a number is shown as it is
        text += "%"
    return text


def format_numbers(values: pd.Series, decimals: pd.Series | np.ndarray | int, missing: str = "") -> pd.Series:
    """:func:`format_number` over a column (vectorised rounding; the text built once per distinct
    number of decimals).

    Examples
    --------
    >>> format_numbers(pd.Series([12.35, 1234.0, None, -0.04]), pd.Series([1, 0, 0, 1])).tolist()
    ['12.4', '1,234', '', '0.0']
    """
    v = _floats(pd.to_numeric(values, errors="coerce"))
    d = np.broadcast_to(_floats(decimals), v.shape)
    d = np.where(np.isnan(d), 1.0, np.clip(d, 0, None)).astype("int64")
    scaled = round_half_up(v, d)
    out = np.full(v.shape, missing, dtype=object)
    finite = np.isfinite(scaled)
    for dec in np.unique(d[finite]):
        idx = np.flatnonzero(finite & (d == dec))
        spec = f",.{int(dec)}f"
        s = scaled[idx]
        texts = [format(x, spec) for x in np.abs(s) / 10.0 ** int(dec)]
        out[idx] = [MINUS + t if n < 0 else t for t, n in zip(texts, s)]
    return pd.Series(out, index=values.index if isinstance(values, pd.Series) else None, dtype="object")
