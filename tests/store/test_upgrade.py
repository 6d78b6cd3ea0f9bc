"""Schema upgrades are atomic: a process killed at any moment of an upgrade (or of the
creation of a new store) leaves a store that opens, at its old or its new version, with its
data intact. A store of a newer schema is refused and left untouched."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from snop.cycle.data import import_workbook
from snop.errors import SnopError
from snop.store.db import alembic_config, open_store
from tests.cli import snop
from tests.workbooks import write_small

OLD = "0004"
FORK = multiprocessing.get_context("fork")  # the child starts at once, snop already imported


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
    """A store at an old schema version holding the small workbook."""
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    import_workbook(engine, write_small(wb))  # the workbook tables are the same since 0001
    engine.dispose()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return n


def _open(url: str) -> None:
    open_store(url).dispose()
    os._exit(0)  # skip the test runner's exit handlers in the fork


def _kill_during_open(url: str, window: float, rng: random.Random) -> bool:
    """Open (create or upgrade) the store in a child process and kill -9 it after a random
    delay within ``window`` seconds; True when the kill came before the child finished."""
    child = FORK.Process(target=_open, args=(url,))
    child.start()
    time.sleep(rng.uniform(0, window))
    killed = child.exitcode is None
    if child.pid is not None and killed:
        os.kill(child.pid, signal.SIGKILL)
    child.join()
    return killed and child.exitcode == -signal.SIGKILL


def _timed_open(url: str) -> float:
    start = time.perf_counter()
    child = FORK.Process(target=_open, args=(url,))
    child.start()
    child.join()
    assert child.exitcode == 0
    return time.perf_counter() - start


ROUNDS = 8


def test_kill_during_upgrade_leaves_old_or_new_version(tmp_path: Path) -> None:
    template = tmp_path / "template.db"
    store_at(f"sqlite:///{template}", OLD, tmp_path / "wb")
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    shutil.copy(template, db)
    window = 1.5 * _timed_open(url)
    rng = random.Random(9)
    outcomes: list[tuple[bool, str | None]] = []
    for _ in range(ROUNDS):
        shutil.copy(template, db)
        killed = _kill_during_open(url, window, rng)
        rev = version(url)
        outcomes.append((killed, rev))
        assert rev in (OLD, head()), outcomes
        assert _count(url, "wb_sales") == 18 and _count(url, "wb_items") == 4
        open_store(url).dispose()  # it opens, and upgrades now
        assert version(url) == head()
        assert _count(url, "wb_sales") == 18
    assert any(killed for killed, _ in outcomes)  # the kills did land during upgrades


def test_kill_while_creating_a_store_leaves_none_or_a_whole_one(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    window = 1.5 * _timed_open(url)
    rng = random.Random(29)
    outcomes: list[tuple[bool, str | None]] = []
    for _ in range(ROUNDS):
        for f in tmp_path.glob("store.db*"):
            f.unlink()
        killed = _kill_during_open(url, window, rng)
        rev = version(url)
        outcomes.append((killed, rev))
        assert rev in (None, head()), outcomes
        if rev is None:  # nothing created, not half a schema
            assert sa.inspect(sa.create_engine(url)).get_table_names() == [], outcomes
        open_store(url).dispose()
        assert version(url) == head()
    assert any(killed for killed, _ in outcomes)


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
        "this store was written by a newer snop (schema 9999_from_the_future)")
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
