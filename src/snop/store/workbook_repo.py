"""Save the validated workbook into the store and load it back.

Saving replaces the stored master data with the given (already merged and validated)
workbook inside one transaction: all of it or nothing. Everything else in the store (forecasts,
plans, versions) refers to items by code and is left alone.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from snop.model.periods import Granularity
from snop.model.schema import TABLES, Kind, numeric_columns
from snop.model.workbook import Workbook, empty_table
from snop.store.tables import (
    PERIOD_VALUE_TABLES,
    WORKBOOK_TABLES,
    item_attribute,
    item_attribute_name,
    meta,
)

# Children before parents, so deletes never trip a foreign key (inserts go the other way).
_DELETE_ORDER = [
    item_attribute,
    item_attribute_name,
    *[t for n, t in WORKBOOK_TABLES.items() if n != "items"],
    *PERIOD_VALUE_TABLES.values(),
    WORKBOOK_TABLES["items"],
]


def _value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.floating):
        return float(v)
    return v


def records(name: str, df: pd.DataFrame) -> list[dict[str, object]]:
    spec = TABLES[name]
    cols = list(spec.names)
    out = []
    for row in df[cols].itertuples(index=False):
        rec = {c: _value(v) for c, v in zip(cols, row, strict=True)}
        for k in spec.key:
            if rec[k] is None:
                rec[k] = ""
        out.append(rec)
    return out


def save_workbook(conn: Connection, wb: Workbook) -> dict[str, int]:
    """Replace the stored workbook by ``wb`` on ``conn`` (call inside a transaction).

    Returns the number of rows written per table.
    """
    for t in _DELETE_ORDER:
        conn.execute(t.delete())
    counts: dict[str, int] = {}
    for name, table in WORKBOOK_TABLES.items():
        if not wb.has(name):
            continue
        recs = records(name, wb.table(name))
        conn.execute(table.insert(), recs)
        counts[name] = len(recs)
    items = wb.table("items")
    if wb.attributes:
        conn.execute(
            item_attribute_name.insert(),
            [{"name": a, "position": i} for i, a in enumerate(wb.attributes)],
        )
        recs = [
            {"item": it, "name": a, "value": _value(v)}
            for a in wb.attributes
            for it, v in zip(items["item"], items[a], strict=True)
            if _value(v) is not None
        ]
        if recs:
            conn.execute(item_attribute.insert(), recs)
    for name, table in PERIOD_VALUE_TABLES.items():
        df = wb.table(name)
        key = TABLES[name].key[0]
        params = [c for c in df.columns if c not in (key, "period")]
        recs = [
            {key: k, "period": p, "parameter": c, "value": float(v)}
            for c in params
            for k, p, v in zip(df[key], df["period"], df[c], strict=True)
            if _value(v) is not None
        ]
        if recs:
            conn.execute(table.insert(), recs)
        counts[name] = len(df)
    _set_meta(conn, "granularity", wb.granularity.value)
    _set_meta(conn, "imported_at", datetime.now(UTC).isoformat(timespec="seconds"))
    new_revision(conn)
    return counts


WRITE_REVISION = "write_revision"


def new_revision(conn: Connection, *, plan_inputs: bool = True) -> None:
    """Mark the stored workbook changed: every write to its tables calls it, in the same
    transaction, and it changes however close in time two writes are. ``revision`` keys the
    unit of work's workbook cache; ``input_revision`` changes only with what plans are made
    on (not with the scenarios' own rows), and a scenario run records it."""
    value = uuid.uuid4().hex
    _set_meta(conn, "revision", value)
    if plan_inputs:
        _set_meta(conn, "input_revision", value)


def mark_written(conn: Connection, value: str) -> None:
    """Mark the store changed by a write transaction (every one, in it, last) with
    ``value``, new for each: ``write_revision`` keys what the unit of work keeps of the
    live plans, which any write may change (an override, a new baseline, a status, the
    workbook)."""
    _set_meta(conn, WRITE_REVISION, value)


def _set_meta(conn: Connection, name: str, value: str) -> None:
    conn.execute(meta.delete().where(meta.c.name == name))
    conn.execute(meta.insert().values(name=name, value=value))


def set_meta(conn: Connection, name: str, value: str) -> None:
    """Set the store-wide fact ``name`` (see ``snop_meta``)."""
    _set_meta(conn, name, value)


def get_meta(conn: Connection, name: str) -> str | None:
    return conn.execute(sa.select(meta.c.value).where(meta.c.name == name)).scalar()


def _typed(name: str, rows: list[sa.Row[tuple[object, ...]]], columns: list[str]) -> pd.DataFrame:
    spec = TABLES[name]
    if not rows:
        return empty_table(name)
    cells = list(zip(*[tuple(r) for r in rows], strict=True))
    data: dict[str, object] = {}
    for c, values in zip(columns, cells, strict=True):
        if spec.column(c).kind is Kind.NUMBER:
            data[c] = np.array([np.nan if v is None else v for v in values], dtype=float)
        else:  # blank is None, whatever the database returned for it
            data[c] = np.array([None if v is None or v == "" else v for v in values], dtype=object)
    return pd.DataFrame(data, columns=columns)


def load_workbook(engine: Engine | Connection) -> Workbook | None:
    """The stored workbook, or None when nothing was imported yet."""
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return load_workbook(conn)
    conn = engine
    gran = get_meta(conn, "granularity")
    if gran is None:
        return None
    tables: dict[str, pd.DataFrame] = {}
    for name, table in WORKBOOK_TABLES.items():
        key_order = [table.c[k] for k in TABLES[name].key]
        rows = list(conn.execute(sa.select(table).order_by(*key_order)))
        if rows:
            tables[name] = _typed(name, rows, list(TABLES[name].names))
    attributes = [
        r.name
        for r in conn.execute(
            sa.select(item_attribute_name).order_by(item_attribute_name.c.position)
        )
    ]
    if "items" in tables and attributes:
        attrs = pd.DataFrame(
            [tuple(r) for r in conn.execute(sa.select(item_attribute))],
            columns=["item", "name", "value"],
        )
        wide = (
            attrs.pivot(index="item", columns="name", values="value")
            if len(attrs)
            else pd.DataFrame(index=pd.Index([], name="item"))
        )
        items = tables["items"]
        for a in attributes:
            vals = items["item"].map(wide[a]) if a in wide else pd.Series([None] * len(items))
            items[a] = vals.astype(object).where(vals.notna(), None)
    for name, table in PERIOD_VALUE_TABLES.items():
        key = TABLES[name].key[0]
        rows = list(conn.execute(sa.select(table)))
        if not rows:
            continue
        long = pd.DataFrame([tuple(r) for r in rows], columns=[key, "period", "parameter", "value"])
        wide = long.pivot(index=[key, "period"], columns="parameter", values="value")
        order: list[str] = [
            c for c in numeric_columns(TABLES[name].period_overrides_of or "") if c in wide.columns
        ]
        wide = wide[order].reset_index().sort_values([key, "period"], ignore_index=True)
        wide.columns.name = None
        tables[name] = wide
    return Workbook(Granularity(gran), tables, attributes)
