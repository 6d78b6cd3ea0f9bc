"""Sales history at volume: import a CSV or Parquet file of millions of rows, and its sums.

The import streams the file in chunks (:mod:`snop.io.stream`), so its memory does not grow
with the file, and is all or nothing: it runs in one write transaction, and the first bad row
(or a row repeated anywhere in the file) stops it with nothing stored. The periods the file
covers replace the stored history of those periods (every series: a series without a row in
a period the file covers sold nothing then); other periods are kept. docs/scale.md.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from snop.errors import SnopError
from snop.io.problems import Problem, WorkbookInvalid
from snop.io.stream import (
    CHUNK_ROWS,
    DETAIL,
    OUTCOME,
    SERIES_KEY,
    Progress,
    read_sales,
    series_keys,
)
from snop.io.validate import sales_gap
from snop.model.periods import Granularity, format_ordinal
from snop.model.schema import SALES
from snop.model.vocabulary import Level, Role
from snop.services.context import Actor, UnitOfWork, now
from snop.store.history_repo import HistoryRepo, Repeat, RepeatedKey, Replaced

IMPORT_ROLES = (Role.DEMAND_PLANNER.value, Role.SOP_LEADER.value)


@dataclass(frozen=True)
class HistoryImport:
    """What an import stored."""

    file: str
    rows: int  # sales rows read
    chunks: int
    new_series: int  # series the store did not know
    granularity: Granularity
    first_period: str
    last_period: str
    periods: int  # periods replaced
    removed: int  # stored history rows (series x period) of those periods before
    written: int  # history rows (series x period) they hold now
    seconds: float


@dataclass(frozen=True)
class HistorySums:
    """The stored history summed per node of a level and period (long: one row per node
    and period; ``sums`` columns: the level's key, period, qty)."""

    level: str  # "series", or a Level value
    granularity: Granularity | None
    series: int
    rows: int
    sums: pd.DataFrame


def import_sales(
    uow: UnitOfWork,
    actor: Actor,
    path: Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> HistoryImport:
    """Import the sales file at ``path`` into the series history, all or nothing."""
    actor.role_for(IMPORT_ROLES, "import sales history")
    try:
        return _import(uow, actor, Path(path), chunk_rows, progress, direct=True)
    except RepeatedKey:  # rolled back; staged, the repeat is found with its rows
        return _import(uow, actor, Path(path), chunk_rows, progress, direct=False)


def _import(
    uow: UnitOfWork,
    actor: Actor,
    path: Path,
    chunk_rows: int,
    progress: Progress | None,
    *,
    direct: bool,
) -> HistoryImport:
    """One import in one write transaction; ``direct``: straight into an empty history
    when the file has no detail (HistoryRepo.begin_direct), else staged."""
    started = time.perf_counter()
    with uow.write() as tx:
        repo = HistoryRepo(tx.conn)
        gran, items = repo.granularity(), repo.items()
        known_before = repo.series_count()
        repo.begin_import()
        periods: set[int] = set()
        rows = chunks = 0
        detail = False  # the file has customer or channel columns

        def write(chunk: pd.DataFrame) -> int:
            staged = _with_ids(chunk, repo.series_ids(series_keys(chunk)))
            return repo.write_direct(staged) if direct else repo.stage_rows(staged)

        # The database writes a chunk while this process reads and checks the next one:
        # one writer thread, which alone uses the transaction's connection until joined,
        # and at most one chunk waiting for it (memory stays two chunks).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snop-import") as writer:
            pending: Future[int] | None = None
            for chunk in read_sales(
                path, chunk_rows=chunk_rows, granularity=gran, items=items, progress=progress
            ):
                if chunks == 0:
                    has_detail = chunk.rows["detail"].notna().any()
                    direct = direct and not has_detail and repo.history_empty()
                    if direct:
                        repo.begin_direct()
                gran = chunk.granularity
                detail = detail or bool(chunk.rows["detail"].notna().any())
                periods.update(int(p) for p in chunk.rows["period"].unique())
                chunks += 1
                if pending is not None:
                    rows += pending.result()
                pending = writer.submit(write, chunk.rows)
            if pending is not None:
                rows += pending.result()
        if rows == 0:
            raise SnopError(f"{path.name}: has a header and no rows; {OUTCOME}")
        assert gran is not None
        gap = sales_gap(path.name, gran, periods)
        if gap is not None:
            raise WorkbookInvalid([gap], path.name, OUTCOME)
        if direct:
            repo.end_direct()
            replaced: Replaced | Repeat = Replaced(len(periods), 0, rows)
        else:
            # repeated rows: a chunk is checked whole; across chunks, by the database (when
            # rows have no detail, replace_periods finds them by the history's key)
            repeat = repo.first_repeat() if chunks > 1 and detail else None
            replaced = repo.replace_periods(periods, detail=detail) if repeat is None else repeat
        if isinstance(replaced, Repeat):
            raise WorkbookInvalid([_repeat_problem(path.name, replaced, gran)], path.name, OUTCOME)
        repo.set_granularity(gran)
        repo.end_import()
        new_series = repo.series_count() - known_before
        result = HistoryImport(
            file=path.name,
            rows=rows,
            chunks=chunks,
            new_series=new_series,
            granularity=gran,
            first_period=format_ordinal(gran, min(periods)),
            last_period=format_ordinal(gran, max(periods)),
            periods=replaced.periods,
            removed=replaced.removed,
            written=replaced.written,
            seconds=time.perf_counter() - started,
        )
        tx.cycles.audit(
            now(),
            actor.name,
            "history_import",
            None,
            {
                "file": result.file,
                "rows": rows,
                "periods": [result.first_period, result.last_period],
                "written": replaced.written,
            },
        )
    return result


def _with_ids(rows: pd.DataFrame, ids: pd.DataFrame) -> pa.Table:
    """A chunk's rows as the store stages them: series id instead of the series key."""
    merged = rows.merge(ids, on=list(SERIES_KEY), how="left", sort=False)
    detail = (
        pa.nulls(len(merged), pa.string())
        if merged["detail"].isna().all()
        else pa.array(merged["detail"], pa.string())
    )
    return pa.table(
        {
            "row_no": pa.array(merged["row"], pa.int64()),
            "series_id": pa.array(merged["id"], pa.int64()),
            "period": pa.array(merged["period"], pa.int64()),
            "detail": detail,
            "qty": pa.array(merged["qty"], pa.float64()),
        }
    )


def _repeat_problem(source: str, r: Repeat, gran: Granularity) -> Problem:
    """The workbook's message for a repeated key (snop.io.validate), across chunks."""
    customer, channel = r.detail.split("\x1f") if r.detail is not None else ("", "")
    values = {
        "item": r.item,
        "period": format_ordinal(gran, r.period),
        "location": r.location,
        "customer": customer,
        "channel": channel,
    }
    key = SALES.key
    assert set(key) == {*SERIES_KEY, "period", *DETAIL}
    shown = " + ".join(key)
    return Problem(
        source,
        f"repeats row {r.first_row} ({shown} must be unique)",
        r.row,
        shown,
        " / ".join(values[k] for k in key),
    )


def history_sums(uow: UnitOfWork, actor: Actor, level: Level | None) -> HistorySums:
    """The stored history summed per ``level`` (item, family from the workbook's items
    table, or total; None: per series, as stored) and period, summed by the database."""
    del actor  # anyone may read the history
    with uow.read() as tx:
        repo = HistoryRepo(tx.conn)
        n_series, n_rows, _, _ = repo.summary()
        gran = repo.granularity() if n_rows else None
        df = repo.sums(level)
    if gran is not None and not df.empty:
        labels = {o: format_ordinal(gran, int(o)) for o in df["period"].unique()}
        df["period"] = df["period"].map(labels)
    return HistorySums("series" if level is None else level.value, gran, n_series, n_rows, df)
