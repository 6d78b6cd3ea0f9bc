"""The family S&OP sheet of a cycle: its plan (approved version, else drafts) with the
last months of actuals against the plans made for them (docs/finance.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from snop.errors import NotFoundError, SnopError
from snop.finance.budget import budget_rows
from snop.finance.plan import FinancialPlan
from snop.integrated.sheet import ROWS, Row, Sheet, SheetInputs, family_sheets
from snop.learning.frames import TOTAL, to_family
from snop.model.periods import parse_period
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, stored_workbook
from snop.services.finance import PlanBasis, plan_basis, price_plan, rates_for
from snop.services.versions import PlanVersion, version_in

DEFAULT_HISTORY = 3
MAX_HISTORY = 24


@dataclass
class SheetReport:
    cycle: str
    status: str  # approved or draft
    strategy: str
    currency: str
    sheet: Sheet
    shown: list[str]  # the families asked for, then TOTAL when all are shown
    notes: dict[str, list[str]] = field(default_factory=dict)  # per family: what binds
    unpriced: dict[str, list[str]] = field(default_factory=dict)
    uncosted: dict[str, list[str]] = field(default_factory=dict)
    rows: tuple[Row, ...] = ROWS  # every row's key, label, block and unit, in order


def family_sheet(
    uow: UnitOfWork,
    actor: Actor,
    family: str | None = None,
    *,
    cycle: str | None = None,
    strategy: str | None = None,
    history: int = DEFAULT_HISTORY,
    scenario: str | None = None,
) -> SheetReport:
    """The sheet of ``family`` (every family and the total when None) for ``cycle`` (or a
    scenario's run on it)."""
    with uow.read() as tx:
        return sheet_in(
            tx, family, cycle=cycle, strategy=strategy, history=history, scenario=scenario
        )


def sheet_in(
    tx: Tx,
    family: str | None = None,
    *,
    cycle: str | None = None,
    strategy: str | None = None,
    history: int = DEFAULT_HISTORY,
    scenario: str | None = None,
) -> SheetReport:
    """:func:`family_sheet` inside a transaction the caller holds."""
    if not 0 <= history <= MAX_HISTORY:
        raise SnopError(f"--history is {history}; give 0 to {MAX_HISTORY} periods")
    basis = plan_basis(tx, cycle, strategy, scenario)
    fams = sorted(basis.plan.plan["family"].unique())
    if family is not None and family not in fams:
        raise NotFoundError(f"there is no family {family!r}; the families are {', '.join(fams)}")
    fp = price_plan(basis)
    inputs = _inputs(tx, basis, fp, fams, history)
    shown = [family] if family is not None else [*fams, TOTAL]
    sheet = family_sheets(inputs)
    sheet.cells = sheet.cells[sheet.cells["family"].isin(shown)].reset_index(drop=True)
    return SheetReport(
        basis.cycle.period,
        basis.status,
        basis.strategy,
        basis.currency,
        sheet,
        shown,
        _notes(basis, shown),
        fp.unpriced,
        fp.uncosted,
    )


def _inputs(
    tx: Tx, basis: PlanBasis, fp: FinancialPlan, fams: list[str], history: int
) -> SheetInputs:
    store = stored_workbook(tx)
    past = _history(basis, store, history)
    horizon = list(basis.cycle.periods)
    plan = basis.plan.plan
    wb = basis.workbook
    money = fp.lines[fp.lines["family"] != TOTAL][
        ["family", "period", "revenue", "gross_margin", "inventory_value"]
    ]
    fam = wb.families_with_defaults()
    periods = [parse_period(p) for p in past + horizon]
    return SheetInputs(
        history=past,
        horizon=horizon,
        families=fams,
        plan=_plan_cells(plan).merge(money, on=["family", "period"], how="left"),
        prior=_prior(tx, basis, past),
        actuals=_actuals(store, basis, fp, past),
        last_version=_last_version(tx, basis),
        budget=budget_rows(wb.table("budget") if wb.has("budget") else None, past + horizon),
        utilisation=_utilisation(basis),
        workforce=basis.plan.workforce[["pool", "period", "headcount"]],
        pools={str(f): str(p) for f, p in zip(plan["family"], plan["pool"], strict=True) if p},
        service_level={str(f): float(v) for f, v in fam["service_level"].items()}
        if "service_level" in fam.columns
        else {},
        working_days=dict(zip(past + horizon, wb.working_days(periods), strict=True)),
    )


def _history(basis: PlanBasis, store: Workbook, n: int) -> list[str]:
    """The last ``n`` periods up to the cycle's actuals cut-off that have sales."""
    if n == 0 or basis.cycle.actuals_cutoff is None or store.sales.empty:
        return []
    cutoff = parse_period(basis.cycle.actuals_cutoff)
    first = min(parse_period(p) for p in store.sales["period"].unique())
    return [(cutoff + k).label for k in range(-n + 1, 1) if cutoff + k >= first]


def _plan_cells(plan: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "family": plan["family"],
            "period": plan["period"],
            "demand_plan": plan["demand"],
            "constrained": plan["shipped"],
            "production_plan": plan["production"] + plan["subcontract"],
            "regular": plan["regular_production"],
            "overtime": plan["overtime_production"],
            "subcontract": plan["subcontract"],
            "inventory_plan": plan["inventory"],
            "safety_stock": plan["inventory_target"],
            "backlog_plan": plan["backlog"],
            "lost": plan["lost_sales"] + plan["unmet"],
        }
    )


def _versions_before(tx: Tx, period: str) -> list[str]:
    """The approved cycles up to ``period``, oldest first."""
    return [c.period for c in tx.cycles.all() if c.approved_at is not None and c.period <= period]


def _prior(tx: Tx, basis: PlanBasis, past: list[str]) -> pd.DataFrame:
    """For each history period, the plan of the last version made before it ran (lag 1
    when the cycles are monthly): demand, supply, inventory and backlog planned."""
    cols = ["family", "period", "demand_plan", "production_plan", "inventory_plan", "backlog_plan"]
    rows, cache = [], {}
    for period in past:
        made = [c for c in _versions_before(tx, period) if c != basis.cycle.period]
        if not made:
            continue
        if made[-1] not in cache:
            cache[made[-1]] = version_in(tx, made[-1])
        v = cache[made[-1]]
        p = v.plan().plan
        p = p[p["period"] == period]
        rows.append(
            pd.DataFrame(
                {
                    "family": p["family"],
                    "period": period,
                    "demand_plan": p["demand"],
                    "production_plan": p["production"] + p["subcontract"],
                    "inventory_plan": p["inventory"],
                    "backlog_plan": p["backlog"],
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def _actuals(store: Workbook, basis: PlanBasis, fp: FinancialPlan, past: list[str]) -> pd.DataFrame:
    """Sales, production, inventory and backlog per family in the history periods, with
    the sales priced at their period's mix and the stock at the plan's standard cost."""
    keys = ["family", "period"]
    if not past:
        return pd.DataFrame(columns=keys)
    sold = store.sales[store.sales["period"].isin(past)][["item", "period", "qty"]]
    items = store.items[["item", "family"]]
    fam = to_family(sold, items, "sales").rename(columns={"qty": "sales_actual"})
    rates = rates_for(store, sold, past)
    fam = fam.merge(rates.prices[["family", "period", "price"]], on=keys, how="left")
    fam["revenue"] = fam["sales_actual"] * fam["price"].fillna(0.0)
    out = fam.drop(columns="price")
    made = store.table("actual_production")
    made = made[made["period"].isin(past)].rename(columns={"qty": "production_actual"})
    out = out.merge(made[[*keys, "production_actual"]], on=keys, how="outer")
    stock = store.table("actual_inventory")
    stock = stock[stock["period"].isin(past)].rename(
        columns={"on_hand": "inventory_actual", "backlog": "backlog_actual"}
    )
    out = out.merge(stock[[*keys, "inventory_actual", "backlog_actual"]], on=keys, how="outer")
    cost = fp.lines[fp.lines["family"] != TOTAL].groupby("family")["unit_cost"].first()
    out["inventory_value"] = out["inventory_actual"] * out["family"].map(cost)
    return out


def _last_version(tx: Tx, basis: PlanBasis) -> pd.DataFrame:
    """The consensus of the version approved before this cycle: family, period, qty."""
    before = [c for c in _versions_before(tx, basis.cycle.period) if c < basis.cycle.period]
    if not before:
        return pd.DataFrame(columns=["family", "period", "qty"])
    v: PlanVersion = version_in(tx, before[-1])
    fam = pd.DataFrame(v.demand["by_family"])
    fam = fam[fam["period"].isin(basis.cycle.periods)]  # the horizon: history has actuals
    return pd.DataFrame(
        {"family": fam["key"], "period": fam["period"], "qty": fam[v.demand["consensus"]]}
    )


def family_resources(basis: PlanBasis) -> pd.DataFrame:
    """family, resource, period, utilization: the load over capacity of each resource a
    family uses (its routings' and its workforce pool's, named ``pool:<pool>``)."""
    wb = basis.workbook
    links = (
        wb.table("routings")[["family", "resource"]]
        if wb.has("routings")
        else pd.DataFrame(columns=["family", "resource"])
    )
    plan = basis.plan.plan
    pools = plan[plan["pool"].notna()][["family", "pool"]].drop_duplicates()
    links = pd.concat(
        [links, pd.DataFrame({"family": pools["family"], "resource": "pool:" + pools["pool"]})],
        ignore_index=True,
    ).drop_duplicates()
    cap = basis.plan.capacity[["resource", "period", "utilization"]]
    return links.merge(cap, on="resource").reset_index(drop=True)


def _utilisation(basis: PlanBasis) -> pd.DataFrame:
    """Per family and period the utilisation of its busiest resource."""
    used = family_resources(basis)
    busiest = used.groupby(["family", "period"])["utilization"].max()
    return pd.DataFrame(
        {
            "family": busiest.index.get_level_values(0),
            "period": busiest.index.get_level_values(1),
            "utilisation": busiest.to_numpy(),
        }
    )


def _notes(basis: PlanBasis, shown: list[str]) -> dict[str, list[str]]:
    """What binds each family's plan (the supply plan's explanations that name it), and
    what the approved initiatives add to it."""
    out: dict[str, list[str]] = {}
    for e in basis.plan.explanations:
        if e.family in shown and len(out.setdefault(e.family, [])) < 3:
            out[e.family].append(e.text)
    added = basis.supply_summary.get("initiatives", {})
    for fam, money in added.get("by_family", {}).items():
        if fam in shown and (money["revenue"] or money["gross_margin"]):
            out.setdefault(fam, []).append(
                f"approved initiatives {', '.join(added['codes'])} add revenue "
                f"{money['revenue']:+,.0f} and gross margin {money['gross_margin']:+,.0f} "
                f"{basis.currency} ({added['strategy']} plan with them less without)"
            )
    return out
