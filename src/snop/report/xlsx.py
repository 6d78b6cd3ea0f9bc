"""The pack as an Excel workbook, for those who live in Excel: the headline numbers, then
one formatted sheet per table of the pack (thousands separators, percentages, frozen
headers, filters, column widths), the same figures as the HTML rounded only by format.

Sheets are written by :func:`snop.io.plan_book.write_plan_book` (names start with
``plan_``, so that ``snop import`` skips them), atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from snop.io.atomic import Written
from snop.io.plan_book import ColumnKind, OutputSheet, write_plan_book
from snop.report.content import Pack, Table

KIND_OF_UNIT = {
    "units": ColumnKind.UNITS,
    "money": ColumnKind.MONEY,
    "ratio": ColumnKind.PERCENT,
    "days": ColumnKind.UNITS,
    "signal": ColumnKind.UNITS,
    "people": ColumnKind.COUNT,
    "text": ColumnKind.TEXT,
}


def write_xlsx(pack: Pack, path: Path) -> Written:
    """Write ``pack`` to the .xlsx ``path``."""
    sheets = [_headline(pack), *(_sheet(t) for t in pack.tables())]
    return write_plan_book(None, sheets, path)


def _headline(pack: Pack) -> OutputSheet:
    rows = [
        {
            "section": s.key,
            "measure": t.label,
            "value": t.value,
            "unit": pack.currency if t.unit == "money" else t.unit,
            "against": t.compare_label,
            "compare": t.compare,
            "note": t.note,
        }
        for s in pack.sections
        for t in s.tiles
    ]
    frame = pd.DataFrame(
        rows, columns=["section", "measure", "value", "unit", "against", "compare", "note"]
    )
    return OutputSheet(
        "pack_headline",
        frame,
        {"value": ColumnKind.UNITS, "compare": ColumnKind.UNITS},
        f"{pack.subtitle}; made {pack.made_at}",
    )


def _sheet(t: Table) -> OutputSheet:
    frame = t.frame.rename(columns={c: t.header(c) for c in t.frame.columns})
    kinds = {}
    for c in t.frame.columns:
        unit = t.units.get(str(c))
        numeric = pd.api.types.is_numeric_dtype(t.frame[c])
        if unit is None:
            unit = "units" if numeric else "text"
        if unit != "text" or t.row_units is None:
            kinds[t.header(c)] = (
                KIND_OF_UNIT[unit] if numeric or unit == "text" else ColumnKind.TEXT
            )
    row_kinds = None if t.row_units is None else [KIND_OF_UNIT[u] for u in t.row_units]
    return OutputSheet(t.name, frame, kinds, t.title, row_kinds)
