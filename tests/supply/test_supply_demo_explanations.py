"""On the demo company, what an explanation says relief is worth never exceeds the plan's cost.

Level and chase are solved with penalties that hold their shape; a relief value that carried
those penalties would be absurd (billions on a plan costing millions).
"""

from __future__ import annotations

from snop.demo import build_demo_workbook
from snop.supply import compare_strategies
from snop.supply.report import demand_for


def test_relief_values_are_true_costs() -> None:
    wb = build_demo_workbook()
    demand, _ = demand_for(wb)
    plans = compare_strategies(wb, demand)
    assert set(plans) == {"level", "chase", "optimal"}
    for name, plan in plans.items():
        assert plan.status == "optimal", name
        money = [e for e in plan.explanations if e.kind != "shortage"]
        for e in money:
            assert 0 <= e.value <= plan.total_cost, (name, e.text)
    assert (
        plans["optimal"].total_cost
        <= min(plans["level"].total_cost, plans["chase"].total_cost) + 1e-6
    )
