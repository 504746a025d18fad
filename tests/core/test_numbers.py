"""The one rounding rule and formatter of the pack: half away from zero on the decimal as written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitools.core.numbers import (
    MINUS,
    format_figure,
    format_number,
    format_numbers,
    round_figures,
    round_half_up,
    round_significant,
)


def as_written(x: float, decimals: int) -> Decimal:
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q


def text_of(q: Decimal, decimals: int) -> str:
    text = f"{abs(q):,.{decimals}f}"
    return MINUS + text if q < 0 else text


@pytest.mark.parametrize(
    ("value", "decimals", "scaled"),
    [
        (12.35, 1, 124),  # the binary float is 12.3499999...: f"{12.35:.1f}" gives 12.3
        (0.125, 2, 13),
        (2.675, 2, 268),
        (1.005, 2, 101),
        (0.15, 1, 2),
        (-2.5, 0, -3),  # half away from zero
        (-1.25, 1, -13),
        (2.5, 0, 3),
        (12.34, 1, 123),
        (21.619999999999997, 2, 2162),
        (1e15 + 0.5, 0, 1e15 + 1),
    ],
)
def test_round_half_up_on_the_decimal_as_written(value, decimals, scaled):
    assert round_half_up(np.array([value]), decimals).tolist() == [scaled]
    assert round_half_up(np.array([value]), np.array([decimals])).tolist() == [scaled]


def test_round_half_up_keeps_missing_values_missing_and_works_per_row():
    out = round_half_up(pd.Series([12.35, np.nan, 0.125, -2.5]), pd.Series([1, 1, 2, 0]))
    assert np.isnan(out[1]) and out[[0, 2, 3]].tolist() == [124, 13, -3]


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "text"),
    [
        (12.35, "percent", 1, "12.4%"),
        (0.125, "rate", 2, "0.13"),
        (-2.5, "count", 0, MINUS + "3"),
        (1234.5, "count", 0, "1,235"),
        (-1234567.125, "rate", 2, MINUS + "1,234,567.13"),
        (60.94, "percentage", 1, "60.9%"),
        (-0.04, "rate", 1, "0.0"),  # a zero has no sign
        (447.0, "days", 0, "447"),
        (None, "percent", 1, "\u2013"),
        (float("nan"), "percent", 1, "\u2013"),
        (pd.NA, "count", 0, "\u2013"),
        (float("inf"), "count", 0, "\u2013"),
    ],
)
def test_format_figure(value, unit, decimals, text):
    assert format_figure(value, unit, decimals) == text


def test_format_figure_missing_text_and_text_that_is_not_a_number():
    assert format_figure(None, "percent", 1, missing="no data") == "no data"
    assert format_figure("low", "percent", 1) == "low"
    assert format_number(12.35, 1) == "12.4"


def test_format_numbers_is_format_number_over_a_column():
    values = pd.Series([12.35, 0.125, -2.5, None, 1234.5, -0.04], index=list("abcdef"))
    decimals = pd.Series([1, 2, 0, 1, 0, 1], index=list("abcdef"))
    out = format_numbers(values, decimals, missing="")
    assert out.index.tolist() == list("abcdef")
    assert out.tolist() == ["12.4", "0.13", MINUS + "3", "", "1,235", "0.0"]
    assert out.tolist() == [format_number(v, d, missing="") for v, d in zip(values, decimals)]


def test_round_figures_and_significant_take_off_float_noise():
    assert round_figures(np.array([21.619999999999997, 19.919999999999998, 12.35]), 1).tolist() == [21.6, 19.9, 12.4]
    assert repr(float(round_figures(np.array([21.619999999999997]), 2)[0])) == "21.62"
    assert repr(float(round_significant(np.array([0.1 + 0.2]))[0])) == "0.3"
    assert str(round_figures(np.array([-0.04]), 1)[0]) == "0.0"


# floats written with up to 3 decimals, as the analysts' files and DfE's publish them
written = st.builds(
    lambda n, places: n / 10**places,
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=0, max_value=3),
)


@given(x=written, decimals=st.integers(min_value=0, max_value=3))
def test_the_formatter_agrees_with_decimal_half_up(x, decimals):
    q = as_written(x, decimals)
    assert format_number(x, decimals) == text_of(q, decimals)
    assert format_figure(x, "percent", decimals) == text_of(q, decimals) + "%"
    assert round_half_up(np.array([x]), decimals)[0] == float(q.scaleb(decimals))
    assert float(round_figures(np.array([x]), decimals)[0]) == float(q)


@given(xs=st.lists(written, min_size=1, max_size=30), decimals=st.integers(min_value=0, max_value=3))
def test_the_column_formatter_agrees_with_decimal_half_up(xs, decimals):
    out = format_numbers(pd.Series(xs), decimals)
    assert out.tolist() == [text_of(as_written(x, decimals), decimals) for x in xs]


@given(x=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_any_float_rounds_as_its_repr_does(x):
    for decimals in (0, 1, 2):
        assert round_half_up(np.array([x]), decimals)[0] == float(as_written(x, decimals).scaleb(decimals))
