"""Plans kept as JSON documents: a cycle's working drafts and its frozen version.

A draft part is replaced by each run; a version part is written once, at the executive
approval, and a second write is refused, so a version can never change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.errors import ConflictError
from snop.store.tables import plan_document

DRAFT, VERSION = "draft", "version"


class DocumentRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put_draft(self, cycle: str, part: str, content: str) -> None:
        self.conn.execute(
            plan_document.delete().where(
                plan_document.c.cycle == cycle,
                plan_document.c.kind == DRAFT,
                plan_document.c.part == part,
            )
        )
        self.conn.execute(
            plan_document.insert().values(cycle=cycle, kind=DRAFT, part=part, content=content)
        )

    def drop_drafts(self, cycle: str, prefix: str) -> None:
        """Remove the cycle's draft parts whose name starts with ``prefix``."""
        self.conn.execute(
            plan_document.delete().where(
                plan_document.c.cycle == cycle,
                plan_document.c.kind == DRAFT,
                plan_document.c.part.startswith(prefix, autoescape=True),
            )
        )

    def put_version(self, cycle: str, part: str, content: str) -> None:
        if self.get(cycle, VERSION, part) is not None:
            raise ConflictError(
                f"cycle {cycle} already has a version of {part}; versions never change"
            )
        self.conn.execute(
            plan_document.insert().values(cycle=cycle, kind=VERSION, part=part, content=content)
        )

    def get(self, cycle: str, kind: str, part: str) -> str | None:
        return self.conn.execute(
            sa.select(plan_document.c.content).where(
                plan_document.c.cycle == cycle,
                plan_document.c.kind == kind,
                plan_document.c.part == part,
            )
        ).scalar()

    def parts(self, cycle: str, kind: str) -> dict[str, str]:
        """Every part of the cycle's drafts or version: part -> content."""
        rows = self.conn.execute(
            sa.select(plan_document.c.part, plan_document.c.content)
            .where(plan_document.c.cycle == cycle, plan_document.c.kind == kind)
            .order_by(plan_document.c.part)
        ).all()
        return {str(p): str(c) for p, c in rows}
