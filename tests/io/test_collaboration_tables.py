"""The customer_forecasts and supplier_capacity workbook tables: checked against items,
families and (supplier capacity) the calendar, which runs 2026-11..2027-04 in the small
workbook; customer forecasts may be of past periods, for their accuracy."""

from __future__ import annotations

from pathlib import Path

from snop.io import check_workbook
from tests.workbooks import write_small

FORECASTS = """customer,item,family,period,qty
ACME,A1,,2026-11,40
ACME,,F2,2026-12,15
ACME,A1,,2026-05,30
"""
SUPPLIERS = """supplier,family,period,qty
BOLT,F1,,300
BOLT,F1,2027-01,200
BOLT,F2,2027-02,20
"""

# One bad row per rule: (table, line, column, phrase of the message)
BAD: list[tuple[str, str, str, str]] = [
    ("customer_forecasts", "ACME,A9,,2026-11,1", "item", "is not an item"),
    ("customer_forecasts", "ACME,,F9,2026-11,1", "family", "is not a family"),
    (
        "customer_forecasts",
        "ACME,A1,F1,2027-01,1",
        "item",
        "fill exactly one of item and family on each customer forecast row",
    ),
    (
        "customer_forecasts",
        "ACME,,,2027-01,1",
        "item",
        "fill exactly one of item and family on each customer forecast row",
    ),
    ("customer_forecasts", "ACME,A1,,2027-W03,1", "period", "2027-W03"),
    ("supplier_capacity", "BOLT,F9,,10", "family", "is not a family"),
    ("supplier_capacity", "BOLT,F2,2027-Q1,10", "period", "2027-Q1"),
    (
        "supplier_capacity",
        "BOLT,F2,2029-05,10",
        "period",
        "supplier_capacity periods must be calendar periods",
    ),
    ("supplier_capacity", "BOLT,F2,,-5", "qty", "-5"),
]


def _errors(folder: Path) -> dict[tuple[str, int | None, str | None], str]:
    result = check_workbook(folder)
    return {(p.source, p.row, p.column): str(p) for p in result.errors}


def test_valid_rows_have_no_problems(tmp_path: Path) -> None:
    folder = write_small(
        tmp_path / "wb", {"customer_forecasts": FORECASTS, "supplier_capacity": SUPPLIERS}
    )
    result = check_workbook(folder)
    assert result.problems == []
    assert result.workbook is not None
    assert list(result.workbook.table("customer_forecasts")["qty"]) == [40.0, 15.0, 30.0]


def test_each_rule_names_row_column_and_what_is_valid(tmp_path: Path) -> None:
    # every bad row at once (one check of the workbook): each is reported on its own row
    base = {"customer_forecasts": FORECASTS, "supplier_capacity": SUPPLIERS}
    where: list[tuple[str, int, str, str]] = []
    for table, line, column, phrase in BAD:
        row = base[table].count("\n") + 1
        base[table] += line + "\n"
        where.append((f"{table}.csv", row, column, phrase))
    errors = _errors(write_small(tmp_path / "wb", base))
    assert sorted(errors) == sorted((s, r, c) for s, r, c, _ in where), errors
    for source, row, column, phrase in where:
        assert phrase in errors[(source, row, column)], (source, row, errors)
