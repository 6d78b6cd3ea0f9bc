"""Opening the store: a SQLite file by default, PostgreSQL by URL; migrated on open.

Writers that read before they write take the store's write lock first
(:func:`write_transaction`), so no command rewrites the store from a copy another command
changed meanwhile. SQLite runs with the driver's own transaction handling off: pysqlite would
begin a transaction only at the first INSERT/UPDATE (after the reads, and never before DDL),
which made read-then-write races and half-applied schema upgrades possible.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from snop.errors import SnopError, register_translator
from snop.store.tables import metadata

DEFAULT_DB = "snop.db"
MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE = "snop_write"  # execution option marking a connection that writes
# pg_advisory_xact_lock key of the store's write lock (any constant; "snop" in ASCII)
WRITE_LOCK_KEY = 0x736E6F70
BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another one before giving up


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as given, a file path as SQLite, None: snop.db."""
    if not db:
        return f"sqlite:///{DEFAULT_DB}"
    if "://" in db:
        if db.startswith("postgresql://"):  # use psycopg 3, the driver snop installs
            return "postgresql+psycopg://" + db[len("postgresql://") :]
        return db
    return f"sqlite:///{db}"


def _pool(url: str) -> dict[str, int]:
    """Connections kept open for reuse and the most open at once: the web app serves each
    request on its own thread, and a reader waiting for a connection waits for nothing
    (an in-memory SQLite store has one connection, and no such pool)."""
    if url.startswith("sqlite") and sa.engine.make_url(url).database in (None, "", ":memory:"):
        return {}
    # at most 60 at once: under PostgreSQL's default limit of 100 connections
    return {"pool_size": 20, "max_overflow": 40}


def _sqlite_connect(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]  # BEGIN is ours
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _write_ahead_log(engine: Engine) -> None:
    """Put a snop store (checked by then: never another application's file) in
    write-ahead-log mode, which the file keeps: readers never wait for a writer's commit,
    nor a writer for readers (the web app reads grids while planners write)."""
    raw = engine.raw_connection()  # outside a transaction: the mode cannot change in one
    try:
        raw.cursor().execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error:
        pass  # a file we may only read, a folder that refuses the log: keep the journal
    finally:
        raw.close()


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock now (waiting up to busy_timeout for it); a deferred
    # transaction that read first could not get it later without failing
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the store's write lock from its first read to its commit.

    Every use case that reads the store and writes what it derived from it runs in one, so
    two of them never interleave: the second one reads what the first one committed.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # as SQLite's busy_timeout: a writer stuck elsewhere does not hang this one
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield conn


def open_store(db: str | None = None, migrate: bool = True) -> Engine:
    """Connect to the store at ``db`` and bring its tables up to date."""
    url = database_url(db)
    try:
        engine = sa.create_engine(url, **_pool(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise SnopError(
            f"--db {db!r} is not a database URL ({exc}); use a SQLite file path "
            "or postgresql+psycopg://user:password@host/dbname"
        ) from None
    except ModuleNotFoundError as exc:
        raise SnopError(
            f"the driver for {url.split(':', 1)[0]} is not installed ({exc.name}); "
            "for PostgreSQL: pip install 'snop[postgres]'"
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        path = engine.url.database
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise SnopError(
                f"cannot create the store {path}: folder {Path(path).parent} does not exist"
            )
    if migrate:
        try:
            upgrade(engine)
        except sa.exc.DBAPIError as exc:
            raise SnopError(_open_problem(engine, exc)) from None
    if engine.dialect.name == "sqlite" and migrate:
        _write_ahead_log(engine)
    return engine


def _open_problem(engine: Engine, exc: sa.exc.DBAPIError) -> str:
    where = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite" and "not a database" in str(exc.orig):
        return f"{engine.url.database} is not a snop store (not a SQLite database)"
    if _is_connect_error(exc):
        return f"cannot connect to the store at {where}: {_first_line(exc.orig)}"
    return store_error_message(exc) or f"cannot open the store at {where}: {_first_line(exc.orig)}"


def alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every migration not applied yet, in one transaction: a kill leaves the store at
    its old version. A store of a newer schema than this snop knows is left untouched."""
    with engine.connect() as conn:  # the usual case, up to date, needs no write lock
        current = _up_to_date(conn)
    if not current:
        with write_transaction(engine) as conn:
            if not _up_to_date(conn):  # checked again: another process may have done it
                command.upgrade(alembic_config(conn), "head")
    if engine.dialect.name == "sqlite":
        _use_wal(engine)


def _up_to_date(conn: Connection) -> bool:
    """True when the store is at the newest schema; SnopError when it is not a snop store
    or one of a schema this snop does not know."""
    scripts = ScriptDirectory.from_config(alembic_config(conn))
    current = MigrationContext.configure(conn).get_current_heads()
    for rev in current:
        try:
            known = scripts.get_revision(rev)
        except CommandError:
            known = None
        if known is None:
            raise SnopError(
                f"this store was written by a newer snop (schema {rev}); this "
                f"snop knows schemas up to {scripts.get_current_head()}; "
                "upgrade snop. The store was not changed"
            )
    if not current:
        _refuse_foreign(conn)
    return tuple(current) == (scripts.get_current_head(),)


def _use_wal(engine: Engine) -> None:
    # readers then never wait for a writer; set once the file is known to be a snop store
    # (it is kept in the file), and outside a transaction, where SQLite allows it
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
    except sqlite3.OperationalError:
        pass  # busy (it needs the file to itself): the next command sets it
    finally:
        raw.close()


def _refuse_foreign(conn: Connection) -> None:
    """Refuse a database that holds tables but no schema version."""
    tables = set(sa.inspect(conn).get_table_names())
    if not tables:
        return
    name = _store_name(conn)
    if tables <= {*metadata.tables, "alembic_version"}:
        raise SnopError(
            f"{name} is an incomplete snop store (its creation by an older snop "
            "was interrupted); remove it and run the command again"
        )
    raise SnopError(
        f"{name} is not a snop store: it holds other tables; give a new file or an empty database"
    )


def _store_name(conn: Connection) -> str:
    url = conn.engine.url
    return (
        str(url.database)
        if url.get_backend_name() == "sqlite"
        else url.render_as_string(hide_password=True)
    )


# --- driver errors as messages -------------------------------------------------------------


def _first_line(exc: object) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _driver_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc


def _is_connect_error(exc: BaseException) -> bool:
    orig = _driver_error(exc)
    text = str(orig)
    return type(orig).__module__.startswith("psycopg") and (
        "connection failed" in text
        or "Connection refused" in text
        or "could not connect" in text
        or "connection to server" in text
    )


def store_error_message(exc: BaseException) -> str | None:
    """The one-line message for a database driver's error the user can act on, or None."""
    orig = _driver_error(exc)
    mod = type(orig).__module__
    if not (mod.startswith("sqlite3") or mod.startswith("psycopg")):
        return None
    text = str(orig)
    if "database or disk is full" in text or type(orig).__name__ == "DiskFull":
        return "disk full: nothing was changed"
    if (
        "database is locked" in text
        or "database table is locked" in text
        or type(orig).__name__ == "LockNotAvailable"
    ):
        return (
            "the store is busy: another snop command is writing to it; nothing was "
            "changed; try again"
        )
    if _is_connect_error(orig):
        return f"cannot connect to the store: {_first_line(orig)}"
    if "not a database" in text:
        return "the store is not a snop store (not a SQLite database)"
    return None


register_translator(store_error_message)
