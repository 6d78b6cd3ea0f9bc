"""Use cases of the cycle itself: open (roll forward), status, run, sign off, approve."""

from __future__ import annotations

from snop.cycle.model import Cycle
from snop.cycle.workflow import DUE_SETTING, due_dates
from snop.model.vocabulary import CycleStatus
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, now
from snop.services.steps import new_steps


def open_first_cycle(tx: Tx, actor: Actor, wb: Workbook) -> Cycle:
    """Open the store's first cycle on the workbook just imported: its first planning
    period (after the last actuals) and horizon. The data step is done: it was this import.
    """
    from snop.services.demand_review import start_draft
    from snop.services.steps import record_run

    first = wb.first_period
    last = wb.last_actual
    cycle = Cycle(
        period=first.label,
        status=CycleStatus.OPEN,
        horizon=wb.horizon,
        actuals_cutoff=None if last is None else last.label,
        based_on=None,
        opened_by=actor.name,
        opened_at=now(),
    )
    tx.cycles.insert(cycle)
    tx.cycles.insert_steps(new_steps(cycle.period, due_dates(first, wb.setting(DUE_SETTING))))
    start_draft(tx, wb.for_cycle(first, wb.horizon), cycle)
    record_run(tx, actor, cycle.period, "data", None)
    tx.cycles.audit(now(), actor.name, "open_cycle", cycle.period, {"first": True})
    return cycle
