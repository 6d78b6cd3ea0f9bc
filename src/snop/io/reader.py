"""Read a workbook's files as text: a folder of ``TABLE.csv`` files or one ``.xlsx``.

Nothing is interpreted here beyond turning cells into strings (blank cells into None) and
normalizing headers; :mod:`snop.io.validate` gives the cells their meaning.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from snop.io.problems import Problem, Severity
from snop.model.schema import TABLES, Kind


@dataclass
class RawTable:
    """One table as the user wrote it: header and cells as text, with row numbers."""

    name: str
    source: str
    header: list[str]
    cells: pd.DataFrame  # object dtype, str or None; column "_row" = row number in the file
    # cells come from Excel, where a number is a number: the decimal setting does not apply
    from_excel: bool = False


@dataclass
class RawWorkbook:
    path: Path
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # the path itself is no workbook (missing, unreadable, not an .xlsx): its one problem
    # says so, and no table is reported missing
    unreadable: bool = False


def normalize_header(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _frame(
    header: list[str],
    rows: list[list[str | None]],
    first_row: int,
    row_numbers: list[int] | None = None,
) -> pd.DataFrame:
    width = len(header)
    fixed = [(r + [None] * width)[:width] for r in rows]
    df = pd.DataFrame(fixed, columns=[f"_c{i}" for i in range(width)], dtype=object)
    df["_row"] = row_numbers if row_numbers is not None else range(first_row, first_row + len(rows))
    return df


def _clean(value: str) -> str | None:
    v = value.strip()
    return v or None


def csv_delimiter(first_line: str) -> str:
    """The delimiter of a CSV file from its header line: ``;`` (as Excel writes CSV where the
    comma is the decimal mark) when it has more of them than commas, else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv_table(path: Path, name: str, problems: list[Problem]) -> RawTable | None:
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(source, f"is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8")
        )
        return None
    except OSError as exc:
        problems.append(Problem(source, f"cannot be read: {exc.strerror}"))
        return None
    delimiter = csv_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as exc:
        problems.append(Problem(source, f"is not valid CSV: {exc}"))
        return None
    if not lines:
        problems.append(Problem(source, "is empty; the first line must name the columns"))
        return None
    header = [normalize_header(h) for h in lines[0]]
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    for i, line in enumerate(lines[1:], start=2):
        cells = [_clean(c) for c in line]
        beyond = [c for c in cells[len(header) :] if c is not None]
        if beyond:  # never dropped in silence: usually a value with the delimiter, unquoted
            problems.append(
                Problem(
                    source,
                    f"has {len(beyond)} value(s) beyond the {len(header)} columns the header "
                    f"names (first: {beyond[0]!r}); a value that holds {delimiter!r} must be "
                    f'in double quotes ("a{delimiter} b")',
                    i,
                )
            )
        if any(c is not None for c in cells):
            rows.append(cells)
            numbers.append(i)
    return RawTable(name, source, header, _frame(header, rows, 2, numbers))


def _cell_text(value: object, kind: Kind | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        # Excel turns "2027-03" typed into a cell into a date: give back the period.
        if kind is Kind.PERIOD or value.day == 1:
            return f"{value.year:04d}-{value.month:02d}"
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return _clean(str(value))


def read_xlsx(path: Path, raw: RawWorkbook) -> None:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a corrupt file
        raw.problems.append(_not_excel(path, exc))
        raw.unreadable = True
        return
    try:
        _read_sheets(path, book, raw)
    except Exception as exc:  # sheets are parsed lazily: the same
        raw.tables.clear()
        raw.problems.append(_not_excel(path, exc))
        raw.unreadable = True
    finally:
        book.close()


def _not_excel(path: Path, exc: Exception) -> Problem:
    why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Problem(
        str(path),
        f"cannot be read as an Excel workbook ({why}); give an .xlsx "
        "file saved by Excel, or a folder of CSV files",
    )


def _read_sheets(path: Path, book: Any, raw: RawWorkbook) -> None:
    """Every sheet of an open workbook into ``raw`` (one table per sheet)."""
    for sheet in book.worksheets:
        name = normalize_header(sheet.title)
        source = f"{path.name}, sheet {sheet.title}"
        if name.startswith(OUTPUT_PREFIX):
            raw.problems.append(_output_sheet(source))
            continue
        if name not in TABLES:
            raw.problems.append(_unknown_table(source, name))
            continue
        rows_iter = sheet.iter_rows(values_only=True)
        head = next(rows_iter, None)
        if head is None:
            raw.problems.append(Problem(source, "is empty; the first row must name the columns"))
            continue
        while head and head[-1] is None:
            head = head[:-1]
        header = [normalize_header(h) if h is not None else "" for h in head]
        kinds = _kinds(name, header)
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        for i, values in enumerate(rows_iter, start=2):
            cells = [
                _cell_text(v, kinds[j] if j < len(kinds) else None)
                for j, v in enumerate(values[: len(header)])
            ]
            if any(c is not None for c in cells):
                rows.append(cells)
                numbers.append(i)
        raw.tables[name] = RawTable(
            name, source, header, _frame(header, rows, 2, numbers), from_excel=True
        )


def _kinds(table: str, header: list[str]) -> list[Kind | None]:
    spec = TABLES[table]
    return [spec.column(h).kind if h in spec.names else None for h in header]


# Sheets of the plan `snop export` writes beside the input tables (see snop.io.plan_book);
# no input table starts with it.
OUTPUT_PREFIX = "plan_"


def _output_sheet(source: str) -> Problem:
    return Problem(
        source,
        "is an output sheet of `snop export` (the plan, for reading), not an input table; "
        "it was ignored",
        severity=Severity.WARNING,
    )


def _unknown_table(source: str, name: str) -> Problem:
    import difflib

    close = difflib.get_close_matches(name, TABLES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return Problem(
        source, f"{name!r} is not a workbook table{hint}; tables are: " + ", ".join(TABLES)
    )


def read_raw(path: Path) -> RawWorkbook:
    """Read every table of a CSV folder or an .xlsx file, collecting read problems."""
    raw = RawWorkbook(path)
    if not path.exists():
        raw.problems.append(
            Problem(str(path), "does not exist; give a folder of CSV files or an .xlsx workbook")
        )
        raw.unreadable = True
    elif path.is_dir() and not any(f.suffix.lower() == ".csv" for f in path.iterdir()):
        raw.problems.append(
            Problem(
                str(path),
                "is a folder with no CSV files; give a folder "
                "of TABLE.csv files (items.csv, sales.csv...) or an .xlsx "
                "workbook",
            )
        )
        raw.unreadable = True
    elif path.is_dir():
        for file in sorted(path.iterdir()):
            if file.name.startswith(".") or file.is_dir():
                continue
            if file.suffix.lower() != ".csv":
                continue
            name = normalize_header(file.stem)
            if name not in TABLES:
                raw.problems.append(_unknown_table(file.name, name))
                continue
            table = read_csv_table(file, name, raw.problems)
            if table is not None:
                raw.tables[name] = table
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        read_xlsx(path, raw)
    else:
        raw.problems.append(
            Problem(str(path), "is neither a folder of CSV files nor an .xlsx workbook")
        )
        raw.unreadable = True
    return raw
