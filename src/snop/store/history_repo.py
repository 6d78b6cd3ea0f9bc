"""Sales history at volume: series, their history by period, and its sums by level.

An import stages its rows in a temporary table (bulk-written chunk by chunk, see
:mod:`snop.store.bulk`), then replaces the periods the file covers with the staged rows
summed per series and period, in the import's one transaction. Staging lets the database,
not the importing process, hold ten million rows, and lets it find a row repeated across
chunks (with both row numbers) before anything is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.model.periods import Granularity
from snop.model.vocabulary import Level
from snop.store.bulk import bulk_insert
from snop.store.tables import WORKBOOK_TABLES, series, series_sales
from snop.store.workbook_repo import get_meta, set_meta

HISTORY_GRANULARITY = "history_granularity"  # snop_meta: the periods' unit of the history
NO_FAMILY = "(none)"  # the family of an item the workbook's items table does not list

_PK = "pk_series_sales"
# the share of the history an import must bring for its key to be built anew (see
# HistoryRepo._rebuild_key)
REBUILD_SHARE = 0.25

_scratch = sa.MetaData()
# The rows of one import: series id, period ordinal, customer + channel detail (None when
# the file has neither), quantity and the row number the user sees, for error messages.
stage = sa.Table(
    "snop_sales_stage",
    _scratch,
    sa.Column("row_no", sa.BigInteger, nullable=False),
    sa.Column("series_id", sa.Integer, nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("qty", sa.Double, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
# A chunk's series keys, to look their ids up (and add the new ones) in a few statements.
keys = sa.Table(
    "snop_series_keys",
    _scratch,
    sa.Column("item", sa.String(200), nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


class RepeatedKey(Exception):
    """A series and period written twice straight into the history (see begin_direct)."""


@dataclass(frozen=True)
class Repeat:
    """A sales row repeated in a file: its key and the first and the later row number."""

    item: str
    location: str
    period: int
    detail: str | None
    first_row: int
    row: int


@dataclass(frozen=True)
class Replaced:
    periods: int  # periods replaced
    removed: int  # stored rows those periods held
    written: int  # rows (series x period) they hold now


class HistoryRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def granularity(self) -> Granularity | None:
        """The granularity of the stored history: that of its first import, else the
        workbook's; None when the store has neither."""
        value = get_meta(self.conn, HISTORY_GRANULARITY) or get_meta(self.conn, "granularity")
        return Granularity(value) if value else None

    def set_granularity(self, gran: Granularity) -> None:
        set_meta(self.conn, HISTORY_GRANULARITY, gran.value)

    def items(self) -> set[str] | None:
        """The items of the workbook's items table; None when it has none (then any item
        may have history)."""
        t = WORKBOOK_TABLES["items"]
        got = set(self.conn.execute(sa.select(t.c.item)).scalars())
        return got or None

    # --- import -------------------------------------------------------------------------

    def begin_import(self) -> None:
        """Create the import's scratch tables (dropped at commit or rollback)."""
        if self.conn.dialect.name == "postgresql":
            # sums, joins and the key's sort over millions of rows stay in memory
            self.conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for t in (stage, keys):
            t.drop(self.conn, checkfirst=True)
            t.create(self.conn)

    def series_ids(self, chunk_keys: pd.DataFrame) -> pd.DataFrame:
        """``chunk_keys`` (item, location) with their series ``id``; new series are added."""
        self.conn.execute(keys.delete())
        bulk_insert(self.conn, keys, pa.Table.from_pandas(chunk_keys, preserve_index=False))
        known = sa.select(series.c.id).where(
            series.c.item == keys.c.item, series.c.location == keys.c.location
        )
        self.conn.execute(
            series.insert().from_select(
                ["item", "location"],
                sa.select(keys.c.item, keys.c.location).where(~known.exists()),
            )
        )
        got = self.conn.execute(
            sa.select(series.c.id, series.c.item, series.c.location).join(
                keys, sa.and_(series.c.item == keys.c.item, series.c.location == keys.c.location)
            )
        ).all()
        return pd.DataFrame(got, columns=["id", "item", "location"])

    def stage_rows(self, rows: pa.Table) -> int:
        return bulk_insert(self.conn, stage, rows)

    # An empty history takes a file without detail straight into ``series_sales`` (no
    # staging, its key built once at the end): the first load, the largest, is written
    # once instead of twice. A repeated row then breaks the key, without naming rows:
    # RepeatedKey says so, and the import runs again, staged, to name them.

    def history_empty(self) -> bool:
        return self.conn.execute(sa.select(series_sales.c.period).limit(1)).first() is None

    def begin_direct(self) -> None:
        if self.conn.dialect.name == "postgresql":
            self.conn.exec_driver_sql(f"ALTER TABLE series_sales DROP CONSTRAINT {_PK}")

    def write_direct(self, rows: pa.Table) -> int:
        try:
            return bulk_insert(self.conn, series_sales, rows.select(["series_id", "period", "qty"]))
        except sa.exc.IntegrityError:
            raise RepeatedKey from None

    def end_direct(self) -> None:
        if self.conn.dialect.name == "postgresql":
            try:
                self.conn.exec_driver_sql(
                    f"ALTER TABLE series_sales ADD CONSTRAINT {_PK} PRIMARY KEY (series_id, period)"
                )
            except sa.exc.IntegrityError:
                raise RepeatedKey from None

    def first_repeat(self) -> Repeat | None:
        """A staged row whose series, period and detail an earlier row has, or None."""
        s = stage.c
        q = (
            sa.select(
                s.series_id,
                s.period,
                s.detail,
                sa.func.min(s.row_no).label("first"),
                sa.func.max(s.row_no).label("last"),
            )
            .group_by(s.series_id, s.period, s.detail)
            .having(sa.func.count() > 1)
            .order_by(sa.func.max(s.row_no))
            .limit(1)
        )
        r = self.conn.execute(q).first()
        if r is None:
            return None
        item, location = self.conn.execute(
            sa.select(series.c.item, series.c.location).where(series.c.id == r.series_id)
        ).one()
        return Repeat(item, location, int(r.period), r.detail, int(r.first), int(r.last))

    def replace_periods(self, periods: Iterable[int], *, detail: bool) -> Replaced | Repeat:
        """Replace the stored history of ``periods`` with the staged rows, summed per series
        and period when the rows have ``detail`` (customer, channel). Without detail, a
        series and period staged twice is a repeated row: returned (nothing replaced)
        instead, found by the table's key rather than by a pass of its own."""
        ords = sorted(set(periods))
        removed = 0
        for part in _parts(ords):
            removed += self.conn.execute(
                series_sales.delete().where(series_sales.c.period.in_(part))
            ).rowcount
        s = stage.c
        rows = (
            sa.select(s.series_id, s.period, sa.func.sum(s.qty)).group_by(s.series_id, s.period)
            if detail
            else sa.select(s.series_id, s.period, s.qty)
        )
        insert = series_sales.insert().from_select(["series_id", "period", "qty"], rows)
        rebuild = self._rebuild_key()
        try:
            with self.conn.begin_nested():
                if rebuild:
                    self.conn.exec_driver_sql(f"ALTER TABLE series_sales DROP CONSTRAINT {_PK}")
                # (rowcount is -1 on PostgreSQL unless asked for)
                written = self.conn.execute(insert.execution_options(preserve_rowcount=True))
                if rebuild:
                    self.conn.exec_driver_sql(
                        f"ALTER TABLE series_sales ADD CONSTRAINT {_PK} "
                        "PRIMARY KEY (series_id, period)"
                    )
        except sa.exc.IntegrityError:
            if detail:  # summed per key: the key cannot repeat
                raise
            repeat = self.first_repeat()
            if repeat is None:
                raise
            return repeat
        return Replaced(len(ords), removed, written.rowcount)

    def _rebuild_key(self) -> bool:
        """Whether to drop the history's key for the insert and build it again after: on
        PostgreSQL, when the staged rows are at least REBUILD_SHARE of what the table will
        hold, building the index once is several times faster than growing it row by row.
        (The ALTER locks the table until the import commits, as the import's writes do.)"""
        if self.conn.dialect.name != "postgresql":
            return False
        staged = self.conn.execute(sa.select(sa.func.count()).select_from(stage)).scalar_one()
        held = self.conn.exec_driver_sql(
            "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'series_sales'::regclass"
        ).scalar_one()
        return bool(staged >= REBUILD_SHARE * (float(held) + staged))

    def end_import(self) -> None:
        if self.conn.dialect.name != "postgresql":  # PostgreSQL drops them at commit
            for t in (stage, keys):
                t.drop(self.conn, checkfirst=True)
            return
        # fresh statistics, or the planner takes a million series for a few thousand and
        # plans the sums to spill to disk
        self.conn.exec_driver_sql("ANALYZE series")
        self.conn.exec_driver_sql("ANALYZE series_sales")

    # --- reading --------------------------------------------------------------------------

    def series_count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(series)).scalar_one())

    def summary(self) -> tuple[int, int, int | None, int | None]:
        """Series, history rows, first and last period ordinal stored."""
        n_series = self.conn.execute(sa.select(sa.func.count()).select_from(series)).scalar_one()
        h = series_sales.c
        rows, first, last = self.conn.execute(
            sa.select(sa.func.count(), sa.func.min(h.period), sa.func.max(h.period))
        ).one()
        return int(n_series), int(rows), first, last

    def sums(self, level: Level | None) -> pd.DataFrame:
        """The history summed per node of ``level`` and period, in the database (GROUP BY):
        columns the level's key (item / family; none for the total), period (ordinal) and
        qty. ``level`` None: per series (item, location), as stored."""
        h, s = series_sales.c, series.c
        qty = sa.func.sum(h.qty).label("qty")
        joined = series_sales.join(series, s.id == h.series_id)
        order: list[str]
        if level is None:
            q = sa.select(s.item, s.location, h.period, h.qty.label("qty")).select_from(joined)
            order = ["item", "location", "period"]
        elif level is Level.TOTAL:
            q = sa.select(h.period, qty).group_by(h.period)
            order = ["period"]
        elif level is Level.ITEM:
            q = sa.select(s.item, h.period, qty).select_from(joined).group_by(s.item, h.period)
            order = ["item", "period"]
        else:
            items = WORKBOOK_TABLES["items"]
            family = sa.func.coalesce(items.c.family, NO_FAMILY).label("family")
            q = (
                sa.select(family, h.period, qty)
                .select_from(joined.outerjoin(items, items.c.item == s.item))
                .group_by(family, h.period)
            )
            order = ["family", "period"]
        if self.conn.dialect.name == "postgresql":  # (this read transaction only)
            self.conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        # sorted here, not by the database: a sort by its collation costs more than the sum,
        # and code order is the same on every database
        result = self.conn.execute(q)
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        df = df.sort_values(order, ignore_index=True)
        df["period"] = df["period"].astype(np.int64)
        df["qty"] = df["qty"].astype(np.float64)
        return df


def _parts(values: list[int], size: int = 500) -> Iterable[list[int]]:
    """``values`` in parts small enough for any database's limit on bound parameters."""
    for i in range(0, len(values), size):
        yield values[i : i + size]
