"""One number formatter for the CLI, maps and pages: readable, never scientific, never nan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from layers.numbers import MISSING, format_number
from maps.base import format_value
from service.pages import fmt
from siting.cli._common import format_number as cli_format_number


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    st.integers(0, 4),
)
def test_finite_numbers_read_back_within_rounding(value: float, digits: int) -> None:
    text = format_number(value, digits)
    assert "e" not in text.lower() and "nan" not in text.lower()
    back = float(text.replace(",", ""))
    if value == 0 or abs(value) >= 10 ** (-digits):
        assert math.isclose(back, value, abs_tol=0.5 * 10 ** (-digits) + 1e-9 * abs(value))
    else:  # a tiny value keeps two significant digits, never shows as zero
        assert back != 0 and math.isclose(back, value, rel_tol=0.06)


@given(st.integers(-(10**15), 10**15))
def test_integers_get_separators_and_no_decimals(value: int) -> None:
    text = format_number(value, 2)
    assert "." not in text and int(text.replace(",", "")) == value
    assert format_number(np.int64(value), 2) == text


def test_missing_values_never_print_nan() -> None:
    for missing in (None, float("nan"), np.nan, pd.NA, pd.NaT):
        assert format_number(missing) == MISSING
        assert format_value(missing) == "—"
        assert fmt.num(missing) == MISSING
        assert fmt.pct(missing) == MISSING


def test_every_surface_uses_the_same_rule() -> None:
    assert cli_format_number is format_number
    assert fmt.num(12345.678, 1) == format_number(12345.678, 1) == "12,345.7"
    assert fmt.pct(0.00042, 1) == "0.00042%"
    # popups: whole or large numbers without decimals, small ones never in e-notation
    assert format_value(np.float64(81234.6)) == "81,235"
    assert format_value(3.14159) == "3.14"
    assert format_value(1.2e-5) == "0.000012"
    assert format_value(np.int32(7)) == "7"
    assert format_value(True) == "예 yes"
