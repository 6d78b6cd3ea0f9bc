"""The store on SQLite and PostgreSQL: import, re-import, merge, round trips, migrations."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
import sqlalchemy as sa

from snop.io import WorkbookInvalid
from snop.services.workbook import export_store, import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from snop.store.workbook_repo import load_workbook
from tests.services import ME
from tests.workbooks import SMALL, write_small


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_import_then_reimport_does_not_duplicate(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    folder = write_small(tmp_path / "wb")
    first = import_workbook(UnitOfWork(engine), ME, folder)
    assert first.rows["sales"] == 18 and first.rows["items"] == 4
    import_workbook(UnitOfWork(engine), ME, folder)
    assert _count(engine, "wb_sales") == 18
    assert _count(engine, "wb_items") == 4
    assert _count(engine, "wb_item_attribute") == 4
    wb = load_workbook(engine)
    assert wb is not None
    assert wb.sales["qty"].sum() == 1146
    assert wb.table("budget")["family"].tolist() == [None, "F1"]  # blank family = total


def test_new_actuals_merge_into_history(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb"))
    month = tmp_path / "november"
    month.mkdir()
    # a new month, and a correction of an old one
    (month / "sales.csv").write_text(
        "item,period,qty,channel\nA1,2026-11,130,retail\nA2,2026-10,80,retail\n"
    )
    result = import_workbook(UnitOfWork(engine), ME, month)
    assert result.rows["sales"] == 19
    wb = load_workbook(engine)
    assert wb is not None
    s = wb.sales.set_index(["item", "period", "channel"])["qty"]
    assert s[("A1", "2026-11", "retail")] == 130
    assert s[("A2", "2026-10", "retail")] == 80
    assert len(wb.items) == 4  # tables the file left out are kept
    assert str(wb.first_period) == "2026-12"
    import_workbook(UnitOfWork(engine), ME, month, replace_sales=True)
    assert _count(engine, "wb_sales") == 2


def test_partial_import_is_checked_against_the_store(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb"))
    part = tmp_path / "items_only"
    part.mkdir()
    # dropping A2 would orphan its stored sales: refused, store unchanged
    (part / "items.csv").write_text(SMALL["items"].replace("A2,F1,Widget L,12,7,,,,large\n", ""))
    with pytest.raises(WorkbookInvalid) as info:
        import_workbook(UnitOfWork(engine), ME, part)
    assert "sales (already in the store), column item: 'A2': is not an item" in str(info.value)
    assert _count(engine, "wb_items") == 4


def test_export_import_export_is_identical(db_url: str, tmp_path: Path) -> None:
    _round_trip(db_url, tmp_path, "csv")


def test_export_import_export_through_excel_is_identical(tmp_path: Path) -> None:
    # the store's part is the CSV round trip above, on every database; Excel is a file format
    _round_trip(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, "xlsx")


def _round_trip(db_url: str, tmp_path: Path, fmt: str) -> None:
    from snop.demo import build_demo_workbook
    from snop.io import write_workbook

    write_workbook(build_demo_workbook(), tmp_path / "demo")
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, tmp_path / "demo")
    first = tmp_path / ("one.xlsx" if fmt == "xlsx" else "one")
    second = tmp_path / ("two.xlsx" if fmt == "xlsx" else "two")
    export_store(UnitOfWork(engine), ME, first)
    import_workbook(UnitOfWork(engine), ME, first)
    export_store(UnitOfWork(engine), ME, second)
    if fmt == "csv":
        cmp = filecmp.dircmp(first, second)
        assert sorted(cmp.common) == sorted(p.name for p in first.iterdir())
        assert cmp.diff_files == [] and cmp.left_only == [] and cmp.right_only == []
    else:
        from openpyxl import load_workbook as load_xlsx

        a, b = load_xlsx(first), load_xlsx(second)
        assert a.sheetnames == b.sheetnames
        for name in a.sheetnames:
            rows_a = list(a[name].iter_rows(values_only=True))
            assert rows_a == list(b[name].iter_rows(values_only=True)), name
            assert len(rows_a) > 1


def test_family_and_workforce_periods_round_trip(db_url: str, tmp_path: Path) -> None:
    changes = {
        "family_periods": "family,period,safety_stock,holding_cost\nF1,2027-01,40,\n"
        "F2,2027-02,,0.9\n",
        "workforce_periods": "pool,period,regular_wage\nP1,2027-03,21.5\n",
    }
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb", changes))
    export_store(UnitOfWork(engine), ME, tmp_path / "out")
    assert (tmp_path / "out" / "family_periods.csv").read_text() == changes["family_periods"]
    assert (tmp_path / "out" / "workforce_periods.csv").read_text() == changes["workforce_periods"]
    wb = load_workbook(engine)
    assert wb is not None
    values = wb.period_values("families", wb.planning_periods)
    assert values["safety_stock"].loc["F1"].tolist() == [20, 20, 40, 20, 20, 20]
    assert values["holding_cost"].loc["F2", "2027-02"] == 0.9
    wages = wb.period_values("workforce", wb.planning_periods)["regular_wage"]
    assert wages.loc["P1"].tolist() == [20, 20, 20, 20, 21.5, 20]


def test_migrations_match_the_table_definitions(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from snop.store.tables import metadata

    engine = open_store(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_foreign_keys_are_enforced(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO wb_sales (item, period, location, customer, channel,"
                " qty) VALUES ('NOPE', '2026-01', '', '', '', 1)"
            )
        )
