"""Scenarios' deltas in the store: the ``scenario_deltas`` workbook table, written row by row
by ``snop scenario create`` and ``delete`` (an import of the table replaces it whole)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.store.tables import WORKBOOK_TABLES
from snop.store.workbook_repo import new_revision, records

TABLE = "scenario_deltas"


class ScenarioRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.table = WORKBOOK_TABLES[TABLE]

    def add(self, rows: pd.DataFrame) -> int:
        """Append rows (the table's columns); returns how many."""
        recs = records(TABLE, rows)
        if recs:
            self.conn.execute(self.table.insert(), recs)
            new_revision(self.conn, plan_inputs=False)
        return len(recs)

    def delete(self, scenario: str) -> int:
        """Remove a scenario's rows; returns how many."""
        res = self.conn.execute(self.table.delete().where(self.table.c.scenario == scenario))
        new_revision(self.conn, plan_inputs=False)
        return int(res.rowcount or 0)

    def names(self) -> list[str]:
        rows = self.conn.execute(sa.select(self.table.c.scenario).distinct())
        return sorted(str(r[0]) for r in rows)


class InitiativeRepo:
    """Strategic initiatives: the ``initiatives`` workbook table, row by row."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.table = WORKBOOK_TABLES["initiatives"]

    def add(self, row: pd.DataFrame) -> None:
        self.conn.execute(self.table.insert(), records("initiatives", row))
        new_revision(self.conn)

    def set_status(self, code: str, old: str | None, new: str) -> bool:
        """Move ``code`` from status ``old`` (None: blank, i.e. proposed) to ``new``
        (compare-and-set: False when its status was not ``old``)."""
        t = self.table
        was = t.c.status.is_(None) if old is None else t.c.status == old
        res = self.conn.execute(t.update().where(t.c.initiative == code, was).values(status=new))
        new_revision(self.conn)
        return bool(res.rowcount)
