"""Bookkeeping of the cycle's steps: a run marks its step done and the later ones stale."""

from __future__ import annotations

from typing import Any

from snop.cycle.model import Cycle, StepState
from snop.cycle.workflow import STEPS, later_steps, step
from snop.errors import ConflictError
from snop.io.jsonable import dumps
from snop.model.vocabulary import CycleStatus, StepStatus
from snop.services.context import Actor, Tx, current_cycle, now


def new_steps(cycle: str, due: dict[str, str]) -> list[StepState]:
    """The steps of a cycle just opened: all pending, with their due dates."""
    return [
        StepState(cycle, s.name, n, s.owner.value, StepStatus.PENDING, due.get(s.name))
        for n, s in enumerate(STEPS)
    ]


def open_cycle_for_work(tx: Tx, what: str) -> Cycle:
    """The current cycle, which must still be open for ``what`` to change it."""
    c = current_cycle(tx)
    if c.status is not CycleStatus.OPEN:
        nxt = (c.first + 1).label
        raise ConflictError(
            f"cycle {c.period} is {c.status.value}: its plan is frozen, so {what} is "
            f"refused; open the next cycle with `snop cycle open {nxt}`"
        )
    return c


def record_run(tx: Tx, actor: Actor, cycle: str, name: str, summary: Any = None) -> list[str]:
    """Step ``name`` of ``cycle`` ran: done (its sign-off, if any, is void: the work changed)
    and every later step that was done is stale until it runs again. Returns the steps of
    the cycle that are stale now."""
    step(name)  # a known step
    stamp = now()
    tx.cycles.update_step(
        cycle,
        name,
        None,
        status=StepStatus.DONE,
        ran_by=actor.name,
        ran_at=stamp,
        signed_by=None,
        signed_at=None,
        summary=None if summary is None else dumps(summary, indent=None),
    )
    stale_after(tx, cycle, name)
    return [s.step for s in tx.cycles.steps(cycle) if s.status is StepStatus.STALE]


def stale_after(tx: Tx, cycle: str, name: str) -> list[str]:
    """Mark the steps after ``name`` that were done as stale; return their names."""
    later = set(later_steps(name))
    marked = []
    for s in tx.cycles.steps(cycle):
        if s.step in later and s.status is StepStatus.DONE:
            tx.cycles.update_step(
                cycle,
                s.step,
                StepStatus.DONE,
                status=StepStatus.STALE,
                signed_by=None,
                signed_at=None,
            )
            marked.append(s.step)
    return marked
