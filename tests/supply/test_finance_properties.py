"""Invariants of the plan in money over generated plans (hypothesis): the costs add up to
the supply plan's total, the cost of goods reconciles with production and stock, stock
balances, and the gap to budget is the sum of its parts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_helpers import make_workbook
from test_supply_properties import instances

from snop.finance.budget import budget_gap, rollup
from snop.finance.plan import ADDITIVE, financial_plan
from snop.finance.rates import family_rates
from snop.learning.frames import TOTAL
from snop.supply import plan_supply


@st.composite
def priced(draw: Any) -> dict[str, Any]:
    inst = draw(instances())
    fams = list(inst["families"])
    inst["items"] = pd.DataFrame(
        {
            "item": [f"{f}-{k}" for f in fams for k in (1, 2)],
            "family": [f for f in fams for _ in (1, 2)],
            "unit_price": [float(draw(st.integers(1, 90))) for _ in fams for _ in (1, 2)],
            "unit_cost": [float(draw(st.integers(0, 60))) for _ in fams for _ in (1, 2)],
        }
    )
    inst["split"] = {f: draw(st.integers(0, 100)) / 100 for f in fams}
    inst["budget"] = [float(draw(st.integers(0, 5000))) for _ in range(6)]
    inst["strategy"] = draw(st.sampled_from(["level", "chase", "optimal"]))
    return inst


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced())
def test_money_adds_up_on_generated_plans(inst: dict[str, Any]) -> None:
    wb, dem = make_workbook(
        inst["families"],
        inst["demand"],
        workforce=inst["workforce"],
        resources=inst["resources"],
        routings=inst["routings"],
    )
    p = plan_supply(wb, dem, inst["strategy"], hard_safety_stock=inst["hard"])
    if not p.ok:
        return
    periods = sorted(p.plan["period"].unique())
    # each family's demand split over its two items
    mix = pd.DataFrame(
        [
            (f"{r.family}-{k}", r.period, r.qty * (s if k == 1 else 1 - s))
            for r in dem.itertuples()
            for k, s in ((1, inst["split"][r.family]), (2, inst["split"][r.family]))
        ],
        columns=["item", "period", "qty"],
    )
    rates = family_rates(inst["items"], mix, periods)
    fp = financial_plan(p.plan, p.costs, rates)
    lines = fp.lines
    fam = lines[lines["family"] != TOTAL]
    tol = 1e-6 * (1 + abs(p.total_cost))
    # every cost of the supply plan is in the financial plan once
    assert abs(fp.total()["plan_cost"] - p.total_cost) <= 1e-5 * (1 + abs(p.total_cost))
    # the production lines add up, and COGS reconciles with stock at standard
    comps = fam[["material", "labour", "overtime", "subcontract"]].sum(axis=1)
    assert np.allclose(comps, fam["production_cost"], atol=tol)
    assert np.allclose(fam["cogs"], fam["standard_cogs"] + fam["cost_variance"], atol=tol)
    made = p.plan["production"].to_numpy() + p.plan["subcontract"].to_numpy()
    c = fam["unit_cost"].to_numpy()
    assert np.allclose(fam["cost_variance"], fam["production_cost"] - made * c, atol=1e-4)
    # stock balance in value: opening + production at standard - shipments at standard
    for _, rows in fam.groupby("family"):
        value = rows["inventory_value"].to_numpy()
        change = rows["inventory_value_change"].to_numpy()
        assert np.allclose(np.diff(value), change[1:], atol=tol)
        assert (rows["inventory"] >= -1e-6).all()
    # revenue is shipments at the period's price
    assert np.allclose(fam["revenue"], fam["shipped"] * fam["price"], atol=tol)
    # the total row is the families' sum (its costs add a pool no family uses, if any)
    for col in ("revenue", "shipped", "inventory_value"):
        by_period = fam.groupby("period")[col].sum()
        total = lines[lines["family"] == TOTAL].set_index("period")[col]
        assert np.allclose(by_period.reindex(total.index), total, atol=tol)
    # the gap is its two parts, per period and per year, and the year sums its periods
    budget = pd.DataFrame(
        {
            "family": [None] * len(periods),
            "period": periods,
            "revenue": inst["budget"][: len(periods)],
            "qty": [None] * len(periods),
        }
    )
    gap = budget_gap(lines, budget)
    g = gap[gap["family"] == TOTAL]
    assert np.allclose(g["gap"], g["demand_gap"] + g["supply_gap"], atol=tol)
    years = rollup(gap, "year")
    y = years[years["family"] == TOTAL]
    assert np.allclose(y["gap"], y["demand_gap"] + y["supply_gap"], atol=tol)
    assert abs(y["gap"].sum() - g["gap"].sum()) <= tol
    quarters = rollup(lines, "quarter")
    for col in ADDITIVE:
        if col not in ("inventory", "inventory_value"):
            assert abs(quarters[col].sum() - lines[col].sum()) <= 1e-6 * (1 + abs(lines[col]).sum())
