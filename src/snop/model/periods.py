"""Planning periods: months (``YYYY-MM``), quarters (``YYYY-Qn``) and ISO weeks (``YYYY-Www``).

A period is stored and shown as its label; arithmetic works on an integer *ordinal* that
counts periods of one granularity from a fixed origin, so ``p + 1`` is the next period and
``q - p`` the number of periods between them. One workbook uses one granularity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from snop.errors import SnopError


class Granularity(StrEnum):
    """The length of a planning period."""

    MONTH = "M"
    QUARTER = "Q"
    WEEK = "W"

    @property
    def season_length(self) -> int:
        """Periods in a year: the seasonal cycle of the granularity."""
        return {Granularity.MONTH: 12, Granularity.QUARTER: 4, Granularity.WEEK: 52}[self]

    @property
    def example(self) -> str:
        return {
            Granularity.MONTH: "2027-03",
            Granularity.QUARTER: "2027-Q1",
            Granularity.WEEK: "2027-W09",
        }[self]

    @property
    def noun(self) -> str:
        return {
            Granularity.MONTH: "month",
            Granularity.QUARTER: "quarter",
            Granularity.WEEK: "ISO week",
        }[self]


class PeriodError(SnopError, ValueError):
    """A period label that cannot be read, with the reason in words (a user's mistake:
    the CLI and the API show it as such, not as a bug)."""


PERIOD_FORMATS = "YYYY-MM (month), YYYY-Qn (quarter) or YYYY-Www (ISO week)"

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One planning period; ordered and subtractable within one granularity."""

    granularity: Granularity
    ordinal: int

    @property
    def label(self) -> str:
        return format_ordinal(self.granularity, self.ordinal)

    def __str__(self) -> str:
        return self.label

    def __add__(self, n: int) -> Period:
        return Period(self.granularity, self.ordinal + n)

    def __sub__(self, other: Period) -> int:
        if other.granularity is not self.granularity:
            raise PeriodError(
                f"cannot subtract a {other.granularity.noun} from a {self.granularity.noun}"
            )
        return self.ordinal - other.ordinal

    @property
    def start(self) -> date:
        """First calendar day of the period."""
        return period_start(self.granularity, self.ordinal)

    @property
    def end(self) -> date:
        """Last calendar day of the period."""
        return period_start(self.granularity, self.ordinal + 1) - timedelta(days=1)

    @property
    def weekdays(self) -> int:
        """Monday-to-Friday days in the period: the default working days."""
        return weekdays_between(self.start, self.end)


def detect_granularity(label: str) -> Granularity | None:
    """The granularity a label is written in, or None when it matches no format."""
    s = label.strip()
    if _MONTH.match(s):
        return Granularity.MONTH
    if _QUARTER.match(s):
        return Granularity.QUARTER
    if _WEEK.match(s):
        return Granularity.WEEK
    return None


def parse_period(text: object) -> Period:
    """Read ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY-Www``; raise PeriodError saying what is valid."""
    if isinstance(text, Period):
        return text
    if isinstance(text, date):
        return Period(Granularity.MONTH, text.year * 12 + text.month - 1)
    s = str(text).strip()
    if m := _MONTH.match(s):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"month {month} in {s!r} is not between 1 and 12")
        return Period(Granularity.MONTH, year * 12 + month - 1)
    if m := _QUARTER.match(s):
        return Period(Granularity.QUARTER, int(m.group(1)) * 4 + int(m.group(2)) - 1)
    if m := _WEEK.match(s):
        year, week = int(m.group(1)), int(m.group(2))
        weeks_in_year = date(year, 12, 28).isocalendar().week
        if not 1 <= week <= weeks_in_year:
            raise PeriodError(f"ISO week {week} in {s!r} is not between 1 and {weeks_in_year}")
        monday = date.fromisocalendar(year, week, 1)
        return Period(Granularity.WEEK, (monday.toordinal() - 1) // 7)
    raise PeriodError(f"{s!r} is not a period; write {PERIOD_FORMATS}")


def format_ordinal(granularity: Granularity, ordinal: int) -> str:
    """The label of a period ordinal."""
    if granularity is Granularity.MONTH:
        year, month0 = divmod(ordinal, 12)
        return f"{year:04d}-{month0 + 1:02d}"
    if granularity is Granularity.QUARTER:
        year, q0 = divmod(ordinal, 4)
        return f"{year:04d}-Q{q0 + 1}"
    iso = date.fromordinal(ordinal * 7 + 1).isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def period_start(granularity: Granularity, ordinal: int) -> date:
    if granularity is Granularity.MONTH:
        year, month0 = divmod(ordinal, 12)
        return date(year, month0 + 1, 1)
    if granularity is Granularity.QUARTER:
        year, q0 = divmod(ordinal, 4)
        return date(year, 3 * q0 + 1, 1)
    return date.fromordinal(ordinal * 7 + 1)


def weekdays_between(first: date, last: date) -> int:
    """Monday-to-Friday days from ``first`` to ``last`` inclusive."""
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    start = first.weekday()
    count += sum(1 for k in range(rest) if (start + k) % 7 < 5)
    return count


def period_range(start: Period, count: int) -> list[Period]:
    """``count`` consecutive periods from ``start``."""
    return [start + k for k in range(count)]


def labels(granularity: Granularity, ordinals: Iterable[int]) -> list[str]:
    return [format_ordinal(granularity, int(o)) for o in ordinals]


def parse_labels(values: Sequence[object]) -> tuple[Granularity, npt.NDArray[np.int64]]:
    """Parse many labels of one granularity into ordinals (fast path for history tables).

    Raises PeriodError naming the first bad or mixed label and its position.
    """
    cache: dict[object, Period] = {}
    out = np.empty(len(values), dtype=np.int64)
    gran: Granularity | None = None
    for i, v in enumerate(values):
        p = cache.get(v)
        if p is None:
            try:
                p = parse_period(v)
            except PeriodError as exc:
                raise PeriodError(f"position {i}: {exc}") from None
            cache[v] = p
        if gran is None:
            gran = p.granularity
        elif p.granularity is not gran:
            raise PeriodError(
                f"position {i}: {v!r} is a {p.granularity.noun} but earlier "
                f"periods are {gran.noun}s; one file uses one granularity"
            )
        out[i] = p.ordinal
    return (gran or Granularity.MONTH), out
