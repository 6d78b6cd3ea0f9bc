"""The unit of work: one store transaction per use case, with the repositories bound to it.

A service opens ``uow.read()`` to read or ``uow.write()`` to change the store; everything
it does inside the ``with`` block commits together or not at all. ``write`` holds the
store's write lock from its first read to its commit (see :func:`write_transaction`), so a
use case that checks a status and then writes never interleaves with another writer.
Never open a transaction inside another: the second one would wait for the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy.engine import Connection, Engine

from snop.model.workbook import Workbook
from snop.store.cycle_repo import CycleRepo
from snop.store.db import open_store, write_transaction
from snop.store.demand_repo import DemandRepo
from snop.store.document_repo import DocumentRepo
from snop.store.forecast_repo import ForecastRepo
from snop.store.scenario_repo import InitiativeRepo, ScenarioRepo
from snop.store.workbook_repo import load_workbook, save_workbook


class Tx:
    """One open transaction and the repositories that read and write through it."""

    def __init__(self, conn: Connection, *, writable: bool) -> None:
        self.conn = conn
        self.writable = writable
        self._workbook: Workbook | None = None

    def workbook(self) -> Workbook | None:
        """The stored workbook (None: nothing imported), read once per transaction."""
        if self._workbook is None:
            self._workbook = load_workbook(self.conn)
        return self._workbook

    def save_workbook(self, wb: Workbook) -> dict[str, int]:
        """Replace the stored workbook by ``wb``; rows written per table."""
        rows = save_workbook(self.conn, wb)
        self._workbook = None  # read back as stored next time
        return rows

    @cached_property
    def cycles(self) -> CycleRepo:
        return CycleRepo(self.conn)

    @cached_property
    def demand(self) -> DemandRepo:
        return DemandRepo(self.conn)

    @cached_property
    def documents(self) -> DocumentRepo:
        return DocumentRepo(self.conn)

    @cached_property
    def forecasts(self) -> ForecastRepo:
        return ForecastRepo(self.conn)

    @cached_property
    def scenarios(self) -> ScenarioRepo:
        return ScenarioRepo(self.conn)

    @cached_property
    def initiatives(self) -> InitiativeRepo:
        return InitiativeRepo(self.conn)


class UnitOfWork:
    """The store a door works on (a SQLite file or a PostgreSQL database)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, db: str | None = None) -> UnitOfWork:
        """The store at ``db`` (a path or URL; None: ``snop.db`` here), migrated."""
        return cls(open_store(db))

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction (one consistent view of the store)."""
        with self.engine.connect() as conn, conn.begin():
            yield Tx(conn, writable=False)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A transaction holding the write lock; it commits when the block ends cleanly."""
        with write_transaction(self.engine) as conn:
            yield Tx(conn, writable=True)

    def dispose(self) -> None:
        self.engine.dispose()
