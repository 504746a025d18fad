"""Reading the value cells analysts and DfE write: numbers, ``60.9%``, symbols, blanks.

DfE's statistical symbols are never numbers and never zero: ``c`` confidential (suppressed),
``x`` not available, ``z`` not applicable, ``u`` low reliability, ``k`` rounds to zero; the GSS
bracketed forms (``[c]``, ``[x]``...) are read too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# value_status for each symbol: what the scorecard says instead of a colour.
SYMBOLS: dict[str, tuple[str, str]] = {
    "c": ("suppressed", "suppressed to protect confidentiality (c)"),
    "k": ("suppressed", "rounds to zero but is not zero (k)"),
    "low": ("suppressed", "a small number, suppressed (low)"),
    "x": ("missing", "not available (x)"),
    "z": ("missing", "not applicable (z)"),
    "u": ("missing", "low reliability (u)"),
}
# DfE's symbols for a published figure that rounds to zero: shown as published, counted as zero (the
# lowest value) in ranks and averages (docs/benchmarks.md).
ROUNDS_TO_ZERO: dict[str, str] = {
    "low": "published as 'low': a rate that rounds to zero, ranked as the lowest value",
    "k": "published as 'k': rounds to zero, ranked as the lowest value",
}
_MISSING_WORDS = {"", "-", "n/a", "na", "n.a.", "..", ":", "none", "null", "nan", "not available", "tbc"}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
# UK thousands separators (1,234): the first group has no leading zero, so 0,123 (a decimal comma) is
# never read as 123
_THOUSANDS = r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$"
_DECIMAL_COMMA = r"^[+-]?\d+,\d+\s*%?$"
# a footnote or revision marker after a number: 45.2*, 45.2 (p), 45.2[r], 45.2†
_FOOTNOTE = r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)\s*%?\s*(?:\*+|[\u2020\u2021]+|\^|\((?:[a-z]|\d+)\)|\[(?:[a-z]|\d+|note\s*\d+)\])$"


def parse_values(raw: pd.Series) -> pd.DataFrame:
    """Read a column of value cells.

    Returns a frame with ``value`` (float, NaN unless a number was read), ``value_status``
    (``ok``, ``missing``, ``suppressed`` or ``invalid``), ``symbol`` (the DfE symbol, or ``""``),
    ``reason`` (words for a status other than ok), ``is_percent_text`` (the cell had ``%``) and
    ``has_thousands`` (the number was written with a thousands separator, ``1,234``).

    A number with a footnote marker (``45.2*``) or a decimal comma (``17,1``) is invalid, with a
    reason saying so: the marker may mean the figure is provisional, and ``0,123`` is not ``123``.

    Examples
    --------
    >>> parse_values(pd.Series(["60.9%", "c", "\u2013", "1,234", "#DIV/0!", 3]))[["value", "value_status"]].values.tolist()
    [[60.9, 'ok'], [nan, 'suppressed'], [nan, 'missing'], [1234.0, 'ok'], [nan, 'invalid'], [3.0, 'ok']]
    """
    numeric = pd.to_numeric(raw, errors="coerce") if raw.dtype.kind in "iufb" else None
    text = raw.astype("object").where(raw.notna(), "").astype(str).str.strip()
    text = text.str.translate({ord(c): "-" for c in _DASHES})
    lower = text.str.lower()
    bare = lower.str.replace(r"^\[(.*)\]$", r"\1", regex=True)

    value = pd.Series(np.nan, index=raw.index, dtype="float64")
    status = pd.Series("invalid", index=raw.index, dtype="object")
    symbol = pd.Series("", index=raw.index, dtype="object")
    reason = pd.Series("", index=raw.index, dtype="object")

    if numeric is not None:
        is_num = numeric.notna()
        value.loc[is_num] = numeric[is_num].astype(float)
        status.loc[is_num] = "ok"

    pct = text.str.fullmatch(r"[+-]?[\d.,]+\s*%")
    body = text.str.replace(r"\s*%$", "", regex=True)
    plain = body.str.fullmatch(_NUMBER) & status.ne("ok")
    thousands = body.str.fullmatch(_THOUSANDS) & status.ne("ok")
    readable = (plain | thousands) & (pct | ~text.str.contains("%", regex=False))
    value.loc[readable] = pd.to_numeric(body[readable].str.replace(",", "", regex=False), errors="coerce")
    status.loc[readable] = "ok"

    is_symbol = bare.isin(list(SYMBOLS)) & status.ne("ok")
    symbol.loc[is_symbol] = bare[is_symbol]
    status.loc[is_symbol] = bare[is_symbol].map(lambda s: SYMBOLS[s][0])
    reason.loc[is_symbol] = bare[is_symbol].map(lambda s: SYMBOLS[s][1])

    missing = lower.isin(_MISSING_WORDS) & status.eq("invalid")
    status.loc[missing] = "missing"
    reason.loc[missing] = "no value in the extract"

    bad = status.eq("invalid")
    reason.loc[bad & text.str.startswith("#")] = "a spreadsheet error, not a value"
    reason.loc[bad & reason.eq("") & lower.str.fullmatch(_FOOTNOTE)] = (
        "a footnote marker after the number: give the number alone and put the note in the commentary"
    )
    comma = bad & reason.eq("") & text.str.fullmatch(_DECIMAL_COMMA)
    reason.loc[comma] = "a decimal comma: write it with a decimal point, " + text[comma].str.replace(
        ",", ".", regex=False
    )
    reason.loc[bad & reason.eq("")] = "not a number"
    non_finite = status.eq("ok") & ~np.isfinite(value)
    status.loc[non_finite] = "invalid"
    reason.loc[non_finite] = "not a finite number"
    return pd.DataFrame(
        {
            "value": value,
            "value_status": status,
            "symbol": symbol,
            "reason": reason,
            "is_percent_text": pct.fillna(False).astype(bool),
            "has_thousands": (thousands.fillna(False).astype(bool) & status.eq("ok")),
        }
    )


EXPECTED_VALUE = "a number (e.g. 60.9 or 60.9%), blank or N/A for missing, or a DfE symbol (c, x, z, u, k)"
