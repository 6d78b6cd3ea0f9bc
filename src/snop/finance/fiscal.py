"""Fiscal quarters and years: which fiscal bucket a period falls in.

A fiscal year is named after the calendar year it ends in (a year starting in July 2026
is FY2027), as most companies do; with the default start (January) FY2027 is 2027.
A period belongs to the fiscal month its first day falls in, so a week counts in the
month it starts.
"""

from __future__ import annotations

from snop.model.periods import parse_period

FISCAL_SETTING = "fiscal_year_start"


def fiscal_start_problem(raw: str) -> str | None:
    """Why ``raw`` is not a valid fiscal_year_start (None when it is, or blank)."""
    text = raw.strip()
    if not text:
        return None
    try:
        month = float(text)
    except ValueError:
        month = 0.0
    if month.is_integer() and 1 <= month <= 12:
        return None
    return f"{FISCAL_SETTING} must be a month number from 1 (January) to 12 (December)"


def fiscal_start(raw: str | None) -> int:
    """The month the fiscal year starts in, from the setting's value (default 1)."""
    if raw is None or not raw.strip() or fiscal_start_problem(raw) is not None:
        return 1
    return int(float(raw))


def fiscal_year(period: str, start: int = 1) -> str:
    """``FYyyyy``: the fiscal year of ``period`` (named after the year it ends in)."""
    first = parse_period(period).start
    year = first.year + (1 if start > 1 and first.month >= start else 0)
    return f"FY{year}"


def fiscal_quarter(period: str, start: int = 1) -> str:
    """``FYyyyy-Qn``: the fiscal quarter of ``period``."""
    first = parse_period(period).start
    quarter = (first.month - start) % 12 // 3 + 1
    return f"{fiscal_year(period, start)}-Q{quarter}"
