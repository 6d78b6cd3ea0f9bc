"""Write a plan to one .xlsx: output sheets for people to read, beside the input sheets.

The input sheets are written exactly as :func:`snop.io.writer.write_workbook` writes them, so
the file imports back losslessly. Each output sheet is one table from A1 (header row, then
one row per record) with its header frozen, an Excel table over it for filtering, numbers
rounded and formatted per column (:class:`ColumnKind`; per row in a grid of measures) and
columns as wide as their text.
Output sheet names all start with ``plan_`` (:data:`OUTPUT_PREFIX`), which no input table
does; :mod:`snop.io.reader` skips such sheets on import, with a warning.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from snop.io.atomic import Written, atomic_file
from snop.io.reader import OUTPUT_PREFIX
from snop.io.writer import add_input_sheets, save_book, table_names
from snop.model.workbook import Workbook

MAX_SHEET_NAME = 31  # Excel's limit
# characters Excel refuses in a sheet name, and control characters
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
MAX_WIDTH = 60  # characters; longer text wraps off the screen anyway
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ColumnKind(StrEnum):
    """What a column holds, which decides how its cells are rounded and formatted."""

    TEXT = "text"
    COUNT = "count"  # whole numbers: people, ids
    UNITS = "units"  # quantities (units, hours): 2 decimals
    MONEY = "money"  # amounts in the plan's currency: 2 decimals
    PERCENT = "percent"  # a ratio (0.5 = 50 %)
    DATE = "date"  # a date, or ISO 8601 text
    TIMESTAMP = "timestamp"  # a date and time, or ISO 8601 text (shown in UTC)


_DECIMALS = {ColumnKind.COUNT: 0, ColumnKind.UNITS: 2, ColumnKind.MONEY: 2, ColumnKind.PERCENT: 4}
_FORMATS = {
    ColumnKind.COUNT: "#,##0",
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.TIMESTAMP: "yyyy-mm-dd hh:mm:ss",
}


@dataclass(frozen=True)
class OutputSheet:
    """One output sheet: a frame and the kind of each column (columns not named are text).

    ``name`` is made safe by :func:`sheet_names` (prefixed with ``plan_``, Excel's forbidden
    characters replaced, cut to 31 characters, unique); ``title`` says what the sheet holds
    (the print header and the ``plan_about`` sheet show it).

    ``row_kinds`` (one per row) is for a grid whose rows are measures and whose columns are
    periods (units, then money, then a percent...): in each row, the numeric columns (those
    of a numeric kind in ``kinds``) take the row's kind; a text row kind leaves them as they
    are.
    """

    name: str
    frame: pd.DataFrame
    kinds: Mapping[str, ColumnKind] = field(default_factory=dict)
    title: str = ""
    row_kinds: Sequence[ColumnKind] | None = None

    def __post_init__(self) -> None:
        cols = [str(c) for c in self.frame.columns]
        if len({c.lower() for c in cols}) != len(cols):  # an Excel table's header cannot
            raise ValueError(f"sheet {self.name}: column names repeat: {cols}")
        unknown = set(self.kinds) - set(cols)
        if unknown:
            raise ValueError(f"sheet {self.name}: kinds of missing columns {sorted(unknown)}")
        if self.row_kinds is not None and len(self.row_kinds) != len(self.frame):
            raise ValueError(f"sheet {self.name}: {len(self.row_kinds)} row kinds for "
                             f"{len(self.frame)} rows")  # fmt: skip

    def kind(self, column: str) -> ColumnKind:
        return self.kinds.get(column, ColumnKind.TEXT)

    def cell_kinds(self) -> list[list[ColumnKind]]:
        """The kind of every cell, row by row."""
        base = [self.kind(str(c)) for c in self.frame.columns]
        if self.row_kinds is None:
            return [base] * len(self.frame)
        return [
            [rk if k in _DECIMALS and rk is not ColumnKind.TEXT else k for k in base]
            for rk in self.row_kinds
        ]


def sheet_names(names: Sequence[str], taken: Sequence[str] = ()) -> list[str]:
    """Excel-safe, unique names for output sheets ``names``, in order.

    Each starts with ``plan_`` (added when missing), has ``[]:*?/\\`` and control
    characters replaced by ``_``, is at most 31 characters (without a trailing space or
    apostrophe), and differs (ignoring case, as Excel does) from the others and
    from ``taken``; a repeat gets ``~2``, ``~3``... at its end.
    """
    used = {t.lower() for t in taken}
    out = []
    for raw in names:
        base = _FORBIDDEN.sub("_", raw).strip(" '") or "sheet"
        if not base.lower().startswith(OUTPUT_PREFIX):
            base = OUTPUT_PREFIX + base
        name, n = _cut(base, MAX_SHEET_NAME), 1
        while name.lower() in used:
            n += 1
            tail = f"~{n}"
            name = _cut(base, MAX_SHEET_NAME - len(tail)) + tail
        used.add(name.lower())
        out.append(name)
    return out


def _cut(name: str, length: int) -> str:
    """``name`` cut to ``length`` characters, without the spaces and apostrophes a cut may
    leave at its end (Excel refuses a name that ends with an apostrophe)."""
    return name[:length].rstrip(" '")


def write_plan_book(wb: Workbook | None, sheets: Sequence[OutputSheet], path: Path) -> Written:
    """Write the output ``sheets`` (first, in order) and ``wb``'s input sheets (as
    :func:`snop.io.writer.write_workbook` writes them; none without ``wb``) into the .xlsx
    ``path``, atomically.

    The names the output sheets got are the ``plan_`` names :func:`sheet_names` makes.
    """
    from openpyxl import Workbook as XlsxBook

    inputs = table_names(wb) if wb is not None else []
    names = sheet_names([s.name for s in sheets], inputs)
    path = Path(path)
    with atomic_file(path) as tmp:
        book = XlsxBook(write_only=True)
        for sheet, name in zip(sheets, names, strict=True):
            _add_output_sheet(book, sheet, name)
        if wb is not None:
            add_input_sheets(book, wb, inputs)
        save_book(book, tmp)
    return Written([path])


# --- one output sheet -----------------------------------------------------------------------


def cell_value(value: Any, kind: ColumnKind) -> Any:
    """``value`` as written in a column of ``kind``: numbers rounded to the kind's decimals
    (never ``-0.0``), missing values (None, NaN) empty, ISO text of a date a date."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind in _DECIMALS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                value = float(value)
            except (TypeError, ValueError):
                return str(value)
        x = round(float(value), _DECIMALS[kind]) + 0.0  # + 0.0 turns -0.0 into 0.0
        if math.isinf(x):
            return None
        return int(x) if x.is_integer() and abs(x) < 1e15 else x
    if kind in (ColumnKind.DATE, ColumnKind.TIMESTAMP):
        return _when(value, kind)
    # characters XML cannot hold (the store refuses them in text; this is a last guard)
    return _ILLEGAL.sub("", value if isinstance(value, str) else _text(value))


def _when(value: Any, kind: ColumnKind) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value  # not a date after all: kept as the text it is
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: UTC, as the store keeps time
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.date() if kind is ColumnKind.DATE else value
    if isinstance(value, date):
        return value
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number_formats(
    kinds: list[list[ColumnKind]], rows: list[list[Any]], by_row: bool
) -> list[list[str | None]]:
    """The number format of every cell: units and money ``#,##0`` where every value of that
    kind in the column (in the row, ``by_row``, for a grid of measures) is whole, else
    ``#,##0.00``; None for text."""

    def group(i: int, j: int, k: ColumnKind) -> tuple[int, int, ColumnKind]:
        return (i, -1, k) if by_row else (-1, j, k)

    fractions = {
        group(i, j, k)
        for i, (row, ks) in enumerate(zip(rows, kinds, strict=True))
        for j, (v, k) in enumerate(zip(row, ks, strict=True))
        if isinstance(v, float) and not v.is_integer()
    }
    out = []
    for i, ks in enumerate(kinds):
        line: list[str | None] = []
        for j, k in enumerate(ks):
            if k in (ColumnKind.UNITS, ColumnKind.MONEY):
                line.append("#,##0.00" if group(i, j, k) in fractions else "#,##0")
            else:
                line.append(_FORMATS.get(k))
        out.append(line)
    return out


def _shown(value: Any, kind: ColumnKind) -> str:
    """About the text Excel shows for ``value`` (to size the column)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind is ColumnKind.PERCENT:
            return f"{value * 100:,.1f}%"
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, date):
        return "yyyy-mm-dd"
    return max(str(value).splitlines() or [""], key=len)


def _add_output_sheet(book: Any, sheet: OutputSheet, name: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cols = [str(c) for c in sheet.frame.columns]
    kinds = sheet.cell_kinds()
    rows = [
        [cell_value(v, k) for v, k in zip(row, ks, strict=True)]
        for row, ks in zip(sheet.frame.itertuples(index=False, name=None), kinds, strict=True)
    ]
    ws = book.create_sheet(name)
    ws.freeze_panes = "A2"
    if sheet.title:
        ws.oddHeader.center.text = sheet.title
    formats = _number_formats(kinds, rows, by_row=sheet.row_kinds is not None)
    for j, col in enumerate(cols):
        shown = [len(_shown(r[j], ks[j])) for r, ks in zip(rows, kinds, strict=True)]
        width = max([len(col) + 3, *shown])  # 3: the filter button
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(width, 8), MAX_WIDTH) + 1
    bold = Font(bold=True)
    header = []
    for col in cols:
        c = WriteOnlyCell(ws, value=col)
        c.data_type = "s"  # a header is text, whatever it starts with
        c.font = bold
        header.append(c)
    ws.append(header)
    for row, row_formats in zip(rows, formats, strict=True):
        cells = []
        for value, fmt in zip(row, row_formats, strict=True):
            c = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # "=..." typed by a user is text, never a formula
            elif fmt is not None and value is not None:
                c.number_format = fmt
            cells.append(c)
        ws.append(cells)
    if rows and cols:
        with warnings.catch_warnings():  # openpyxl's reminder to name the columns: done
            warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
            ws.add_table(_table(ws, name, cols, len(rows)))


def _table(ws: Any, sheet: str, cols: list[str], n_rows: int) -> Any:
    """An Excel table over the sheet's header and rows (filter buttons, banded rows)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter
    from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

    ref = f"A1:{get_column_letter(len(cols))}{n_rows + 1}"
    # a table's name is unique in the book: letters, digits and _ only
    display = "t_" + re.sub(r"[^A-Za-z0-9_]", "_", sheet) + f"_{len(ws.parent.worksheets)}"
    table = Table(displayName=display, ref=ref, autoFilter=AutoFilter(ref=ref))
    # a write-only sheet cannot be read back for the header: the columns are named here
    table.tableColumns = [TableColumn(id=i + 1, name=c) for i, c in enumerate(cols)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    return table
