"""One reading of the numbers people type, for every input path (workbooks, sales files).

A number is written with a decimal point and no thousands separator: ``12``, ``-3.5``,
``.5``, ``1e6``. A comma is never guessed: ``1,5`` is one and a half in much of Europe and
``1,234`` is a thousand and more in the US, so a cell with a comma is refused, saying what it
could mean, unless the user states the convention. With a decimal comma
(:attr:`DecimalMark.COMMA`) ``1234,5``, ``1.234,5`` and ``1 234,5`` read 1234.5: the comma
is the decimal mark and a dot or a space may only group thousands (``1.5`` is then refused,
not read as 15 or 1.5).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from numbers import Real

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError


class DecimalMark(StrEnum):
    """The character that separates whole units from their fraction."""

    POINT = "."
    COMMA = ","


_POINT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
# thousands grouped by dot or (no-break) space, in groups of three
_COMMA = r"[+-]?(?:(?:\d{1,3}(?:[. \u00a0\u202f]\d{3})+|\d+)(?:,\d*)?|,\d+)"
_GROUPING = r"[. \u00a0\u202f]"
_THOUSANDS_COMMA = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"

NOT_A_NUMBER = "is not a number"
NOT_FINITE = "is not a finite number"


def decimal_mark(value: str, option: str = "--decimal") -> DecimalMark:
    """The :class:`DecimalMark` a user wrote (``.`` or ``,``), or a SnopError naming ``option``."""
    try:
        return DecimalMark(value.strip())
    except ValueError:
        raise SnopError(
            f"{option} {value!r} is not a decimal mark; valid: '.' (1234.5, the "
            "default) or ',' (1234,5 or 1.234,5)"
        ) from None


@dataclass(frozen=True)
class Numbers:
    """Cells read as numbers: ``values`` (NaN where blank or refused), ``blank`` and, per
    cell, why it was refused (``None`` for a number or a blank)."""

    values: npt.NDArray[np.float64]
    blank: npt.NDArray[np.bool_]
    problems: list[str | None]

    @property
    def refused(self) -> npt.NDArray[np.bool_]:
        return np.array([p is not None for p in self.problems], dtype=bool)

    def first_refused(self) -> int | None:
        """Position of the first refused cell, or None."""
        for i, p in enumerate(self.problems):
            if p is not None:
                return i
        return None


def _comma_problem(text: str, how: str) -> str:
    """Why a cell with a comma is refused when the decimal mark is the point."""
    if re.fullmatch(_THOUSANDS_COMMA, text):
        return (
            "is ambiguous: a thousands separator or a decimal comma? write numbers with a "
            "decimal point and no thousands separator (1234.5)" + how
        )
    if re.fullmatch(_COMMA, text):  # 1,5 or 1.234,5
        return "has a decimal comma; write a decimal point (1.5)" + how
    return NOT_A_NUMBER


def parse_numbers(
    cells: pd.Series,
    decimal: DecimalMark = DecimalMark.POINT,
    *,
    how: str = "",
    blanks: frozenset[str] = frozenset(),
) -> Numbers:
    """Read every cell of ``cells`` as a number.

    A cell is blank when it is None, NaN, only spaces or (case-insensitively) one of
    ``blanks``. Cells that already hold a number (a float from Excel or the store) are taken
    as they are. ``how`` is appended to the message for a comma under the point convention:
    how the user states the comma convention on this input path.
    """
    if pd.api.types.is_float_dtype(cells.dtype) or pd.api.types.is_integer_dtype(cells.dtype):
        return _already_numbers(cells.to_numpy(dtype=np.float64, copy=True))
    obj = cells.astype(object).reset_index(drop=True)
    if decimal is DecimalMark.POINT:
        # pandas reads exactly the point grammar (digits, one dot, exponent; no "1_000", no
        # comma) and also inf/nan words, which are refused below as not finite
        values = pd.to_numeric(obj, errors="coerce").to_numpy(dtype=np.float64, copy=True)
        values = _exact(obj, values)
    else:
        values = _comma_values(obj)
    n = len(obj)
    blank = np.zeros(n, dtype=bool)
    problems: list[str | None] = [None] * n
    for i in np.flatnonzero(~np.isfinite(values)):
        values[i] = np.nan
        v = obj.iloc[i]
        if v is None or (isinstance(v, Real) and math.isnan(v)):
            blank[i] = True
            continue
        text = str(v).strip()
        if text == "" or text.lower() in blanks:
            blank[i] = True
        else:
            problems[i] = _problem(text, decimal, how)
    return Numbers(values, blank, problems)


def _already_numbers(values: npt.NDArray[np.float64]) -> Numbers:
    """A column that holds numbers already (a Parquet file's): NaN is blank, +-inf refused
    as every other input path refuses it; no text to read, so no loop per cell."""
    blank = np.isnan(values)
    inf = np.isinf(values)
    problems: list[str | None] = [None] * len(values)
    for i in np.flatnonzero(inf):
        problems[i] = NOT_FINITE
    values[inf] = np.nan
    return Numbers(values, blank, problems)


def _comma_values(obj: pd.Series) -> npt.NDArray[np.float64]:
    """Values of cells written with a decimal comma (NaN where not such a number)."""
    is_num = obj.map(lambda v: isinstance(v, Real) and not isinstance(v, bool))
    direct = obj.where(is_num).astype(float).to_numpy(dtype=np.float64)
    text = (
        obj.where(~is_num & obj.notna())
        .astype(object)
        .map(lambda v: v.strip() if isinstance(v, str) else None)
    )
    ok = text.str.fullmatch(_COMMA).eq(True)
    canon = text.where(ok).str.replace(_GROUPING, "", regex=True).str.replace(",", ".", regex=False)
    parsed = _exact(canon, pd.to_numeric(canon, errors="coerce").to_numpy(dtype=np.float64))
    return np.where(is_num.to_numpy(), direct, parsed)


def _exact(cells: pd.Series, approx: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Correctly rounded values of the cells pandas read as finite numbers.

    pandas' fast reader is off by an ulp for about one number in seven (1.8511616902024304e-34
    comes back ...302e-34), so a written number would not read back exactly; Python's float()
    rounds correctly. pandas still decides which cells are numbers (its grammar is the point
    grammar, without float()'s "1_000" or non-ASCII digits).
    """
    ok = np.isfinite(approx)
    out = approx.copy()
    out[ok] = np.fromiter((float(v) for v in cells[ok]), dtype=np.float64, count=int(ok.sum()))
    return out


def _problem(text: str, decimal: DecimalMark, how: str) -> str:
    """Why ``text`` (not blank) is not a number under ``decimal``."""
    grammar = _POINT if decimal is DecimalMark.POINT else _COMMA
    if re.fullmatch(grammar, text) or text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return NOT_FINITE  # inf, nan, or well formed but past the largest float (1e400)
    if decimal is DecimalMark.POINT and "," in text:
        return _comma_problem(text, how)
    if decimal is DecimalMark.COMMA and "." in text and "," not in text:
        return (
            "is not a number with a decimal comma: a dot may only group thousands "
            "(1.234,5); write 1,5 for one and a half"
        )
    return NOT_A_NUMBER
