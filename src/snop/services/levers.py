"""Use case of the pre-S&OP meeting: the levers that close the budget or service gap,
each with its value and its range of validity checked by re-solving (see docs/levers.md)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from snop.errors import SnopError
from snop.finance.plan import financial_plan
from snop.learning.frames import TOTAL
from snop.model.periods import parse_period
from snop.model.workbook import Workbook
from snop.scenario.deltas import Delta, deltas_of
from snop.services.context import Actor, UnitOfWork
from snop.services.finance import plan_basis, rates_for, report_of
from snop.services.inventory import planning_workbook
from snop.services.supply import frozen_zone
from snop.supply.levers import Candidates, Lever, Replanner, find_levers
from snop.supply.plan import SupplyPlan

# orders of the ranked table: money value, then what the re-solves show each closes
RANKINGS = ("value", "budget", "service")

WARM_START = "re-solves start from the first re-solve's basis (warm starts)"


@dataclass
class LeverReport:
    """The plan the levers act on and the ranked levers (the first ``top`` checked)."""

    cycle: str
    status: str  # approved or draft
    strategy: str
    currency: str
    plan_cost: float  # the cycle's plan as stored
    base_cost: float  # re-solved on its inputs
    target_penalty: float  # what the re-solved plan is charged below inventory targets
    base_revenue: float
    budget_gap: float | None  # revenue - budget over the horizon's budgeted periods
    service_gap: float  # units demanded in a period and not shipped in it
    levers: list[Lever]
    top: int
    ranked_by: str = "value"
    solves: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def checked(self) -> list[Lever]:
        """The levers whose range was searched by re-solves (the ``top`` by value)."""
        return [lv for lv in self.levers if lv.valid_up_to is not None]

    @property
    def all_checked(self) -> bool:
        return all(lv.checked for lv in self.checked)

    def gap_closed(self, lever: Lever) -> float | None:
        """The share of the budget revenue gap the lever's stated revenue closes."""
        if self.budget_gap is None or self.budget_gap >= 0 or lever.revenue_gained is None:
            return None
        return lever.revenue_gained / -self.budget_gap

    def to_json(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "status": self.status,
            "strategy": self.strategy,
            "currency": self.currency,
            "plan_cost": _num(self.plan_cost),
            "base_cost": _num(self.base_cost),
            "target_penalty": _num(self.target_penalty),
            "base_revenue": _num(self.base_revenue),
            "budget_gap": _num(self.budget_gap),
            "service_gap": _num(self.service_gap),
            "ranked_by": self.ranked_by,
            "solves": self.solves,
            "seconds": round(self.seconds, 3),
            "all_checked": self.all_checked,
            "notes": self.notes,
            "levers": [self.lever_json(lv, rank) for rank, lv in enumerate(self.levers, 1)],
        }

    def lever_json(self, lv: Lever, rank: int) -> dict[str, Any]:
        return {
            "rank": rank,
            "kind": str(lv.kind),
            "target": lv.target,
            "period": lv.period,
            "to_period": lv.to_period,
            "unit": lv.unit,
            "amount": _num(lv.amount),
            "per_unit": _num(lv.per_unit),
            "basis": lv.basis,
            "value": _num(lv.value),
            "resolved_value": _num(lv.resolved_value),
            "revenue_gained": _num(lv.revenue_gained),
            "service_units_closed": _num(lv.short_closed),
            "budget_gap_closed": _num(self.gap_closed(lv)),
            "valid_up_to": _num(lv.valid_up_to),
            "open_range": lv.open_range,
            "checked": lv.checked if lv.resolved_value is not None else None,
            "resolves": lv.resolves,
            "note": lv.note,
        }


def lever_what(row: dict[str, Any], every: str = "every period") -> str:
    """A lever of :meth:`LeverReport.lever_json` in words: kind, target, when, amount."""
    when = row["period"] or every
    if row["to_period"] and row["to_period"] != row["period"]:
        when = f"{when}..{row['to_period']}"
    return f"{row['kind']} {row['target']} {when} +{row['amount']:.4g} {row['unit']}"


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 6)


def gap_levers(
    uow: UnitOfWork, actor: Actor, cycle: str | None = None, top: int = 5, by: str = "value"
) -> LeverReport:
    """``by``: ``value`` ranks by money value, ``budget`` by the revenue a lever's re-solve
        gains (what it closes of the budget gap), ``service`` by the units it serves in their
        period (of the service gap); the levers not re-solved follow, by value.

    The levers of ``cycle``'s plan (default: the current cycle; its approved strategy,
        else optimal), ranked by stated value, the first ``top`` checked by re-solves on the
        same demand, fence and policy as the cycle's plan."""
    if by not in RANKINGS:
        raise SnopError(f"rank by {by!r}: use one of {', '.join(RANKINGS)}")
    t0 = time.perf_counter()
    with uow.read() as tx:
        basis = plan_basis(tx, cycle)
        report = report_of(basis)
        wb, _ = planning_workbook(tx, basis.cycle, basis.workbook)
        frozen = frozen_zone(tx, basis.cycle, wb)
    periods = basis.cycle.periods
    stored = basis.plan
    replan = Replanner(
        wb,
        basis.consensus,
        periods,
        _revenue_of(periods, basis.currency),
        {
            "strategy": basis.strategy,
            "frozen": frozen,
            "integer_workforce": stored.integer_workforce,
        },
    )
    plan, base = replan.plan([])
    notes = [WARM_START]
    if not base.ok:
        notes.append(f"the re-solved plan is {plan.status}: " + "; ".join(plan.diagnosis[:2]))
        levers: list[Lever] = []
    else:
        levers = find_levers(
            plan, _candidates(wb, plan, basis.consensus, periods), replan, base, top
        )
    if base.ok and abs(plan.total_cost - stored.total_cost) > 0.005 * max(1.0, stored.total_cost):
        notes.append(
            f"the plan re-solved on today's inputs costs {plan.total_cost:,.2f}, the stored "
            f"plan {stored.total_cost:,.2f}: the levers are valued on the re-solved one"
        )
    if any(lv.kind == "price" for lv in levers):
        notes.append("price levers: revenue arithmetic on the plan's shipments, no demand response")
    return LeverReport(
        cycle=basis.cycle.period,
        status=basis.status,
        strategy=basis.strategy,
        currency=basis.currency,
        plan_cost=stored.total_cost,
        base_cost=plan.total_cost,
        target_penalty=plan.target_penalty,
        base_revenue=base.revenue,
        budget_gap=_budget_gap(report.gap),
        service_gap=base.short,
        levers=_ranked(levers, by),
        top=top,
        ranked_by=by,
        solves=replan.solves,
        seconds=time.perf_counter() - t0,
        notes=notes,
    )


def _ranked(levers: list[Lever], by: str) -> list[Lever]:
    if by == "value":
        return levers

    def closed(lv: Lever) -> float | None:
        return lv.revenue_gained if by == "budget" else lv.short_closed

    known = [lv for lv in levers if closed(lv) is not None]
    known.sort(key=lambda lv: -(closed(lv) or 0.0))  # stable: equal ones stay by value
    return known + [lv for lv in levers if closed(lv) is None]


def _revenue_of(periods: list[str], currency: str) -> Any:
    def revenue(wb: Workbook, demand: pd.DataFrame, plan: SupplyPlan) -> float:
        fp = financial_plan(plan.plan, plan.costs, rates_for(wb, demand, periods), currency)
        return float(fp.total()["revenue"])

    return revenue


def _candidates(
    wb: Workbook, plan: SupplyPlan, demand: pd.DataFrame, periods: list[str]
) -> Candidates:
    labels = [parse_period(p) for p in periods]
    workers = (
        wb.period_values("workforce", labels)["max_workers"]
        if wb.has("workforce")
        else pd.DataFrame()
    )
    sub = wb.period_values("families", labels)["subcontract_capacity"]
    promotions: list[Delta] = []
    if wb.has("scenario_deltas"):
        promotions = [d for d in deltas_of(wb.table("scenario_deltas")) if d.kind == "promotion"]
    return Candidates(
        rates_for(wb, demand, periods).prices, workers, sub, promotions, list(periods)
    )


def _budget_gap(gap: pd.DataFrame) -> float | None:
    """Revenue minus budget summed over the horizon's budgeted periods (None: no budget)."""
    rows = gap[(gap["family"] == TOTAL) & (gap["budgeted"] > 0)]
    return None if rows.empty else float(rows["gap"].sum())


def scenario_from_lever(
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    *,
    kind: str,
    target: str,
    period: str | None = None,
    to_period: str | None = None,
    amount: float | None = None,
    replace: bool = False,
) -> list[str]:
    """Create scenario ``name`` from a lever of :func:`gap_levers` on the current cycle,
    named by its kind, target and periods (as ``snop levers --json`` lists it), at
    ``amount`` (default: the lever's own): the deltas its re-solves apply. Returns the
    deltas in words."""
    from snop.errors import NotFoundError
    from snop.services.scenarios import create_scenario

    if amount is not None and not (math.isfinite(amount) and amount > 0):
        raise SnopError(f"lever amount {amount}: give a positive number")
    report = gap_levers(uow, actor, top=0)
    key = (kind, target, period, to_period)
    found = [
        lv for lv in report.levers if (str(lv.kind), lv.target, lv.period, lv.to_period) == key
    ]
    if not found:
        have = "; ".join(
            lever_what(report.lever_json(lv, n)) for n, lv in enumerate(report.levers, 1)
        )
        raise NotFoundError(
            f"cycle {report.cycle} has no lever {kind} {target} {period or 'every period'}"
            + (f"..{to_period}" if to_period else "")
            + f"; its levers: {have or 'none'}"
        )
    lever = found[0]
    return create_scenario(
        uow, actor, name, lever.deltas_of(amount or lever.amount), replace=replace
    )
