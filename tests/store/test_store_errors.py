"""What the store says when it cannot do what was asked: never a driver traceback, and
nothing changed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from snop.errors import SnopError, user_message
from snop.services.workbook import import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from snop.store.workbook_repo import load_workbook
from tests.cli import snop
from tests.services import ME
from tests.workbooks import write_small

NOT_A_DATABASE = {
    "text": b"item,period,qty\nA1,2026-01,5\n" * 20,
    "random bytes": os.urandom(4096),
    "an xlsx": b"PK\x03\x04" + os.urandom(2000),
}


@pytest.mark.parametrize("kind", sorted(NOT_A_DATABASE))
def test_a_file_that_is_not_a_database(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(NOT_A_DATABASE[kind])
    with pytest.raises(SnopError) as info:
        open_store(str(path))
    assert str(info.value) == f"{path} is not a snop store (not a SQLite database)"
    r = snop("--db", path, "demand", "show")
    assert r.exit_code == 1 and not r.traceback, r
    assert r.stderr.strip() == f"error: {path} is not a snop store (not a SQLite database)"
    assert path.read_bytes() == NOT_A_DATABASE[kind]  # untouched


def test_another_applications_database_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    before = path.read_bytes()
    with pytest.raises(SnopError, match=r"other\.db is not a snop store: it holds other tables"):
        open_store(str(path))
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["customers"]


def _big_sales(folder: Path, rows: int) -> Path:
    folder.mkdir()
    lines = [f"A1,{2000 + n // 12:04d}-{n % 12 + 1:02d},{n},shop{n % 7}" for n in range(rows)]
    (folder / "sales.csv").write_text("item,period,qty,channel\n" + "\n".join(lines) + "\n")
    return folder


def test_disk_full_changes_nothing_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    engine = open_store(str(db))
    import_workbook(UnitOfWork(engine), ME, write_small(tmp_path / "wb"))
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    engine.dispose()

    def full_disk(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # the file may not grow any more: the next page it needs fails as on a full disk
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    sa.event.listen(engine, "connect", full_disk)
    with pytest.raises(sa.exc.OperationalError) as info:
        import_workbook(UnitOfWork(engine), ME, _big_sales(tmp_path / "more", 3000))
    assert user_message(info.value) == "disk full: nothing was changed"
    sa.event.remove(engine, "connect", full_disk)
    engine.dispose()
    wb = load_workbook(engine)
    assert wb is not None and len(wb.sales) == 18 and wb.sales["qty"].sum() == 1146


def test_postgresql_disk_full_message() -> None:
    psycopg = pytest.importorskip("psycopg")
    exc = psycopg.errors.DiskFull('could not extend file "base/1/2": No space left on device')
    assert user_message(exc) == "disk full: nothing was changed"
    wrapped = sa.exc.OperationalError("INSERT INTO wb_sales ...", {}, exc)
    assert user_message(wrapped) == "disk full: nothing was changed"


def test_a_busy_store_says_try_again(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    open_store(str(db)).dispose()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another command is writing
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        holder.rollback()
        holder.close()
    assert user_message(info.value) == (
        "the store is busy: another snop command is writing to it; nothing was changed; try again"
    )


def test_postgresql_lock_timeout_says_try_again() -> None:
    psycopg = pytest.importorskip("psycopg")
    exc = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    assert user_message(sa.exc.OperationalError("SELECT pg_advisory_xact_lock(1)", {}, exc)) == (
        "the store is busy: another snop command is writing to it; nothing was changed; try again"
    )


def test_postgresql_refused_connection_hides_the_password() -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://planner:s3cret@127.0.0.1:1/snop"
    with pytest.raises(SnopError) as info:
        open_store(url)
    msg = str(info.value)
    assert msg.startswith(
        "cannot connect to the store at postgresql+psycopg://planner:***@127.0.0.1:1/snop: "
    )
    assert "s3cret" not in msg and "\n" not in msg
    engine = open_store(url, migrate=False)  # a later command meets the same refusal
    with pytest.raises(sa.exc.OperationalError) as later:
        engine.connect()
    text = user_message(later.value)
    assert text is not None and text.startswith("cannot connect to the store: ")
    assert "s3cret" not in text
    r = snop("--db", url, "demand", "show")
    assert r.exit_code == 1 and not r.traceback
    assert "cannot connect to the store at" in r.stderr and "s3cret" not in r.stderr
