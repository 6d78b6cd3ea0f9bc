"""Write a workbook back in the format users fill in: a CSV folder or one .xlsx.

Only columns that hold a value (and the required ones) are written, numbers with at most
15 significant digits (what Excel keeps) in their shortest form, so export -> import ->
export gives identical files, and a number typed into a workbook reads back exactly.
Files are written atomically (:mod:`snop.io.atomic`): a failed export leaves the old ones.
"""

from __future__ import annotations

import csv
import io
import math
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from snop.io.atomic import Written, atomic_file, replace_folder_files
from snop.model.schema import TABLES, Kind
from snop.model.workbook import Workbook


def _columns(wb: Workbook, name: str, df: pd.DataFrame) -> list[str]:
    spec = TABLES[name]
    cols = [c.name for c in spec.columns if c.required or df[c.name].notna().any()]
    extras = [c for c in df.columns if c not in spec.names]
    return cols + extras


SIGNIFICANT_DIGITS = 15


def _number(x: float) -> int | float | None:
    """``x`` as written: whole numbers as int, others rounded to 15 significant digits.

    A double needs 17 digits to be exact, but openpyxl writes 16 and Excel keeps 15; rounded
    to 15 first, the value survives every one of those (and ``-0.0`` becomes 0).
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    f = float(f"{float(x):.{SIGNIFICANT_DIGITS}g}")
    if math.isinf(f):  # rounded past the largest double: keep it (no plan holds such values)
        f = float(x)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


def _cells(df: pd.DataFrame, cols: list[str], numeric: set[str]) -> list[list[object]]:
    out = []
    for row in df[cols].itertuples(index=False):
        out.append([_number(v) if c in numeric else v for c, v in zip(cols, row, strict=True)])
    return out


def _numeric_columns(name: str, cols: list[str]) -> set[str]:
    spec = TABLES[name]
    base = TABLES[spec.period_overrides_of] if spec.period_overrides_of else spec
    return {c for c in cols if c in base.names and base.column(c).kind is Kind.NUMBER}


def write_workbook(wb: Workbook, path: Path, *, partial_workbook: bool = False) -> Written:
    """Write every non-empty table; ``path`` is a folder (CSV) or a file ending in .xlsx.

    In a folder, the CSV files of workbook tables this workbook does not have are removed (they
    would be read back as part of it); other files are left alone. A whole workbook always
    has ``items`` and ``sales`` (header only when empty); a ``partial_workbook`` (new actuals
    to import over a store) has only its non-empty tables, as an import would keep the rest.
    """
    names = table_names(wb, partial_workbook=partial_workbook)
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        with atomic_file(path) as tmp:
            _write_xlsx(wb, tmp, names)
        return Written([path])
    files = {f"{name}.csv": partial(_write_csv, wb, name) for name in names}
    return replace_folder_files(path, files, remove=[f"{name}.csv" for name in TABLES])


def table_names(wb: Workbook, *, partial_workbook: bool = False) -> list[str]:
    """The tables :func:`write_workbook` writes, in schema order."""
    always = () if partial_workbook else ("items", "sales")
    return [n for n in TABLES if wb.has(n) or n in always]


def _write_csv(wb: Workbook, name: str, file: Path) -> None:
    df = wb.table(name)
    cols = _columns(wb, name, df)
    numeric = _numeric_columns(name, cols)
    with file.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for row in _cells(df, cols, numeric):
            w.writerow(["" if v is None else v for v in row])


def _write_xlsx(wb: Workbook, path: Path, names: list[str]) -> None:
    from openpyxl import Workbook as XlsxBook

    book = XlsxBook(write_only=True)
    add_input_sheets(book, wb, names)
    save_book(book, path)


def add_input_sheets(book: Any, wb: Workbook, names: list[str]) -> None:
    """One sheet per table of ``names`` in the write-only openpyxl ``book``: the header,
    then the rows, numbers as :func:`_number` writes them."""
    for name in names:
        df = wb.table(name)
        cols = _columns(wb, name, df)
        sheet = book.create_sheet(name)
        sheet.append(cols)
        for row in _cells(df, cols, _numeric_columns(name, cols)):
            sheet.append([_text_cell(sheet, v) for v in row])


def _text_cell(sheet: Any, value: object) -> object:
    """``value``, or a cell that keeps it text: openpyxl writes a string that starts with
    ``=`` as a formula, which reads back empty (a comment "=promo" would be lost)."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def save_book(book: Any, path: Path) -> None:
    """Save the openpyxl ``book`` at ``path`` (a temporary file of :func:`atomic_file`)."""
    # built in memory, then written in one go: a failed write (disk full) leaves no half-made
    # zip archive behind that would complain again when it is garbage-collected
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
