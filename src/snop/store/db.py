"""Opening the store: a SQLite file by default, PostgreSQL by URL; migrated on open."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from snop.errors import SnopError

DEFAULT_DB = "snop.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as given, a file path as SQLite, None: snop.db."""
    if not db:
        return f"sqlite:///{DEFAULT_DB}"
    if "://" in db:
        if db.startswith("postgresql://"):  # use psycopg 3, the driver snop installs
            return "postgresql+psycopg://" + db[len("postgresql://"):]
        return db
    return f"sqlite:///{db}"


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_store(db: str | None = None, migrate: bool = True) -> Engine:
    """Connect to the store at ``db`` and bring its tables up to date."""
    url = database_url(db)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise SnopError(f"--db {db!r} is not a database URL ({exc}); use a SQLite file path "
                        "or postgresql+psycopg://user:password@host/dbname") from None
    except ModuleNotFoundError as exc:
        raise SnopError(f"the driver for {url.split(':', 1)[0]} is not installed ({exc.name}); "
                        "for PostgreSQL: pip install 'snop[postgres]'") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        path = engine.url.database
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise SnopError(f"cannot create the store {path}: folder {Path(path).parent} "
                            "does not exist")
    if migrate:
        try:
            upgrade(engine)
        except sa.exc.OperationalError as exc:
            raise SnopError(f"cannot open the store at {engine.url.render_as_string()}: "
                            f"{exc.orig}") from None
    return engine


def alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every migration not applied yet, in one transaction."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
