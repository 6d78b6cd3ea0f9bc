"""The output sheets' writer: safe sheet names, rounded cells without -0.0, formats per
column kind, frozen headers, tables, and text kept as text."""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from snop.io import read_workbook
from snop.io.plan_book import ColumnKind, OutputSheet, cell_value, sheet_names, write_plan_book
from tests.workbooks import write_small

K = ColumnKind


@given(st.lists(st.text(min_size=0, max_size=60), min_size=1, max_size=12))
def test_sheet_names_are_safe_unique_and_marked_as_output(names: list[str]) -> None:
    taken = ["items", "sales"]
    got = sheet_names(names, taken)
    assert len(got) == len(names)
    for name in got:
        assert name.lower().startswith("plan_") and 0 < len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\\x00-\x1f\x7f]", name)
        assert not name.startswith("'") and not name.endswith("'")
    lowered = [n.lower() for n in [*got, *taken]]
    assert len(set(lowered)) == len(lowered)  # Excel ignores case
    assert sheet_names(got, taken) == got  # safe names stay as they are


def test_sheet_names_cut_long_names_and_number_the_repeats() -> None:
    fam = "plan_family_" + "X" * 40
    got = sheet_names([fam, fam, "plan_a/b", "Plan_About", "plan_about", "totals"])
    assert got[0] == fam[:31]
    assert got[1] == fam[:29] + "~2" and len(got[1]) == 31
    assert got[2:] == ["plan_a_b", "Plan_About", "plan_about~2", "plan_totals"]


def test_cells_are_rounded_per_kind_and_never_negative_zero() -> None:
    assert cell_value(-1e-9, K.UNITS) == 0 and math.copysign(1, cell_value(-0.0, K.MONEY)) == 1
    assert cell_value(-0.004, K.MONEY) == 0
    assert math.copysign(1, cell_value(-0.004, K.MONEY)) == 1
    assert cell_value(183.606557377, K.UNITS) == 183.61
    assert cell_value(1234.0, K.MONEY) == 1234 and isinstance(cell_value(1234.0, K.MONEY), int)
    assert cell_value(0.94117647, K.PERCENT) == 0.9412
    assert cell_value(2.6, K.COUNT) == 3
    assert cell_value(float("nan"), K.UNITS) is None and cell_value(None, K.TEXT) is None
    assert cell_value(True, K.TEXT) == "yes" and cell_value(3.0, K.TEXT) == "3"
    assert cell_value(pd.NA, K.UNITS) is None and cell_value("a\x01b\tc", K.TEXT) == "ab\tc"
    assert cell_value("2026-11-30T02:21:31+01:00", K.TIMESTAMP) == datetime(2026, 11, 30, 1, 21, 31)
    assert cell_value("2026-11-30T02:21:31", K.DATE) == datetime(2026, 11, 30).date()
    assert cell_value("not a date", K.TIMESTAMP) == "not a date"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_a_written_number_is_the_value_to_the_cent(x: float) -> None:
    v = cell_value(x, K.MONEY)
    assert abs(v - x) <= 0.005 + 4 * math.ulp(x) and round(v, 2) == v
    assert not (v == 0 and math.copysign(1, v) < 0)


def test_an_output_sheet_is_a_frozen_formatted_table_beside_the_inputs(tmp_path: Path) -> None:
    wb = read_workbook(write_small(tmp_path / "wb"))
    frame = pd.DataFrame(
        {
            "family": ["F1", "F2", "=SUM(A1)"],
            "qty": [1500.0, -0.0, 2.5],
            "amount": [1234567.891, -1e-12, 3.0],
            "share": [0.12345, 1.0, float("nan")],
        }
    )
    sheet = OutputSheet(
        "plan_demo",
        frame,
        {"qty": K.UNITS, "amount": K.MONEY, "share": K.PERCENT},
        "A demo sheet",
    )
    written = write_plan_book(wb, [sheet], tmp_path / "out.xlsx")
    assert written.written == [tmp_path / "out.xlsx"]
    book = load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames[0] == "plan_demo" and "items" in book.sheetnames
    ws = book["plan_demo"]
    assert ws.freeze_panes == "A2" and ws.oddHeader.center.text == "A demo sheet"
    assert [c.value for c in ws[1]] == ["family", "qty", "amount", "share"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows == [
        ["F1", 1500, 1234567.89, 0.1235],
        ["F2", 0, 0, 1],
        ["=SUM(A1)", 2.5, 3, None],  # text typed with "=" is no formula
    ]
    assert math.copysign(1, rows[1][1]) == 1 and math.copysign(1, rows[1][2]) == 1
    formats = [c.number_format for c in ws[2]]
    assert formats[1:] == ["#,##0.00", "#,##0.00", "0.0%"]
    (table,) = ws.tables.values()
    assert table.ref == "A1:D4" and table.autoFilter.ref == "A1:D4"
    # wide enough for "1,234,567.89" and the filter button beside "amount"
    assert ws.column_dimensions["C"].width >= len("1,234,567.89")
    assert ws.column_dimensions["A"].width >= len("family") + 3
    # the input sheets are the workbook itself: it reads back equal
    again = read_workbook(tmp_path / "out.xlsx")
    pd.testing.assert_frame_equal(again.items, wb.items)
    pd.testing.assert_frame_equal(again.sales, wb.sales)


def test_an_empty_output_sheet_keeps_its_header_without_a_table(tmp_path: Path) -> None:
    wb = read_workbook(write_small(tmp_path / "wb"))
    empty = OutputSheet("plan_empty", pd.DataFrame(columns=["a", "b"]), {"b": K.UNITS})
    write_plan_book(wb, [empty], tmp_path / "out.xlsx")
    ws = load_workbook(tmp_path / "out.xlsx")["plan_empty"]
    assert [c.value for c in ws[1]] == ["a", "b"] and not ws.tables


def test_a_grid_formats_each_row_as_its_measure(tmp_path: Path) -> None:
    wb = read_workbook(write_small(tmp_path / "wb"))
    grid = pd.DataFrame(
        {
            "measure": ["production", "inventory value", "utilisation", "note"],
            "2026-11": [183.606557, 1234.5, 0.941176, 1.0],
            "2026-12": [165.0, -0.001, 1.0, 2.0],
        }
    )
    sheet = OutputSheet(
        "plan_family_F1",
        grid,
        {"2026-11": K.UNITS, "2026-12": K.UNITS},
        row_kinds=[K.UNITS, K.MONEY, K.PERCENT, K.TEXT],
    )
    write_plan_book(wb, [sheet], tmp_path / "out.xlsx")
    ws = load_workbook(tmp_path / "out.xlsx")["plan_family_F1"]
    cells = [[(c.value, c.number_format) for c in r[1:]] for r in ws.iter_rows(min_row=2)]
    assert cells == [
        [(183.61, "#,##0.00"), (165, "#,##0.00")],  # a grid: one format along a row
        [(1234.5, "#,##0.00"), (0, "#,##0.00")],  # money: -0.001 is 0, not -0.0
        [(0.9412, "0.0%"), (1, "0.0%")],
        [(1, "#,##0"), (2, "#,##0")],  # a text row kind keeps the column's kind
    ]
