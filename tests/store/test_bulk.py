"""Bulk writes (COPY on PostgreSQL, executemany on SQLite) in the caller's transaction:
the rows read back exactly, nulls and awkward text included, and vanish with a rollback."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from snop.store.bulk import bulk_insert
from snop.store.db import open_store, write_transaction
from snop.store.tables import series


class Boom(Exception):
    pass


def _rows() -> pa.Table:
    return pa.table(
        {
            "item": ["A", 'q,"r', "tab\there", "é"],
            "location": ["", "L1", "L;2", "Ω"],
        }
    )


def test_rows_read_back_and_roll_back_with_the_transaction(db_url: str) -> None:
    engine = open_store(db_url)
    with write_transaction(engine) as conn:
        assert bulk_insert(conn, series, _rows()) == 4
        assert bulk_insert(conn, series, _rows().slice(0, 0)) == 0
    with engine.connect() as conn:
        got = conn.execute(sa.select(series.c.item, series.c.location).order_by(series.c.id)).all()
    assert [tuple(r) for r in got] == list(
        zip(_rows()["item"].to_pylist(), _rows()["location"].to_pylist(), strict=True)
    )
    with pytest.raises(Boom), write_transaction(engine) as conn:
        bulk_insert(conn, series, pa.table({"item": ["B"] * 3, "location": ["x", "y", "z"]}))
        raise Boom
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(series)).scalar() == 4
    engine.dispose()


def test_nulls_stay_nulls_and_numbers_exact(db_url: str) -> None:
    from snop.store.history_repo import stage

    engine = open_store(db_url)
    rows = pa.table(
        {
            "row_no": pa.array([2, 3], pa.int64()),
            "series_id": pa.array([1, 2], pa.int64()),
            "period": pa.array([24288, 24289], pa.int64()),
            "detail": pa.array([None, ""], pa.string()),
            "qty": pa.array([0.1 + 0.2, 1.8511616902024304e-34], pa.float64()),
        }
    )
    with write_transaction(engine) as conn:
        stage.create(conn)
        bulk_insert(conn, stage, rows)
        got = conn.execute(sa.select(stage.c.detail, stage.c.qty).order_by(stage.c.row_no)).all()
        stage.drop(conn, checkfirst=True)
    assert [tuple(r) for r in got] == [(None, 0.1 + 0.2), ("", 1.8511616902024304e-34)]
    engine.dispose()
