"""Use cases of the decisions log: the decisions and actions of the executive meeting.

A decision is taken in a cycle (it belongs to that cycle's version), has an owner role and a
due date, and stays on the agenda of every later cycle until it is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from snop.cycle.model import Decision
from snop.errors import ConflictError, NotFoundError, SnopError
from snop.model.limits import text_problem
from snop.model.periods import PeriodError, parse_period
from snop.model.vocabulary import DecisionStatus
from snop.services.context import Actor, UnitOfWork, current_cycle, now


def add_decision(
    uow: UnitOfWork, actor: Actor, *, what: str, owner: str, due: str, note: str | None = None
) -> Decision:
    """Record a decision of the current cycle's executive meeting."""
    what, owner = (what or "").strip(), (owner or "").strip()
    _check(what, owner, due, note)
    with uow.write() as tx:
        cycle = current_cycle(tx)
        d = Decision(
            id=0,
            cycle=cycle.period,
            what=what,
            owner=owner,
            due=date.fromisoformat(due).isoformat(),
            status=DecisionStatus.OPEN,
            created_by=actor.name,
            created_at=now(),
            note=note,
        )
        new_id = tx.cycles.insert_decision(d)
        tx.cycles.audit(d.created_at, actor.name, "decision", cycle.period, {"id": new_id})
        found = tx.cycles.decision(new_id)
    assert found is not None
    return found


def _check(what: str, owner: str, due: str, note: str | None) -> None:
    if not what:
        raise SnopError("a decision needs --what: what was decided or is to be done")
    if not owner:
        raise SnopError(
            "a decision needs --owner: the role that carries it out (e.g. supply_planner)"
        )
    if not due:
        raise SnopError("a decision needs --due: the date it is due, as YYYY-MM-DD")
    try:
        date.fromisoformat(due)
    except ValueError:
        raise SnopError(
            f"--due {due!r} is not a date; write YYYY-MM-DD (e.g. 2026-12-15)"
        ) from None
    for name, value, key in (
        ("--what", what, False),
        ("--owner", owner, True),
        ("--note", note, False),
    ):
        problem = text_problem(value or "", key=key)
        if problem:
            raise SnopError(f"{name} {problem}")


@dataclass
class Agenda:
    """The decisions on a cycle's agenda: those still open (taken in it or before) and
    those closed in it."""

    cycle: str
    open: list[Decision]
    closed: list[Decision]
    overdue: list[int]  # ids of open decisions past their due date


def agenda(
    uow: UnitOfWork, actor: Actor, cycle: str | None = None, today: date | None = None
) -> Agenda:
    """The agenda of ``cycle`` (default: the current one)."""
    try:
        asked = None if cycle is None else parse_period(cycle).label
    except PeriodError as e:
        raise SnopError(f"cycle {cycle!r}: {e}") from None
    with uow.read() as tx:
        period = current_cycle(tx).period if asked is None else asked
        if cycle is not None and tx.cycles.get(period) is None:
            raise NotFoundError(f"cycle {cycle} does not exist")
        every = tx.cycles.decisions()
    upto = parse_period(period).ordinal
    taken = [d for d in every if parse_period(d.cycle).ordinal <= upto]
    still = [
        d
        for d in taken
        if d.status is DecisionStatus.OPEN
        or (d.closed_in is not None and parse_period(d.closed_in).ordinal > upto)
    ]
    closed = [d for d in taken if d.closed_in == period]
    day = (today or date.today()).isoformat()
    return Agenda(period, still, closed, [d.id for d in still if d.due < day])


def close_decision(
    uow: UnitOfWork, actor: Actor, decision_id: int, note: str | None = None
) -> Decision:
    """Close decision ``decision_id`` (done, or dropped: say which in ``note``)."""
    with uow.write() as tx:
        d = tx.cycles.decision(decision_id)
        if d is None:
            ids = [str(x.id) for x in tx.cycles.decisions() if x.status is DecisionStatus.OPEN]
            listed = ", ".join(ids) or "none"
            raise NotFoundError(
                f"decision {decision_id} does not exist; the open ones are {listed}"
            )
        if d.status is DecisionStatus.CLOSED:
            raise ConflictError(
                f"decision {decision_id} is already closed (by {d.closed_by} at {d.closed_at})"
            )
        stamp = now()
        cycle = current_cycle(tx).period
        tx.cycles.close_decision(
            decision_id, closed_by=actor.name, closed_at=stamp, closed_in=cycle, note=note or d.note
        )
        tx.cycles.audit(stamp, actor.name, "close_decision", cycle, {"id": decision_id})
        closed = tx.cycles.decision(decision_id)
    assert closed is not None
    return closed
