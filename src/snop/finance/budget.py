"""The gap to budget and its split into demand and supply, and fiscal roll-ups.

For each family and period with a budget (the company total: the budget rows with no
family, else the families' budgets summed)::

    gap          = plan revenue      - budget revenue      (constrained: what ships)
    demand_gap   = demand revenue    - budget revenue      (the consensus below budget)
    supply_gap   = plan revenue      - demand revenue      (revenue supply cannot deliver)
    gap          = demand_gap + supply_gap

and the same in units where the budget gives a quantity. A period with no budget has no
gap (NaN), so a quarter or year sums the gap over its budgeted periods only and says how
many there are. A supply gap can be positive in a period: shipments catching up on
backlog bring revenue that was demanded earlier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.finance.fiscal import fiscal_quarter, fiscal_year
from snop.finance.plan import ADDITIVE, BALANCES
from snop.learning.frames import TOTAL, ratio, require

GAP_COLUMNS = [
    "family",
    "period",
    "budget_revenue",
    "demand_revenue",
    "revenue",
    "demand_gap",
    "supply_gap",
    "gap",
    "budget_qty",
    "demand",
    "shipped",
    "demand_gap_qty",
    "supply_gap_qty",
    "gap_qty",
    "budgeted",
]
GAP_ADDITIVE = [c for c in GAP_COLUMNS if c not in ("family", "period")]


def budget_gap(lines: pd.DataFrame, budget: pd.DataFrame | None) -> pd.DataFrame:
    """GAP_COLUMNS per family and period of ``lines`` (a financial plan's lines, with its
    TOTAL rows). ``budget``: family (blank: company total), period, revenue, qty."""
    base = lines[["family", "period", "demand_revenue", "revenue", "demand", "shipped"]].copy()
    b = budget_rows(budget, list(lines["period"].unique()))
    out = base.merge(b, on=["family", "period"], how="left")
    has = out["budget_revenue"].notna()
    out["budgeted"] = has.astype(float)
    for col in ("demand_revenue", "revenue"):
        out[col] = out[col].where(has)
    out["demand_gap"] = out["demand_revenue"] - out["budget_revenue"]
    out["supply_gap"] = out["revenue"] - out["demand_revenue"]
    out["gap"] = out["revenue"] - out["budget_revenue"]
    has_qty = out["budget_qty"].notna()
    for col in ("demand", "shipped"):
        out[col] = out[col].where(has_qty)
    out["demand_gap_qty"] = out["demand"] - out["budget_qty"]
    out["supply_gap_qty"] = out["shipped"] - out["demand"]
    out["gap_qty"] = out["shipped"] - out["budget_qty"]
    return out[GAP_COLUMNS]


def budget_rows(budget: pd.DataFrame | None, periods: list[str]) -> pd.DataFrame:
    """family, period, budget_revenue, budget_qty in ``periods``: the families' rows and
    the TOTAL (the company rows where given, else the families summed)."""
    cols = ["family", "period", "budget_revenue", "budget_qty"]
    if budget is None or budget.empty:
        return pd.DataFrame(columns=cols)
    require(budget, ["family", "period", "revenue"], "budget")
    b = budget.rename(columns={"revenue": "budget_revenue", "qty": "budget_qty"})
    if "budget_qty" not in b.columns:
        b["budget_qty"] = np.nan
    b = b[b["period"].isin(set(periods))]
    fam = (
        b[b["family"].notna()]
        .groupby(["family", "period"], as_index=False)[["budget_revenue", "budget_qty"]]
        .sum(min_count=1)
    )
    company = (
        b[b["family"].isna()]
        .groupby("period", as_index=False)[["budget_revenue", "budget_qty"]]
        .sum(min_count=1)
    )
    summed = fam.groupby("period", as_index=False)[["budget_revenue", "budget_qty"]].sum(
        min_count=1
    )
    # the company rows are the total where given; elsewhere the families add up to it
    total = pd.concat([company, summed[~summed["period"].isin(company["period"])]])
    total["family"] = TOTAL
    return pd.concat([fam, total], ignore_index=True)[cols]


def bucket(period: pd.Series, by: str, fiscal_start: int = 1) -> pd.Series:
    """The fiscal ``quarter`` or ``year`` of each period label."""
    label = {"quarter": fiscal_quarter, "year": fiscal_year}[by]
    cache = {p: label(p, fiscal_start) for p in period.unique()}
    return period.map(cache)


def rollup(frame: pd.DataFrame, by: str, fiscal_start: int = 1) -> pd.DataFrame:
    """A per-period frame (financial lines or budget gap) summed by fiscal quarter or year
    per family: flows add up, balances (inventory) take the bucket's last period, ratios
    are recomputed. The bucket is in ``period``, with ``periods`` the periods it holds."""
    f = frame.copy()
    f["period"] = bucket(f["period"], by, fiscal_start)
    keys = ["family", "period"]
    flows = [c for c in f.columns if c in ADDITIVE + GAP_ADDITIVE and c not in BALANCES]
    g = f.groupby(keys, sort=False)
    out = g[flows].sum(min_count=1).reset_index()
    for col in (c for c in BALANCES if c in f.columns):
        out[col] = g[col].last().to_numpy()
    out.insert(2, "periods", g.size().to_numpy())
    if "gross_margin" in out.columns:
        out["margin_pct"] = ratio(out["gross_margin"], out["revenue"])
    if "price" in f.columns:
        out["price"] = ratio(out["revenue"], out["shipped"])
    return out
