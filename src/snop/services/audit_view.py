"""The audit trail as a reader filters it: by user, action and cycle, newest first, with
the values each filter can take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from snop.services.context import Actor, UnitOfWork

LIMIT = 500  # rows shown; narrow the filters (or export the trail) for more


@dataclass
class AuditView:
    rows: list[dict[str, Any]]  # id, at, actor, action, cycle, detail; newest first
    total: int  # rows matching the filters (``rows`` holds at most LIMIT of them)
    users: list[str]
    actions: list[str]
    cycles: list[str]


def audit_view(
    uow: UnitOfWork,
    actor: Actor,
    *,
    user: str | None = None,
    action: str | None = None,
    cycle: str | None = None,
    limit: int = LIMIT,
) -> AuditView:
    """The trail's entries matching every filter given (blank: any)."""
    with uow.read() as tx:
        every = tx.cycles.audit_trail(None)
    hits = [
        r
        for r in every
        if (not user or r["actor"] == user)
        and (not action or r["action"] == action)
        and (not cycle or r["cycle"] == cycle)
    ]
    hits.reverse()
    return AuditView(
        hits[:limit],
        len(hits),
        sorted({str(r["actor"]) for r in every}),
        sorted({str(r["action"]) for r in every}),
        sorted({str(r["cycle"]) for r in every if r["cycle"]}),
    )
