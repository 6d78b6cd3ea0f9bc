"""Use cases of scenarios: create (as deltas), run (re-plan supply and finance on the base
plan's inputs with the deltas applied), compare, promote, delete (docs/scenarios.md).

A scenario is stored as its delta rows only. A run is stored beside its base, as the draft
part ``scenario/<name>`` of the base cycle: the base it ran on (and a stamp of the base's
inputs, to tell when the base moved), the deltas in words, the supply plan and its money.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from snop.errors import NotFoundError, SnopError
from snop.finance.plan import FinancialPlan, financial_plan
from snop.io.jsonable import dumps, loads
from snop.scenario.deltas import (
    Applied,
    Delta,
    DeltaError,
    apply_deltas,
    delta_problems,
    deltas_frame,
    deltas_of,
    named,
)
from snop.services.context import Actor, Tx, UnitOfWork, current_cycle, now, stored_workbook
from snop.services.finance import (
    PlanBasis,
    finance_document,
    finance_from_document,
    plan_basis,
    price_plan,
    rates_for,
)
from snop.services.supply import plan_basis_of
from snop.store.document_repo import DRAFT
from snop.supply import plan_supply
from snop.supply.document import plan_document, plan_from_document
from snop.supply.plan import SupplyPlan

RUN = "scenario/"
# deltas that change what customers buy or pay: they enter the plan through the demand
# review, not by promoting a scenario
DEMAND_SIDE = ("demand", "promotion", "price")


@dataclass
class ScenarioRun:
    """One scenario run on its base: the plan, its money, and what it changed."""

    name: str
    cycle: str
    base: str  # approved or draft
    strategy: str
    deltas: list[str]
    stamp: dict[str, str]  # the base's inputs when it ran (what promotion checks)
    ran_by: str
    ran_at: str
    plan: SupplyPlan
    money: FinancialPlan | None  # None when the plan is infeasible

    @property
    def ok(self) -> bool:
        return self.plan.ok

    def summary(self) -> dict[str, Any]:
        """The run in short: its plan's status and cost, its money's totals."""
        money = self.money.total() if self.money is not None else {}
        return {
            "scenario": self.name,
            "cycle": self.cycle,
            "base": self.base,
            "strategy": self.strategy,
            "deltas": self.deltas,
            "status": self.plan.status,
            "total_cost": self.plan.total_cost if self.ok else None,
            **{k: money.get(k) for k in ("revenue", "gross_margin", "plan_cost", "contribution")},
            "diagnosis": self.plan.diagnosis,
            "ran_by": self.ran_by,
            "ran_at": self.ran_at,
        }


def create_scenario(
    uow: UnitOfWork, actor: Actor, name: str, deltas: list[Delta], *, replace: bool = False
) -> list[str]:
    """Store the scenario ``name`` as ``deltas`` (checked against the current cycle: each
    bad row is refused with its reason and nothing is stored). Returns the deltas in words."""
    if not name.strip():
        raise SnopError("a scenario needs a name")
    with uow.write() as tx:
        basis = plan_basis(tx)
        existing = tx.scenarios.names()
        if name in existing and not replace:
            raise SnopError(f"scenario {name} exists; delete it first or use --replace")
        rows = named(deltas, name, list(basis.cycle.periods))
        problems = delta_problems(basis.workbook, rows, list(basis.cycle.periods))
        if problems:
            raise DeltaError(f"scenario {name}: " + "; ".join(problems))
        if name in existing:
            tx.scenarios.delete(name)
            tx.documents.drop_drafts(basis.cycle.period, RUN + name)
        tx.scenarios.add(deltas_frame(rows))
        detail = {"scenario": name, "deltas": [d.describe() for d in rows]}
        tx.cycles.audit(now(), actor.name, "scenario created", basis.cycle.period, detail)
    return [d.describe() for d in rows]


def scenario_deltas(tx: Tx, name: str) -> list[Delta]:
    wb = stored_workbook(tx)
    found = deltas_of(wb.table("scenario_deltas"), name)
    if not found and name not in tx.scenarios.names():
        have = ", ".join(tx.scenarios.names()) or "none yet (`snop scenario create`)"
        raise NotFoundError(f"there is no scenario {name}; the scenarios are {have}")
    return found


def delete_scenario(uow: UnitOfWork, actor: Actor, name: str) -> int:
    with uow.write() as tx:
        scenario_deltas(tx, name)
        n = tx.scenarios.delete(name)
        cycle = current_cycle(tx)
        tx.documents.drop_drafts(cycle.period, RUN + name)
        tx.cycles.audit(now(), actor.name, "scenario deleted", cycle.period, {"scenario": name})
    return n


def run_scenario(uow: UnitOfWork, actor: Actor, name: str, cycle: str | None = None) -> ScenarioRun:
    """Re-plan ``cycle``'s plan (default: current; its version when approved) with the
    scenario's deltas, price it, and store the run beside the base."""
    return run_scenarios(uow, actor, [name], cycle)[0]


def run_scenarios(
    uow: UnitOfWork, actor: Actor, names: list[str], cycle: str | None = None
) -> list[ScenarioRun]:
    """:func:`run_scenario` of several scenarios on one reading of the base."""
    with uow.write() as tx:
        basis = plan_basis(tx, cycle)
        stamp = base_stamp(tx, basis)
        base_basis = plan_basis_of(tx, basis.cycle.period, basis.strategy)
        runs: list[ScenarioRun] = []
        for name in names:
            deltas = scenario_deltas(tx, name)
            applied = apply_deltas(
                basis.workbook, basis.consensus, deltas, list(basis.cycle.periods)
            )
            # each re-plan starts from the previous one's basis, the first from the base
            # plan's (used when the model has the same shape: families, periods, strategy)
            start = runs[-1].plan.basis if runs else base_basis
            run = _replan(tx, basis, applied, name, actor, stamp, start)
            doc = dumps(_document(run), indent=None)
            tx.documents.put_draft(basis.cycle.period, RUN + name, doc)
            runs.append(run)
    return runs


def _replan(
    tx: Tx,
    basis: PlanBasis,
    applied: Applied,
    name: str,
    actor: Actor,
    stamp: dict[str, str],
    start: Any = None,
) -> ScenarioRun:
    from snop.services.forecast import family_demand
    from snop.services.inventory import planning_workbook
    from snop.services.supply import frozen_zone

    wb, _ = planning_workbook(tx, basis.cycle, applied.workbook)
    demand = family_demand(wb, applied.demand)
    base = basis.plan
    strategy = applied.strategy or basis.strategy
    integer = (
        applied.integer_workforce
        if applied.integer_workforce is not None
        else base.integer_workforce
    )
    plan = plan_supply(
        wb,
        demand,
        strategy,
        integer_workforce=integer,
        frozen=frozen_zone(tx, basis.cycle, wb),
        basis=start,
    )
    money = None
    if plan.ok:
        rates = rates_for(wb, applied.demand, list(basis.cycle.periods))
        money = financial_plan(plan.plan, plan.costs, rates, basis.currency)
    return ScenarioRun(
        name,
        basis.cycle.period,
        basis.status,
        strategy,
        applied.applied,
        stamp,
        actor.name,
        now(),
        plan,
        money,
    )


def base_stamp(tx: Tx, basis: PlanBasis) -> dict[str, str]:
    """What a run depended on, each as a short fingerprint: the master data (when it was
    imported), the demand plan (status and override log), the base strategy's supply plan,
    and whether the cycle was approved."""
    from snop.services.demand_review import read_plan
    from snop.store.workbook_repo import get_meta

    forecast = not tx.forecasts.layer(basis.cycle.period).empty
    demand = read_plan(tx, basis.cycle, basis.workbook) if forecast else None
    supply = tx.documents.get(basis.cycle.period, DRAFT, "supply/" + basis.strategy) or ""
    return {
        "master data": get_meta(tx.conn, "input_revision") or "",
        "demand plan": ""
        if demand is None
        else f"{demand.status}, {len(demand.overrides)} overrides",
        "supply plan": hashlib.sha256(supply.encode()).hexdigest()[:16],
        "cycle": f"{basis.cycle.period} {basis.status}",
    }


def _document(run: ScenarioRun) -> dict[str, Any]:
    return {
        "name": run.name,
        "cycle": run.cycle,
        "base": run.base,
        "strategy": run.strategy,
        "deltas": run.deltas,
        "stamp": run.stamp,
        "ran_by": run.ran_by,
        "ran_at": run.ran_at,
        "plan": plan_document(run.plan),
        "money": None if run.money is None else finance_document(run.money),
    }


def _from_document(doc: dict[str, Any]) -> ScenarioRun:
    return ScenarioRun(
        doc["name"],
        doc["cycle"],
        doc["base"],
        doc["strategy"],
        doc["deltas"],
        doc["stamp"],
        doc["ran_by"],
        doc["ran_at"],
        plan_from_document(doc["plan"]),
        None if doc["money"] is None else finance_from_document(doc["money"]),
    )


def stored_run(tx: Tx, cycle: str, name: str) -> ScenarioRun:
    text = tx.documents.get(cycle, DRAFT, RUN + name)
    if text is None:
        raise NotFoundError(
            f"scenario {name} has not run on cycle {cycle}; `snop scenario run {name}`"
        )
    return _from_document(loads(text))


@dataclass
class ScenarioInfo:
    name: str
    deltas: list[str]
    ran_at: str | None = None
    status: str | None = None  # the run's plan status


def list_scenarios(uow: UnitOfWork, actor: Actor) -> list[ScenarioInfo]:
    with uow.read() as tx:
        cycle = current_cycle(tx)
        table = stored_workbook(tx).table("scenario_deltas")
        out = []
        for name in tx.scenarios.names():
            text = tx.documents.get(cycle.period, DRAFT, RUN + name)
            doc = loads(text) if text else None
            out.append(
                ScenarioInfo(
                    name,
                    [d.describe() for d in deltas_of(table, name)],
                    doc["ran_at"] if doc else None,
                    doc["plan"]["status"] if doc else None,
                )
            )
    return out


def scenario_runs(tx: Tx, cycle: str) -> list[str]:
    """The scenarios with a stored run on ``cycle``, in name order."""
    return [n for n in tx.scenarios.names() if tx.documents.get(cycle, DRAFT, RUN + n)]


@dataclass
class PromoteResult:
    name: str
    cycle: str
    strategy: str
    deltas: list[str] = field(default_factory=list)


def promote_scenario(uow: UnitOfWork, actor: Actor, name: str) -> PromoteResult:
    """Make a scenario's plan the cycle's draft supply plan: its supply-side deltas become
    the master data, its plan the strategy's draft; later steps go stale. Refused when the
    cycle is approved, when the scenario changes demand or prices (those enter through the
    demand review), and when the base moved since the run (naming what moved)."""
    from snop.services.steps import open_cycle_for_work, record_run

    actor.require("supply_planner", "promote a scenario")
    with uow.write() as tx:
        cycle = open_cycle_for_work(tx, "a promoted scenario")
        run = stored_run(tx, cycle.period, name)
        deltas = scenario_deltas(tx, name)
        demand_side = sorted({d.kind for d in deltas if d.kind in DEMAND_SIDE})
        if demand_side:
            raise SnopError(
                f"scenario {name} changes {', '.join(demand_side)}: those enter the plan as "
                "overrides in the demand review (`snop demand override`); promote scenarios "
                "of supply changes"
            )
        if not run.ok:
            raise SnopError(f"scenario {name}'s plan is {run.plan.status}; it cannot be promoted")
        basis = plan_basis(tx, cycle.period)
        moved = [k for k, v in base_stamp(tx, basis).items() if run.stamp.get(k) != v]
        if moved:
            raise SnopError(
                f"the base of scenario {name} moved since it ran ({', '.join(moved)} changed); "
                f"run it again (`snop scenario run {name}`) and promote then"
            )
        stored = stored_workbook(tx)
        changed = apply_deltas(stored, basis.consensus.iloc[0:0], deltas, list(cycle.periods))
        tx.save_workbook(changed.workbook)
        tx.documents.put_draft(
            cycle.period, "supply/" + run.strategy, dumps(plan_document(run.plan), indent=None)
        )
        tx.documents.drop_drafts(cycle.period, RUN + name)
        record_run(
            tx,
            actor,
            cycle.period,
            "supply_review",
            {"promoted scenario": name, "deltas": run.deltas},
        )
        detail = {"scenario": name, "strategy": run.strategy, "deltas": run.deltas}
        tx.cycles.audit(now(), actor.name, "scenario promoted", cycle.period, detail)
    return PromoteResult(name, cycle.period, run.strategy, run.deltas)


# ---- comparison -----------------------------------------------------------------------

COMPARE_MEASURES = (
    "revenue",
    "gap_to_budget",
    "gross_margin",
    "plan_cost",
    "inventory_value",
    "backlog",
    "unmet",
    "fill_rate",
    "utilisation",
    "material",
    "labour",
    "overtime",
    "subcontract",
    "holding",
    "backlog_cost",
    "workforce_changes",
)


def _measures(
    plan: SupplyPlan,
    money: FinancialPlan,
    budget: pd.DataFrame | None,
    periods: list[str] | None = None,
) -> pd.DataFrame:
    """The comparison's measures of one plan, with its gap to budget (revenue less budget
    over the budgeted periods of ``periods``)."""
    from snop.finance.budget import budget_gap
    from snop.scenario.compare import measures

    out = measures(plan, money, periods)
    lines = money.lines if periods is None else money.lines[money.lines["period"].isin(periods)]
    gap = budget_gap(lines, budget).groupby("family")["gap"].sum(min_count=1).dropna()
    rows = pd.DataFrame({"family": gap.index, "measure": "gap_to_budget", "value": gap.to_numpy()})
    return pd.concat([out, rows], ignore_index=True)


@dataclass
class ScenarioComparison:
    """Measures per plan (base, scenarios, the last version) and family (with TOTAL), the
    differences to the base, and the budget revenue. ``plans`` in column order."""

    cycle: str
    currency: str
    plans: list[str]
    table: pd.DataFrame  # plan, family, measure, value, vs_base
    budget: dict[str, float]  # family -> budget revenue over the plan's periods
    infeasible: dict[str, list[str]] = field(default_factory=dict)


def compare_scenarios(
    uow: UnitOfWork, actor: Actor, names: list[str], cycle: str | None = None
) -> ScenarioComparison:
    """The base plan, each scenario's stored run, and the last approved version, side by
    side with the budget."""
    from snop.finance.budget import budget_rows

    with uow.read() as tx:
        basis = plan_basis(tx, cycle)
        period = basis.cycle.period
        wb = basis.workbook
        budget = wb.table("budget") if wb.has("budget") else None
        frames = {"base": _measures(basis.plan, price_plan(basis), budget)}
        infeasible: dict[str, list[str]] = {}
        for name in names:
            run = stored_run(tx, period, name)
            if run.ok and run.money is not None:
                frames[name] = _measures(run.plan, run.money, budget)
            else:
                infeasible[name] = run.plan.diagnosis
        last = [c for c in tx.cycles.all() if c.approved_at is not None and c.period < period]
        if last:
            prior = plan_basis(tx, last[-1].period)
            shared = list(basis.cycle.periods)
            frames[f"version {prior.cycle.period}"] = _measures(
                prior.plan, price_plan(prior), budget, shared
            )
        totals = budget_rows(budget, list(basis.cycle.periods))
    table = pd.concat([f.assign(plan=k) for k, f in frames.items()], ignore_index=True)
    base = frames["base"].set_index(["family", "measure"])["value"]
    key = pd.MultiIndex.from_frame(table[["family", "measure"]])
    table["vs_base"] = table["value"].to_numpy() - base.reindex(key).to_numpy()
    sums = totals.groupby("family")["budget_revenue"].sum()
    return ScenarioComparison(
        period,
        basis.currency,
        list(frames),
        table[["plan", "family", "measure", "value", "vs_base"]],
        {str(k): float(v) for k, v in sums.items()},
        infeasible,
    )
