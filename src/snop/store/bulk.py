"""Bulk writes: many rows into one table, inside the caller's transaction.

PostgreSQL takes them by ``COPY ... FROM STDIN`` (psycopg 3's ``cursor.copy``), an order of
magnitude faster than INSERTs; SQLite by ``executemany`` of one prepared INSERT, which is
its fastest path. Either way the rows are part of the transaction the caller holds: they
commit with it or vanish with it, so a bulk writer stays all-or-nothing.

Every bulk writer of the store goes through :func:`bulk_insert`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.errors import SnopError


def bulk_insert(conn: Connection, table: sa.Table, rows: pa.Table | pa.RecordBatch) -> int:
    """Append ``rows`` (columns named like ``table``'s, nulls allowed) to ``table``; the
    number of rows written."""
    if rows.num_rows == 0:
        return 0
    columns = list(rows.schema.names)
    unknown = [c for c in columns if c not in table.c]
    if unknown:  # a programming error, but one that must not write half a row
        raise SnopError(f"{table.name} has no column {', '.join(unknown)}")
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, columns, rows)
    else:
        _executemany(conn, table.name, columns, rows)
    return int(rows.num_rows)


def _copy(
    conn: Connection, name: str, columns: Sequence[str], rows: pa.Table | pa.RecordBatch
) -> None:
    """COPY in CSV: pyarrow writes it in C (text quoted, nulls as unquoted empty fields,
    which COPY's CSV format reads as NULL), so no Python loop runs per row."""
    buf = io.BytesIO()
    pacsv.write_csv(
        rows,
        buf,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    cols = ", ".join(f'"{c}"' for c in columns)
    # the psycopg connection of this transaction
    dbapi: Any = conn.connection.dbapi_connection
    with dbapi.cursor() as cur, cur.copy(f'COPY "{name}" ({cols}) FROM STDIN (FORMAT csv)') as cp:
        view = buf.getbuffer()
        step = 1 << 20  # in 1 MiB writes
        for start in range(0, len(view), step):
            cp.write(view[start : start + step])
        del view


def _executemany(
    conn: Connection, name: str, columns: Sequence[str], rows: pa.Table | pa.RecordBatch
) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    data = zip(*(rows.column(c).to_pylist() for c in columns), strict=True)
    conn.exec_driver_sql(f'INSERT INTO "{name}" ({cols}) VALUES ({marks})', list(data))
