"""The measures a scenario comparison shows, per family and in total, from a supply plan
and its money.

Over the periods compared (all of the plan's, or those it shares with another plan):

* revenue, gross_margin, plan_cost and the cost lines: sums (the financial plan's);
* inventory_value, backlog: averages per period (of the ending stock's value, of the units
  owed at the end of each period);
* unmet: units never served (sum);
* fill_rate: units ordered in a period and shipped in it over units ordered
  (:func:`snop.learning.kpis.on_time`);
* utilisation: the mean over periods of the busiest resource's (or pool's) load over
  capacity; the total's is the busiest over all families' resources.
"""

from __future__ import annotations

import pandas as pd

from snop.finance.plan import FinancialPlan
from snop.learning.frames import TOTAL, ratio
from snop.learning.kpis import on_time
from snop.supply.plan import SupplyPlan

SUMS = {
    "revenue": "revenue",
    "gross_margin": "gross_margin",
    "plan_cost": "plan_cost",
    "material": "material",
    "labour": "labour",
    "overtime": "overtime",
    "subcontract": "subcontract",
    "holding": "holding",
    "backlog_cost": "backlog",
    "workforce_changes": "workforce_changes",
}


def measures(
    plan: SupplyPlan, money: FinancialPlan, periods: list[str] | None = None
) -> pd.DataFrame:
    """family, measure, value for every family and TOTAL."""
    p = plan.plan if periods is None else plan.plan[plan.plan["period"].isin(periods)]
    lines = money.lines if periods is None else money.lines[money.lines["period"].isin(periods)]
    cells = p.assign(
        on_time=on_time(p["demand"], p["backlog"], p["lost_sales"] + p["unmet"]).to_numpy()
    )
    fam = cells.groupby("family").agg(
        demand=("demand", "sum"),
        on_time=("on_time", "sum"),
        backlog=("backlog", "mean"),
        unmet=("unmet", "sum"),
    )
    total = pd.DataFrame(
        {
            "demand": [fam["demand"].sum()],
            "on_time": [fam["on_time"].sum()],
            "backlog": [cells.groupby("period")["backlog"].sum().mean()],
            "unmet": [fam["unmet"].sum()],
        },
        index=[TOTAL],
    )
    units = pd.concat([fam, total])
    units["fill_rate"] = ratio(units["on_time"], units["demand"])
    money_sums = lines.groupby("family")[list(SUMS.values())].sum()
    money_sums.columns = list(SUMS)
    stock = lines.groupby("family")["inventory_value"].mean()
    out = units[["backlog", "unmet", "fill_rate"]].join(money_sums, how="outer")
    out["inventory_value"] = stock
    out["utilisation"] = _utilisation(plan, periods)
    long = out.reset_index(names="family").melt(
        id_vars="family", var_name="measure", value_name="value"
    )
    return long.dropna(subset=["value"]).reset_index(drop=True)


def _utilisation(plan: SupplyPlan, periods: list[str] | None) -> pd.Series:
    cap = plan.capacity
    if periods is not None:
        cap = cap[cap["period"].isin(periods)]
    if cap.empty:
        return pd.Series(dtype=float)
    busiest = cap.groupby("period")["utilization"].max().mean()
    per_family = plan.plan[["family", "pool"]].drop_duplicates("family")
    pools = dict(zip(per_family["family"], per_family["pool"], strict=True))
    out = {TOTAL: float(busiest)}
    for fam, pool in pools.items():
        if isinstance(pool, str):
            hit = cap[cap["resource"] == f"pool:{pool}"]
            if not hit.empty:
                out[fam] = float(hit.groupby("period")["utilization"].max().mean())
    return pd.Series(out)
