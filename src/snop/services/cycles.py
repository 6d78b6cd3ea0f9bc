"""Use cases of the cycle itself: open (roll forward), status, run, sign off, approve.

A cycle opens on the last one's approved version: the new actuals set where it starts
(see :func:`snop.cycle.rollforward.roll_openings`), the horizon moves one period, the
frozen zone keeps the version's production for each family's fence, and the demand
overrides that still apply are carried. Every step has an owner role and a due date; the
executives approve the cycle once every step before theirs is done and signed off, which
freezes the whole plan as the cycle's version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from snop.cycle.model import Cycle, Opening, StepState
from snop.cycle.rollforward import ACTUAL, roll_openings
from snop.cycle.workflow import DUE_SETTING, EXECUTIVE, STEPS, due_dates, step
from snop.demand.replay import Override
from snop.demand.review import CarriedOverrides
from snop.errors import ConflictError, NotFoundError, SnopError
from snop.model.periods import parse_period
from snop.model.vocabulary import CycleStatus, PlanStatus, Role, StepStatus, Strategy
from snop.model.workbook import Workbook
from snop.services.context import (
    Actor,
    Tx,
    UnitOfWork,
    current_cycle,
    cycle_workbook,
    now,
    stored_workbook,
)
from snop.services.steps import new_steps, open_cycle_for_work, record_run


@dataclass
class OpenResult:
    cycle: Cycle
    previous: str | None  # the approved cycle it rolled on from
    openings: list[Opening]
    estimated: list[Opening]  # openings not from an actual (flagged)
    missing_sales: bool  # no sales of the cut-off period yet
    carried: list[Override] = field(default_factory=list)
    expired: list[tuple[Override, str]] = field(default_factory=list)


def open_first_cycle(tx: Tx, actor: Actor, wb: Workbook, period: str | None = None) -> Cycle:
    """Open the store's first cycle on the stored workbook: ``period``, else the workbook's
    first planning period (after the last actuals). Its data step is done."""
    first = parse_period(period) if period else wb.first_period
    last = first + (-1) if not wb.sales.empty else None
    cycle = Cycle(
        period=first.label,
        status=CycleStatus.OPEN,
        horizon=wb.horizon,
        actuals_cutoff=None if last is None else last.label,
        based_on=None,
        opened_by=actor.name,
        opened_at=now(),
    )
    _start(tx, actor, wb, cycle, [])
    return cycle


def _start(
    tx: Tx, actor: Actor, wb: Workbook, cycle: Cycle, openings: list[Opening]
) -> CarriedOverrides:
    """Store a cycle just opened: its steps, openings and draft demand plan (the overrides
    it carried from the last approved plan)."""
    from snop.services.demand_review import start_draft

    tx.cycles.insert(cycle)
    tx.cycles.insert_steps(new_steps(cycle.period, due_dates(cycle.first, wb.setting(DUE_SETTING))))
    tx.cycles.insert_openings(cycle.period, openings)
    carried = start_draft(tx, cycle_workbook(tx, cycle), cycle)
    record_run(tx, actor, cycle.period, "data", {"openings": len(openings)})
    tx.cycles.audit(
        now(),
        actor.name,
        "open_cycle",
        cycle.period,
        {"based_on": cycle.based_on, "horizon": cycle.horizon, "cutoff": cycle.actuals_cutoff},
    )
    return carried


def open_cycle(uow: UnitOfWork, actor: Actor, period: str | None = None) -> OpenResult:
    """Open cycle ``period`` (default: the one after the current cycle).

    The first cycle of a store opens on the imported workbook. After that, a cycle opens
    only right after the current one, once the current one is approved; the current one
    is then closed. Opening a cycle that exists, or rolling on from an unapproved cycle,
    is refused and changes nothing.
    """
    with uow.write() as tx:
        wb = stored_workbook(tx)
        current = tx.cycles.current()
        if current is None:
            cycle = open_first_cycle(tx, actor, wb, period)
            return OpenResult(cycle, None, [], [], wb.sales.empty)
        target = parse_period(period) if period else current.first + 1
        _check_roll(tx, current, target.label)
        return _roll(tx, actor, wb, current, target.label)


def _check_roll(tx: Tx, current: Cycle, target: str) -> None:
    existing = tx.cycles.get(target)
    if existing is not None:
        raise ConflictError(
            f"cycle {target} already exists ({existing.status.value}, opened by "
            f"{existing.opened_by} at {existing.opened_at}); a cycle opens once"
        )
    if parse_period(target).ordinal < current.first.ordinal:
        raise SnopError(f"cycle {target} is before the current cycle {current.period}")
    nxt = (current.first + 1).label
    if current.status is CycleStatus.OPEN:
        raise ConflictError(
            f"cycle {current.period} is still open (not approved); the next cycle opens on "
            f"its approved version: finish its steps and approve it (`snop cycle status`, "
            "`snop cycle approve`) first"
        )
    if target != nxt:
        raise SnopError(
            f"the cycle after {current.period} is {nxt}; cycles roll one period at a time"
        )


def _roll(tx: Tx, actor: Actor, wb: Workbook, current: Cycle, target: str) -> OpenResult:
    from snop.services.supply import version_plan

    plan = version_plan(tx, current.period, current.strategy or Strategy.OPTIMAL)
    start = cycle_workbook(tx, current)
    cutoff = current.period  # the last cycle's first period is now past
    openings = roll_openings(wb, cutoff, start, plan)
    tx.cycles.set_status(current.period, CycleStatus.APPROVED, CycleStatus.CLOSED, closed_at=now())
    cycle = Cycle(
        period=target,
        status=CycleStatus.OPEN,
        horizon=wb.horizon,
        actuals_cutoff=cutoff,
        based_on=current.period,
        opened_by=actor.name,
        opened_at=now(),
    )
    carried = _start(tx, actor, wb, cycle, openings)
    sold = set(wb.sales["period"]) if not wb.sales.empty else set()
    return OpenResult(
        cycle,
        current.period,
        openings,
        [o for o in openings if o.source != ACTUAL],
        cutoff not in sold,
        list(carried.carried),
        list(carried.expired),
    )


# --- status ----------------------------------------------------------------------------------


@dataclass
class StepView:
    state: StepState
    title: str
    automatic: bool
    overdue: bool


@dataclass
class CycleView:
    cycle: Cycle
    steps: list[StepView]
    openings: list[Opening]
    demand_status: str | None
    supply_strategies: list[str]
    next_step: str | None  # the first step not complete


def cycle_status(
    uow: UnitOfWork, actor: Actor, period: str | None = None, today: date | None = None
) -> CycleView:
    """Where a cycle (default: the current one) stands, step by step."""
    with uow.read() as tx:
        cycle = current_cycle(tx) if period is None else _cycle(tx, period)
        return _view(tx, cycle, today or date.today())


def _cycle(tx: Tx, period: str) -> Cycle:
    c = tx.cycles.get(parse_period(period).label)
    if c is None:
        known = ", ".join(x.period for x in tx.cycles.all()) or "none"
        raise NotFoundError(f"cycle {period} does not exist; the cycles are {known}")
    return c


def _view(tx: Tx, cycle: Cycle, today: date) -> CycleView:
    from snop.services.supply import draft_plans

    steps = []
    for s in tx.cycles.steps(cycle.period):
        d = step(s.step)
        late = s.due is not None and not s.complete and today.isoformat() > s.due
        steps.append(StepView(s, d.title, d.automatic, late and cycle.status is CycleStatus.OPEN))
    nxt = next((v.state.step for v in steps if not v.state.complete), None)
    return CycleView(
        cycle,
        steps,
        tx.cycles.openings(cycle.period),
        tx.forecasts.demand_status(cycle.period),
        sorted(draft_plans(tx, cycle.period)),
        nxt,
    )


def cycles(uow: UnitOfWork, actor: Actor) -> list[Cycle]:
    with uow.read() as tx:
        return tx.cycles.all()


# --- sign-off ----------------------------------------------------------------------------------


def signoff(uow: UnitOfWork, actor: Actor, name: str, note: str | None = None) -> StepState:
    """The owner of step ``name`` signs it off in the current cycle.

    Every step before it must be done and signed off; an automatic step must have run (and
    not be stale); the demand review needs the demand plan approved. The executive step is
    signed by approving the cycle (`snop cycle approve`).
    """
    d = step(name)
    if d.name == EXECUTIVE:
        raise SnopError("the executive step is signed by approving the cycle: `snop cycle approve`")
    with uow.write() as tx:
        cycle = open_cycle_for_work(tx, f"signing off step {name}")
        actor.require(d.owner.value, f"sign off step {name}")
        states = {s.step: s for s in tx.cycles.steps(cycle.period)}
        _earlier_complete(states, name, f"signing off {name}")
        s = states[name]
        if d.automatic and s.status is not StepStatus.DONE:
            raise SnopError(
                f"step {name} is {s.status.value}: it must run before it is signed off "
                "(`snop cycle run`)"
            )
        if name == "demand_review":
            status = tx.forecasts.demand_status(cycle.period)
            if status != PlanStatus.APPROVED:
                raise SnopError(
                    f"the demand plan of cycle {cycle.period} is {status or 'not started'}; "
                    "the demand review is signed off once it is approved (`snop demand approve`)"
                )
        stamp = now()
        tx.cycles.update_step(
            cycle.period,
            name,
            s.status,
            status=StepStatus.DONE,
            signed_by=actor.name,
            signed_at=stamp,
            note=note,
            **({} if d.automatic else {"ran_by": actor.name, "ran_at": stamp}),
        )
        tx.cycles.audit(
            stamp,
            actor.name,
            "signoff",
            cycle.period,
            {"step": name, "note": note, "before": s.status.value, "after": StepStatus.DONE.value},
        )
        return next(x for x in tx.cycles.steps(cycle.period) if x.step == name)


def _earlier_complete(states: dict[str, StepState], name: str, what: str) -> None:
    names = [s.name for s in STEPS]
    missing = [
        f"{n} ({states[n].status.value}{', not signed off' if not states[n].signed else ''})"
        for n in names[: names.index(name)]
        if not states[n].complete
    ]
    if missing:
        raise SnopError(
            f"{what} needs every step before it done and signed off; not yet: " + ", ".join(missing)
        )


# --- approval: the version ----------------------------------------------------------------------


def approve_cycle(
    uow: UnitOfWork, actor: Actor, *, strategy: str = Strategy.OPTIMAL, note: str | None = None
) -> Cycle:
    """The executives approve the current cycle's plan with ``strategy``: the whole plan is
    frozen as the cycle's version (see :mod:`snop.services.versions`)."""
    from snop.services.versions import freeze_version

    chosen = Strategy(strategy) if strategy in Strategy._value2member_map_ else None
    if chosen is None:
        raise SnopError(f"--strategy {strategy!r} is not a strategy; use level, chase or optimal")
    with uow.write() as tx:
        cycle = open_cycle_for_work(tx, "approving it again")
        actor.require(Role.EXECUTIVE.value, f"approve cycle {cycle.period}")
        states = {s.step: s for s in tx.cycles.steps(cycle.period)}
        _earlier_complete(states, EXECUTIVE, f"approving cycle {cycle.period}")
        stamp = now()
        freeze_version(tx, cycle, chosen, actor, stamp)
        tx.cycles.set_status(
            cycle.period,
            CycleStatus.OPEN,
            CycleStatus.APPROVED,
            approved_by=actor.name,
            approved_at=stamp,
            strategy=chosen.value,
            note=note,
        )
        tx.cycles.update_step(
            cycle.period,
            EXECUTIVE,
            states[EXECUTIVE].status,
            status=StepStatus.DONE,
            ran_by=actor.name,
            ran_at=stamp,
            signed_by=actor.name,
            signed_at=stamp,
            note=note,
        )
        tx.cycles.audit(
            stamp,
            actor.name,
            "approve_cycle",
            cycle.period,
            {
                "strategy": chosen.value,
                "note": note,
                "before": CycleStatus.OPEN.value,
                "after": CycleStatus.APPROVED.value,
            },
        )
        approved = tx.cycles.get(cycle.period)
    assert approved is not None
    return approved


# --- running the automatic steps -------------------------------------------------------------


@dataclass
class StepRun:
    step: str
    result: object


def run_cycle(uow: UnitOfWork, actor: Actor, *, force: bool = False) -> list[StepRun]:
    """Run the current cycle's automatic steps that are pending or stale (all of them with
    ``force``), in order: the statistical forecast, then the supply plans."""
    from snop.services.forecast import run_baseline
    from snop.services.supply import plan_cycle_supply

    runners: dict[str, Callable[[UnitOfWork, Actor], object]] = {
        "forecast": run_baseline,
        "supply_review": plan_cycle_supply,
    }
    out = []
    for d in STEPS:
        if d.name not in runners:
            continue
        with uow.read() as tx:
            cycle = open_cycle_for_work(tx, "running its steps")
            state = next(s for s in tx.cycles.steps(cycle.period) if s.step == d.name)
        if force or state.status is not StepStatus.DONE:
            out.append(StepRun(d.name, runners[d.name](uow, actor)))
    return out


def audit_trail(
    uow: UnitOfWork, actor: Actor, period: str | None = None
) -> list[dict[str, object]]:
    with uow.read() as tx:
        return tx.cycles.audit_trail(period)
