"""Versions of the integrated plan: what the executive approval freezes, and reading it back.

A version is a set of JSON documents written once, in the approval's transaction, and never
changed: the header (who approved which strategy when, the steps' sign-offs), the demand
plan (every layer by item and by family, and the override log), the supply plan of every
strategy as planned (production, inventory, backlog, workforce per pool, capacity load,
costs, explanations, status and diagnosis, also when infeasible), the openings the cycle
started from, the baseline's backtest report and prediction intervals, and the master data
it was planned on. Reading a version reads only these
documents, so it is the same however the store changes later.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.cycle.model import Cycle
from snop.errors import NotFoundError, SnopError
from snop.io.jsonable import dumps, frame_records, jsonable, loads
from snop.model.schema import TABLES, Kind
from snop.model.vocabulary import PlanStatus, Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, cycle_workbook
from snop.store.document_repo import DRAFT, VERSION
from snop.supply.document import plan_from_document
from snop.supply.plan import SupplyPlan

HEADER, DEMAND, OPENINGS = "header", "demand", "openings"
SUPPLY, INPUTS, FORECAST, FINANCE = "supply/", "inputs/", "forecast/", "finance/"


def freeze_version(tx: Tx, cycle: Cycle, strategy: Strategy, actor: Actor, stamp: str) -> None:
    """Write the version of ``cycle`` (inside the approval's transaction)."""
    from snop.services.demand_review import read_plan

    wb = cycle_workbook(tx, cycle)
    drafts = {
        p: c for p, c in tx.documents.parts(cycle.period, DRAFT).items() if p.startswith(SUPPLY)
    }
    chosen = drafts.get(SUPPLY + strategy.value)
    if chosen is None:
        raise SnopError(
            f"cycle {cycle.period} has no {strategy.value} supply plan; run the supply review "
            "(`snop cycle run` or `snop plan --strategy all`)"
        )
    plan = plan_from_document(loads(chosen))
    if not plan.ok:
        raise SnopError(
            f"the {strategy.value} plan of cycle {cycle.period} is {plan.status}: "
            + "; ".join(plan.diagnosis[:3])
            + "; approve another strategy or fix the plan first"
        )
    demand = read_plan(tx, cycle, wb)
    if demand.status != PlanStatus.APPROVED:
        raise SnopError(f"the demand plan of cycle {cycle.period} is {demand.status}, not approved")
    header = {
        "cycle": cycle.period,
        "periods": cycle.periods,
        "horizon": cycle.horizon,
        "actuals_cutoff": cycle.actuals_cutoff,
        "based_on": cycle.based_on,
        "approved_by": actor.name,
        "approved_at": stamp,
        "strategy": strategy.value,
        "currency": wb.setting("currency") or "$",
        "granularity": wb.granularity.value,
        "steps": [jsonable(s) for s in tx.cycles.steps(cycle.period)],
    }
    put = tx.documents.put_version
    put(cycle.period, HEADER, dumps(header, indent=None))
    put(cycle.period, DEMAND, dumps(_demand_part(demand), indent=None))
    for part, content in drafts.items():
        put(cycle.period, part, content)
    put(cycle.period, OPENINGS, dumps(tx.cycles.openings(cycle.period), indent=None))
    # why each item got its model, and how sure the baseline was
    put(cycle.period, FORECAST + "report", dumps(tx.forecasts.report(cycle.period), indent=None))
    put(
        cycle.period,
        FORECAST + "intervals",
        dumps(tx.forecasts.intervals(cycle.period), indent=None),
    )
    _put_finance(tx, cycle, wb, demand.frame(demand.consensus), strategy.value, plan)
    for name in TABLES:
        if name != "sales" and wb.has(name):
            put(cycle.period, INPUTS + name, dumps(frame_records(wb.table(name)), indent=None))


def _put_finance(
    tx: Tx, cycle: Cycle, wb: Workbook, consensus: pd.DataFrame, name: str, plan: SupplyPlan
) -> None:
    """The approved strategy's plan in money, as signed (docs/finance.md); the other
    strategies are priced from their stored plans when read."""
    from snop.finance.plan import financial_plan
    from snop.services.finance import finance_document, rates_for

    rates = rates_for(wb, consensus, cycle.periods)
    fp = financial_plan(plan.plan, plan.costs, rates, wb.setting("currency") or "$")
    tx.documents.put_version(cycle.period, FINANCE + name, dumps(finance_document(fp), indent=None))


def _demand_part(plan: Any) -> dict[str, Any]:
    return {
        "status": str(plan.status),
        "consensus": plan.consensus,
        "layers": list(plan.layer_names),
        "by_item": frame_records(plan.view("item")),
        "by_family": frame_records(plan.view("family")),
        "log": frame_records(plan.log()),
    }


@dataclass
class PlanVersion:
    """An approved version as stored: every part parsed from its JSON document."""

    cycle: str
    header: dict[str, Any]
    demand: dict[str, Any]
    supply: dict[str, dict[str, Any]]  # strategy -> plan document
    openings: list[dict[str, Any]]
    forecast: dict[str, list[dict[str, Any]]]  # the baseline's backtest report and intervals
    inputs: dict[str, list[dict[str, Any]]]
    # the approved strategy -> its plan in money as signed (none in versions approved before
    # snop kept it: they are priced when read)
    finance: dict[str, dict[str, Any]] = field(default_factory=dict)

    # plans parsed once (the KPIs read a version's plan for each of its periods); callers
    # get copies, so none sees another's changes
    _parsed: dict[str, SupplyPlan] = field(default_factory=dict, repr=False, compare=False)

    def plan(self, strategy: str | None = None) -> SupplyPlan:
        """A strategy's plan (default: the approved one) as a :class:`SupplyPlan`."""
        key = strategy or self.header["strategy"]
        if key not in self._parsed:
            self._parsed[key] = plan_from_document(self.supply[key])
        return copy.deepcopy(self._parsed[key])

    def demand_layers(self) -> pd.DataFrame:
        """Every demand layer by item: layer, item, period, qty."""
        wide = pd.DataFrame(self.demand["by_item"])
        long = wide.melt(id_vars=["key", "period"], value_vars=list(self.demand["layers"]))
        return long.rename(columns={"key": "item", "variable": "layer", "value": "qty"})

    def consensus(self) -> pd.DataFrame:
        """The approved (consensus) demand by item: item, period, qty."""
        wide = pd.DataFrame(self.demand["by_item"])
        out: pd.DataFrame = wide.rename(columns={"key": "item", self.demand["consensus"]: "qty"})
        return out[["item", "period", "qty"]]

    def items(self) -> pd.DataFrame:
        """The items it was planned on and their families: item, family."""
        return pd.DataFrame(self.inputs.get("items", []), columns=["item", "family"])[
            ["item", "family"]
        ]

    def inputs_workbook(self, base: Workbook) -> Workbook:
        """The master data this version was planned on, as a workbook: its tables, with
        ``base``'s sales (a version keeps no sales) and granularity."""
        tables = {n: _typed(n, rows) for n, rows in self.inputs.items() if n in TABLES and rows}
        if base.has("sales"):
            tables["sales"] = base.sales
        items = tables.get("items")
        known = set(TABLES["items"].names)
        attributes = [] if items is None else [c for c in items.columns if c not in known]
        return Workbook(base.granularity, tables, attributes)

    def summary(self) -> dict[str, Any]:
        """What ``snop plan show --version --json`` prints: everything but the inputs."""
        return {
            "header": self.header,
            "demand": self.demand,
            "supply": self.supply,
            "openings": self.openings,
            "forecast": self.forecast,
            "finance": self.finance,
        }


def _typed(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table of a version's inputs with the types of a loaded one."""
    df = pd.DataFrame(rows)
    spec = TABLES[name]
    for col in spec.columns:
        if col.name not in df.columns:
            df[col.name] = np.nan if col.kind is Kind.NUMBER else None
        elif col.kind is Kind.NUMBER:
            df[col.name] = pd.to_numeric(df[col.name]).astype(float)
    return df


def read_version(uow: UnitOfWork, actor: Actor, period: str) -> PlanVersion:
    """The approved version of cycle ``period`` (NotFoundError naming the versions there are)."""
    with uow.read() as tx:
        return version_in(tx, period)


def version_in(tx: Tx, period: str) -> PlanVersion:
    """:func:`read_version` inside a transaction the caller holds."""
    parts = tx.documents.parts(period, VERSION)
    if not parts:
        have = [c.period for c in tx.cycles.all() if c.approved_at is not None]
        raise NotFoundError(
            f"cycle {period} has no approved version; the versions are "
            + (", ".join(have) or "none yet (`snop cycle approve` makes one)")
        )
    parsed = {p: loads(c) for p, c in parts.items()}
    return PlanVersion(
        period,
        parsed[HEADER],
        parsed[DEMAND],
        {p[len(SUPPLY) :]: v for p, v in parsed.items() if p.startswith(SUPPLY)},
        parsed[OPENINGS],
        {p[len(FORECAST) :]: v for p, v in parsed.items() if p.startswith(FORECAST)},
        {p[len(INPUTS) :]: v for p, v in parsed.items() if p.startswith(INPUTS)},
        {p[len(FINANCE) :]: v for p, v in parsed.items() if p.startswith(FINANCE)},
    )


def versions(uow: UnitOfWork, actor: Actor) -> list[Cycle]:
    """The cycles that have an approved version, oldest first."""
    with uow.read() as tx:
        return [c for c in tx.cycles.all() if c.approved_at is not None]
