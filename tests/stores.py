"""Stores built once per test process and copied: the same services, the same rows.

On SQLite a store is one file, so a test that needs, say, the small workbook imported and
its first cycle approved gets a copy of a store built that way once, instead of building it
again. On PostgreSQL the store is built once per test process in a template database, and
each test's database is created from it (``CREATE DATABASE ... TEMPLATE``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from snop.store.uow import UnitOfWork

Build = Callable[[UnitOfWork, Path], None]
_BUILT: dict[str, Path] = {}


def built_store(url: str, tmp_path: Path, name: str, build: Build) -> UnitOfWork:
    """The store at ``url`` after ``build(uow, folder)`` (``name`` tells the builds apart;
    ``folder`` is where the build may write its files)."""
    if url.startswith("postgresql"):
        return _from_template(url, name, build)
    target = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if target is None or target.exists():
        uow = UnitOfWork.open(url)
        build(uow, tmp_path)
        return uow
    if name not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix=f"snop-{name}-"))
        uow = UnitOfWork.open(str(folder / "store.db"))
        build(uow, folder)
        uow.dispose()  # closes the connections: the file holds everything
        _BUILT[name] = folder / "store.db"
    shutil.copyfile(_BUILT[name], target)
    return UnitOfWork.open(url)


_TEMPLATES: dict[str, str] = {}


def _from_template(url: str, name: str, build: Build) -> UnitOfWork:
    """The test's (new, empty) PostgreSQL database replaced by a copy of the template
    database ``build`` made once in this process."""
    db = sa.make_url(url)
    admin = sa.create_engine(db.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        if name not in _TEMPLATES:
            template = f"snop_tpl_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{template}"'))
            atexit.register(_drop, db.set(database="postgres"), template)
            uow = UnitOfWork.open(db.set(database=template).render_as_string(False))
            build(uow, Path(tempfile.mkdtemp(prefix=f"snop-{name}-{os.getpid()}-")))
            uow.dispose()  # a template database must have no connections
            _TEMPLATES[name] = template
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{db.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{db.database}" TEMPLATE "{_TEMPLATES[name]}"'))
    finally:
        admin.dispose()
    return UnitOfWork.open(url)


def _drop(admin_url: sa.URL, database: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()
