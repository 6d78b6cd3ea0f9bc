"""Forecasting a large panel in partitions of whole series, in this process or on Dask.

A forecast of one series depends on its own history and on two things of the whole panel:
its calendar (the last period: a series that stopped before it is ``Inactive``, and the
horizon starts after it) and its granularity. So the panel can be cut into partitions of
whole series, each forecast by :func:`snop.forecasting.engine.forecast_panel` with the
whole panel's calendar, and the results are those of one run on the whole panel.

Steps (memory stays bounded by one chunk of input rows and one partition):

1. :func:`split_sales` streams the input (a CSV or Parquet file, or a folder of Parquet
   files) in chunks, validates each chunk with :func:`snop.forecasting.data.prepare_sales`
   (errors name the file and row), learns the calendar, and appends every row to the
   partition its series key hashes to (one Parquet file per partition);
2. :func:`forecast_partition` forecasts one partition and writes its forecast and
   per-series report as Parquet files; only a few counts come back;
3. :func:`run_local` runs the partitions one after the other; :func:`run_dask` runs them as
   tasks on a Dask cluster (a ``LocalCluster`` when no scheduler address is given). The
   workers read and write the files themselves, so with a remote scheduler the input's
   folder and the output folder must be on storage every worker sees.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from snop.errors import SnopError
from snop.forecasting.common import IntArray
from snop.forecasting.data import csv_separator, frequency, prepare_sales
from snop.forecasting.engine import INACTIVE, _validate_args, forecast_panel
from snop.io.numbers import DecimalMark
from snop.io.stream import SERIES_KEY
from snop.model.periods import Granularity
from snop.model.vocabulary import Engine

# Input rows read at a time; about 50 MB of text for a monthly sales file.
CHUNK_ROWS = 500_000
# Rows per partition when the caller does not say: about 10,000 series of 4 years of months,
# a few seconds of work and some tens of MB of memory each.
PARTITION_ROWS = 500_000
# A CSV row of item, period, qty is about this long; sizes the partitions of a CSV input.
CSV_ROW_BYTES = 24
KEY_SEP = "\x1f"  # joins item and location into one series key (a control character)
FORECAST_DIR = "forecast"
REPORT_DIR = "report"
WORK_DIR = ".partitions"

Message = Callable[[str], None]


# --- the series key ---------------------------------------------------------------------


def series_key(frame: pd.DataFrame) -> pd.Series:
    """The series of each row as one text: the columns of :data:`snop.io.stream.SERIES_KEY`
    the input has (its ``item``, at its ``location`` when there is one), joined."""
    first, *rest = SERIES_KEY
    key = frame[first].astype(str).str.strip()
    for column in rest:
        if column in frame.columns:
            key = key + KEY_SEP + frame[column].astype(str).str.strip()
    return key


def partition_of(keys: pd.Series, partitions: int) -> IntArray:
    """The partition of each series key: a stable 64-bit hash modulo ``partitions``.

    The hash (pandas' SipHash of the text) is the same in every process and run, so the
    rows of one series always land in the same partition.
    """
    h = pd.util.hash_pandas_object(keys, index=False).to_numpy()
    return np.asarray(h % np.uint64(partitions), dtype=np.int64)


# --- splitting the input ------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The whole panel's granularity and first and last period ordinals."""

    granularity: Granularity
    first: int
    last: int


@dataclass
class Split:
    """An input split into partitions of whole series."""

    files: list[Path]  # one Parquet file per non-empty partition
    calendar: Calendar
    rows: int
    location: bool  # series are item x location


def split_sales(
    source: Path,
    workdir: Path,
    *,
    partitions: int | None = None,
    freq: str | None = None,
    decimal: DecimalMark = DecimalMark.POINT,
    message: Message | None = None,
) -> Split:
    """Stream ``source`` into Parquet partitions of whole series under ``workdir``.

    Each chunk is validated as a sales table (columns item, period, qty, optional location)
    before any of it is written; the first error names the file and row. ``partitions``
    defaults to one per ``PARTITION_ROWS`` input rows (estimated from the file's size).
    """
    if freq is not None:
        frequency(freq)  # a wrong option before any reading
    parts = partitions if partitions is not None else default_partitions(source)
    if parts < 1:
        raise SnopError(f"partitions must be at least 1 (got {parts})")
    workdir.mkdir(parents=True, exist_ok=True)
    writers: dict[int, pq.ParquetWriter] = {}
    schema: pa.Schema | None = None
    gran: Granularity | None = None
    first, last, rows, location = math.inf, -math.inf, 0, False
    try:
        for name, offset, chunk in _chunks(source):
            panel = prepare_sales(chunk, source=name, row_offset=offset, freq=freq, decimal=decimal)
            if gran is not None and panel.granularity is not gran:
                raise SnopError(
                    f"{name} row {offset}: periods are {panel.granularity.noun}s but earlier "
                    f"rows are {gran.noun}s; one input uses one granularity"
                )
            gran = panel.granularity
            first, last = min(first, panel.first), max(last, panel.last)
            location = "location" in chunk.columns
            table = _rows_table(chunk, location)
            if schema is None:
                schema = table.schema
            table = _conform(table, schema, name)
            part = partition_of(series_key(chunk), parts)
            order = np.argsort(part, kind="stable")  # rows keep their order within a part
            table, part = table.take(pa.array(order)), part[order]
            ks, starts, counts = np.unique(part, return_index=True, return_counts=True)
            for k, at, cnt in zip(ks.tolist(), starts.tolist(), counts.tolist(), strict=True):
                if k not in writers:
                    writers[k] = pq.ParquetWriter(workdir / f"part-{k:05d}.parquet", schema)
                writers[k].write_table(table.slice(at, cnt))
            rows += len(chunk)
            if message is not None:
                message(f"read {rows:,} rows")
    finally:
        for w in writers.values():
            w.close()
    if rows == 0 or gran is None:
        raise SnopError(f"{source}: no rows; give at least one item, period, qty row")
    files = [workdir / f"part-{k:05d}.parquet" for k in sorted(writers)]
    return Split(files, Calendar(gran, int(first), int(last)), rows, location)


def default_partitions(source: Path, workers: int = 0) -> int:
    """One partition per PARTITION_ROWS input rows, and two per Dask worker at least (so
    that every worker has work while the last partitions finish)."""
    return max(_partitions_by_size(source), 2 * workers)


def _partitions_by_size(source: Path) -> int:
    if _is_parquet(source):
        import pyarrow.dataset as ds

        rows = sum(
            int(f.metadata.num_rows) for f in ds.dataset(source, format="parquet").get_fragments()
        )
    else:
        rows = source.stat().st_size // CSV_ROW_BYTES
    return max(1, math.ceil(rows / PARTITION_ROWS))


def _is_parquet(source: Path) -> bool:
    return source.is_dir() or source.suffix.lower() in (".parquet", ".pq")


def _chunks(source: Path) -> Iterator[tuple[str, int, pd.DataFrame]]:
    """(file name, row offset for messages, rows) per chunk, columns normalised."""
    if not source.exists():
        raise SnopError(f"{source}: file not found (sales)")
    if _is_parquet(source):
        yield from _parquet_chunks(source)
    else:
        yield from _csv_chunks(source)


def _normalise(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    missing = [c for c in ("item", "period", "qty") if c not in frame.columns]
    if missing:
        raise SnopError(
            f"{name}: missing column(s) {', '.join(missing)}; the sales need columns "
            f"item, period, qty and optionally location (found: {', '.join(frame.columns)})"
        )
    keep = [c for c in ("item", "location", "period", "qty") if c in frame.columns]
    return frame[keep]


def _csv_chunks(source: Path) -> Iterator[tuple[str, int, pd.DataFrame]]:
    sep = csv_separator(source, "sales")
    offset = 2  # the header is row 1
    try:
        reader = pd.read_csv(
            source,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            sep=sep,
            encoding="utf-8-sig",
            chunksize=CHUNK_ROWS,
        )
        with reader:
            for chunk in reader:
                if len(chunk):
                    yield source.name, offset, _normalise(chunk, source.name)
                offset += len(chunk)
    except pd.errors.EmptyDataError:
        raise SnopError(f"{source}: the file is empty; expected a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SnopError(f"{source}: cannot read as CSV ({exc})") from None


def _parquet_chunks(source: Path) -> Iterator[tuple[str, int, pd.DataFrame]]:
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset(source, format="parquet")
        for frag in dataset.get_fragments():
            name = Path(frag.path).name
            offset = 1  # Parquet has no header row: rows count from 1
            for batch in frag.to_batches(batch_size=CHUNK_ROWS):
                if batch.num_rows:
                    yield name, offset, _normalise(batch.to_pandas(), name)
                offset += batch.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise SnopError(f"{source}: cannot read as Parquet ({exc})") from None


def _rows_table(chunk: pd.DataFrame, location: bool) -> pa.Table:
    """The rows as written to a partition: keys and periods as text, qty as it came."""
    cols: dict[str, Any] = {"item": chunk["item"].astype(str).str.strip()}
    if location:
        cols["location"] = chunk["location"].astype(str).str.strip()
    cols["period"] = chunk["period"].astype(str).str.strip()
    qty = chunk["qty"]
    cols["qty"] = qty.astype(np.float64) if pd.api.types.is_numeric_dtype(qty) else qty
    return pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)


def _conform(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    if table.schema.equals(schema):
        return table
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        raise SnopError(
            f"{name}: its columns ({table.schema.names}) differ from the earlier files' "
            f"({schema.names}); every file needs the same columns item, period, qty"
        ) from None


# --- forecasting one partition ------------------------------------------------------------


@dataclass(frozen=True)
class PartitionTask:
    """Everything a worker needs to forecast one partition (small; sent to workers)."""

    rows: Path  # the partition's sales rows
    out: Path  # output folder
    index: int
    calendar: Calendar
    horizon: int
    method: str
    levels: tuple[float, ...]
    from_own_end: bool
    location: bool
    source: str


@dataclass
class PartitionDone:
    """What comes back from a partition: counts only, the results are in its files."""

    index: int
    series: int
    files: list[Path]
    models: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    inactive: int = 0


def forecast_partition(task: PartitionTask) -> PartitionDone:
    """Forecast the series of one partition with the whole panel's calendar and write its
    forecast and report to ``forecast/part-NNNNN.parquet`` and ``report/...`` under the
    output folder (each written under a temporary name, then renamed)."""
    sales = pd.read_parquet(task.rows)
    if task.location:
        sales = pd.DataFrame(
            {"item": series_key(sales), "period": sales["period"], "qty": sales["qty"]}
        )
    cal = task.calendar
    result = forecast_panel(
        sales,
        task.horizon,
        method=task.method,
        levels=task.levels,
        freq=cal.granularity.value,
        from_own_end=task.from_own_end,
        source=task.source,
        calendar=(cal.first, cal.last),
    )
    name = f"part-{task.index:05d}.parquet"
    files = []
    for sub, frame in ((FORECAST_DIR, result.forecast), (REPORT_DIR, result.report)):
        path = task.out / sub / name
        _write(_split_key(frame) if task.location else frame, path)
        files.append(path)
    rep = result.report
    return PartitionDone(
        index=task.index,
        series=len(rep),
        files=files,
        models=Counter(str(m).split("(")[0] for m in rep["model"]),
        classes=Counter(str(c) for c in rep["demand_class"]),
        inactive=int((rep["model"] == INACTIVE).sum()),
    )


def _split_key(frame: pd.DataFrame) -> pd.DataFrame:
    """item and location columns back from the joined series key."""
    parts = frame["item"].str.split(KEY_SEP, n=1, expand=True, regex=False)
    out = frame.drop(columns="item")
    out.insert(0, "location", parts[1])
    out.insert(0, "item", parts[0])
    return out


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


# --- engines ------------------------------------------------------------------------------


def run_local(
    tasks: Sequence[PartitionTask], message: Message | None = None
) -> list[PartitionDone]:
    """The partitions one after the other in this process (memory: one partition)."""
    done = []
    for t in tasks:
        done.append(forecast_partition(t))
        _tell(message, done)
    return done


@dataclass(frozen=True)
class Cluster:
    """Where the Dask engine runs: a scheduler's address, or a LocalCluster of ``workers``
    single-threaded worker processes with ``memory_limit`` each (bytes or "2GB")."""

    scheduler: str | None = None
    workers: int = 2
    memory_limit: str | int | None = "auto"
    processes: bool = True  # False: workers as threads of this process (tests)
    connect_timeout: float = 10.0


def run_dask(
    tasks: Sequence[PartitionTask], client: Any, message: Message | None = None
) -> list[PartitionDone]:
    """The partitions as tasks on the Dask ``client``'s cluster; each returns only its
    counts (the results are in its files)."""
    from distributed import as_completed

    futures = client.map(forecast_partition, list(tasks), pure=False)
    done: list[PartitionDone] = []
    for fut in as_completed(futures):
        done.append(fut.result())
        _tell(message, done, len(tasks))
    return sorted(done, key=lambda d: d.index)


@contextmanager
def _engine_client(engine: Engine, cluster: Cluster) -> Iterator[Any]:
    """A Dask client for the dask engine (connected before any work), None for local."""
    if engine is not Engine.DASK:
        yield None
        return
    with dask_client(cluster) as client:
        yield client


def _tell(message: Message | None, done: list[PartitionDone], total: int | None = None) -> None:
    if message is not None:
        series = sum(d.series for d in done)
        of = f"/{total}" if total is not None else ""
        message(f"forecast partition {len(done)}{of}: {series:,} series so far")


@contextmanager
def dask_client(cluster: Cluster) -> Iterator[Any]:
    """A ``distributed.Client`` on ``cluster``, closed (with its LocalCluster) afterwards.

    A malformed or unreachable scheduler address is a SnopError naming the address.
    """
    import logging

    import dask
    from distributed import Client, LocalCluster

    if cluster.scheduler is None:
        if cluster.workers < 1:
            raise SnopError(f"--workers must be at least 1 (got {cluster.workers})")
        with dask.config.set({SPAWN_ENVIRON: _spawn_environ()}):
            local = LocalCluster(
                n_workers=cluster.workers,
                threads_per_worker=1,
                memory_limit=cluster.memory_limit,
                processes=cluster.processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            try:
                with Client(local) as client:
                    yield client
            finally:
                local.close()
        return
    address = scheduler_address(cluster.scheduler)
    try:
        client = Client(address, timeout=cluster.connect_timeout)
    except (OSError, TimeoutError) as exc:
        raise SnopError(
            f"--scheduler {cluster.scheduler}: no Dask scheduler answered at {address} "
            f"({exc.__class__.__name__}); start one with `dask scheduler`, or leave out "
            "--scheduler to run on a local cluster"
        ) from None
    with client:
        yield client


SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"


def _spawn_environ() -> dict[str, Any]:
    """Dask's environment for new workers without ``MALLOC_TRIM_THRESHOLD_``.

    Dask sets it to 64 kB so that workers hand freed memory back to the system at once;
    setting it also turns off glibc's adaptive mmap threshold, so every temporary array of
    the forecast kernels (hundreds of kB) is mapped and zeroed afresh: measured 2.3x slower
    (40x the page faults) on 2,000 series. Memory per worker stays bounded by the partition.
    """
    import dask

    env = dict(dask.config.get(SPAWN_ENVIRON, default={}) or {})
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


def scheduler_address(text: str) -> str:
    """A Dask scheduler address (``tcp://HOST:PORT`` or ``HOST:PORT``), or a SnopError."""
    from distributed.comm.addressing import parse_address, parse_host_port

    how = "write tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    try:
        scheme, loc = parse_address(text.strip())
        host, port = parse_host_port(loc)
    except (ValueError, TypeError) as exc:
        raise SnopError(f"--scheduler {text!r} is not an address ({exc}); {how}") from None
    if scheme not in ("tcp", "tls", "inproc", "ucx", "ws", "wss") or not host or not port:
        raise SnopError(f"--scheduler {text!r} is not a Dask scheduler address; {how}")
    return f"{scheme}://{loc}"


# --- the whole run ------------------------------------------------------------------------


@dataclass
class PartitionedForecast:
    """A partitioned forecast written to ``out``: what ran and where the files are."""

    out: Path
    engine: Engine
    series: int
    rows: int
    partitions: int
    files: list[Path]
    calendar: Calendar
    horizon: int
    models: dict[str, int]
    demand_classes: dict[str, int]
    inactive: int
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (paths as text)."""
        return {
            "out": str(self.out),
            "engine": self.engine.value,
            "series": self.series,
            "rows": self.rows,
            "partitions": self.partitions,
            "horizon": self.horizon,
            "granularity": self.calendar.granularity.value,
            "models": self.models,
            "demand_classes": self.demand_classes,
            "inactive": self.inactive,
            "files": [str(f) for f in self.files],
            "seconds": round(self.seconds, 3),
        }


def check_out_dir(out: Path) -> None:
    """Refuse an output folder that is a file or holds files already (a partitioned
    forecast writes many files into it and must not mix them with others)."""
    if out.exists() and not out.is_dir():
        raise SnopError(f"--out {out}: is a file; give a folder for the forecast's partitions")
    if out.is_dir() and any(out.iterdir()):
        raise SnopError(
            f"--out {out}: the folder exists and is not empty; give a new or empty folder"
        )


def forecast_partitioned(
    source: Path,
    out: Path,
    horizon: int,
    *,
    engine: Engine = Engine.LOCAL,
    cluster: Cluster | None = None,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    freq: str | None = None,
    decimal: DecimalMark = DecimalMark.POINT,
    from_own_end: bool = False,
    partitions: int | None = None,
    message: Message | None = None,
) -> PartitionedForecast:
    """Split ``source`` into partitions of whole series, forecast them on ``engine`` (Dask:
    on ``cluster``, default a LocalCluster of 2 workers) and write the results under
    ``out``; on an error nothing stays behind in ``out``."""
    import shutil

    levels = _validate_args(horizon, method, levels, None, 3)  # before any reading
    check_out_dir(out)
    source, out = source.absolute(), out.absolute()  # workers may run elsewhere
    with _engine_client(engine, cluster or Cluster()) as client:
        made = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        work = out / WORK_DIR
        if partitions is None and client is not None:
            partitions = default_partitions(source, sum(client.nthreads().values()))
        try:
            split = split_sales(
                source, work, partitions=partitions, freq=freq, decimal=decimal, message=message
            )
            if message is not None:
                message(f"split {split.rows:,} rows into {len(split.files)} partition(s)")
            tasks = [
                PartitionTask(
                    rows=f,
                    out=out,
                    index=i,
                    calendar=split.calendar,
                    horizon=horizon,
                    method=method,
                    levels=tuple(float(x) for x in levels),
                    from_own_end=from_own_end,
                    location=split.location,
                    source=f"{source.name} ({f.stem})",
                )
                for i, f in enumerate(split.files)
            ]
            run = run_local if client is None else partial(run_dask, client=client)
            done = run(tasks, message=message)
        except BaseException:
            if made:
                shutil.rmtree(out, ignore_errors=True)
            else:
                for sub in (FORECAST_DIR, REPORT_DIR, WORK_DIR):
                    shutil.rmtree(out / sub, ignore_errors=True)
            raise
    shutil.rmtree(work, ignore_errors=True)
    models: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    for d in done:
        models.update(d.models)
        classes.update(d.classes)
    return PartitionedForecast(
        out=out,
        engine=engine,
        series=sum(d.series for d in done),
        rows=split.rows,
        partitions=len(done),
        files=[f for d in done for f in d.files],
        calendar=split.calendar,
        horizon=horizon,
        models=dict(models.most_common()),
        demand_classes=dict(classes.most_common()),
        inactive=sum(d.inactive for d in done),
    )
