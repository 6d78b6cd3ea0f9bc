"""The actuals tables, the time fence and step_due_days in the store (SQLite and PostgreSQL):
import, export and import again give the same files; a store of schema 0006 upgrades to them."""

from __future__ import annotations

import filecmp
import math
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from openpyxl import load_workbook as load_xlsx

from snop.services.workbook import export_store, import_workbook
from snop.store.db import alembic_config, open_store
from snop.store.uow import UnitOfWork
from snop.store.workbook_repo import load_workbook
from tests.services import ME
from tests.workbooks import SMALL, write_small

ACTUALS = {
    "actual_production": "family,period,qty\nF1,2026-09,175.25\nF1,2026-10,180\nF2,2026-10,0\n",
    "actual_inventory": "family,period,on_hand,backlog\nF1,2026-10,95,\nF2,2026-10,,3\n",
    "actual_workers": "pool,period,workers\nP1,2026-09,1\nP1,2026-10,2\n",
}


def _with_fence() -> dict[str, str]:
    head, f1, f2 = SMALL["families"].strip().splitlines()
    settings = SMALL["settings"] + 'step_due_days,"demand_review=5, supply_review=8"\n'
    return {
        **ACTUALS,
        "families": f"{head},frozen_periods\n{f1},2\n{f2},\n",
        "settings": settings,
    }


def test_actuals_fence_and_due_days_round_trip(db_url: str, tmp_path: Path) -> None:
    changes = _with_fence()
    engine = open_store(db_url)
    result = import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb", changes))
    assert (
        result.rows["actual_production"],
        result.rows["actual_inventory"],
        result.rows["actual_workers"],
    ) == (3, 2, 2)
    first, second = tmp_path / "one", tmp_path / "two"
    export_store(UnitOfWork(engine), ME, first)
    for name in ACTUALS:  # written back exactly as given
        assert (first / f"{name}.csv").read_text() == changes[name], name
    fam = (first / "families.csv").read_text().splitlines()
    assert fam[0].endswith(",frozen_periods") and fam[1].endswith(",2") and fam[2].endswith(",")
    assert (
        'step_due_days,"demand_review=5, supply_review=8"' in (first / "settings.csv").read_text()
    )
    import_workbook(UnitOfWork(engine), ME, first)
    export_store(UnitOfWork(engine), ME, second)
    cmp = filecmp.dircmp(first, second)
    assert cmp.diff_files == [] and cmp.left_only == [] and cmp.right_only == []
    # and through Excel: the same sheets after a second import
    book_a, book_b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export_store(UnitOfWork(engine), ME, book_a)
    import_workbook(UnitOfWork(engine), ME, book_a)
    export_store(UnitOfWork(engine), ME, book_b)
    a, b = load_xlsx(book_a), load_xlsx(book_b)
    for name in ("families", "settings", *ACTUALS):
        rows = list(a[name].iter_rows(values_only=True))
        assert rows == list(b[name].iter_rows(values_only=True)), name
    assert list(a["actual_inventory"].iter_rows(values_only=True)) == [
        ("family", "period", "on_hand", "backlog"),
        ("F1", "2026-10", 95, None),
        ("F2", "2026-10", None, 3),
    ]
    wb = load_workbook(engine)
    assert wb is not None
    inv = wb.table("actual_inventory")
    assert inv["on_hand"].tolist()[0] == 95 and math.isnan(inv["on_hand"].tolist()[1])
    assert wb.table("actual_production")["qty"].sum() == 355.25
    assert wb.families_with_defaults()["frozen_periods"].tolist() == [2.0, 0.0]
    assert wb.setting("step_due_days") == "demand_review=5, supply_review=8"


def test_a_store_of_schema_0006_keeps_its_families_and_gets_no_fence(
    db_url: str, tmp_path: Path
) -> None:
    engine = open_store(db_url, migrate=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0006")
        conn.execute(
            sa.text("INSERT INTO wb_families (family, safety_stock) VALUES ('F1', 20), ('F2', 5)")
        )
    engine.dispose()
    engine = open_store(db_url)  # upgrades to 0007 and later
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT family, safety_stock, frozen_periods FROM wb_families ORDER BY family")
        ).all()
        assert [tuple(r) for r in rows] == [("F1", 20.0, None), ("F2", 5.0, None)]
        for name in ACTUALS:
            assert conn.execute(sa.text(f"SELECT count(*) FROM wb_{name}")).scalar_one() == 0
    engine.dispose()
