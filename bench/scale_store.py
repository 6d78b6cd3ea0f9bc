"""Bench of sales history at volume (issue 18): import ten million sales rows, sum them.

    python bench/scale_store.py [--rows 10000000] [--months 48] [--db sqlite,postgresql]
                                [--format csv,parquet] [--quick]

A sales file of ``--rows`` rows (item x location series x ``--months`` months, ten
locations per item) is written once to a temporary folder, in chunks, as Parquet and as
CSV. Each import (:func:`snop.services.history.import_sales`, the service behind ``snop
history import``) runs in a child process of its own into a new store, so its peak RSS is
the import's alone (``resource.getrusage``: the exact high-water mark, which psutil cannot
give on Linux; psutil reports the bench's own). Reported per database and format: time,
rows/s and peak RSS.

Peers, in the same run: the floor, ``COPY`` of the raw CSV file into an unindexed table
with no validation at all (psycopg, PostgreSQL only); and pandas' ``DataFrame.to_sql(method=
"multi")`` on a ``--peer-rows`` slice (read from the Parquet file), scaled to the full file.

Then the grouped sums (``snop history show``: series -> item -> family -> total, GROUP BY
in the database) are timed on the imported store, and at ``--sum-series`` series (1,000,000
by default, 12 periods each, written on PostgreSQL with ``generate_series``); and the
sparse summing matrix of :mod:`snop.forecasting.reconciliation` at that many series x 48
periods.

Target: the PostgreSQL import of 10,000,000 rows in under 2 minutes. PostgreSQL's URL comes
from ``SNOP_TEST_POSTGRES_URL`` (without it that part is skipped, with a message).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlalchemy as sa

TARGET_SECONDS = 120.0
LOCATIONS = 10
GEN_CHUNK = 1_000_000


def _args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--months", type=int, default=48)
    p.add_argument("--db", default="postgresql,sqlite")
    p.add_argument("--format", default="parquet,csv")
    p.add_argument("--chunk-rows", type=int, default=500_000)
    p.add_argument("--peer-rows", type=int, default=100_000)
    p.add_argument("--sum-series", type=int, default=1_000_000)
    p.add_argument("--quick", action="store_true", help="a small size, in seconds")
    a = p.parse_args(argv)
    if a.quick:
        a.rows, a.peer_rows, a.sum_series, a.chunk_rows = 96_000, 4_000, 20_000, 25_000
    return a


# --- the sales file -------------------------------------------------------------------------


def _sales_chunks(rows: int, months: int, seed: int = 18) -> Iterator[pa.Table]:
    """``rows`` sales rows, series after series (item x location), each ``months`` long
    from 2023-01, in tables of about GEN_CHUNK rows."""
    rng = np.random.default_rng(seed)
    n_series = -(-rows // months)
    per = max(1, GEN_CHUNK // months)
    labels = np.array([f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    written = 0
    for first in range(0, n_series, per):
        ids = np.arange(first, min(first + per, n_series))
        s = np.repeat(ids, months)[: rows - written]
        m = np.tile(np.arange(months), len(ids))[: len(s)]
        level = rng.gamma(2.0, 20.0, len(ids))
        qty = rng.poisson(np.repeat(level, months)[: len(s)]).astype(np.float64)
        item = np.char.add("I", (s // LOCATIONS).astype("U7"))
        loc = np.char.add("L", (s % LOCATIONS).astype("U2"))
        yield pa.table(
            {
                "item": pa.array(item, pa.string()),
                "location": pa.array(loc, pa.string()),
                "period": pa.array(labels[m], pa.string()),
                "qty": pa.array(qty, pa.float64()),
            }
        )
        written += len(s)
        if written >= rows:
            return


def write_files(folder: Path, rows: int, months: int) -> dict[str, Path]:
    """The sales file as Parquet and as CSV, written chunk by chunk."""
    paths = {"parquet": folder / "sales.parquet", "csv": folder / "sales.csv"}
    pw: pq.ParquetWriter | None = None
    cw: pacsv.CSVWriter | None = None
    for t in _sales_chunks(rows, months):
        if pw is None:
            pw = pq.ParquetWriter(paths["parquet"], t.schema)
            cw = pacsv.CSVWriter(
                paths["csv"], t.schema, write_options=pacsv.WriteOptions(quoting_style="none")
            )
        assert cw is not None
        pw.write_table(t)
        cw.write_table(t)
    assert pw is not None and cw is not None
    pw.close()
    cw.close()
    return paths


# --- stores ---------------------------------------------------------------------------------


def _new_store(kind: str, folder: Path) -> tuple[str, Any]:
    """A new, empty store URL of ``kind`` and how to drop it."""
    if kind == "sqlite":
        path = folder / f"store-{uuid.uuid4().hex[:8]}.db"

        def remove() -> None:
            for p in folder.glob(path.name + "*"):
                p.unlink(missing_ok=True)

        return f"sqlite:///{path}", remove
    base = os.environ["SNOP_TEST_POSTGRES_URL"]
    name = f"snop_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        eng = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return sa.make_url(base).set(database=name).render_as_string(hide_password=False), drop


def _import_child(url: str, path: str, chunk_rows: int, out: Any) -> None:
    from snop.services.context import Actor
    from snop.services.history import import_sales
    from snop.store.uow import UnitOfWork

    uow = UnitOfWork.open(url)
    started = time.perf_counter()
    r = import_sales(uow, Actor.of("bench"), Path(path), chunk_rows=chunk_rows)
    seconds = time.perf_counter() - started
    uow.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put({"seconds": seconds, "rows": r.rows, "written": r.written, "peak_mb": peak_kb / 1024})


def timed_import(url: str, path: Path, chunk_rows: int) -> dict[str, Any]:
    """Import ``path`` into ``url`` in a child process; its time, rows and peak RSS."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    child = ctx.Process(target=_import_child, args=(url, str(path), chunk_rows, q))
    child.start()
    got: dict[str, Any] = q.get()
    child.join()
    return got


def copy_floor(url: str, csv_path: Path) -> float:
    """Seconds to COPY the raw CSV into an unindexed table: no parsing, no checks."""
    import psycopg

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE raw_sales (item text, location text, period text, qty float8)")
        with (
            cur.copy("COPY raw_sales FROM STDIN (FORMAT csv, HEADER true)") as cp,
            csv_path.open("rb") as f,
        ):
            while block := f.read(1 << 20):
                cp.write(block)
    return time.perf_counter() - started


def to_sql_peer(url: str, parquet: Path, rows: int) -> float:
    """Seconds for pandas ``to_sql(method="multi")`` of the first ``rows`` rows."""
    df = next(pq.ParquetFile(parquet).iter_batches(batch_size=rows)).to_pandas()
    engine = sa.create_engine(url)
    started = time.perf_counter()
    df.to_sql("peer_sales", engine, method="multi", chunksize=10_000, index=False)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def timed_sums(url: str) -> dict[str, float]:
    """Seconds of each level's grouped sums (the service behind ``snop history show``)."""
    from snop.model.vocabulary import Level
    from snop.services.context import Actor
    from snop.services.history import history_sums
    from snop.store.uow import UnitOfWork

    uow = UnitOfWork.open(url)
    out = {}
    for level in (Level.TOTAL, Level.FAMILY, Level.ITEM):
        started = time.perf_counter()
        history_sums(uow, Actor.of("bench"), level)
        out[level.value] = time.perf_counter() - started
    uow.dispose()
    return out


def fill_series(url: str, n_series: int, periods: int) -> None:
    """``n_series`` x ``periods`` history rows written by PostgreSQL itself (the key built
    once, after, as a large import does)."""
    from snop.store.uow import UnitOfWork

    UnitOfWork.open(url).dispose()  # migrated
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        conn.exec_driver_sql("ALTER TABLE series_sales DROP CONSTRAINT pk_series_sales")
        conn.exec_driver_sql(
            "INSERT INTO series (id, item, location) SELECT g, 'I' || (g / 10), 'L' || (g %% 10) "
            f"FROM generate_series(1, {n_series}) g"
        )
        conn.exec_driver_sql(
            "INSERT INTO series_sales (series_id, period, qty) SELECT s, 24276 + p, "
            f"(s * 7 + p * 3) %% 50 FROM generate_series(1, {n_series}) s, "
            f"generate_series(0, {periods - 1}) p"
        )
        conn.exec_driver_sql(
            "ALTER TABLE series_sales ADD CONSTRAINT pk_series_sales "
            "PRIMARY KEY (series_id, period)"
        )
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE series_sales")
        conn.commit()
    engine.dispose()


def sparse_sums(n_series: int, months: int) -> float:
    """Seconds to sum ``n_series`` x ``months`` into item, family and total with the sparse
    summing matrix (ten locations per item, a hundred items per family)."""
    from snop.forecasting.reconciliation import Aggregation

    rng = np.random.default_rng(4)
    bottom = rng.poisson(5.0, (n_series, months)).astype(np.float64)
    item = np.arange(n_series) // LOCATIONS
    family = item // 100
    agg = Aggregation(
        ["total", "item", "family"],
        [
            ["total"],
            [str(i) for i in range(item.max() + 1)],
            [str(f) for f in range(family.max() + 1)],
        ],
        [np.zeros(n_series, dtype=np.int64), item, family],
    )
    started = time.perf_counter()
    levels = agg.aggregate(bottom)
    seconds = time.perf_counter() - started
    assert np.isclose(levels[0][0].sum(), bottom.sum())
    return seconds


# --- the run --------------------------------------------------------------------------------


def rows(args: argparse.Namespace) -> list[dict[str, object]]:
    """One row per measure: what, on which store, time, throughput, peak memory, note."""
    out: list[dict[str, object]] = []
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if "postgresql" in dbs and not os.environ.get("SNOP_TEST_POSTGRES_URL"):
        print("PostgreSQL skipped: set SNOP_TEST_POSTGRES_URL", file=sys.stderr)
        dbs.remove("postgresql")
    folder = Path(tempfile.mkdtemp(prefix="snop-scale-store-"))
    try:
        started = time.perf_counter()
        paths = write_files(folder, args.rows, args.months)
        out.append(
            _row(
                "write the sales file",
                "-",
                time.perf_counter() - started,
                args.rows,
                None,
                f"{args.rows:,} rows, {paths['csv'].stat().st_size / 1e6:,.0f} MB CSV, "
                f"{paths['parquet'].stat().st_size / 1e6:,.0f} MB Parquet",
            )
        )
        for db in dbs:
            for fmt in [f.strip() for f in args.format.split(",") if f.strip()]:
                url, drop = _new_store(db, folder)
                try:
                    got = timed_import(url, paths[fmt], args.chunk_rows)
                    note = f"{got['written']:,} series-periods stored"
                    if db == "postgresql" and args.rows >= 10_000_000:
                        met = "met" if got["seconds"] < TARGET_SECONDS else "NOT met"
                        note += f"; target < {TARGET_SECONDS:.0f}s {met}"
                    out.append(
                        _row(f"import {fmt}", db, got["seconds"], got["rows"], got["peak_mb"], note)
                    )
                    if fmt == "parquet":
                        sums = timed_sums(url)
                        for level, sec in sums.items():
                            out.append(
                                _row(
                                    f"sums per {level}",
                                    db,
                                    sec,
                                    None,
                                    None,
                                    f"{-(-args.rows // args.months):,} series",
                                )
                            )
                finally:
                    drop()
            url, drop = _new_store(db, folder)
            try:
                n = min(args.peer_rows, args.rows)
                sec = to_sql_peer(url, paths["parquet"], n)
                scaled = sec * args.rows / n
                out.append(
                    _row(
                        "peer: pandas to_sql multi",
                        db,
                        scaled,
                        args.rows,
                        None,
                        f"{n:,} rows in {sec:.1f}s, scaled to {args.rows:,}",
                    )
                )
                if db == "postgresql":
                    sec = copy_floor(url, paths["csv"])
                    out.append(
                        _row(
                            "peer: raw COPY (floor)",
                            db,
                            sec,
                            args.rows,
                            None,
                            "the CSV as is, no checks, no index",
                        )
                    )
            finally:
                drop()
        if "postgresql" in dbs:
            url, drop = _new_store("postgresql", folder)
            try:
                fill_series(url, args.sum_series, 12)
                for level, sec in timed_sums(url).items():
                    out.append(
                        _row(
                            f"sums per {level}",
                            "postgresql",
                            sec,
                            None,
                            None,
                            f"{args.sum_series:,} series x 12 periods",
                        )
                    )
            finally:
                drop()
        sec = sparse_sums(args.sum_series, 48)
        out.append(
            _row(
                "sparse sums (numpy)",
                "-",
                sec,
                None,
                None,
                f"{args.sum_series:,} series x 48 -> item, family, total",
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out.append(
        _row(
            "bench process",
            "-",
            None,
            None,
            psutil.Process().memory_info().rss / 2**20,
            "RSS at the end",
        )
    )
    return out


def _row(
    what: str, db: str, seconds: float | None, n: int | None, peak_mb: float | None, note: str
) -> dict[str, object]:
    return {
        "what": what,
        "store": db,
        "seconds": seconds,
        "rows_per_s": (n / seconds) if n and seconds else None,
        "peak_rss_mb": peak_mb,
        "note": note,
    }


def _ratios(table: list[dict[str, object]]) -> list[str]:
    by = {(r["what"], r["store"]): r["seconds"] for r in table}
    lines = []
    for db in ("postgresql", "sqlite"):
        ours = by.get(("import csv", db))
        for peer in ("peer: pandas to_sql multi", "peer: raw COPY (floor)"):
            theirs = by.get((peer, db))
            if isinstance(ours, float) and isinstance(theirs, float):
                lines.append(
                    f"{db}: import csv / {peer.removeprefix('peer: ')} = {ours / theirs:.2f}x"
                )
    return lines


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    table = rows(args)
    df = pd.DataFrame(table)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(
            df.to_string(
                index=False,
                formatters={
                    "seconds": lambda v: "" if v is None or v != v else f"{v:.2f}",
                    "rows_per_s": lambda v: "" if v is None or v != v else f"{v:,.0f}",
                    "peak_rss_mb": lambda v: "" if v is None or v != v else f"{v:,.0f}",
                },
            )
        )
    for line in _ratios(table):
        print(line)


if __name__ == "__main__":
    main()
