"""A store with the small workbook and a naive baseline, and the next cycle opened on it.

``open_next_cycle`` rolls the store on one period the way the cycle service does for the
demand review: it closes the current cycle, opens the next one (same horizon, with its
steps) and starts its draft demand plan with :func:`start_draft`, in one transaction.
"""

from __future__ import annotations

from pathlib import Path

from snop.cycle.model import Cycle
from snop.demand.review import CarriedOverrides
from snop.model.vocabulary import CycleStatus
from snop.services.context import Actor, current_cycle, cycle_workbook, now
from snop.services.demand_review import start_draft
from snop.services.forecast import run_baseline
from snop.services.steps import new_steps
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.stores import built_store
from tests.workbooks import write_small

ANN = Actor.of("ann", "demand_planner")


def small_store(url: str, tmp_path: Path) -> UnitOfWork:
    """The small workbook imported into ``url`` (cycle 2026-11), its naive baseline run."""
    write_small(tmp_path / "wb")  # the workbook's files, for the tests that change them
    return built_store(url, tmp_path, "small", _import_and_forecast)


def _import_and_forecast(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(uow, ANN, write_small(folder / "wb"))
    run_baseline(uow, ANN, method="naive")


def open_next_cycle(uow: UnitOfWork) -> tuple[Cycle, CarriedOverrides]:
    """Close the current cycle and open the one after it, with its draft demand plan."""
    with uow.write() as tx:
        old = current_cycle(tx)
        tx.cycles.set_status(old.period, old.status, CycleStatus.CLOSED, closed_at=now())
        new = Cycle(
            period=(old.first + 1).label,
            status=CycleStatus.OPEN,
            horizon=old.horizon,
            actuals_cutoff=old.period,
            based_on=old.period,
            opened_by=ANN.name,
            opened_at=now(),
        )
        tx.cycles.insert(new)
        tx.cycles.insert_steps(new_steps(new.period, {}))
        carried = start_draft(tx, cycle_workbook(tx, new), new)
    return new, carried
