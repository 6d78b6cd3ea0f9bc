"""Display rounding, in one place for the HTML, the PDF and Excel: numbers are stored and
computed unrounded and rounded only here.

Units: ``units`` (whole units, thousands separators), ``money`` (whole currency units),
``ratio`` (a fraction shown as a percent with one decimal), ``days`` and ``signal`` (one
decimal), ``people`` (whole people), ``text``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

UNITS = ("units", "money", "ratio", "days", "signal", "people", "text")

# Excel number formats of the same rounding (thousands separators; negative with a minus).
EXCEL_FORMATS = {
    "units": "#,##0",
    "money": "#,##0",
    "ratio": "0.0%",
    "days": "#,##0.0",
    "signal": "0.0",
    "people": "#,##0",
    "text": "@",
}


def number(value: object, unit: str) -> str:
    """``value`` as shown: '' for a blank, then by unit (12,345; 61.5%; 4.0)."""
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
    if value is None or unit == "text":
        return "" if value is None else str(value)
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v):
        return ""
    if unit == "ratio":
        return _no_minus_zero(f"{_half_up(v * 100, 1):,.1f}") + "%"
    if unit in ("days", "signal"):
        return _no_minus_zero(f"{_half_up(v, 1):,.1f}")
    return _no_minus_zero(f"{_half_up(v, 0):,.0f}")


def _half_up(v: float, digits: int) -> Decimal:
    """``v`` rounded to ``digits`` decimals, halves away from zero as Excel shows them
    (Python's own formatting rounds halves to even: 1,234.5 would show as 1,234). The
    shortest decimal that reads back as ``v`` is rounded, so 0.125 is a half."""
    return Decimal(repr(v)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent(value: float, digits: int = 0) -> str:
    """A ratio as a percent with ``digits`` decimals (a heat map's cells: 97%)."""
    if math.isnan(value):
        return ""
    return _no_minus_zero(f"{_half_up(value * 100, digits):,.{digits}f}") + "%"


def short(value: float | None, unit: str, currency: str = "") -> str:
    """A headline number: money and units in k or M (26.97M USD), the rest as :func:`number`."""
    if value is None or math.isnan(value):
        return "–"
    if unit not in ("money", "units"):
        return number(value, unit)
    size = abs(value)
    text = (
        f"{value / 1e6:,.2f}M"
        if size >= 1e6
        else f"{value / 1e3:,.1f}k"
        if size >= 1e4
        else f"{value:,.0f}"
    )
    text = _no_minus_zero(text)
    return f"{text} {currency}".rstrip() if unit == "money" else text


def signed(value: float | None, unit: str, currency: str = "") -> str:
    """A difference: :func:`short` with its sign (+746.8k USD, -3.1 points for ratios)."""
    if value is None or math.isnan(value):
        return "–"
    if unit == "ratio":
        return _no_minus_zero(f"{value * 100:+,.1f}") + " pts"
    text = short(value, unit, currency)
    return text if text.startswith("-") or text == "0" else "+" + text


def _no_minus_zero(text: str) -> str:
    """'-0' and '-0.0' (a tiny negative rounded away) read as 0."""
    stripped = text.lstrip("-")
    return stripped if text.startswith("-") and not stripped.strip("0.,%") else text
