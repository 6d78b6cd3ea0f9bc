"""What the store can hold is checked at validation, the same on SQLite and PostgreSQL: text
at the limits goes in and comes back byte-exact, text past them is refused with its row."""

from __future__ import annotations

import csv
from pathlib import Path

from snop.io import check_workbook
from snop.model.limits import MAX_AMOUNT, MAX_KEY_LENGTH, MAX_QUANTITY
from snop.model.schema import TABLES, Kind
from snop.services.workbook import import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from snop.store.workbook_repo import load_workbook
from tests.services import ME
from tests.workbooks import SMALL, write_small

# A 200-character code (the longest a key may be) in several scripts, and names that must
# stay inert: quotes, SQL, HTML, rich markup.
LONG = ("Ä-ø-名-" * 40)[:MAX_KEY_LENGTH]
NAMES = [
    LONG,
    'O\'Brien "quoted"',
    "x'); DROP TABLE wb_items;--",
    "<script>alert(1)</script>",
    "GHOST[/]",
    "[bold]b[/bold] [link=http://x]l[/link]",
    "ÄÖÜ ß 漢字 😀",
]
FREE = ["line one\nline two\tand a tab", "é" * 2_000, "[/] <b>'\"</b>"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _limit_workbook(folder: Path) -> Path:
    folder.mkdir(parents=True)
    items = [[name, "F1", FREE[i % len(FREE)], "10", "6"] for i, name in enumerate(NAMES)]
    _write_csv(
        folder / "items.csv", ["item", "family", "description", "unit_price", "unit_cost"], items
    )
    sales = [
        [name, "2026-0" + str(m), str(10 * m + i)]
        for i, name in enumerate(NAMES)
        for m in (1, 2, 3)
    ]
    _write_csv(folder / "sales.csv", ["item", "period", "qty"], sales)
    return folder


def test_text_at_the_limits_round_trips_byte_exact(tmp_path: Path, db_url: str) -> None:
    folder = _limit_workbook(tmp_path / "wb")
    engine = open_store(db_url)
    result = import_workbook(UnitOfWork(engine), ME, folder)
    assert result.rows["items"] == len(NAMES)
    wb = load_workbook(engine)
    assert wb is not None
    got = dict(zip(wb.items["item"], wb.items["description"], strict=True))
    assert got == {name: FREE[i % len(FREE)] for i, name in enumerate(NAMES)}
    sold = wb.sales.groupby("item")["qty"].sum().to_dict()
    assert sold == {name: float(60 + 3 * i) for i, name in enumerate(NAMES)}
    engine.dispose()


def test_text_the_store_cannot_hold_is_refused_with_row_and_column(tmp_path: Path) -> None:
    items = SMALL["items"].replace("A2,F1,Widget L", "A" * 201 + ",F1,Widget L", 1)
    items = items.replace("B1,F2,Gadget,", "B1,F2,Gad\x00get,", 1)
    items = items.replace("B2,F2,Gadget old", "B2,F\x07,Gadget old", 1)
    items = items.replace("A1,F1,Widget,", "A1,F1," + "w" * 10_001 + ",", 1)
    sales = SMALL["sales"].replace("A1,2026-06,110,retail", "A1,2026-06,110,re\ttail", 1)
    result = check_workbook(write_small(tmp_path / "wb", {"items": items, "sales": sales}))
    found = {(p.source, p.row, p.column): p.message for p in result.errors}
    assert "is 201 characters long; at most 200" in found[("items.csv", 3, "item")]
    assert "is 10001 characters long; at most 10000" in found[("items.csv", 2, "description")]
    assert "control character" in found[("items.csv", 4, "description")]  # NUL
    assert "control character" in found[("items.csv", 5, "family")]  # a bell in a code
    assert "control character" in found[("sales.csv", 3, "channel")]  # a tab in a code
    shown = [p.value for p in result.errors if p.column == "item" and p.source == "items.csv"]
    assert shown == ["A" * 60 + "..."]  # a long value is shortened in the message


def test_numbers_past_the_limits_are_refused(tmp_path: Path) -> None:
    sales = SMALL["sales"].replace("A1,2026-06,110", "A1,2026-06,1e308", 1)
    sales = sales.replace("A1,2026-07,120", "A1,2026-07,1e400", 1)
    sales = sales.replace("A1,2026-08,90", "A1,2026-08,nan", 1)
    sales = sales.replace("A1,2026-09,100", "A1,2026-09,inf", 1)
    sales = sales.replace("A1,2026-10,105", f"A1,2026-10,{MAX_QUANTITY:.0f}", 1)  # at the limit
    items = SMALL["items"].replace("A1,F1,Widget,10,6", "A1,F1,Widget,2e12,6", 1)
    items = items.replace("A2,F1,Widget L,12,7", f"A2,F1,Widget L,{MAX_AMOUNT:.0f},7", 1)
    families = SMALL["families"].replace("F2,40,5", "F2,2e9,5", 1)
    result = check_workbook(
        write_small(tmp_path / "wb", {"sales": sales, "items": items, "families": families})
    )
    found = {(p.source, p.row, p.column): p.message for p in result.errors}
    assert "beyond the largest value snop accepts (1,000,000,000)" in found[("sales.csv", 3, "qty")]
    for row in (4, 5, 6):
        assert "is not a finite number" in found[("sales.csv", row, "qty")]
    assert ("sales.csv", 7, "qty") not in found  # exactly MAX_QUANTITY is allowed
    assert "(1,000,000,000,000)" in found[("items.csv", 2, "unit_price")]  # money: MAX_AMOUNT
    assert ("items.csv", 3, "unit_price") not in found
    assert "(1,000,000,000)" in found[("families.csv", 3, "initial_inventory")]
    assert len(result.errors) == 6, [str(p) for p in result.errors]


def test_every_money_column_is_bounded_by_max_amount_and_keys_are_codes() -> None:
    for spec in TABLES.values():
        for col in spec.columns:
            if col.kind is Kind.NUMBER:
                assert col.limit == (MAX_AMOUNT if "currency" in col.unit else MAX_QUANTITY)
            if col.name in spec.key and col.kind is Kind.TEXT:
                assert col.is_code, f"{spec.name}.{col.name} is a key: it must be a code"


def test_commas_in_numbers_are_refused_not_guessed(tmp_path: Path) -> None:
    sales = SMALL["sales"].replace("A1,2026-06,110", 'A1,2026-06,"1,5"', 1)
    sales = sales.replace("A1,2026-07,120", 'A1,2026-07,"1,234"', 1)
    result = check_workbook(write_small(tmp_path / "wb", {"sales": sales}))
    found = {(p.row, p.column): (p.value, p.message) for p in result.errors}
    assert found[(3, "qty")][0] == "1,5" and "decimal comma" in found[(3, "qty")][1]
    assert found[(4, "qty")][0] == "1,234" and "ambiguous" in found[(4, "qty")][1]


def test_the_documented_limits_are_the_enforced_ones() -> None:
    from snop.model.limits import MAX_TEXT_LENGTH

    doc = (Path(__file__).parents[2] / "docs" / "workbook.md").read_text(encoding="utf-8")
    for value in (MAX_AMOUNT, MAX_QUANTITY, MAX_TEXT_LENGTH):
        assert f"{value:,.0f}" in doc
    assert f"at most {MAX_KEY_LENGTH} characters" in doc


def test_import_of_text_past_the_limits_is_one_error_on_every_database(
    tmp_path: Path, db_url: str
) -> None:
    """A 300-character code and a NUL in a description: refused by validation with row and
    column on SQLite and PostgreSQL alike (PostgreSQL used to end in a DataError traceback)."""
    from tests.cli import snop

    folder = write_small(tmp_path / "wb")
    assert snop("--db", db_url, "import", folder).exit_code == 0
    items = SMALL["items"].replace("A2,F1,Widget L", "A" * 300 + ",F1,Widget L", 1)
    items = items.replace("B1,F2,Gadget,", "B1,F2,Gad\x00get,", 1)
    bad = write_small(tmp_path / "bad", {"items": items})
    r = snop("--db", db_url, "import", bad)
    assert r.exit_code == 1 and not r.traceback, r.exception
    assert "items.csv row 3, column item" in r.stderr and "300 characters" in r.stderr
    assert "items.csv row 4, column description" in r.stderr and "control character" in r.stderr
    engine = open_store(db_url)
    wb = load_workbook(engine)
    engine.dispose()
    assert wb is not None and list(wb.items["item"]) == ["A1", "A2", "B1", "B2"]
