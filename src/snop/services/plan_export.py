"""The plan in Excel: ``snop export PLAN.xlsx`` writes the current cycle's plan beside the
input workbook.

What is exported is the cycle's approved version once the cycle is approved (read back from
its frozen documents, :func:`snop.services.versions.version_in`), else its drafts: the demand
plan as it stands (:func:`snop.services.demand_review.read_plan`) and the supply plans of the
last supply review (:func:`snop.services.supply.draft_plans`). The sheets are built by
:func:`plan_sheets`, one builder per kind of sheet (:data:`SHEET_BUILDERS`); the input sheets
are written as ``snop export`` always wrote them, so the file imports back unchanged
(``snop import`` ignores the ``plan_`` sheets, with a warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from snop.cycle.model import Cycle
from snop.demand.config import WITHDRAW
from snop.demand.review import LOG_COLUMNS
from snop.errors import SnopError
from snop.io.atomic import Written
from snop.io.plan_book import ColumnKind, OutputSheet, sheet_names, write_plan_book
from snop.io.writer import table_names, write_workbook
from snop.model.vocabulary import Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, cycle_workbook, now, stored_workbook
from snop.services.finance_export import family_sheet_sheets, finance_sheets
from snop.services.versions import PlanVersion, version_in
from snop.supply.plan import SupplyPlan

K = ColumnKind


@dataclass
class CyclePlan:
    """What the export reads of a cycle: its approved version, else its drafts.

    ``by_item``: key (the item), period and one column per demand layer (``layers``, the
    last one the consensus); empty, like ``log``, when the cycle has no demand plan yet (no
    statistical baseline). ``supply``: the supply plan of each strategy planned. ``workbook``: the
    stored workbook as the cycle plans on it (for sheets that need master data).
    """

    cycle: Cycle
    approved: bool
    workbook: Workbook
    currency: str
    demand_status: str | None  # None: no demand plan yet
    layers: list[str]
    by_item: pd.DataFrame
    items: pd.DataFrame  # item, family
    log: pd.DataFrame
    supply: dict[str, SupplyPlan]
    exported_by: str
    exported_at: str
    version: PlanVersion | None = None  # the approved version, when approved
    steps: list[tuple[str, str]] = field(default_factory=list)  # step, status

    @property
    def strategy(self) -> str | None:
        """The supply strategy the executives approved (None for drafts)."""
        if self.version is None:
            return None
        return str(self.version.header.get("strategy") or "") or None

    @property
    def what(self) -> str:
        """Which plan this is, in words: "the approved version of cycle 2026-11"."""
        if self.approved:
            return f"the approved version of cycle {self.cycle.period}"
        return f"the drafts of cycle {self.cycle.period} (not approved)"


@dataclass
class PlanExport:
    """What ``snop export PLAN.xlsx`` wrote: the file, and which plan in which sheets."""

    path: Path
    written: Written
    plan: CyclePlan | None  # None: the store has no current cycle (input tables only)
    sheets: list[str]  # the plan's sheets, in order
    inputs: list[str]  # the input tables written


def export_plan(uow: UnitOfWork, actor: Actor, dest: Path) -> PlanExport:
    """Write the store's workbook and its current cycle's plan into the .xlsx ``dest``,
    replacing it only once complete. With no current cycle only the input tables are
    written (as :func:`snop.services.workbook.export_store` writes them)."""
    dest = Path(dest)
    if dest.suffix.lower() != ".xlsx":
        raise SnopError(f"{dest}: the plan is exported to an .xlsx file (a name ending .xlsx)")
    with uow.read() as tx:
        wb = stored_workbook(tx)
        cycle = tx.cycles.current()
        plan = None if cycle is None else read_cycle_plan(tx, cycle, actor)
        sheets = [] if plan is None else plan_sheets(tx, plan)
    written = write_plan_book(wb, sheets, dest) if sheets else write_workbook(wb, dest)
    return PlanExport(dest, written, plan, [s.name for s in sheets], table_names(wb))


def read_cycle_plan(tx: Tx, cycle: Cycle, actor: Actor) -> CyclePlan:
    """The plan of ``cycle``: its approved version once approved, else its drafts."""
    wb = cycle_workbook(tx, cycle)
    currency = wb.setting("currency") or "$"
    steps = [(s.step, str(s.status)) for s in tx.cycles.steps(cycle.period)]
    if cycle.approved_at is not None:
        v = version_in(tx, cycle.period)
        by_item = pd.DataFrame(v.demand["by_item"])
        return CyclePlan(
            cycle,
            True,
            wb,
            str(v.header.get("currency") or currency),
            str(v.demand["status"]),
            list(v.demand["layers"]),
            by_item,
            v.items(),
            pd.DataFrame(v.demand["log"], columns=LOG_COLUMNS),
            _in_order({s: v.plan(s) for s in v.supply}),
            actor.name,
            now(),
            v,
            steps,
        )
    from snop.services.demand_review import read_plan
    from snop.services.supply import draft_plans

    items = wb.items[["item", "family"]]
    supply = _in_order(draft_plans(tx, cycle.period))
    if tx.forecasts.layer(cycle.period).empty:  # no baseline: no demand plan to read yet
        empty = pd.DataFrame(columns=["key", "period"])
        log = pd.DataFrame(columns=LOG_COLUMNS)
        return CyclePlan(
            cycle, False, wb, currency, None, [], empty, items, log, supply, actor.name, now(),
            steps=steps,
        )  # fmt: skip
    demand = read_plan(tx, cycle, wb)
    return CyclePlan(
        cycle,
        False,
        wb,
        currency,
        str(demand.status),
        list(demand.layer_names),
        demand.view("item"),
        items,
        demand.log(),
        supply,
        actor.name,
        now(),
        steps=steps,
    )


def _in_order(plans: dict[str, SupplyPlan]) -> dict[str, SupplyPlan]:
    """Strategies in their usual order (level, chase, optimal), any other after them."""
    order = [s.value for s in Strategy]
    return dict(
        sorted(plans.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    )


# --- the sheets ---------------------------------------------------------------------------

# Builds some output sheets of a cycle's plan (from what the CyclePlan holds or reads more
# in ``tx``); an empty list when it has nothing to show.
SheetBuilder = Callable[[Tx, CyclePlan], list[OutputSheet]]


def plan_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """Every output sheet of ``plan``: ``plan_about`` first (what was exported, and one line
    per sheet), then each builder's of :data:`SHEET_BUILDERS`, in order, with Excel-safe,
    unique ``plan_`` names."""
    built = [sheet for build in SHEET_BUILDERS for sheet in build(tx, plan)]
    names = sheet_names(["plan_about", *(s.name for s in built)])
    built = [replace(s, name=n) for s, n in zip(built, names[1:], strict=True)]
    return [about_sheet(plan, built, names[0]), *built]


def consensus_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_consensus``: every demand layer by item and period, with the item's family."""
    if plan.demand_status is None:
        return []
    # a layer may be called "item" or "family": its column says it is the layer
    named = {lay: f"{lay}_layer" if lay in ("item", "family") else lay for lay in plan.layers}
    df = plan.by_item[["key", "period", *plan.layers]].rename(columns={**named, "key": "item"})
    df = df.merge(plan.items, on="item", how="left")[["item", "family", "period", *named.values()]]
    df = df.sort_values(["family", "item"], kind="stable").reset_index(drop=True)
    title = (
        f"Demand plan of cycle {plan.cycle.period} ({plan.demand_status}), units by item and "
        f"period, every layer: {' -> '.join(plan.layers)}"
    )
    return [OutputSheet("plan_consensus", df, dict.fromkeys(named.values(), K.UNITS), title)]


def supply_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_supply_<strategy>``: each strategy's plan by family and period, units and
    costs (``cost_*``, in the plan's currency)."""
    out = []
    for name, sp in plan.supply.items():
        df = sp.plan
        kinds = {
            str(c): K.MONEY if str(c).startswith("cost_") else K.UNITS
            for c in df.columns
            if str(c) not in ("family", "period", "pool")
        }
        chosen = " (approved)" if name == plan.strategy else ""
        title = (
            f"Supply plan {name}{chosen} of cycle {plan.cycle.period} ({_planned(sp)}): units "
            f"by family and period, costs in {plan.currency}"
        )
        out.append(OutputSheet(f"plan_supply_{name}", df.reset_index(drop=True), kinds, title))
    return out


WORKFORCE_KINDS = {
    "headcount": K.COUNT,
    "headcount_basis": K.TEXT,
    "workers": K.UNITS,
    "hires": K.UNITS,
    "layoffs": K.UNITS,
    "regular_hours": K.UNITS,
    "overtime_hours": K.UNITS,
    "labor_hours": K.UNITS,
    "overtime_capacity": K.UNITS,
    "utilization": K.PERCENT,
    "cost": K.MONEY,
}
CAPACITY_KINDS = {
    "capacity": K.UNITS,
    "load": K.UNITS,
    "required_load": K.UNITS,
    "overload": K.UNITS,
    "utilization": K.PERCENT,
}


def workforce_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_workforce``: each strategy's workforce by pool and period (headcount in whole
    people, hires, layoffs, hours, utilisation, labour cost)."""
    df = _by_strategy(plan, lambda sp: sp.workforce, ["pool", "period"], WORKFORCE_KINDS)
    if df.empty:
        return []
    title = f"Workforce per pool and period of cycle {plan.cycle.period}, cost in {plan.currency}"
    kinds = {c: k for c, k in WORKFORCE_KINDS.items() if c in df.columns}
    return [OutputSheet("plan_workforce", df, kinds, title)]


def capacity_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_capacity``: each strategy's rough-cut capacity by resource (and pool) and
    period, in hours: capacity, load, utilisation, overload."""
    df = _by_strategy(plan, lambda sp: sp.capacity, ["kind", "resource", "period"], CAPACITY_KINDS)
    if df.empty:
        return []
    title = f"Capacity and load per resource and period of cycle {plan.cycle.period}, in hours"
    kinds = {c: k for c, k in CAPACITY_KINDS.items() if c in df.columns}
    return [OutputSheet("plan_capacity", df, kinds, title)]


def _by_strategy(
    plan: CyclePlan,
    part: Callable[[SupplyPlan], pd.DataFrame],
    keys: list[str],
    kinds: dict[str, ColumnKind],
) -> pd.DataFrame:
    """One frame of every strategy's ``part``: strategy, ``keys``, then the columns of
    ``kinds`` it has."""
    frames = []
    for name, sp in plan.supply.items():
        df = part(sp)
        if df.empty:
            continue
        cols = [*keys, *(c for c in kinds if c in df.columns)]
        frames.append(df[cols].assign(strategy=name)[["strategy", *cols]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def override_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_overrides``: the demand plan's whole override log in the order it applies
    (workbook rows, commands, withdrawals), and whether each entry still acts."""
    if plan.demand_status is None:
        return []
    log = plan.log.reindex(columns=LOG_COLUMNS)
    log["active"] = [
        kind != WITHDRAW and _missing(gone) and _missing(conflict)
        for kind, gone, conflict in zip(
            log["kind"], log["withdrawn_by"], log["conflict"], strict=True
        )
    ]
    kinds = {
        "id": K.COUNT,
        "value": K.UNITS,
        "withdrawn_by": K.COUNT,
        "created_at": K.TIMESTAMP,
    }
    title = (
        f"Override log of the demand plan of cycle {plan.cycle.period}: who changed which "
        "layer, why, and whether it still acts (time in UTC)"
    )
    return [OutputSheet("plan_overrides", log.reset_index(drop=True), kinds, title)]


def _planned(sp: SupplyPlan) -> str:
    """A strategy's status in words: planned, or why there is no plan (infeasible...)."""
    return "planned" if sp.ok else f"no plan: {sp.status}"


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


# The sheets after plan_about, in order; a new kind of sheet joins with one builder.
SHEET_BUILDERS: list[SheetBuilder] = [
    consensus_sheets,
    family_sheet_sheets,
    supply_sheets,
    workforce_sheets,
    capacity_sheets,
    finance_sheets,
    override_sheets,
]


def about_sheet(plan: CyclePlan, sheets: list[OutputSheet], name: str) -> OutputSheet:
    """``plan_about``: which plan this is (cycle, approved or draft, by whom, strategy,
    currency, when exported) and what each sheet holds."""
    c = plan.cycle
    header = plan.version.header if plan.version is not None else {}
    strategies = ", ".join(f"{n} ({_planned(sp)})" for n, sp in plan.supply.items())
    rows: list[tuple[str, object]] = [
        ("plan", plan.what),
        ("cycle", c.period),
        ("status", "approved" if plan.approved else "draft"),
        ("approved_by", header.get("approved_by") or c.approved_by),
        ("approved_at", header.get("approved_at") or c.approved_at),
        ("strategy", plan.strategy or "none chosen yet (chosen at the executive approval)"),
        ("strategies", strategies or "none planned yet (`snop plan` or `snop cycle run`)"),
        (
            "demand_plan",
            plan.demand_status or "none yet: no statistical baseline (`snop forecast`)",
        ),
        ("periods", f"{c.periods[0]} to {c.periods[-1]} ({c.horizon})" if c.horizon else ""),
        ("actuals_cutoff", c.actuals_cutoff),
        ("currency", plan.currency),
        ("steps", ", ".join(f"{s} {st}" for s, st in plan.steps)),
        ("exported_by", plan.exported_by),
        ("exported_at", plan.exported_at),
        (
            "note",
            "the plan_ sheets are the plan, to read; the other sheets are the input workbook, "
            "which `snop import` reads back (it ignores the plan_ sheets)",
        ),
        *((s.name, s.title) for s in sheets),
    ]
    df = pd.DataFrame(
        [(k, "" if v is None else str(v)) for k, v in rows], columns=["field", "value"]
    )
    return OutputSheet(name, df, {}, f"What this file holds: {plan.what}")
