"""Validation lists every problem with file, row and column; an invalid import changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.io import Severity, WorkbookInvalid, check_workbook
from snop.services.workbook import export_store, import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from tests.services import ME
from tests.workbooks import SMALL, write_small


def test_small_workbook_is_valid(tmp_path: Path) -> None:
    result = check_workbook(write_small(tmp_path / "wb"))
    assert result.errors == []
    wb = result.workbook
    assert wb is not None
    assert list(wb.items["item"]) == ["A1", "A2", "B1", "B2"]
    assert wb.attributes == ["category"]
    assert wb.sales["qty"].sum() == 645 + 375 + 126
    assert str(wb.first_period) == "2026-11" and wb.horizon == 6
    assert wb.family_names == ["F1", "F2"]
    fam = wb.families_with_defaults()
    assert fam.loc["F2", "initial_backlog"] == 0.0  # default applied
    assert fam.loc["F1", "holding_basis"] == "ending"


# Twenty different mistakes, each with the place it must be reported at: (file, row, column).
MISTAKES: list[tuple[str, str, str, tuple[str, int | None, str | None]]] = [
    (
        "items",
        "A2,F1,Widget L,12,7,,,,large\n",
        "A2,F1,Widget L,12,7,,,,large\nA2,F1,Again,1,1,,,,x\n",
        ("items.csv", 4, "item"),
    ),
    ("items", "A1,F1,Widget,10,6", "A1,F1,Widget,abc,6", ("items.csv", 2, "unit_price")),
    (
        "items",
        "B1,F2,Gadget,20,11,2026-12,,B2",
        "B1,F2,Gadget,20,11,2026-12,,ZZ",
        ("items.csv", 5, "like_item"),
    ),
    (
        "items",
        "B2,F2,Gadget old,18,10,,2027-03",
        "B2,F2,Gadget old,18,10,2027-05,2027-03",
        ("items.csv", 6, "end_period"),
    ),
    ("sales", "A1,2026-06,110", "A9,2026-06,110", ("sales.csv", 3, "item")),
    ("sales", "A1,2026-07,120", "A1,2026-07,-5", ("sales.csv", 4, "qty")),
    ("sales", "A1,2026-08,90", "A1,2026-13,90", ("sales.csv", 5, "period")),
    ("sales", "A1,2026-09,100", "A1,2026-Q3,100", ("sales.csv", 6, "period")),
    ("sales", "A2,2026-05,50", "A2,2026-05,", ("sales.csv", 9, "qty")),
    (
        "families",
        "F2,40,5,,0.8,average",
        "F2,40,5,,0.8,averag",
        ("families.csv", 3, "holding_basis"),
    ),
    ("families", "0.5,P1\n", "0.5,P9\n", ("families.csv", 2, "workforce_pool")),
    (
        "families",
        "family,initial_inventory,safety_stock,max_inventory,holding_cost,",
        "family,initial_inventory,safety_stock,max_inventory,holdng_cost,",
        ("families.csv", 1, "holdng_cost"),
    ),
    ("families", "F1,100,20,500", "F1,100,600,500", ("families.csv", 2, "safety_stock")),
    ("workforce", "800,0,4\n", "800,5,4\n", ("workforce.csv", 3, "min_workers")),
    (
        "workforce",
        "max_workers\n",
        "max_workers\nP2,1,,,20,30,10,500,800,0,4\n",
        ("workforce.csv", 2, "regular_hours_per_worker"),
    ),
    ("calendar", "2027-02,20\n", "", ("calendar.csv", None, "period")),
    ("calendar", "2026-12,18", "2026-12,40", ("calendar.csv", 3, "working_days")),
    ("routings", "F2,R1,0.2", "F2,R7,0.2", ("routings.csv", 3, "resource")),
    ("routings", "F1,R1,0.1", "F1,R1,0", ("routings.csv", 2, "hours_per_unit")),
    ("budget", "F1,2026-11,2000", "F7,2026-11,2000", ("budget.csv", 2, "family")),
]


def _broken_workbook(folder: Path) -> Path:
    changes: dict[str, str] = {}
    for table, old, new, _ in MISTAKES:
        text = changes.get(table) or SMALL[table]
        assert old in text, (table, old)
        changes[table] = text.replace(old, new, 1)
    return write_small(folder, changes)


def test_twenty_mistakes_are_all_reported_with_row_and_column(tmp_path: Path) -> None:
    result = check_workbook(_broken_workbook(tmp_path / "bad"))
    assert result.workbook is None
    found = {(p.source, p.row, p.column) for p in result.errors}
    for table, _, _, where in MISTAKES:
        assert where in found, (
            f"{table}: {where} not reported; got {sorted(map(str, result.errors))}"
        )
    assert len(result.errors) == 20, "\n".join(map(str, result.errors))
    messages = {(p.source, p.row, p.column): str(p) for p in result.errors}
    assert (
        "'abc': is not a number; expected a number >= 0" in messages[("items.csv", 2, "unit_price")]
    )
    assert "did you mean 'holding_cost'" in messages[("families.csv", 1, "holdng_cost")]
    assert "missing 2027-02" in messages[("calendar.csv", None, "period")]
    assert "repeats row 3" in messages[("items.csv", 4, "item")]


def test_invalid_import_leaves_the_store_exactly_as_before(tmp_path: Path) -> None:
    engine = open_store(str(tmp_path / "s.db"))
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "good"))
    export_store(UnitOfWork(engine), ME, tmp_path / "before")
    with pytest.raises(WorkbookInvalid) as info:
        import_workbook(UnitOfWork(engine), ME, _broken_workbook(tmp_path / "bad"))
    assert len(info.value.problems) >= 20
    assert "nothing was imported" in str(info.value)
    export_store(UnitOfWork(engine), ME, tmp_path / "after")
    for f in sorted((tmp_path / "before").iterdir()):
        assert f.read_text() == (tmp_path / "after" / f.name).read_text(), f.name


def test_missing_table_column_and_unknown_file(tmp_path: Path) -> None:
    folder = write_small(tmp_path / "wb", {"sales": "item,period\nA1,2026-05\n"})
    (folder / "itmes.csv").write_text("item\nX\n")
    (folder / "inventory.csv").unlink()
    result = check_workbook(folder)
    text = "\n".join(map(str, result.errors))
    assert "sales.csv row 1, column qty: required column 'qty' is missing" in text
    assert "'itmes' is not a workbook table (did you mean 'items'?)" in text


def test_items_and_sales_are_required(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    empty = check_workbook(folder)
    assert [p.message.split(";")[0] for p in empty.errors] == ["is a folder with no CSV files"]
    (folder / "settings.csv").write_text("name,value\ncompany,X\n", encoding="utf-8")
    result = check_workbook(folder)
    assert {p.source for p in result.errors} == {"items", "sales"}


def test_whole_missing_month_in_sales_is_an_error_single_item_gaps_are_not(tmp_path: Path) -> None:
    # B2 has no 2026-08 row: fine (zero sales). No item at all in 2026-08: a missing extract.
    assert check_workbook(write_small(tmp_path / "ok")).ok
    sales = "\n".join(line for line in SMALL["sales"].splitlines() if "2026-08" not in line)
    result = check_workbook(write_small(tmp_path / "gap", {"sales": sales + "\n"}))
    assert [str(p) for p in result.errors] == [
        "sales.csv, column period: no item has any sales in 2026-08, inside the history; a "
        "period seems to be missing from the file (if nothing was sold, add rows with qty 0)"
    ]


def test_many_bad_rows_are_counted_not_flooded(tmp_path: Path) -> None:
    rows = "".join(f"A1,2025-{m:02d},x{m}\n" for m in range(1, 13)) + "".join(
        f"A2,2024-{m:02d},y\n" for m in range(1, 13)
    )
    result = check_workbook(write_small(tmp_path / "wb", {"sales": SMALL["sales"] + rows}))
    qty = [p for p in result.errors if p.column == "qty"]
    assert len(qty) == 21 and qty[-1].message == "... and 4 more rows like these"


def test_warnings_do_not_block(tmp_path: Path) -> None:
    items = SMALL["items"].replace("A1,F1,Widget,10,6", "A1,F1,Widget,10,16")
    result = check_workbook(write_small(tmp_path / "wb", {"items": items}))
    assert result.ok
    assert [p.severity for p in result.problems] == [Severity.WARNING]
    assert "sells at a loss" in str(result.problems[0])


def test_excel_dates_in_period_columns_read_as_months(tmp_path: Path) -> None:
    from datetime import datetime

    from snop.io import write_workbook

    wb = check_workbook(write_small(tmp_path / "wb")).workbook
    assert wb is not None
    path = tmp_path / "wb.xlsx"
    write_workbook(wb, path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["sales"]["B2"] = datetime(2026, 5, 1)  # what Excel makes of a typed "2026-05"
    book.save(path)
    again = check_workbook(path)
    assert again.ok and again.workbook is not None
    assert again.workbook.sales["period"].iloc[0] == "2026-05"


def test_supply_policy_settings_are_checked_with_row_and_valid_values(tmp_path: Path) -> None:
    settings = SMALL["settings"].rstrip("\n") + (
        "\nallow_ending_backlog,maybe\nsafety_stock,Hard\nending_workforce,keep\n"
    )
    result = check_workbook(write_small(tmp_path / "wb", {"settings": settings}))
    found = {(p.row, p.value, p.message) for p in result.errors if p.source == "settings.csv"}
    first = len(SMALL["settings"].strip().splitlines()) + 1  # header is row 1
    assert found == {
        (first, "maybe", "allow_ending_backlog must be one of yes, no, true, false"),
        (first + 2, "keep", "ending_workforce must be one of demand, none"),
    }  # "Hard" is valid: settings are case-insensitive
