"""What is waiting for a user: the current cycle's steps their roles own and have not
finished, the exceptions their roles act on, and the open decisions their roles own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from snop.cycle.model import Decision
from snop.errors import SnopError
from snop.services.context import Actor, UnitOfWork
from snop.services.cycles import CycleView, StepView, cycle_status
from snop.services.decisions import Agenda, agenda
from snop.services.kpis import kpi_report


@dataclass
class Inbox:
    cycle: CycleView
    steps: list[StepView]  # not complete, owned by one of the actor's roles
    decisions: list[Decision]  # open, owned by one of the actor's roles
    overdue: list[int]  # ids of those decisions past their due date
    exceptions: pd.DataFrame  # the KPI card's exceptions the actor's roles own
    notes: list[str] = field(default_factory=list)  # what could not be read, and why


def waiting_for(uow: UnitOfWork, actor: Actor, today: date | None = None) -> Inbox:
    """The current cycle's status and what in it waits for ``actor``."""
    view = cycle_status(uow, actor, today=today)
    mine = actor.roles
    steps = [s for s in view.steps if s.state.owner in mine and not s.state.complete]
    ag: Agenda = agenda(uow, actor, today=today)
    decisions = [d for d in ag.open if d.owner in mine]
    notes: list[str] = []
    try:
        ex = kpi_report(uow, actor).exceptions
        exceptions = ex[ex["owner"].isin(mine)].reset_index(drop=True)
    except SnopError as e:  # no version judged on actuals yet
        exceptions = pd.DataFrame()
        notes.append(f"exceptions: {e}")
    return Inbox(
        view, steps, decisions, [i for i in ag.overdue if i in {d.id for d in decisions}],
        exceptions, notes,
    )  # fmt: skip
