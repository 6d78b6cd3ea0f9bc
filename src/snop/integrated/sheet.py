"""The family S&OP sheet: one grid per family (and the total), rows by block, periods as
columns, the last months of history on the left and the horizon on the right
(SOP_PRIMER section 7).

History columns compare what happened with the plan made for that month at lag 1 (the
version whose first period it was): differences ``actual - plan`` and their running sum,
which shows a bias as a drift. Horizon columns hold the plan: the consensus and what the
supply plan ships (constrained), production by source, inventory against its target,
backlog and the customer lead time, capacity and workforce, the money lines and the
budget.

Every row is computed from additive cells (units, money, days) the same way for a family
and for the total, so the total's ratios are ratios of sums, not sums of ratios:

* days of supply: :func:`snop.learning.kpis.days_of_supply` (ending inventory over the
  average daily demand of the next periods);
* fill rate: units ordered in a period and shipped in it over units ordered
  (:func:`snop.learning.kpis.on_time`); its target is the family's service level;
* customer lead time, in working days: ``backlog_t / (shipped_t / working_days_t)``, the
  days of shipments the backlog waits for;
* margin %: gross margin over revenue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.learning.frames import TOTAL, ratio
from snop.learning.kpis import days_of_supply, on_time


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    block: str
    unit: str  # units, money, ratio, days, people


SALES, OPERATIONS, INVENTORY, BACKLOG, MONEY = (
    "sales",
    "operations",
    "inventory",
    "backlog",
    "money",
)
ROWS: tuple[Row, ...] = (
    Row("demand_plan", "Demand plan (consensus)", SALES, "units"),
    Row("sales_actual", "Sales actual", SALES, "units"),
    Row("sales_diff", "Difference (actual - plan)", SALES, "units"),
    Row("sales_cum_diff", "Cumulative difference", SALES, "units"),
    Row("constrained", "Constrained demand (shipments)", SALES, "units"),
    Row("last_version", "Last version's plan", SALES, "units"),
    Row("budget_qty", "Budget", SALES, "units"),
    Row("production_plan", "Production plan", OPERATIONS, "units"),
    Row("production_actual", "Production actual", OPERATIONS, "units"),
    Row("production_diff", "Difference (actual - plan)", OPERATIONS, "units"),
    Row("production_cum_diff", "Cumulative difference", OPERATIONS, "units"),
    Row("regular", "Regular time", OPERATIONS, "units"),
    Row("overtime", "Overtime", OPERATIONS, "units"),
    Row("subcontract", "Subcontract", OPERATIONS, "units"),
    Row("utilisation", "Utilisation (busiest resource)", OPERATIONS, "ratio"),
    Row("workforce", "Workforce of its pool", OPERATIONS, "people"),
    Row("inventory_plan", "Inventory plan", INVENTORY, "units"),
    Row("inventory_actual", "Inventory actual", INVENTORY, "units"),
    Row("inventory_diff", "Difference (actual - plan)", INVENTORY, "units"),
    Row("safety_stock", "Target (safety stock)", INVENTORY, "units"),
    Row("days_of_supply", "Days of supply", INVENTORY, "days"),
    Row("fill_rate", "Fill rate", INVENTORY, "ratio"),
    Row("fill_rate_target", "Fill rate target (service level)", INVENTORY, "ratio"),
    Row("backlog_plan", "Backlog plan", BACKLOG, "units"),
    Row("backlog_actual", "Backlog actual", BACKLOG, "units"),
    Row("lead_time_days", "Customer lead time (working days)", BACKLOG, "days"),
    Row("revenue", "Revenue", MONEY, "money"),
    Row("gross_margin", "Gross margin", MONEY, "money"),
    Row("margin_pct", "Margin %", MONEY, "ratio"),
    Row("inventory_value", "Inventory value", MONEY, "money"),
    Row("budget_revenue", "Budget revenue", MONEY, "money"),
    Row("gap_to_budget", "Gap to budget", MONEY, "money"),
)
ROW_KEYS = tuple(r.key for r in ROWS)
# cells that add up over families (every other row is derived from them)
ADDITIVE = (
    "demand_plan",
    "sales_actual",
    "constrained",
    "last_version",
    "budget_qty",
    "production_plan",
    "production_actual",
    "regular",
    "overtime",
    "subcontract",
    "inventory_plan",
    "inventory_actual",
    "safety_stock",
    "backlog_plan",
    "backlog_actual",
    "revenue",
    "gross_margin",
    "inventory_value",
    "budget_revenue",
    "on_time",
    "ordered",
    "target_units",
)


@dataclass
class SheetInputs:
    """What the sheet is computed from; every frame has family, period columns.

    * ``plan``: per horizon period: demand_plan, constrained, production_plan, regular,
      overtime, subcontract, inventory_plan, safety_stock, backlog_plan, lost (units lost
      or never served), revenue, gross_margin, inventory_value;
    * ``prior``: per history period, the lag-1 plan: demand_plan, production_plan,
      inventory_plan, backlog_plan;
    * ``actuals``: per history period: sales_actual, production_actual, inventory_actual,
      backlog_actual, revenue (actual sales priced), inventory_value;
    * ``last_version``: qty, the previous version's consensus;
    * ``budget``: budget_qty, budget_revenue (families and TOTAL);
    * ``utilisation``: per family and period, the load over capacity of its busiest
      resource; ``workforce``: pool, period, headcount, and ``pools``: family -> pool;
    * ``service_level``: family -> target fill rate; ``working_days``: period -> days.
    """

    history: list[str]
    horizon: list[str]
    families: list[str]
    plan: pd.DataFrame
    prior: pd.DataFrame
    actuals: pd.DataFrame
    last_version: pd.DataFrame
    budget: pd.DataFrame
    utilisation: pd.DataFrame
    workforce: pd.DataFrame
    pools: dict[str, str] = field(default_factory=dict)
    service_level: dict[str, float] = field(default_factory=dict)
    working_days: dict[str, float] = field(default_factory=dict)


@dataclass
class Sheet:
    """The sheets' cells: family, row, period, value (NaN: no value in that column)."""

    cells: pd.DataFrame
    history: list[str]
    horizon: list[str]
    families: list[str]

    @property
    def periods(self) -> list[str]:
        return self.history + self.horizon

    def grid(self, family: str) -> pd.DataFrame:
        """One family's (or TOTAL's) sheet: rows in ROWS order, one column per period."""
        c = self.cells[self.cells["family"] == family]
        wide = c.pivot_table(index="row", columns="period", values="value", aggfunc="first")
        wide = wide.reindex(index=list(ROW_KEYS), columns=self.periods)
        return wide.dropna(how="all")


def family_sheets(inputs: SheetInputs) -> Sheet:
    """Every family's sheet and the total's (family ``TOTAL``)."""
    base = _base_cells(inputs)
    summed = base.groupby("period", as_index=False, sort=False).sum(numeric_only=True, min_count=1)
    summed["family"] = TOTAL
    # the company's own budget rows, where given, are the total's budget
    company = inputs.budget[inputs.budget["family"] == TOTAL].set_index("period")
    for col in ("budget_qty", "budget_revenue"):
        if col in company.columns:
            summed[col] = summed["period"].map(company[col]).fillna(summed[col])
    base = pd.concat([base, summed], ignore_index=True)
    wide = _derived(base, inputs)
    long = wide.melt(id_vars=["family", "period"], var_name="row", value_name="value")
    long = long[long["row"].isin(ROW_KEYS)].dropna(subset=["value"])
    return Sheet(long.reset_index(drop=True), inputs.history, inputs.horizon, inputs.families)


KEYS = ["family", "period"]


def _base_cells(inputs: SheetInputs) -> pd.DataFrame:
    """The additive cells of every family and period, NaN where a period has none."""
    grid = pd.MultiIndex.from_product(
        [inputs.families, inputs.history + inputs.horizon], names=KEYS
    ).to_frame(index=False)
    plan = inputs.plan.copy()
    never = plan["lost"] if "lost" in plan.columns else None
    plan["ordered"] = plan["demand_plan"]
    plan["on_time"] = on_time(plan["demand_plan"], plan["backlog_plan"], never)
    plan["target_units"] = plan["family"].map(inputs.service_level) * plan["demand_plan"]
    hist = inputs.prior.merge(inputs.actuals, on=KEYS, how="outer")
    if {"sales_actual", "backlog_actual"} <= set(hist.columns):
        hist["ordered"] = hist["sales_actual"]
        hist["on_time"] = on_time(hist["sales_actual"], hist["backlog_actual"])
    hist = hist.dropna(axis=1, how="all")  # a column no history period has stays NaN
    cells = plan if hist.empty else pd.concat([plan, hist], ignore_index=True)
    last = inputs.last_version.rename(columns={"qty": "last_version"})
    budget = inputs.budget[inputs.budget["family"] != TOTAL]
    out = grid.merge(cells, on=KEYS, how="left")
    out = out.merge(last[[*KEYS, "last_version"]], on=KEYS, how="left")
    out = out.merge(budget[[*KEYS, "budget_qty", "budget_revenue"]], on=KEYS, how="left")
    return out.reindex(columns=[*KEYS, *ADDITIVE])


def _derived(base: pd.DataFrame, inputs: SheetInputs) -> pd.DataFrame:
    """The rows computed from the additive cells, for families and TOTAL alike."""
    w = base.copy()
    w["sales_diff"] = w["sales_actual"] - w["demand_plan"].where(w["sales_actual"].notna())
    w["production_diff"] = w["production_actual"] - w["production_plan"].where(
        w["production_actual"].notna()
    )
    w["inventory_diff"] = w["inventory_actual"] - w["inventory_plan"].where(
        w["inventory_actual"].notna()
    )
    for diff in ("sales_diff", "production_diff"):
        cum = w.groupby("family", sort=False)[diff].cumsum()
        w[diff.replace("_diff", "_cum_diff")] = cum.where(w[diff].notna())
    days = w["period"].map(inputs.working_days).astype(float)
    shipped = w["constrained"].fillna(w["sales_actual"])
    w["lead_time_days"] = ratio(w["backlog_plan"].fillna(w["backlog_actual"]), ratio(shipped, days))
    w.loc[w["backlog_plan"].fillna(w["backlog_actual"]).isna(), "lead_time_days"] = np.nan
    w["fill_rate"] = ratio(w["on_time"], w["ordered"])
    # the demand-weighted service level: a family's own, the total's mix of them
    w["fill_rate_target"] = ratio(w["target_units"], w["demand_plan"])
    w.loc[~w["period"].isin(inputs.horizon), "fill_rate_target"] = np.nan
    w["margin_pct"] = ratio(w["gross_margin"], w["revenue"])
    w["gap_to_budget"] = w["revenue"] - w["budget_revenue"]
    w = w.merge(_days_of_supply(w, inputs), on=["family", "period"], how="left")
    util, people = _capacity(inputs)
    w = w.merge(util, on=["family", "period"], how="left").merge(
        people, on=["family", "period"], how="left"
    )
    return w


def _days_of_supply(w: pd.DataFrame, inputs: SheetInputs) -> pd.DataFrame:
    inv = w["inventory_plan"].where(w["period"].isin(inputs.horizon), w["inventory_actual"])
    demand = w["sales_actual"].where(w["period"].isin(inputs.history), w["demand_plan"])
    fams = w["family"] != TOTAL
    inventory = pd.DataFrame({"family": w["family"], "period": w["period"], "qty": inv})[
        fams & inv.notna()
    ]
    dem = pd.DataFrame({"family": w["family"], "period": w["period"], "qty": demand})[
        fams & demand.notna()
    ]
    if inventory.empty or dem.empty:
        return pd.DataFrame(columns=["family", "period", "days_of_supply"])
    days = pd.DataFrame(
        {"period": list(inputs.working_days), "working_days": list(inputs.working_days.values())}
    )
    out = days_of_supply(inventory, dem, days if not days.empty else None)
    return out[["family", "period", "days_of_supply"]]


def _capacity(inputs: SheetInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utilisation of each family's busiest resource and its pool's headcount; TOTAL: the
    busiest resource overall and every pool's people."""
    util = inputs.utilisation[["family", "period", "utilisation"]]
    top = util.groupby("period", as_index=False)["utilisation"].max().assign(family=TOTAL)
    util = pd.concat([util, top], ignore_index=True)
    wf = inputs.workforce
    rows = [
        wf[wf["pool"] == pool][["period", "headcount"]].assign(family=fam)
        for fam, pool in inputs.pools.items()
    ]
    total = wf.groupby("period", as_index=False)["headcount"].sum().assign(family=TOTAL)
    people = pd.concat([*rows, total], ignore_index=True).rename(columns={"headcount": "workforce"})
    return util, people[["family", "period", "workforce"]]
