"""Properties of plans on random small instances (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supply_helpers import make_workbook

from snop.supply import compare_strategies, plan_supply

money = st.integers(0, 20).map(float)


@st.composite
def instances(draw: Any) -> dict[str, Any]:
    n_t = draw(st.integers(2, 5))
    n_f = draw(st.integers(1, 3))
    pools: dict[str, dict[str, Any]] = {}
    if draw(st.booleans()):
        pools["P"] = {
            "regular_hours_per_worker": float(draw(st.integers(80, 160))),
            "regular_wage": draw(money),
            "overtime_wage": draw(money),
            "max_overtime_hours_per_worker": float(draw(st.integers(0, 30))),
            "hiring_cost": draw(money) * 20,
            "layoff_cost": draw(money) * 20,
            "initial_workers": float(draw(st.integers(0, 4))),
            "max_workers": float(draw(st.sampled_from([np.nan, 5, 10]))),
        }
    fams: dict[str, dict[str, Any]] = {}
    for i in range(n_f):
        f: dict[str, Any] = {
            "holding_cost": draw(money) / 4,
            "material_cost": draw(money),
            "initial_inventory": float(draw(st.integers(0, 30))),
            "safety_stock": float(draw(st.integers(0, 10))),
            "holding_basis": draw(st.sampled_from(["ending", "average"])),
            "lost_sales_cost": 50.0 + draw(money),
        }
        if draw(st.booleans()):  # backlog instead of lost sales
            f["backlog_cost"] = 1.0 + draw(money)
            f["lost_sales_cost"] = np.nan
            f["subcontract_cost"] = 30.0 + draw(money)  # keeps it feasible
        elif draw(st.booleans()):
            f["subcontract_cost"] = 20.0 + draw(money)
            f["subcontract_capacity"] = float(draw(st.integers(0, 40)))
        if pools and draw(st.booleans()):
            f.update(workforce_pool="P", labor_hours_per_unit=float(draw(st.integers(1, 8))))
        else:
            f.update(
                regular_capacity=float(draw(st.integers(20, 120))),
                regular_cost=draw(money),
                overtime_capacity=float(draw(st.integers(0, 30))),
                overtime_cost=draw(money) + 5,
            )
        fams[f"F{i}"] = f
    demand = {f: [float(draw(st.integers(0, 100))) for _ in range(n_t)] for f in fams}
    res_cap = float(draw(st.integers(50, 400)))
    routings = [
        {"family": f, "resource": "R", "hours_per_unit": float(draw(st.integers(1, 3)))}
        for f in fams
        if draw(st.booleans())
    ]
    return {
        "families": fams,
        "demand": demand,
        "workforce": pools or None,
        "hard": draw(st.booleans()),
        "resources": [{"resource": "R", "capacity_hours": res_cap}] if routings else None,
        "routings": routings or None,
    }


def _check_plan(p: Any, inst: dict[str, Any]) -> None:
    tol = 1e-5
    plan = p.plan
    for f, spec in inst["families"].items():
        rows = plan[plan["family"] == f]
        inv = rows["inventory"].to_numpy()
        back = rows["backlog"].to_numpy()
        prev_i = np.concatenate([[spec["initial_inventory"]], inv[:-1]])
        prev_b = np.concatenate([[0.0], back[:-1]])
        lhs = (
            prev_i
            - prev_b
            + rows["production"]
            + rows["subcontract"]
            + rows["lost_sales"]
            + rows["unmet"]
        )
        rhs = rows["demand"].to_numpy() + inv - back
        assert np.allclose(lhs, rhs, atol=1e-4), f"balance broken for {f}"
        assert (rows["unmet"] >= -tol).all()
        if inst["hard"]:
            assert (inv >= spec["safety_stock"] - tol).all()
        else:
            # soft safety stock: never stock held while a customer waits
            assert not ((inv > 1e-4) & (back > 1e-4)).any(), f"stock held for {f}"
        if "regular_capacity" in spec:
            assert (rows["regular_production"] <= spec["regular_capacity"] + tol).all()
            assert (rows["overtime_production"] <= spec["overtime_capacity"] + tol).all()
        if spec.get("subcontract_capacity") is not None:
            assert (rows["subcontract"] <= spec["subcontract_capacity"] + tol).all()
        assert back[-1] <= tol
    cap = p.capacity
    res = cap[cap["kind"] == "resource"]
    assert (res["load"] <= res["capacity"] + 1e-4).all()
    pool = cap[cap["kind"] == "pool"]
    assert (pool["load"] <= pool["capacity"] + 1e-4).all()
    wf = p.workforce
    if inst["workforce"]:
        spec = inst["workforce"]["P"]
        assert (wf["overtime_hours"] <= wf["overtime_capacity"] + 1e-4).all()
        if not np.isnan(spec["max_workers"]):
            assert (wf["workers"] <= spec["max_workers"] + tol).all()
    assert abs(p.costs["cost"].sum() - p.total_cost) <= 1e-6 * (1 + abs(p.total_cost))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_strategies_are_feasible_and_optimal_is_cheapest(inst: dict[str, Any]) -> None:
    wb, dem = make_workbook(
        inst["families"],
        inst["demand"],
        workforce=inst["workforce"],
        resources=inst["resources"],
        routings=inst["routings"],
    )
    plans = compare_strategies(wb, dem, hard_safety_stock=inst["hard"])
    opt = plans["optimal"]
    assert opt.status == "optimal", opt.diagnosis
    for p in plans.values():
        if p.status == "optimal":
            _check_plan(p, inst)
            # every strategy serves what can be served; then the optimal plan weighs least
            # (its costs plus what it is charged below the soft inventory targets)
            assert opt.unmet_units <= p.unmet_units + 1e-6
            if opt.unmet_units >= p.unmet_units - 1e-6:
                mine = opt.total_cost + opt.target_penalty
                theirs = p.total_cost + p.target_penalty
                assert mine <= theirs + 1e-6 * (1 + abs(theirs))
        else:
            assert p.diagnosis  # never a traceback, always a reason
    # chase only penalises, so it is feasible whenever the optimal plan is
    assert plans["chase"].status == "optimal"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_lp_cost_is_at_most_mip_cost(inst: dict[str, Any]) -> None:
    wb, dem = make_workbook(
        inst["families"],
        inst["demand"],
        workforce=inst["workforce"],
        resources=inst["resources"],
        routings=inst["routings"],
    )
    lp = plan_supply(wb, dem, hard_safety_stock=inst["hard"])
    mip = plan_supply(wb, dem, integer_workforce=True, hard_safety_stock=inst["hard"])
    assert lp.status == "optimal"
    if mip.status == "optimal":
        _check_plan(mip, inst)
        assert lp.unmet_units <= mip.unmet_units + 1e-6
        if lp.unmet_units >= mip.unmet_units - 1e-6:
            mine, theirs = (lp.total_cost + lp.target_penalty, mip.total_cost + mip.target_penalty)
            assert mine <= theirs + 1e-6 * (1 + abs(theirs))
        w = mip.workforce["workers"].to_numpy()
        assert np.allclose(w, np.round(w), atol=1e-6)
