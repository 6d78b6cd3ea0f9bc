"""Hostile and unusual workbooks: every problem at once, planning-only workbooks, empty sales,
numbers and text the store cannot hold, files that are not workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from snop.io import check_workbook
from tests.cli import snop
from tests.workbooks import SMALL, write_small


def _edit(table: str, old: str, new: str, changes: dict[str, str]) -> None:
    text = changes.get(table, SMALL[table])
    assert old in text, (table, old)
    changes[table] = text.replace(old, new, 1)


def test_one_broken_header_does_not_hide_the_reference_errors(tmp_path: Path) -> None:
    changes: dict[str, str] = {}
    _edit("inventory", "item,on_hand", "item,onhand", changes)  # structural: table unusable
    _edit("sales", "A1,2026-06,110", "A9,2026-06,110", changes)  # row 3: unknown item
    _edit("families", "0.5,P1\n", "0.5,P9\n", changes)  # row 2: unknown pool
    _edit("routings", "F2,R1,0.2", "F2,R7,0.2", changes)  # row 3: unknown resource
    _edit("budget", "F1,2026-11,2000", "F7,2026-11,2000", changes)  # row 2: unknown family
    result = check_workbook(write_small(tmp_path / "wb", changes))
    found = {(p.source, p.row, p.column) for p in result.errors}
    assert ("inventory.csv", 1, "on_hand") in found  # the required column is missing
    for where in [
        ("sales.csv", 3, "item"),
        ("families.csv", 2, "workforce_pool"),
        ("routings.csv", 3, "resource"),
        ("budget.csv", 2, "family"),
    ]:
        assert where in found, (where, sorted(map(str, result.errors)))
    # the inventory table did not parse: its rows are not checked against items
    assert not any(p.source == "inventory.csv" and p.row not in (1, None) for p in result.errors)


def test_a_broken_referenced_table_is_not_blamed_on_its_users(tmp_path: Path) -> None:
    """The workforce table lacks its key column: the families naming pool P1 are not
    reported as naming an unknown pool (only the workforce header is)."""
    changes: dict[str, str] = {}
    _edit("workforce", "pool,initial_workers", "pol,initial_workers", changes)
    result = check_workbook(write_small(tmp_path / "wb", changes))
    sources = {p.source for p in result.errors}
    assert sources == {"workforce.csv"}, sorted(map(str, result.errors))


# A planning-only workbook: a family-level demand table, no sales, no items (the textbook case).
PLANNING_ONLY = {
    "families": "family,initial_inventory,holding_cost,min_ending_inventory,regular_cost\n"
    "F,5,1,7,2\n",
    "demand": "family,period,qty\nF,2027-01,10\nF,2027-02,20\nF,2027-03,30\n",
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_a_planning_only_workbook_validates_and_plans(tmp_path: Path) -> None:
    wb_dir = _write(tmp_path / "textbook", PLANNING_ONLY)
    result = check_workbook(wb_dir)
    assert result.errors == [], [str(p) for p in result.errors]
    wb = result.workbook
    assert wb is not None
    # first_period: the first demand period; horizon: the demand's span
    assert str(wb.first_period) == "2027-01" and wb.horizon == 3
    assert wb.family_names == ["F"]
    assert snop("validate", wb_dir).exit_code == 0
    r = snop("plan", "--workbook", wb_dir, "--json")
    assert r.exit_code == 0, r.stderr
    plan = r.json()["strategies"][0]
    # By hand: net demand 10-5, 20, 30 plus 7 units to end with = 62 units at 2 each = 124;
    # the 7 ending units are held one period at 1 each = 7.
    assert plan["cost_breakdown"]["regular_production"] == 124.0
    assert plan["cost_breakdown"]["holding"] == 7.0
    assert plan["total_cost"] == 131.0


def test_the_horizon_setting_wins_over_the_demand_span(tmp_path: Path) -> None:
    files = {**PLANNING_ONLY, "settings": "name,value\nhorizon,5\nfirst_period,2027-02\n"}
    wb = check_workbook(_write(tmp_path / "wb", files)).workbook
    assert wb is not None
    assert str(wb.first_period) == "2027-02" and wb.horizon == 5


def test_a_planning_only_demand_must_name_known_families(tmp_path: Path) -> None:
    files = {**PLANNING_ONLY, "demand": PLANNING_ONLY["demand"] + "G,2027-02,5\n"}
    result = check_workbook(_write(tmp_path / "wb", files))
    assert [(p.row, p.column, p.value) for p in result.errors] == [(5, "family", "G")]
    assert "families are named by the families table" in result.errors[0].message


def test_header_only_sales_is_an_error_without_a_demand_table(tmp_path: Path) -> None:
    result = check_workbook(write_small(tmp_path / "wb", {"sales": "item,period,qty\n"}))
    assert not result.ok
    msgs = [str(p) for p in result.errors if p.source == "sales.csv"]
    assert msgs and "has a header and no rows" in msgs[0]
    r = snop("validate", tmp_path / "wb")
    assert r.exit_code == 1 and "ok" not in r.stdout.split()


def test_header_only_sales_is_a_warning_in_a_planning_only_workbook(tmp_path: Path) -> None:
    files = {**PLANNING_ONLY, "sales": "item,period,qty\n"}
    result = check_workbook(_write(tmp_path / "wb", files))
    assert result.ok, [str(p) for p in result.errors]
    assert any("has a header and no rows" in str(p) for p in result.warnings)


def _store_with_small(tmp_path: Path) -> str:
    db = str(tmp_path / "s.db")
    r = snop("--db", db, "import", write_small(tmp_path / "small"))
    assert r.exit_code == 0, r.stderr
    return db


def _stored_sales(db: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = int(conn.execute(sa.text("SELECT count(*) FROM wb_sales")).scalar_one())
    engine.dispose()
    return n


def test_a_store_without_sales_says_what_to_import(tmp_path: Path) -> None:
    db = _store_with_small(tmp_path)
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM wb_sales"))
    engine.dispose()
    # the cycle (2026-11) stays what it was opened as; what is missing is said in one line
    said = {
        ("demand", "show"): "has no statistical baseline yet; run `snop forecast` first",
        ("demand", "log"): "has no statistical baseline yet; run `snop forecast` first",
        ("plan",): "no demand table and no sales history to plan on",
        ("forecast",): "stored sales: no rows",
    }
    for args, message in said.items():
        r = snop("--db", db, *args)
        assert r.exit_code == 1 and not r.traceback, (args, r.exception)
        assert message in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("sales", ["item,period,qty\n", ""])
def test_replace_sales_with_an_empty_file_is_refused(tmp_path: Path, sales: str) -> None:
    db = _store_with_small(tmp_path)
    new = _write(tmp_path / "new", {"sales": sales})
    r = snop("--db", db, "import", new, "--replace-sales")
    assert r.exit_code == 1 and not r.traceback
    assert "would remove all 18 stored sales rows" in r.stderr, r.stderr
    assert _stored_sales(db) == 18


def test_an_empty_sales_file_merged_keeps_the_history(tmp_path: Path) -> None:
    db = _store_with_small(tmp_path)
    r = snop("--db", db, "import", _write(tmp_path / "new", {"sales": "item,period,qty\n"}))
    assert r.exit_code == 0, r.stderr
    assert "18 stored sales rows are kept" in r.stderr
    assert _stored_sales(db) == 18


def _not_a_workbook(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "book.xlsx"
    if kind == "random":
        path.write_bytes(bytes((i * 197 + 13) % 256 for i in range(600)))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "csv":
        path.write_text(SMALL["sales"], encoding="utf-8")
    elif kind == "zip":  # a zip archive, but no Excel inside
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "hello")
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize("kind", ["random", "empty", "csv", "zip", "folder"])
@pytest.mark.parametrize("command", ["validate", "import", "plan"])
def test_a_file_that_is_no_workbook_gives_one_line(tmp_path: Path, kind: str, command: str) -> None:
    path = _not_a_workbook(tmp_path, kind)
    args = {
        "validate": ("validate", path),
        "import": ("--db", tmp_path / "s.db", "import", path),
        "plan": ("plan", "--workbook", path),
    }[command]
    r = snop(*args)
    assert r.exit_code == 1 and not r.traceback, r.exception
    said = " ".join((r.stdout if command == "validate" else r.stderr).split())  # unwrapped
    assert said.count("error: ") == 1, said
    assert said.startswith(
        f"error: {path}: "
        + (
            "cannot be read as an Excel workbook"
            if kind != "folder"
            else "is a folder with no CSV files"
        )
    ), said
    if command != "validate":
        assert r.stderr.count("\n") == 1, r.stderr


def _european(text: str) -> str:
    """The small workbook as a European spreadsheet saves it: ; between cells, , for decimals."""
    return text.replace(",", ";").replace(".", ",")


def test_a_decimal_setting_reads_csv_files_written_with_a_decimal_comma(tmp_path: Path) -> None:
    plain = {name: _european(text) for name, text in SMALL.items()}
    sales = plain["sales"].replace("A1;2026-05;100;", "A1;2026-05;100,5;", 1)
    sales = sales.replace("A1;2026-06;110;", "A1;2026-06;1.110,25;", 1)
    changes = {**plain, "sales": sales, "settings": plain["settings"] + "decimal;,\n"}
    result = check_workbook(write_small(tmp_path / "wb", changes))
    assert result.ok, [str(p) for p in result.errors]
    wb = result.workbook
    assert wb is not None
    a1 = wb.sales[wb.sales["item"] == "A1"].set_index("period")["qty"]
    assert a1["2026-05"] == 100.5 and a1["2026-06"] == 1110.25
    assert wb.families_with_defaults().loc["F2", "holding_cost"] == 0.8
    assert wb.setting("decimal") is None  # it describes the files: not kept, not exported
    # without the setting the same files are refused, row and column named
    del changes["settings"]
    refused = check_workbook(write_small(tmp_path / "plain", changes))
    found = {(p.source, p.row, p.column): p.message for p in refused.errors}
    assert "has a decimal comma" in found[("sales.csv", 2, "qty")]
    assert "has a decimal comma" in found[("sales.csv", 3, "qty")]  # 1.110,25
    assert "add the setting decimal" in found[("families.csv", 2, "holding_cost")]
