"""The financial plan: a supply plan priced and costed per family and period.

The costing rule (docs/finance.md). With ``c`` the family's standard cost per unit
(:mod:`snop.finance.rates`), ``I_t`` its ending inventory and ``PC_t`` the plan's cost of
supplying units in period t, split in four components::

    material_t    = material cost of the units made in house
    labour_t      = regular-time cost: regular_cost x units (families without a pool), or
                    the pool's regular wages allocated to its families by hours used
    overtime_t    = overtime cost, the same way
    subcontract_t = subcontracted units x their price
    PC_t          = material_t + labour_t + overtime_t + subcontract_t

    inventory_value_t = I_t * c                          (stock is carried at standard)
    cogs_t            = PC_t - (inventory_value_t - inventory_value_{t-1})
    standard_cogs_t   = shipped_t * c
    cost_variance_t   = cogs_t - standard_cogs_t = PC_t - (made_t + bought_t) * c

The last equality is the inventory balance ``shipped = made + bought + I_{t-1} - I_t``: the
variance is what the plan pays to supply a unit above (or below) its standard cost, idle
paid hours included. It is shown, never folded away. Revenue is ``shipped_t x price_t``;
the demand's revenue ``demand_t x price_t`` is what the unconstrained plan would bring.

Below the gross margin are the plan's other costs: holding, backlog, lost sales and
workforce changes (hiring and layoffs allocated like wages). ``plan_cost`` (production
plus these) adds up, over families and the pool costs no family uses, to the supply
plan's total cost. The opening inventory is the first period's balance:
``I_0 = shipped_1 - made_1 - bought_1 + I_1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.finance.rates import Rates
from snop.learning.frames import TOTAL, ratio, require

# components of the supply plan's costs frame, by line of the financial plan
LINES: dict[str, tuple[str, ...]] = {
    "material": ("material",),
    "labour": ("regular_production", "regular_labor"),
    "overtime": ("overtime_production", "overtime_labor"),
    "subcontract": ("subcontract",),
    "holding": ("holding",),
    "backlog": ("backlog",),
    "lost_sales": ("lost_sales",),
    "workforce_changes": ("hiring", "layoffs"),
}
PRODUCTION_LINES = ("material", "labour", "overtime", "subcontract")
OTHER_LINES = ("holding", "backlog", "lost_sales", "workforce_changes")
FINANCE_COLUMNS = [
    "family",
    "period",
    "demand",
    "shipped",
    "price",
    "demand_revenue",
    "revenue",
    *PRODUCTION_LINES,
    "production_cost",
    "unit_cost",
    "standard_cogs",
    "cost_variance",
    "cogs",
    "gross_margin",
    "margin_pct",
    *OTHER_LINES,
    "contribution",
    "plan_cost",
    "inventory",
    "inventory_value",
    "inventory_value_change",
]
# columns that add up over families and periods (the others are rates or ratios)
ADDITIVE = [
    c for c in FINANCE_COLUMNS if c not in ("family", "period", "price", "unit_cost", "margin_pct")
]
# balances: a quarter's or year's value is its last period's
BALANCES = ("inventory", "inventory_value")


@dataclass
class FinancialPlan:
    """``lines``: FINANCE_COLUMNS per family and period, then a TOTAL row per period.
    ``unpriced``/``uncosted``: items whose missing price/cost makes the money incomplete."""

    lines: pd.DataFrame
    currency: str = "$"
    unpriced: dict[str, list[str]] = field(default_factory=dict)
    uncosted: dict[str, list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.unpriced and not self.uncosted

    def family(self, family: str) -> pd.DataFrame:
        return self.lines[self.lines["family"] == family].reset_index(drop=True)

    def total(self) -> dict[str, float]:
        """Every additive line summed over the plan (the TOTAL rows)."""
        t = self.lines[self.lines["family"] == TOTAL]
        out = {c: float(t[c].sum()) for c in ADDITIVE}
        out["margin_pct"] = float(ratio(out["gross_margin"], out["revenue"]))
        return out


def financial_plan(
    plan: pd.DataFrame, costs: pd.DataFrame, rates: Rates, currency: str = "$"
) -> FinancialPlan:
    """Price and cost a supply plan (``SupplyPlan.plan`` and ``.costs``) with ``rates``."""
    require(
        plan,
        ["family", "period", "demand", "shipped", "production", "subcontract", "inventory"],
        "supply plan",
    )
    require(costs, ["component", "owner_type", "owner", "period", "cost"], "plan costs")
    out = plan[["family", "period", "demand", "shipped", "inventory"]].copy()
    lines = _cost_lines(plan, costs)
    for name in LINES:
        out[name] = lines[name]
    out = out.merge(
        rates.prices[["family", "period", "price"]], on=["family", "period"], how="left"
    )
    out = out.merge(rates.costs[["family", "unit_cost"]], on="family", how="left")
    price, c = out["price"].fillna(0.0), out["unit_cost"].fillna(0.0)
    out["demand_revenue"] = out["demand"] * price
    out["revenue"] = out["shipped"] * price
    out["production_cost"] = out[list(PRODUCTION_LINES)].sum(axis=1)
    out["inventory_value"] = out["inventory"] * c
    opening = _opening(plan) * c
    out["inventory_value_change"] = out["inventory_value"] - _previous(
        out, "inventory_value", opening
    )
    out["cogs"] = out["production_cost"] - out["inventory_value_change"]
    out["standard_cogs"] = out["shipped"] * c
    out["cost_variance"] = out["cogs"] - out["standard_cogs"]
    out["gross_margin"] = out["revenue"] - out["cogs"]
    out["contribution"] = out["gross_margin"] - out[list(OTHER_LINES)].sum(axis=1)
    out["plan_cost"] = out["production_cost"] + out[list(OTHER_LINES)].sum(axis=1)
    total = _totals(out, _unallocated(plan, costs))
    lines_out = pd.concat([out, total], ignore_index=True)
    lines_out["margin_pct"] = ratio(lines_out["gross_margin"], lines_out["revenue"])
    return FinancialPlan(lines_out[FINANCE_COLUMNS], currency, rates.unpriced, rates.uncosted)


def _cost_lines(plan: pd.DataFrame, costs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each line's cost per row of ``plan``: the family's own components plus its share of
    its pool's (by the pool hours it uses in the period; equal shares when none are used,
    as the supply plan allocates them)."""
    key = pd.MultiIndex.from_arrays([plan["family"], plan["period"]])
    fam = (
        costs[costs["owner_type"] == "family"]
        .groupby(["component", "owner", "period"])["cost"]
        .sum()
    )
    pool = (
        costs[costs["owner_type"] == "pool"].groupby(["component", "owner", "period"])["cost"].sum()
    )
    share = _pool_share(plan)
    pool_key = pd.MultiIndex.from_arrays([plan["pool"].fillna(""), plan["period"]])
    out = {}
    for line, comps in LINES.items():
        v = np.zeros(len(plan))
        for comp in comps:
            if comp in fam.index.get_level_values(0):
                v += fam.loc[comp].reindex(key).fillna(0.0).to_numpy()
            if comp in pool.index.get_level_values(0):
                v += share * pool.loc[comp].reindex(pool_key).fillna(0.0).to_numpy()
        out[line] = v
    return out


def _pool_share(plan: pd.DataFrame) -> np.ndarray:
    """Each family's share of its pool's costs in a period (0 without a pool)."""
    if "pool" not in plan.columns or plan["pool"].isna().all():
        return np.zeros(len(plan))
    hours = plan["labor_hours"].fillna(0.0).to_numpy(dtype=np.float64)
    groups = plan.groupby([plan["pool"], plan["period"]], dropna=False)
    pool_hours = groups["labor_hours"].transform("sum").fillna(0.0).to_numpy(dtype=np.float64)
    members = groups["family"].transform("count").to_numpy(dtype=np.float64)
    has = plan["pool"].notna().to_numpy()
    share = np.where(
        pool_hours > 1e-12, hours / np.where(pool_hours > 1e-12, pool_hours, 1.0), 1.0 / members
    )
    return np.where(has, share, 0.0)


def _unallocated(plan: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Pool costs of pools no family of the plan uses: period, line, cost."""
    used = set(plan["pool"].dropna()) if "pool" in plan.columns else set()
    rows = costs[(costs["owner_type"] == "pool") & ~costs["owner"].isin(used)]
    line_of = {comp: line for line, comps in LINES.items() for comp in comps}
    return pd.DataFrame(
        {"period": rows["period"], "line": rows["component"].map(line_of), "cost": rows["cost"]}
    )


def _opening(plan: pd.DataFrame) -> pd.Series:
    """Each row's family's opening inventory, from the first period's balance."""
    first = plan.groupby("family", sort=False).head(1)
    made = first["shipped"] - first["production"] - first["subcontract"] + first["inventory"]
    opening = dict(zip(first["family"], made.clip(lower=0.0), strict=True))
    return plan["family"].map(opening).astype(float).reset_index(drop=True)


def _previous(out: pd.DataFrame, column: str, opening: pd.Series) -> pd.Series:
    """The value of ``column`` in the family's previous period (``opening`` in its first)."""
    prev = out.groupby("family", sort=False)[column].shift(1)
    return prev.fillna(opening)


def _totals(out: pd.DataFrame, unallocated: pd.DataFrame) -> pd.DataFrame:
    """The TOTAL row per period: the families summed, plus the pool costs no family uses."""
    cols = [c for c in ADDITIVE if c in out.columns]
    total = out.groupby("period", sort=False, as_index=False)[cols].sum()
    if not unallocated.empty:
        extra = unallocated.pivot_table(
            index="period", columns="line", values="cost", aggfunc="sum"
        )
        extra = extra.reindex(total["period"]).fillna(0.0)
        for line in extra.columns:
            v = extra[line].to_numpy()
            total[line] += v
            total["plan_cost"] += v
            if line in PRODUCTION_LINES:
                total["production_cost"] += v
                total["cogs"] += v
                total["cost_variance"] += v
                total["gross_margin"] -= v
            total["contribution"] -= v
    total["family"] = TOTAL
    total["price"] = ratio(total["revenue"], total["shipped"])
    total["unit_cost"] = ratio(total["inventory_value"], total["inventory"])
    return total
