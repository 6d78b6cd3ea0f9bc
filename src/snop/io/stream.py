"""Sales files too large to hold at once (CSV or Parquet), read and checked in chunks.

Each chunk is checked by :func:`snop.io.validate.check_table`, the rules of the workbook's
``sales`` table (item, period and qty required; qty a number >= 0 and below the store's
limit; codes the store can hold; no repeated item + period + location + customer +
channel), plus: every period of the file of one granularity, and items known to the store
when it has an items table. A problem names the file, the row (CSV: the line, the header
being row 1, blank lines not counted; Parquet: the record, the first being row 1), the
column and what is valid.

A **series** is what is forecast on its own: an item, or an item at a location when the file
has a ``location`` column (:data:`SERIES_KEY`). Customer and channel are detail that is
summed into the series.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from snop.errors import SnopError
from snop.io.problems import Problem, WorkbookInvalid
from snop.io.reader import RawTable, csv_delimiter, normalize_header
from snop.io.validate import check_table
from snop.model.periods import Granularity, parse_period
from snop.model.schema import SALES, Kind

# A series: the item, at its location when the file gives one ('' when it does not).
SERIES_KEY = ("item", "location")
# Detail below the series, summed into it; with the series key and the period, the key of
# a sales row (snop.model.schema.SALES.key).
DETAIL = ("customer", "channel")
CHUNK_ROWS = 500_000  # rows per chunk: about 100 MB of Python strings at most
SUFFIXES = (".csv", ".parquet", ".pq")
OUTCOME = "nothing was imported"

Progress = Callable[[int, float], None]  # rows read so far, fraction of the file read


@dataclass(frozen=True)
class SalesChunk:
    """Checked rows of one chunk: ``rows`` has columns row (the user's row number), item,
    location ('' when none), period (ordinal), detail (customer and channel joined, None
    when the file has neither) and qty."""

    rows: pd.DataFrame
    granularity: Granularity


def series_keys(rows: pd.DataFrame) -> pd.DataFrame:
    """The distinct series (item, location) of some sales rows."""
    return rows[list(SERIES_KEY)].drop_duplicates(ignore_index=True)


def read_sales(
    path: Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    granularity: Granularity | None = None,
    items: set[str] | None = None,
    progress: Progress | None = None,
) -> Iterator[SalesChunk]:
    """The checked chunks of the sales file at ``path``; WorkbookInvalid at the first chunk
    with an error (listing that chunk's errors). Periods must be of ``granularity`` (None:
    of the first chunk's), items among ``items`` when given."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SnopError(
            f"{path}: not a sales file; give a .csv or a .parquet file "
            "(columns item, period, qty and optionally location, customer, channel)"
        )
    if not path.is_file():
        raise SnopError(f"{path}: no such file")
    source = path.name
    reader = _ParquetFile(path) if path.suffix.lower() != ".csv" else _CsvFile(path)
    with reader as batches:
        done = 0
        for header, cells, fraction in _rechunk(batches, chunk_rows):
            cells["_row"] = np.arange(done, done + len(cells)) + batches.first_row
            done += len(cells)
            checked = check_table(
                RawTable("sales", source, header, _non_blank(cells)),
                granularity=granularity,
                items=items,
            )
            if checked.df is None or checked.problems:
                raise WorkbookInvalid(checked.problems, source, OUTCOME)
            granularity = granularity or checked.granularity or Granularity.MONTH
            yield SalesChunk(_typed_rows(checked.df, header), granularity)
            if progress is not None:
                progress(done, fraction())


def _non_blank(cells: pd.DataFrame) -> pd.DataFrame:
    """Rows with at least one value (an all-blank row is no sale, as in a workbook)."""
    values = cells.drop(columns="_row")
    return cells[values.notna().any(axis=1)].reset_index(drop=True)


def _typed_rows(df: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    ords = {p: parse_period(p).ordinal for p in df["period"].unique()}
    has_detail = any(c in header for c in DETAIL)
    detail = (
        df["customer"].fillna("").str.cat(df["channel"].fillna(""), sep="\x1f")
        if has_detail
        else None
    )
    return pd.DataFrame(
        {
            "row": df["_row"].to_numpy(dtype=np.int64),
            "item": df["item"].to_numpy(dtype=object),
            "location": df["location"].fillna("").to_numpy(dtype=object),
            "period": df["period"].map(ords).to_numpy(dtype=np.int64),
            "detail": detail.to_numpy(dtype=object) if detail is not None else None,
            "qty": df["qty"].to_numpy(dtype=np.float64),
        }
    )


class _Batches:
    """Record batches of a file, with its header and how far through the file they are."""

    first_row = 2  # the row number of the first record

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: list[str] = []

    def __enter__(self) -> _Batches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        pass

    def batches(self) -> Iterator[pa.RecordBatch]:  # pragma: no cover - overridden
        raise NotImplementedError

    def fraction(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError


class _CsvFile(_Batches):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            with path.open(encoding="utf-8-sig") as f:
                first = f.readline()
        except UnicodeDecodeError as exc:
            raise SnopError(
                f"{path.name}: is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"
            ) from None
        if not first.strip():
            raise SnopError(f"{path.name}: is empty; the first line must name the columns")
        self.delimiter = csv_delimiter(first)
        names = next(iter(_split_header(first, self.delimiter)))
        self.header = [normalize_header(h) for h in names]
        self.size = max(path.stat().st_size, 1)
        self.file: IO[bytes] = path.open("rb")
        self.invalid: list[pacsv.InvalidRow] = []

    def _bad_row(self, row: pacsv.InvalidRow) -> str:
        self.invalid.append(row)
        return "skip"

    def batches(self) -> Iterator[pa.RecordBatch]:
        names = [f"_c{i}" for i in range(len(self.header))]
        try:
            reader = pacsv.open_csv(
                self.file,
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=8 << 20, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter, invalid_row_handler=self._bad_row
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in reader:
                self._raise_invalid()
                yield batch
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise SnopError(f"{self.path.name}: is not valid CSV ({exc})") from None
        self._raise_invalid()

    def _raise_invalid(self) -> None:
        if not self.invalid:
            return
        row = self.invalid[0]
        d = self.delimiter
        raise WorkbookInvalid(
            [
                Problem(
                    self.path.name,
                    f"has {row.actual_columns} value(s) where the header names "
                    f"{row.expected_columns} columns; a value that holds {d!r} must be in "
                    f'double quotes ("a{d} b")',
                    row.number,
                )
            ],
            self.path.name,
            OUTCOME,
        )

    def fraction(self) -> float:
        try:
            return min(1.0, float(self.file.tell()) / self.size)
        except (OSError, ValueError):
            return 1.0

    def close(self) -> None:
        self.file.close()


def _split_header(line: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader([line], delimiter=delimiter)


class _ParquetFile(_Batches):
    first_row = 1

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise SnopError(f"{path.name}: is not a Parquet file ({exc})") from None
        self.header = [normalize_header(n) for n in self.file.schema_arrow.names]
        self.total: int = max(int(self.file.metadata.num_rows), 1)
        self.read: int = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        numbers = {c.name for c in SALES.columns if c.kind is Kind.NUMBER}
        for batch in self.file.iter_batches(batch_size=64_000):
            self.read += batch.num_rows
            cols = [
                col if self.header[i] in numbers and _numeric(col.type) else _text(col)
                for i, col in enumerate(batch.columns)
            ]
            yield pa.RecordBatch.from_arrays(
                cols, names=[f"_c{i}" for i in range(len(self.header))]
            )

    def fraction(self) -> float:
        return min(1.0, float(self.read) / self.total)

    def close(self) -> None:
        self.file.close()


def _numeric(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def _text(col: pa.Array) -> pa.Array:
    return col if pa.types.is_string(col.type) else pc.cast(col, pa.string())


def _rechunk(
    source: _Batches, size: int
) -> Iterator[tuple[list[str], pd.DataFrame, Callable[[], float]]]:
    """The file's records in frames of ``size`` rows (the last one shorter), as the
    workbook reader gives cells: text trimmed, blank as None, numbers as numbers."""
    if size < 1:
        raise SnopError(f"chunk size {size} must be at least 1 row")
    pending: list[pa.RecordBatch] = []
    count = 0
    given = False  # a file of a header only still gives one (empty) chunk, to check it
    for batch in source.batches():
        pending.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(pending)
            head, rest = table.slice(0, size), table.slice(size)
            yield source.header, _cells(head), source.fraction
            given = True
            pending = rest.to_batches()
            count = rest.num_rows
    if count or not given:
        table = (
            pa.Table.from_batches(pending)
            if pending
            else pa.table({f"_c{i}": pa.array([], pa.string()) for i in range(len(source.header))})
        )
        yield source.header, _cells(table), source.fraction


def _cells(table: pa.Table) -> pd.DataFrame:
    out: dict[str, object] = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            trimmed = pc.utf8_trim_whitespace(col)
            col = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
            out[name] = col.to_pandas().astype(object)
        else:  # numbers stay numbers (NaN blank): parse_numbers takes them as they are
            out[name] = col.to_pandas()
    return pd.DataFrame(out)
