"""Cycles, their steps, openings and the audit trail in the store."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.cycle.model import Cycle, Decision, Opening, StepState
from snop.errors import ConflictError
from snop.model.periods import parse_period
from snop.model.vocabulary import CycleStatus, DecisionStatus, StepStatus
from snop.store.tables import audit, cycle, cycle_opening, cycle_step, decision


class CycleRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- cycles ----------------------------------------------------------------------------

    def get(self, period: str) -> Cycle | None:
        row = self.conn.execute(sa.select(cycle).where(cycle.c.period == period)).mappings().first()
        return None if row is None else _cycle(dict(row))

    def all(self) -> list[Cycle]:
        """Every cycle, oldest first."""
        rows = self.conn.execute(sa.select(cycle)).mappings().all()
        out = [_cycle(dict(r)) for r in rows]
        return sorted(out, key=lambda c: parse_period(c.period).ordinal)

    def current(self) -> Cycle | None:
        """The latest cycle (open, or approved and not yet rolled on from)."""
        live = [c for c in self.all() if c.status is not CycleStatus.CLOSED]
        return live[-1] if live else None

    def last_approved(self, before: str | None = None) -> Cycle | None:
        """The latest cycle with an approved version (before ``before`` when given)."""
        limit = None if before is None else parse_period(before).ordinal
        done = [
            c
            for c in self.all()
            if c.approved_at is not None
            and (limit is None or parse_period(c.period).ordinal < limit)
        ]
        return done[-1] if done else None

    def insert(self, c: Cycle) -> None:
        self.conn.execute(cycle.insert().values(**_row(c)))

    def set_status(
        self, period: str, expected: CycleStatus, status: CycleStatus, **values: Any
    ) -> None:
        """Compare-and-set: change the cycle's status only if it is still ``expected``."""
        res = self.conn.execute(
            cycle.update()
            .where(cycle.c.period == period, cycle.c.status == expected.value)
            .values(status=status.value, **values)
        )
        if res.rowcount != 1:
            now = self.get(period)
            what = "removed" if now is None else f"{now.status.value}"
            raise ConflictError(
                f"cycle {period} was {what} meanwhile (expected {expected.value}); "
                "nothing was changed"
            )

    # --- steps -----------------------------------------------------------------------------

    def steps(self, period: str) -> list[StepState]:
        rows = (
            self.conn.execute(
                sa.select(cycle_step)
                .where(cycle_step.c.cycle == period)
                .order_by(cycle_step.c.position)
            )
            .mappings()
            .all()
        )
        return [_step(dict(r)) for r in rows]

    def insert_steps(self, states: list[StepState]) -> None:
        if states:
            self.conn.execute(cycle_step.insert(), [_step_row(s) for s in states])

    def update_step(
        self, period: str, step: str, expected: StepStatus | None, **values: Any
    ) -> None:
        """Change a step; with ``expected``, only if its status still is that
        (compare-and-set)."""
        where = [cycle_step.c.cycle == period, cycle_step.c.step == step]
        if expected is not None:
            where.append(cycle_step.c.status == expected.value)
        vals = {k: (v.value if isinstance(v, StepStatus) else v) for k, v in values.items()}
        res = self.conn.execute(cycle_step.update().where(*where).values(**vals))
        if res.rowcount != 1:
            raise ConflictError(
                f"step {step} of cycle {period} changed meanwhile; nothing was changed"
            )

    # --- openings --------------------------------------------------------------------------

    def openings(self, period: str) -> list[Opening]:
        rows = self.conn.execute(
            sa.select(
                cycle_opening.c.measure,
                cycle_opening.c.key,
                cycle_opening.c.value,
                cycle_opening.c.source,
            )
            .where(cycle_opening.c.cycle == period)
            .order_by(cycle_opening.c.measure, cycle_opening.c.key)
        ).all()
        return [Opening(str(m), str(k), float(v), str(s)) for m, k, v, s in rows]

    def insert_openings(self, period: str, openings: list[Opening]) -> None:
        if openings:
            self.conn.execute(
                cycle_opening.insert(),
                [
                    {
                        "cycle": period,
                        "measure": o.measure,
                        "key": o.key,
                        "value": float(o.value),
                        "source": o.source,
                    }
                    for o in openings
                ],
            )

    # --- decisions -------------------------------------------------------------------------

    def insert_decision(self, d: Decision) -> int:
        values = {**{k: v for k, v in d.__dict__.items() if k != "id"}, "status": d.status.value}
        res = self.conn.execute(decision.insert().values(**values))
        key = res.inserted_primary_key
        return int(key[0]) if key else 0

    def decision(self, decision_id: int) -> Decision | None:
        row = (
            self.conn.execute(sa.select(decision).where(decision.c.id == decision_id))
            .mappings()
            .first()
        )
        return None if row is None else _decision(dict(row))

    def decisions(self) -> list[Decision]:
        """Every decision, in the order taken."""
        rows = self.conn.execute(sa.select(decision).order_by(decision.c.id)).mappings().all()
        return [_decision(dict(r)) for r in rows]

    def close_decision(self, decision_id: int, **values: Any) -> None:
        """Compare-and-set: close the decision only if it is still open."""
        res = self.conn.execute(
            decision.update()
            .where(decision.c.id == decision_id, decision.c.status == DecisionStatus.OPEN.value)
            .values(status=DecisionStatus.CLOSED.value, **values)
        )
        if res.rowcount != 1:
            raise ConflictError(f"decision {decision_id} was closed meanwhile; nothing was changed")

    # --- audit -----------------------------------------------------------------------------

    def audit(self, at: str, actor: str, action: str, cycle: str | None, detail: Any) -> None:
        """Append an entry to the audit trail (``detail``: JSON values)."""
        self.conn.execute(
            audit.insert().values(
                at=at,
                actor=actor,
                action=action,
                cycle=cycle,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
            )
        )

    def audit_trail(self, period: str | None = None) -> list[dict[str, Any]]:
        return self.audit_entries(cycle=period)[0]

    def audit_entries(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        cycle: str | None = None,
        since: str | None = None,
        before: str | None = None,
        offset: int = 0,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """The audit entries that match every filter given (``since`` inclusive, ``before``
        exclusive: ISO 8601 UTC stamps, compared as text like they are stored), oldest
        first (or newest), from ``offset`` and at most ``limit`` of them; and how many
        match in all."""
        where = [
            c == v
            for c, v in ((audit.c.actor, actor), (audit.c.action, action), (audit.c.cycle, cycle))
            if v is not None
        ]
        if since is not None:
            where.append(audit.c.at >= since)
        if before is not None:
            where.append(audit.c.at < before)
        total = self.conn.execute(
            sa.select(sa.func.count()).select_from(audit).where(*where)
        ).scalar_one()
        order = audit.c.id.desc() if newest_first else audit.c.id
        q = sa.select(audit).where(*where).order_by(order).offset(offset).limit(limit)
        rows = self.conn.execute(q).mappings().all()
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows], int(total)

    def audit_choices(self) -> tuple[list[str], list[str], list[str]]:
        """The users, actions and cycles the trail names (what its filters can take)."""
        c = audit.c
        return (
            _distinct(self.conn, c.actor),
            _distinct(self.conn, c.action),
            _distinct(self.conn, c.cycle),
        )


def _distinct(conn: Any, column: Any) -> list[str]:
    rows = conn.execute(sa.select(column).where(column.is_not(None)).distinct()).scalars()
    return sorted(str(v) for v in rows)


def _decision(r: dict[str, Any]) -> Decision:
    return Decision(**{**r, "status": DecisionStatus(r["status"]), "id": int(r["id"])})


def _cycle(r: dict[str, Any]) -> Cycle:
    return Cycle(**{**r, "status": CycleStatus(r["status"]), "horizon": int(r["horizon"])})


def _row(c: Cycle) -> dict[str, Any]:
    return {**c.__dict__, "status": c.status.value}


def _step(r: dict[str, Any]) -> StepState:
    return StepState(**{**r, "status": StepStatus(r["status"]), "position": int(r["position"])})


def _step_row(s: StepState) -> dict[str, Any]:
    return {**s.__dict__, "status": s.status.value}
