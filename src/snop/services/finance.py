"""Use cases of the financial review: the plan in money, the gap to budget, and the plan
a cycle is priced on (its approved version, else its drafts).

The money of an approved version's strategy is computed at approval and stored in the
version (part ``finance/<strategy>``), so it is what was signed whatever changes later; the
other strategies, and a cycle not yet approved, are priced from their plans on each call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from snop.cycle.model import Cycle
from snop.errors import NotFoundError, SnopError
from snop.finance.budget import budget_gap, rollup
from snop.finance.fiscal import FISCAL_SETTING, fiscal_start
from snop.finance.plan import FINANCE_COLUMNS, FinancialPlan, financial_plan
from snop.finance.rates import Rates, family_rates
from snop.io.jsonable import frame_records
from snop.learning.frames import TOTAL
from snop.model.vocabulary import Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, current_cycle, cycle_workbook
from snop.services.versions import PlanVersion, version_in
from snop.supply.plan import SupplyPlan

APPROVED, DRAFT_PLAN = "approved", "draft"


@dataclass
class PlanBasis:
    """What a cycle's integrated plan is computed from."""

    cycle: Cycle
    status: str  # approved (its version) or draft
    workbook: Workbook  # the master data it was planned on
    plans: dict[str, SupplyPlan]
    strategy: str
    consensus: pd.DataFrame  # item, period, qty: the demand the plan was made for
    version: PlanVersion | None = None
    supply_summary: dict[str, Any] = field(default_factory=dict)  # the supply step's record
    _rates: Rates | None = field(default=None, repr=False)

    def rates(self) -> Rates:
        """The family prices and standard costs of the plan (the same for every strategy:
        computed once)."""
        if self._rates is None:
            self._rates = rates_for(self.workbook, self.consensus, list(self.cycle.periods))
        return self._rates

    @property
    def plan(self) -> SupplyPlan:
        return self.plans[self.strategy]

    @property
    def currency(self) -> str:
        return self.workbook.setting("currency") or "$"


def plan_basis(
    tx: Tx, cycle: str | None = None, strategy: str | None = None, scenario: str | None = None
) -> PlanBasis:
    """The plan of ``cycle`` (default: the current one): its version when approved, else
    its drafts; ``strategy`` defaults to the approved one, else optimal. With ``scenario``:
    that scenario's stored run on the cycle instead (its inputs, its plan)."""
    from snop.services.supply import draft_plans

    if scenario is not None:
        return _scenario_basis(tx, plan_basis(tx, cycle), scenario)

    c = current_cycle(tx) if cycle is None else tx.cycles.get(cycle)
    if c is None:
        raise NotFoundError(f"there is no cycle {cycle}; `snop cycle list` shows the cycles")
    if c.approved_at is not None:
        v = version_in(tx, c.period)
        plans = {s: v.plan(s) for s in v.supply}
        wb = v.inputs_workbook(cycle_workbook(tx, c))
        basis = PlanBasis(c, APPROVED, wb, plans, v.header["strategy"], v.consensus(), v)
    else:
        wb = cycle_workbook(tx, c)
        plans = draft_plans(tx, c.period)
        basis = PlanBasis(
            c, DRAFT_PLAN, wb, plans, Strategy.OPTIMAL.value, _draft_demand(tx, c, wb)
        )
    if not plans:
        raise NotFoundError(
            f"cycle {c.period} has no supply plan yet; run `snop cycle run` or `snop plan`"
        )
    chosen = strategy or basis.strategy
    if chosen not in plans:
        raise SnopError(
            f"cycle {c.period} has no {chosen} plan; it has " + ", ".join(sorted(plans))
        )
    basis.strategy = chosen
    basis.supply_summary = _supply_summary(tx, c.period)
    if not plans[chosen].ok:
        raise SnopError(
            f"the {chosen} plan of cycle {c.period} is {plans[chosen].status}; "
            + "; ".join(plans[chosen].diagnosis[:2])
        )
    return basis


def _scenario_basis(tx: Tx, base: PlanBasis, name: str) -> PlanBasis:
    """A scenario's run as a plan basis: the base's inputs with its deltas, its plan."""
    from snop.scenario.deltas import apply_deltas
    from snop.services.scenarios import scenario_deltas, stored_run

    run = stored_run(tx, base.cycle.period, name)
    if not run.ok:
        raise SnopError(
            f"scenario {name}'s plan is {run.plan.status}; " + "; ".join(run.plan.diagnosis[:2])
        )
    periods = list(base.cycle.periods)
    applied = apply_deltas(base.workbook, base.consensus, scenario_deltas(tx, name), periods)
    return PlanBasis(
        base.cycle,
        f"scenario {name}",
        applied.workbook,
        {run.strategy: run.plan},
        run.strategy,
        applied.demand,
        supply_summary=base.supply_summary,
    )


def _supply_summary(tx: Tx, cycle: str) -> dict[str, Any]:
    import json

    for step in tx.cycles.steps(cycle):
        if step.step == "supply_review" and step.summary:
            found: dict[str, Any] = json.loads(step.summary)
            return found
    return {}


def _draft_demand(tx: Tx, cycle: Cycle, wb: Workbook) -> pd.DataFrame:
    """The item demand a draft plans on: its demand plan's consensus once forecast, else
    the workbook's item demand, else the last year's sales mix in every period."""
    from snop.services.demand_review import read_plan
    from snop.services.supply import initiative_demand

    if not tx.forecasts.layer(cycle.period).empty:
        plan = read_plan(tx, cycle, wb)
        consensus, _ = initiative_demand(wb, plan.frame(plan.consensus), list(cycle.periods))
        return consensus
    demand = wb.table("demand")
    rows = demand[demand["item"].notna()]
    if not rows.empty:
        given: pd.DataFrame = rows[["item", "period", "qty"]]
        return given
    sales = wb.sales.groupby("item", as_index=False)["qty"].sum()
    mix: pd.DataFrame = pd.concat(
        [sales.assign(period=p) for p in cycle.periods], ignore_index=True
    )
    return mix


def rates_for(wb: Workbook, demand: pd.DataFrame, periods: list[str]) -> Rates:
    """Family prices and standard costs of ``wb``'s items, weighted by ``demand``."""
    items = wb.items[["item", "family", "unit_price", "unit_cost"]]
    prices = wb.table("prices") if wb.has("prices") else None
    return family_rates(items, demand, periods, prices)


def price_plan(basis: PlanBasis, strategy: str | None = None) -> FinancialPlan:
    """A strategy's plan in money (the stored one for an approved version)."""
    name = strategy or basis.strategy
    stored = basis.version.finance.get(name) if basis.version is not None else None
    if stored is not None:
        return finance_from_document(stored)
    p = basis.plans[name]
    return financial_plan(p.plan, p.costs, basis.rates(), basis.currency)


def finance_document(fp: FinancialPlan) -> dict[str, Any]:
    """A financial plan as the JSON a version stores."""
    return {
        "currency": fp.currency,
        "lines": frame_records(fp.lines),
        "unpriced": fp.unpriced,
        "uncosted": fp.uncosted,
    }


def finance_from_document(doc: dict[str, Any]) -> FinancialPlan:
    lines = pd.DataFrame(doc["lines"], columns=FINANCE_COLUMNS)
    for col in FINANCE_COLUMNS[2:]:
        lines[col] = pd.to_numeric(lines[col]).astype(float)
    return FinancialPlan(lines, doc["currency"], doc["unpriced"], doc["uncosted"])


@dataclass
class FinanceReport:
    """The financial plan of a cycle's strategy, its fiscal roll-ups and the gap to budget.

    ``quarters``/``years``: the lines by fiscal quarter/year (``periods`` says how many of
    the bucket's periods the horizon holds); ``gap``: per period, ``gap_quarters`` and
    ``gap_years`` the same by bucket; ``budget_year``: the fiscal year the headline compares
    (the one with the most budgeted periods in the horizon), None without a budget."""

    cycle: str
    status: str
    strategy: str
    currency: str
    fiscal_start: int
    plan: FinancialPlan
    quarters: pd.DataFrame
    years: pd.DataFrame
    gap: pd.DataFrame
    gap_quarters: pd.DataFrame
    gap_years: pd.DataFrame
    budget_year: str | None = None
    strategies: dict[str, dict[str, float]] = field(default_factory=dict)
    # what the approved initiatives add (revenue, gross_margin, plan_cost, contribution),
    # measured at the supply review by planning without them; empty without initiatives
    initiatives: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.plan.complete

    def year_line(self, family: str = TOTAL) -> dict[str, float]:
        """The budget year's financial lines of ``family`` (empty without a budget year)."""
        return _row(self.years, family, self.budget_year)

    def year_gap(self, family: str = TOTAL, year: str | None = None) -> dict[str, float]:
        """The gap to budget of ``family`` in fiscal ``year`` (default: the budget year)."""
        return _row(self.gap_years, family, year or self.budget_year)

    @property
    def year_to_go(self) -> str:
        """The fiscal year of the plan's first period: its remaining periods are the
        year to go (``years`` and ``gap_years`` hold it as their first bucket)."""
        return str(self.years["period"].iloc[0])

    def largest_gaps(self, n: int = 3) -> pd.DataFrame:
        """The families with the largest budget-year gaps (by size, either sign)."""
        g = self.gap_years[
            (self.gap_years["period"] == self.budget_year) & (self.gap_years["family"] != TOTAL)
        ]
        g = g.dropna(subset=["gap"])
        return g.reindex(g["gap"].abs().sort_values(ascending=False).index).head(n)


def _row(frame: pd.DataFrame, family: str, period: str | None) -> dict[str, float]:
    hit = frame[(frame["family"] == family) & (frame["period"] == period)]
    if hit.empty:
        return {}
    return {str(k): v for k, v in hit.iloc[0].items() if k not in ("family", "period")}


def finance_report(
    uow: UnitOfWork,
    actor: Actor,
    cycle: str | None = None,
    strategy: str | None = None,
    scenario: str | None = None,
) -> FinanceReport:
    """The plan of ``cycle`` (default: current; or a scenario's run on it) in money,
    against the budget."""
    with uow.read() as tx:
        basis = plan_basis(tx, cycle, strategy, scenario)
        return report_of(basis)


def report_of(basis: PlanBasis) -> FinanceReport:
    """:func:`finance_report` of a plan basis the caller holds."""
    fp = price_plan(basis)
    start = fiscal_start(basis.workbook.setting(FISCAL_SETTING))
    budget = basis.workbook.table("budget") if basis.workbook.has("budget") else None
    gap = budget_gap(fp.lines, budget)
    years = rollup(gap, "year", start)
    budgeted = years[(years["family"] == TOTAL) & (years["budgeted"] > 0)]
    year = None
    if not budgeted.empty:
        year = str(
            budgeted.sort_values("budgeted", ascending=False, kind="stable")["period"].iloc[0]
        )
    # the chosen strategy is priced once
    others = {
        s: (fp if s == basis.strategy else price_plan(basis, s)).total()
        for s, p in basis.plans.items()
        if p.ok
    }
    return FinanceReport(
        basis.cycle.period,
        basis.status,
        basis.strategy,
        basis.currency,
        start,
        fp,
        rollup(fp.lines, "quarter", start),
        rollup(fp.lines, "year", start),
        gap,
        rollup(gap, "quarter", start),
        years,
        year,
        {
            s: {k: t[k] for k in ("revenue", "gross_margin", "plan_cost", "contribution")}
            for s, t in others.items()
        },
        basis.supply_summary.get("initiatives", {}),
    )


BUCKETS = ("period", "quarter", "year")  # what the plan in money is summed by


@dataclass
class FinanceTable:
    """The plan in money by ``by`` (period, fiscal quarter or fiscal year): the financial
    lines per family and bucket, each bucket's TOTAL row last, and the whole horizon's
    ``total``."""

    cycle: str
    status: str
    strategy: str
    currency: str
    fiscal_start: int
    by: str
    lines: pd.DataFrame
    total: dict[str, float]
    budget_year: str | None
    strategies: dict[str, dict[str, float]]
    initiatives: dict[str, Any]
    unpriced: dict[str, list[str]]
    uncosted: dict[str, list[str]]


@dataclass
class BudgetGap:
    """The gap to budget by ``by``: per family and bucket, revenue against the budget split
    into its demand and supply parts (GAP_COLUMNS); ``year`` the budget year's gap of the
    total, ``largest`` the families with the largest budget-year gaps."""

    cycle: str
    status: str
    strategy: str
    currency: str
    fiscal_start: int
    by: str
    budget_year: str | None
    gap: pd.DataFrame
    year: dict[str, float]
    largest: pd.DataFrame


def _bucket(by: str) -> str:
    if by not in BUCKETS:
        raise SnopError(f"by {by!r}: use one of {', '.join(BUCKETS)}")
    return by


def finance_table(
    uow: UnitOfWork,
    actor: Actor,
    by: str = "quarter",
    cycle: str | None = None,
    strategy: str | None = None,
    scenario: str | None = None,
) -> FinanceTable:
    """:func:`finance_report`'s lines by period, fiscal quarter or fiscal year."""
    by = _bucket(by)
    r = finance_report(uow, actor, cycle, strategy, scenario)
    lines = {"period": r.plan.lines, "quarter": r.quarters, "year": r.years}[by]
    return FinanceTable(
        r.cycle, r.status, r.strategy, r.currency, r.fiscal_start, by, lines, r.plan.total(),
        r.budget_year, r.strategies, r.initiatives, r.plan.unpriced, r.plan.uncosted,
    )  # fmt: skip


def finance_gap(
    uow: UnitOfWork,
    actor: Actor,
    by: str = "year",
    cycle: str | None = None,
    strategy: str | None = None,
    scenario: str | None = None,
) -> BudgetGap:
    """:func:`finance_report`'s gap to budget by period, fiscal quarter or fiscal year."""
    by = _bucket(by)
    r = finance_report(uow, actor, cycle, strategy, scenario)
    gap = {"period": r.gap, "quarter": r.gap_quarters, "year": r.gap_years}[by]
    return BudgetGap(
        r.cycle, r.status, r.strategy, r.currency, r.fiscal_start, by, r.budget_year, gap,
        r.year_gap(), r.largest_gaps(),
    )  # fmt: skip
