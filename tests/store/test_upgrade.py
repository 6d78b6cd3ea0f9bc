"""Schema upgrades are atomic: a process killed at any moment of an upgrade (or of the
creation of a new store) leaves a store that opens, at its old or its new version, with its
data intact. A store of a newer schema is refused and left untouched."""

from __future__ import annotations

import csv
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from snop.errors import SnopError
from snop.store.db import alembic_config, open_store, upgrade
from tests.cli import snop
from tests.workbooks import write_small

OLD = "0004"
FORK = multiprocessing.get_context("fork")  # the child starts at once, snop imported


def head() -> str:
    with sa.create_engine("sqlite://").connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    assert head is not None
    return head


def version(url: str) -> str | None:
    """The store's schema version, read without migrating anything."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev


def store_at(url: str, revision: str, wb: Path) -> None:
    """A store at an old schema version holding the small workbook's items and sales.

    Written with SQL of that schema (wb_items and wb_sales are the same since 0001): today's
    import writes tables and columns an old schema does not have."""
    folder = write_small(wb)
    with (folder / "items.csv").open(encoding="utf-8") as fh:
        items = [{"item": r["item"], "family": r["family"]} for r in csv.DictReader(fh)]
    with (folder / "sales.csv").open(encoding="utf-8") as fh:
        sales = [{**r, "qty": float(r["qty"])} for r in csv.DictReader(fh)]
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        conn.execute(sa.text("INSERT INTO wb_items (item, family) VALUES (:item, :family)"), items)
        conn.execute(
            sa.text(
                "INSERT INTO wb_sales (item, period, location, customer, channel, qty) "
                "VALUES (:item, :period, '', '', :channel, :qty)"
            ),
            sales,
        )
    engine.dispose()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


def _upgrade_dying_at(url: str, at: int, step: int) -> int:
    """Create or upgrade the store, and SIGKILL this process at the ``at``-th chance (a
    point inside SQLite's work: between or within the statements of the upgrade). Returns
    the number of chances when it did not die. A chance comes every ``step`` steps of
    SQLite's virtual machine."""
    engine = open_store(url, migrate=False)
    chances = 0

    def tick() -> int:
        nonlocal chances
        chances += 1
        if chances == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    def watch(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.set_progress_handler(tick, step)

    sa.event.listen(engine, "connect", watch)
    upgrade(engine)
    engine.dispose()
    return chances


def _child(url: str, at: int, step: int) -> None:
    _upgrade_dying_at(url, at, step)
    os._exit(0)  # skip the test runner's exit handlers in the fork


def _kill_during_open(url: str, at: int, step: int) -> bool:
    """Open (create or upgrade) the store in a child process that is killed by SIGKILL at
    the ``at``-th chance; True when it was."""
    child = FORK.Process(target=_child, args=(url, at, step))
    child.start()
    child.join()
    assert child.exitcode in (0, -signal.SIGKILL)
    return child.exitcode == -signal.SIGKILL


ROUNDS = 8


def test_kill_during_upgrade_leaves_old_or_new_version(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    store_at(f"sqlite:///{template}", OLD, tmp_path / "wb")
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    shutil.copy(template, db)
    step = 2  # one small migration: look closely
    chances = _upgrade_dying_at(url, 0, step)
    rng = random.Random(9)
    outcomes: list[tuple[int, str | None]] = []
    for _ in range(ROUNDS):
        for f in tmp_path.glob("store.db*"):
            f.unlink()
        shutil.copy(template, db)
        at = rng.randint(1, chances)
        assert _kill_during_open(url, at, step)
        rev = version(url)
        outcomes.append((at, rev))
        assert rev in (OLD, head()), outcomes
        assert _count(url, "wb_sales") == 18 and _count(url, "wb_items") == 4
        open_store(url).dispose()  # it opens, and upgrades now
        assert version(url) == head()
        assert _count(url, "wb_sales") == 18


def test_kill_while_creating_a_store_leaves_none_or_a_whole_one(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    step = 50
    chances = _upgrade_dying_at(url, 0, step)
    rng = random.Random(29)
    outcomes: list[tuple[int, str | None]] = []
    for _ in range(ROUNDS):
        for f in tmp_path.glob("store.db*"):
            f.unlink()
        at = rng.randint(1, chances)
        assert _kill_during_open(url, at, step)
        rev = version(url)
        outcomes.append((at, rev))
        assert rev in (None, head()), outcomes
        if rev is None:  # nothing created, not half a schema: a new store can be made
            assert sa.inspect(sa.create_engine(url)).get_table_names() == [], outcomes
        else:
            open_store(url).dispose()


def _stamp_unknown(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()


def test_a_newer_store_is_refused_and_untouched(db_url: str, tmp_path: Path) -> None:
    store_at(db_url, OLD, tmp_path / "wb")
    _stamp_unknown(db_url)
    with pytest.raises(SnopError) as info:
        open_store(db_url)
    assert str(info.value).startswith(
        "this store was written by a newer snop (schema 9999_from_the_future)"
    )
    assert "upgrade snop" in str(info.value)
    assert version(db_url) == "9999_from_the_future"  # no downgrade, no upgrade
    engine = sa.create_engine(db_url)
    assert "demand_version_group" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    assert _count(db_url, "wb_sales") == 18


def test_a_newer_store_through_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store_at(f"sqlite:///{db}", OLD, tmp_path / "wb")
    _stamp_unknown(f"sqlite:///{db}")
    r = snop("--db", db, "demand", "show")
    assert r.exit_code == 1 and not r.traceback
    assert r.stderr.strip().count("\n") == 0
    assert "written by a newer snop (schema 9999_from_the_future); " in r.stderr
