"""Use cases of the supply review: plan the current cycle, read its plans; plan a workbook
file (nothing stored)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from snop.cycle.model import Cycle
from snop.errors import NotFoundError
from snop.io.jsonable import dumps, loads
from snop.model.vocabulary import PlanStatus, Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, current_cycle, cycle_workbook
from snop.services.inventory import planning_workbook, refuse_without_store
from snop.services.steps import open_cycle_for_work, record_run
from snop.store.document_repo import DRAFT, VERSION
from snop.supply import STRATEGIES, FrozenPlan, SupplyPlan, compare_strategies, plan_supply
from snop.supply.document import plan_document, plan_from_document
from snop.supply.report import demand_for
from snop.supply.solve import basis_document, basis_from_document

SUPPLY = "supply/"  # document parts: supply/level, supply/chase, supply/optimal
BASIS = "basis/"  # the LP basis each draft plan ended with (a scenario's starting point)


@dataclass
class SupplyResult:
    cycle: str
    source: str  # the demand the plans were made for
    plans: dict[str, SupplyPlan]
    currency: str
    fenced: dict[str, int] = field(default_factory=dict)  # frozen periods kept per family

    def summary(self) -> dict[str, Any]:
        """The plans in short: each strategy's cost, headcount and first explanations."""
        return {
            "cycle": self.cycle,
            "demand": self.source,
            "currency": self.currency,
            "fenced": self.fenced,
            "strategies": [p.to_json() for p in self.plans.values()],
        }


def plan_cycle_supply(
    uow: UnitOfWork,
    actor: Actor,
    strategies: Sequence[str] = STRATEGIES,
    *,
    integer_workforce: bool = False,
    allow_ending_backlog: bool | None = None,
    hard_safety_stock: bool | None = None,
) -> SupplyResult:
    """Plan the current cycle's demand with each strategy and keep the plans as the cycle's
    supply drafts (replacing the previous run's; an approved version is never touched).

    The frozen zone: each family's first ``frozen_periods`` periods keep the production
    of the last approved version's plan.
    """
    with uow.write() as tx:
        cycle = open_cycle_for_work(tx, "a new supply plan")
        base = cycle_workbook(tx, cycle)
        wb, safety = planning_workbook(tx, cycle, base)
        demand, source = cycle_demand(tx, cycle, wb)
        frozen = frozen_zone(tx, cycle, wb)
        plans = compare_strategies(
            wb,
            demand,
            tuple(strategies),
            integer_workforce=integer_workforce,
            allow_ending_backlog=allow_ending_backlog,
            hard_safety_stock=hard_safety_stock,
            frozen=frozen,
        )
        tx.documents.drop_drafts(cycle.period, SUPPLY)
        tx.documents.drop_drafts(cycle.period, BASIS)
        for name, plan in plans.items():
            tx.documents.put_draft(
                cycle.period, SUPPLY + name, dumps(plan_document(plan), indent=None)
            )
            if plan.basis is not None:  # what scenarios of this plan warm-start from
                doc = dumps(basis_document(plan.basis), indent=None)
                tx.documents.put_draft(cycle.period, BASIS + name, doc)
        summary = {
            "demand": source,
            "strategies": {
                n: {"status": p.status, "total_cost": p.total_cost} for n, p in plans.items()
            },
        }
        if safety:  # basis forecast_error: the safety stock each family was planned with
            summary["safety_stock_from_forecast_error"] = safety
        added = initiatives_contribution(tx, cycle, base, plans, frozen)
        if added:
            summary[INITIATIVES] = added
        record_run(tx, actor, cycle.period, "supply_review", summary)
    return SupplyResult(
        cycle.period, source, plans, wb.setting("currency") or "$", _fenced(frozen, wb)
    )


INITIATIVES = "initiatives"  # the supply step summary's record of what they add


def initiatives_contribution(
    tx: Tx, cycle: Cycle, wb: Workbook, plans: dict[str, SupplyPlan], frozen: FrozenPlan | None
) -> dict[str, object]:
    """What the approved initiatives add to the optimal plan (else the first planned):
    revenue, gross margin and plan cost with them less without them (a second solve).
    ``wb``: the cycle workbook the plans were made on (with the initiatives)."""
    from snop.finance.plan import financial_plan
    from snop.scenario.initiatives import approved_codes
    from snop.services.demand_review import read_plan
    from snop.services.finance import rates_for
    from snop.services.forecast import family_demand
    from snop.services.inventory import planning_workbook

    if not wb.has("initiatives") or tx.forecasts.layer(cycle.period).empty:
        return {}
    codes = approved_codes(wb.table("initiatives"))
    if not codes:
        return {}
    periods = list(cycle.periods)
    consensus = read_plan(tx, cycle, wb)
    raw = consensus.frame(consensus.consensus)
    lifted, _ = initiative_demand(wb, raw, periods)
    bare = cycle_workbook(tx, cycle, initiatives=False)
    name = Strategy.OPTIMAL.value if Strategy.OPTIMAL.value in plans else next(iter(plans))
    with_them = plans[name]
    base_wb, _ = planning_workbook(tx, cycle, bare)
    without = plan_supply(base_wb, family_demand(base_wb, raw), name, frozen=frozen)
    if not (with_them.ok and without.ok):
        return {}
    fa = financial_plan(with_them.plan, with_them.costs, rates_for(wb, lifted, periods))
    fb = financial_plan(without.plan, without.costs, rates_for(bare, raw, periods))
    a, b = fa.total(), fb.total()
    lines = ["revenue", "gross_margin"]
    by_family = fa.lines.groupby("family")[lines].sum() - fb.lines.groupby("family")[lines].sum()
    return {
        "strategy": name,
        "codes": codes,
        **{k: a[k] - b[k] for k in ("revenue", "gross_margin", "plan_cost", "contribution")},
        "by_family": {
            str(f): {k: float(v) for k, v in row.items()}
            for f, row in by_family.fillna(0.0).iterrows()
        },
    }


def cycle_demand(tx: Tx, cycle: Cycle, wb: Workbook) -> tuple[pd.DataFrame, str]:
    """The demand the cycle plans on, by family and period, and where it comes from: the
    consensus of its demand plan once it has a baseline, else the workbook's (see
    :func:`snop.supply.report.demand_for`, the one rule)."""
    from snop.services.demand_review import read_plan
    from snop.services.forecast import family_demand

    if tx.forecasts.layer(cycle.period).empty:
        return demand_for(wb)
    plan = read_plan(tx, cycle, wb)
    what = "approved" if plan.status == PlanStatus.APPROVED else f"{plan.status}, not yet approved"
    items, lifted = initiative_demand(wb, plan.frame(plan.consensus), list(cycle.periods))
    source = f"the {plan.consensus} demand plan of cycle {cycle.period} ({what})"
    if lifted:
        source += f", with the demand of approved initiatives {', '.join(lifted)}"
    return demand_for(wb, family_demand(wb, items), source)


def initiative_demand(
    wb: Workbook, items: pd.DataFrame, periods: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """The item demand with the approved initiatives' demand effects, and their codes."""
    from snop.scenario.deltas import apply_deltas
    from snop.scenario.initiatives import initiative_deltas

    if not wb.has("initiatives"):
        return items, []
    deltas = initiative_deltas(
        wb.table("initiatives"), wb.table("scenario_deltas"), periods, demand=True
    )
    if not deltas:
        return items, []
    applied = apply_deltas(wb, items, deltas, periods)
    return applied.demand, sorted({d.scenario for d in deltas})


def frozen_zone(tx: Tx, cycle: Cycle, wb: Workbook) -> FrozenPlan | None:
    """The fence of ``cycle``: the last approved version's chosen plan, per family for its
    ``frozen_periods`` (None when nothing is approved before it or no family is fenced)."""
    last = tx.cycles.last_approved(before=cycle.period)
    if last is None:
        return None
    from snop.supply.fence import frozen_zone as fence

    plan = version_plan(tx, last.period, last.strategy or Strategy.OPTIMAL)
    if plan is None or not plan.ok:
        return None
    return fence(wb, plan, cycle.periods)


def _fenced(frozen: FrozenPlan | None, wb: Workbook) -> dict[str, int]:
    if frozen is None:
        return {}
    fam = wb.families_with_defaults()
    col = fam["frozen_periods"] if "frozen_periods" in fam.columns else pd.Series(dtype=float)
    return {str(f): int(v) for f, v in col.items() if v == v and v > 0}


def draft_plans(tx: Tx, cycle: str) -> dict[str, SupplyPlan]:
    """The cycle's supply drafts by strategy (empty when supply was not planned yet)."""
    parts = tx.documents.parts(cycle, DRAFT)
    return {
        p[len(SUPPLY) :]: plan_from_document(loads(c))
        for p, c in parts.items()
        if p.startswith(SUPPLY)
    }


def plan_basis_of(tx: Tx, cycle: str, strategy: str) -> Any:
    """The LP basis the cycle's draft ``strategy`` plan ended with (None when not kept)."""
    text = tx.documents.get(cycle, DRAFT, BASIS + strategy)
    return None if text is None else basis_from_document(loads(text))


def version_plan(tx: Tx, cycle: str, strategy: str) -> SupplyPlan | None:
    text = tx.documents.get(cycle, VERSION, SUPPLY + strategy)
    return None if text is None else plan_from_document(loads(text))


def current_plans(uow: UnitOfWork, actor: Actor) -> SupplyResult:
    """The current cycle's stored supply drafts."""
    with uow.read() as tx:
        cycle = current_cycle(tx)
        wb = cycle_workbook(tx, cycle)
        plans = draft_plans(tx, cycle.period)
    return SupplyResult(cycle.period, "stored supply plans", plans, wb.setting("currency") or "$")


def strategy_plan(uow: UnitOfWork, actor: Actor, strategy: str) -> SupplyPlan:
    """The current cycle's plan of ``strategy``: its draft, else (once approved) its
    version's; NotFoundError naming the strategies there are."""
    with uow.read() as tx:
        cycle = current_cycle(tx)
        plans = draft_plans(tx, cycle.period)
        found = plans.get(strategy)
        if found is None and cycle.approved_at is not None:
            found = version_plan(tx, cycle.period, strategy)
    if found is None:
        have = ", ".join(sorted(plans)) or "none yet (`snop plan`)"
        raise NotFoundError(f"cycle {cycle.period} has no {strategy} plan; its plans: {have}")
    return found


def plan_workbook_file(
    path: Path,
    strategies: Sequence[str] = STRATEGIES,
    *,
    integer_workforce: bool = False,
    allow_ending_backlog: bool | None = None,
    hard_safety_stock: bool | None = None,
) -> SupplyResult:
    """Plan a workbook file (CSV folder or .xlsx) on its own demand; nothing stored."""
    from snop.io import read_workbook

    wb = read_workbook(Path(path))
    refuse_without_store(wb)
    demand, source = demand_for(wb)
    plans = compare_strategies(
        wb,
        demand,
        tuple(strategies),
        integer_workforce=integer_workforce,
        allow_ending_backlog=allow_ending_backlog,
        hard_safety_stock=hard_safety_stock,
    )
    return SupplyResult(wb.first_period.label, source, plans, wb.setting("currency") or "$")
