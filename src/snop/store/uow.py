"""The unit of work: one store transaction per use case, with the repositories bound to it.

A service opens ``uow.read()`` to read or ``uow.write()`` to change the store; everything
it does inside the ``with`` block commits together or not at all. ``write`` holds the
store's write lock from its first read to its commit (see :func:`write_transaction`), so a
use case that checks a status and then writes never interleaves with another writer.
Never open a transaction inside another: the second one would wait for the first.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import cached_property
from threading import Event, Lock, RLock
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from snop.model.workbook import Workbook
from snop.store.cycle_repo import CycleRepo
from snop.store.db import open_store, write_transaction
from snop.store.demand_repo import DemandRepo
from snop.store.document_repo import DocumentRepo
from snop.store.forecast_repo import ForecastRepo
from snop.store.scenario_repo import InitiativeRepo, ScenarioRepo
from snop.store.user_repo import UserRepo
from snop.store.workbook_repo import (
    WRITE_REVISION,
    get_meta,
    load_workbook,
    mark_written,
    save_workbook,
)


class Tx:
    """One open transaction and the repositories that read and write through it."""

    def __init__(
        self,
        conn: Connection,
        *,
        writable: bool,
        cache: WorkbookCache | None = None,
        versions: VersionCache | None = None,
    ) -> None:
        self.conn = conn
        self.writable = writable
        # the write revision a write transaction commits (chosen up front, so what it
        # computed of the state it makes can be kept under it before it commits)
        self.commit_revision: str | None = uuid.uuid4().hex if writable else None
        self._workbook: Workbook | None = None
        self._cache = cache
        self.versions = versions if versions is not None else VersionCache()

    def workbook(self) -> Workbook | None:
        """The stored workbook (None: nothing imported), read once per transaction."""
        if self._workbook is None:
            self._workbook = (
                load_workbook(self.conn) if self._cache is None else self._cache.get(self.conn)
            )
        return self._workbook

    def save_workbook(self, wb: Workbook) -> dict[str, int]:
        """Replace the stored workbook by ``wb``; rows written per table."""
        rows = save_workbook(self.conn, wb)
        self._workbook = None  # read back as stored next time
        return rows

    @cached_property
    def write_revision(self) -> str | None:
        """The store's state as of this transaction's start (it changes with every write
        transaction): read once per transaction."""
        return get_meta(self.conn, WRITE_REVISION)

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

    @cached_property
    def users(self) -> UserRepo:
        return UserRepo(self.conn)


class WorkbookCache:
    """The last workbook a store's transactions read, kept by the store's revision (a new
    one with every save, in the same transaction): a transaction that finds the revision
    unchanged gets a copy of it instead of reading every table again."""

    def __init__(self) -> None:
        self._revision: str | None = None
        self._workbook: Workbook | None = None

    def get(self, conn: Connection) -> Workbook | None:
        revision = get_meta(conn, "revision")
        if revision is None or revision != self._revision or self._workbook is None:
            wb = load_workbook(conn)
            if wb is None or revision is None:
                return wb
            self._revision, self._workbook = revision, wb
        return _copy(self._workbook)


T = TypeVar("T")


class VersionCache:
    """What was computed from the store as it stood (an approved demand plan's frozen
    version; a live plan as of a write revision), kept by a key that names that state, so
    that reading it again does not rebuild it. A few entries, the least recently used
    dropped first; the values are shared, so they must not be changed by whoever reads
    them."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()  # the web app reads from several threads
        self._building: dict[Hashable, Event] = {}

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` for ``key`` (what a write computed of the state it made)."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept for ``key``, built once: threads asking for a key being built
        wait for that build rather than repeat it (after a write, every reader of the
        plan asks at once)."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]  # type: ignore[no-any-return]
                running = self._building.get(key)
                if running is None:
                    running = self._building[key] = Event()
                    break
            running.wait()  # then look again: the build may have failed
        try:
            value = build()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._building[key]
            running.set()


def _copy(wb: Workbook) -> Workbook:
    """A copy whose tables a caller may change without touching the cached ones."""
    tables = {name: df.copy() for name, df in wb.tables.items()}
    return Workbook(wb.granularity, tables, list(wb.attributes))


class UnitOfWork:
    """The store a door works on (a SQLite file or a PostgreSQL database)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cache = WorkbookCache()
        self.versions = VersionCache()
        # writers of this process queue here, not on the database's lock: a database lock
        # waits a bounded time (and then says the store is busy), which a web app's many
        # threads writing at once would exceed
        self._write_lock = RLock()  # reentrant: a nested write still meets the database lock

    @classmethod
    def open(cls, db: str | None = None) -> UnitOfWork:
        """The store at ``db`` (a path or URL; None: ``snop.db`` here), migrated."""
        return cls(open_store(db))

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction (one consistent view of the store)."""
        with self.engine.connect() as conn, conn.begin():
            yield Tx(conn, writable=False, cache=self.cache, versions=self.versions)

    @contextmanager
    def write(self, *, plans: bool = True) -> Iterator[Tx]:
        """A transaction holding the write lock; it commits when the block ends cleanly.

        ``plans=False``: a write that cannot change a plan (users, tokens, sessions) leaves
        the store's write revision as it was, so what the unit of work keeps of the plans
        stays good (a login does not make the next grid read replay the override log)."""
        with self._write_lock, write_transaction(self.engine) as conn:
            tx = Tx(conn, writable=True, cache=self.cache, versions=self.versions)
            yield tx
            if plans:
                mark_written(conn, str(tx.commit_revision))

    def dispose(self) -> None:
        self.engine.dispose()
