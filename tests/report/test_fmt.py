"""Display rounding, one rule for the HTML, the PDF and Excel (snop.report.fmt)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snop.report import fmt


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (12345.5, "units", "12,346"),  # half away from zero would be 12,346 too
        (-0.4, "units", "0"),  # no "-0"
        (0.61504, "ratio", "61.5%"),
        (-0.0004, "ratio", "0.0%"),
        (1.0, "ratio", "100.0%"),
        (4.04, "days", "4.0"),
        (-1.476, "signal", "-1.5"),
        (43.0, "people", "43"),
        (1234567.891, "money", "1,234,568"),
        (None, "money", ""),
        (math.nan, "units", ""),
        ("APPL", "text", "APPL"),
    ],
)
def test_numbers_are_rounded_by_unit(value: object, unit: str, shown: str) -> None:
    assert fmt.number(value, unit) == shown


def test_headlines_in_thousands_and_millions() -> None:
    assert fmt.short(26_970_226.68, "money", "USD") == "26.97M USD"
    assert fmt.short(746_826.68, "money", "USD") == "746.8k USD"
    assert fmt.short(9_999.0, "units") == "9,999"
    assert fmt.short(-12_500.0, "units") == "-12.5k"
    assert fmt.short(None, "money", "USD") == "–"
    assert fmt.signed(746_826.68, "money", "USD") == "+746.8k USD"
    assert fmt.signed(-0.031, "ratio") == "-3.1 pts"
    assert fmt.signed(0.0, "units") == "0"


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unit 'euros'"):
        fmt.number(1.0, "euros")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_a_shown_number_reads_back_within_half_its_last_digit(x: float) -> None:
    shown = fmt.number(x, "units")
    assert abs(float(shown.replace(",", "")) - x) <= 0.5 + 1e-6 * abs(x)
    assert shown != "-0"
