"""Write a workbook back in the format users fill in: a CSV folder or one .xlsx.

Only columns that hold a value (and the required ones) are written, numbers in their
shortest exact form, so export -> import -> export gives identical files.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from snop.errors import SnopError
from snop.model.schema import TABLES, Kind
from snop.model.workbook import Workbook


def _columns(wb: Workbook, name: str, df: pd.DataFrame) -> list[str]:
    spec = TABLES[name]
    cols = [c.name for c in spec.columns if c.required or df[c.name].notna().any()]
    extras = [c for c in df.columns if c not in spec.names]
    return cols + extras


def _number(x: float) -> int | float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
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


def write_workbook(wb: Workbook, path: Path) -> list[Path]:
    """Write every non-empty table; ``path`` is a folder (CSV) or a file ending in .xlsx."""
    names = [n for n in TABLES if wb.has(n) or n in ("items", "sales")]
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(wb, path, names)
        return [path]
    if path.exists() and not path.is_dir():
        raise SnopError(f"{path} is a file; export to a folder (CSV files) or a .xlsx file")
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        df = wb.table(name)
        cols = _columns(wb, name, df)
        numeric = _numeric_columns(name, cols)
        file = path / f"{name}.csv"
        with file.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols)
            for row in _cells(df, cols, numeric):
                w.writerow(["" if v is None else v for v in row])
        written.append(file)
    return written


def _write_xlsx(wb: Workbook, path: Path, names: list[str]) -> None:
    from openpyxl import Workbook as XlsxBook

    book = XlsxBook(write_only=True)
    for name in names:
        df = wb.table(name)
        cols = _columns(wb, name, df)
        sheet = book.create_sheet(name)
        sheet.append(cols)
        for row in _cells(df, cols, _numeric_columns(name, cols)):
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
