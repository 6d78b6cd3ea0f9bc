"""Plan against actual: the KPI card of the approved versions, its trend, the exceptions.

Each approved version is judged on the actuals of its periods that have arrived: forecast
accuracy and bias of its consensus (at family level and as the mean of items), production
adherence, days of supply, inventory turns and fill rate. The tracking signal follows each
period's lag-1 forecast (the version starting in that period) across versions. The
exceptions are those of the actuals (tracking signal) and of the current plan (inventory
below safety stock, a resource over capacity, backlog growing), each with its owner role.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from snop.errors import SnopError
from snop.learning import exceptions as ex
from snop.learning import kpis as k
from snop.learning.frames import TOTAL
from snop.learning.targets import judge, kpi_targets
from snop.model.periods import parse_period
from snop.model.vocabulary import CycleStatus, Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, current_cycle, stored_workbook
from snop.services.versions import PlanVersion, version_in
from snop.supply.plan import SupplyPlan

LAG = 1  # the tracking signal follows each period's lag-1 forecast (the plan starting in it)


@dataclass
class KpiReport:
    cycle: str  # the latest version judged on actuals
    periods: list[str]  # its periods that have actuals
    card: pd.DataFrame  # one row per family (total last): KPI_COLUMNS
    trend: pd.DataFrame  # the cards of every version with actuals, oldest first
    tracking: pd.DataFrame
    plan_vs_actual: pd.DataFrame  # family, period, measure, plan, actual, difference, cumulative
    by_lag: pd.DataFrame  # accuracy and bias of the consensus made 0, 1, 2... periods ahead
    exceptions: pd.DataFrame
    missing: list[str] = field(default_factory=list)  # actuals not there, what they measure
    # each family's (and the total's) target per KPI: snop.learning.targets.TARGET_COLUMNS
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the card against them, per family and KPI: snop.learning.targets.JUDGED_COLUMNS
    judged: pd.DataFrame = field(default_factory=pd.DataFrame)


def kpi_report(uow: UnitOfWork, actor: Actor) -> KpiReport:
    """The KPIs of the approved versions whose periods have actuals.

    Made once per state of the store (its write revision) and kept: the web app's home
    page and KPI page read it on every visit. Each caller gets its own copy."""
    with uow.read() as tx:
        kept = tx.versions.get(("kpi report", tx.write_revision), lambda: _kpi_report(tx))
    copies: dict[str, Any] = {f.name: getattr(kept, f.name) for f in fields(kept)}
    copies = {n: v.copy() if isinstance(v, pd.DataFrame | list) else v for n, v in copies.items()}
    return replace(kept, **copies)


def _kpi_report(tx: Tx) -> KpiReport:
    wb = stored_workbook(tx)
    versions = [version_in(tx, c.period) for c in tx.cycles.all() if c.approved_at]
    current = _current_plan(tx)
    sold = _sales(wb)
    judged = [v for v in versions if set(v.header["periods"]) & set(sold["period"])]
    if not judged:
        raise SnopError(_no_actuals(versions))
    tracking = _tracking(versions, wb, sold)
    cards = {v.cycle: _card(v, wb, sold, tracking) for v in judged}
    last = judged[-1]
    rules = [ex.tracking_signal_exceptions(tracking)]
    if current is not None:
        rules += [
            ex.below_safety_stock(current.plan),
            ex.over_capacity(current.capacity),
            ex.backlog_growing(current.plan),
        ]
    card = cards[last.cycle]
    targets = _targets(wb, card)
    return KpiReport(
        last.cycle,
        [p for p in last.header["periods"] if p in set(sold["period"])],
        card,
        k.kpi_trend(cards),
        tracking,
        plan_vs_actual(versions, wb, sold),
        _by_lag(versions, wb, sold),
        ex.exceptions(*rules),
        _missing(wb),
        targets,
        judge(card, targets),
    )


def exceptions(uow: UnitOfWork, actor: Actor, owner: str | None = None) -> pd.DataFrame:
    """The exceptions of :func:`kpi_report` (EXCEPTION_COLUMNS), those of role ``owner``
    when given."""
    found = kpi_report(uow, actor).exceptions
    if owner is None:
        return found
    return found[found["owner"] == owner].reset_index(drop=True)


def _targets(wb: Workbook, card: pd.DataFrame) -> pd.DataFrame:
    """The targets of the card's families: the workbook's kpi_targets, and its families'
    service levels as their fill rates' default (snop.learning.targets)."""
    families = [str(f) for f in card["family"] if f != TOTAL]
    levels = wb.families_with_defaults()["service_level"].dropna()
    service = {str(f): float(v) for f, v in levels.items() if f in set(families)}
    return kpi_targets(wb.table("kpi_targets"), families, service)


def _no_actuals(versions: list[PlanVersion]) -> str:
    if not versions:
        return "no approved version yet: KPIs judge an approved plan on its actuals"
    v = versions[-1]
    return (
        f"no actuals yet for the periods of the approved versions: version {v.cycle} "
        f"plans from {v.header['periods'][0]}; import the sales of {v.header['periods'][0]} "
        "(and actual_production, actual_inventory for adherence, stock and service)"
    )


def _missing(wb: Workbook) -> list[str]:
    out = []
    if not wb.has("actual_production"):
        out.append("actual_production: production plan adherence not measured")
    if not wb.has("actual_inventory"):
        out.append("actual_inventory: days of supply, turns and fill rate not measured")
    return out


def _sales(wb: Workbook) -> pd.DataFrame:
    s = wb.sales
    if s.empty:
        return pd.DataFrame({"item": [], "period": [], "qty": []})
    out: pd.DataFrame = s.groupby(["item", "period"], as_index=False).agg(qty=("qty", "sum"))
    return out


def _items(v: PlanVersion, wb: Workbook) -> pd.DataFrame:
    return pd.concat([v.items(), wb.items[["item", "family"]]]).drop_duplicates("item")


def _all_items(versions: list[PlanVersion], wb: Workbook) -> pd.DataFrame:
    """Every item a version or the workbook knows, with the family the first one gave it."""
    return pd.concat([_items(v, wb) for v in versions]).drop_duplicates("item")


def _card(v: PlanVersion, wb: Workbook, sold: pd.DataFrame, tracking: pd.DataFrame) -> pd.DataFrame:
    periods = [p for p in v.header["periods"] if p in set(sold["period"])]
    # the tracking signal as it stood at the version's last period with actuals
    upto = tracking[[p <= periods[-1] for p in tracking["period"]]]
    items = _items(v, wb)
    fc = v.consensus()
    fc = fc[fc["period"].isin(periods)]
    actual = sold[sold["period"].isin(periods) & sold["item"].isin(set(fc["item"]))]
    plan = v.plan().plan
    plan = plan[plan["period"].isin(periods)]
    adherence = turns = fill = supply_days = None
    if wb.has("actual_production"):
        made = wb.table("actual_production")
        made = made[made["period"].isin(periods)]
        if not made.empty:
            adherence = k.plan_adherence(plan, made[["family", "period", "qty"]])
    stock = _stock(wb, periods)
    if stock is not None:
        demand = v.plan().plan[["family", "period", "demand"]].rename(columns={"demand": "qty"})
        on_hand = stock.rename(columns={"on_hand": "qty"})[["family", "period", "qty"]]
        supply_days = k.days_of_supply(
            on_hand, demand, wb.table("calendar")[["period", "working_days"]]
        )
        shipped = _family(actual, items)
        flows = shipped.merge(stock, on=["family", "period"]).rename(
            columns={"qty": "shipped", "on_hand": "inventory"}
        )
        if not flows.empty:
            turns = k.inventory_turns(flows, _unit_cost(v, wb), wb.granularity)
            orders = flows.rename(columns={"shipped": "ordered"})[
                ["family", "period", "ordered", "backlog"]
            ]
            fill = k.fill_rate(orders.fillna({"backlog": 0.0}))
    return k.kpi_card(
        k.forecast_accuracy(fc, actual, items),
        upto if not upto.empty else None,
        adherence,
        supply_days,
        turns,
        fill,
    )


def _stock(wb: Workbook, periods: list[str]) -> pd.DataFrame | None:
    if not wb.has("actual_inventory"):
        return None
    s = wb.table("actual_inventory")
    s = s[s["period"].isin(periods)].dropna(subset=["on_hand"])
    return None if s.empty else s[["family", "period", "on_hand", "backlog"]]


def _family(item_rows: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    fam = item_rows.merge(items, on="item")
    out: pd.DataFrame = fam.groupby(["family", "period"], as_index=False).agg(qty=("qty", "sum"))
    return out


def _unit_cost(v: PlanVersion, wb: Workbook) -> pd.DataFrame:
    """Unit cost per family: the standard cost of the financial plan (docs/finance.md), the
    version's consensus mix of its items' unit_cost; a family with no items: its material
    cost."""
    from snop.services.finance import rates_for

    rates = rates_for(wb, v.consensus(), list(v.header["periods"]))
    cost: pd.DataFrame = rates.costs[["family", "unit_cost"]]
    fams = wb.families_with_defaults()["material_cost"].dropna()
    extra = pd.DataFrame({"family": fams.index, "unit_cost": fams.to_numpy()})
    rest: pd.DataFrame = extra[~extra["family"].isin(cost["family"])]
    return pd.concat([cost, rest], ignore_index=True)


PLAN_VS_ACTUAL = ["family", "period", "measure", "plan", "actual", "difference", "cumulative"]


def plan_vs_actual(versions: list[PlanVersion], wb: Workbook, sold: pd.DataFrame) -> pd.DataFrame:
    """Each period with actuals against the plan in force when it began: the version whose
    first period it is. Measures: demand (the consensus against sales), production,
    inventory and backlog (against the actual tables, when imported). ``difference`` is
    actual - plan; ``cumulative`` its running sum per family and measure (a growing one is
    a bias to act on)."""
    actual: dict[str, pd.DataFrame] = {}
    items = _all_items(versions, wb)
    actual["demand"] = _family(sold, items)
    if wb.has("actual_production"):
        actual["production"] = wb.table("actual_production")[["family", "period", "qty"]]
    if wb.has("actual_inventory"):
        stock = wb.table("actual_inventory")
        for measure, column in (("inventory", "on_hand"), ("backlog", "backlog")):
            part = stock[["family", "period", column]].dropna(subset=[column])
            actual[measure] = part.rename(columns={column: "qty"})
    rows = []
    for v in versions:
        first = v.header["periods"][0]
        plan = v.plan().plan
        plan = plan[plan["period"] == first]
        for measure, got in actual.items():
            have = got[got["period"] == first].set_index("family")["qty"]
            for fam, planned in zip(plan["family"], plan[measure], strict=True):
                if fam in have.index:
                    a = float(have[fam])
                    rows.append((fam, first, measure, float(planned), a, a - float(planned)))
    out = pd.DataFrame(rows, columns=PLAN_VS_ACTUAL[:-1])
    out = out.sort_values(["measure", "family", "period"], kind="stable", ignore_index=True)
    out["cumulative"] = out.groupby(["measure", "family"])["difference"].cumsum()
    return out[PLAN_VS_ACTUAL]


LAGS = (1, 2, 3, 4)


def _by_lag(versions: list[PlanVersion], wb: Workbook, sold: pd.DataFrame) -> pd.DataFrame:
    """Forecast accuracy by lag: each period's sales against the consensus of the version
    whose actuals cut-off is ``lag`` periods before it (lag 1: the version starting in it)."""
    items = _all_items(versions, wb)
    forecasts = pd.concat(
        [v.consensus().assign(origin=_cutoff(v)) for v in versions], ignore_index=True
    )
    actual = sold[sold["item"].isin(set(items["item"]))]
    return k.accuracy_by_lag(forecasts, actual, items, LAGS)


def _cutoff(v: PlanVersion) -> str:
    """The origin lags count from: the period before the version's first one."""
    return (parse_period(v.cycle) + -1).label


def _tracking(versions: list[PlanVersion], wb: Workbook, sold: pd.DataFrame) -> pd.DataFrame:
    stacked = []
    for v in versions:
        fc = _family(v.consensus(), _items(v, wb))
        stacked.append(fc.assign(origin=_cutoff(v)))
    if not stacked:
        return k.tracking_signal(pd.DataFrame(columns=["family", "period", "qty"]), sold)
    forecasts = pd.concat(stacked, ignore_index=True).rename(columns={"family": "item"})
    lagged = k.forecast_at_lag(forecasts, LAG).rename(columns={"item": "family"})
    items = _all_items(versions, wb)
    actual = _family(sold, items)
    actual = actual[actual["period"].isin(set(lagged["period"]))]
    lagged = lagged[lagged["period"].isin(set(actual["period"]))]
    return k.tracking_signal(lagged, actual)


@dataclass
class _Current:
    plan: pd.DataFrame
    capacity: pd.DataFrame


def _current_plan(tx: Tx) -> _Current | None:
    """The current cycle's plan of the approved strategy (its version) or its optimal draft."""
    from snop.services.supply import draft_plans

    cycle = current_cycle(tx)
    if cycle.status is not CycleStatus.OPEN:
        plan: SupplyPlan | None = version_in(tx, cycle.period).plan()
    else:
        plan = draft_plans(tx, cycle.period).get(Strategy.OPTIMAL.value)
    if plan is None or not plan.ok:
        return None
    return _Current(plan.plan, plan.capacity)


def lag1_family_errors(versions: list[PlanVersion], wb: Workbook) -> pd.DataFrame:
    """Each period's lag-1 family forecast (the consensus of the version starting in it)
    against the family's sales, in the periods with sales: family, period, forecast,
    actual, error (forecast - actual); no total row. The tracking signal's cells."""
    cells = _tracking(versions, wb, _sales(wb))
    out: pd.DataFrame = cells.loc[
        cells["family"] != TOTAL, ["family", "period", "forecast", "actual", "error"]
    ]
    return out.reset_index(drop=True)
