"""Gap-closure levers on hand-made plans: the stated value is the dual, a re-solve agrees
within the stated range and saves less beyond it (numbers worked out in the comments)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from supply_helpers import make_workbook

from snop.model.workbook import Workbook
from snop.scenario.deltas import Delta
from snop.services.finance import rates_for
from snop.supply import plan_supply
from snop.supply.levers import (
    Candidates,
    LeverKind,
    Replanner,
    check,
    find_levers,
    hour_levers,
    price_levers,
    promotion_levers,
    rank,
    state,
    subcontract_levers,
    worker_levers,
)
from snop.supply.plan import SupplyPlan

APPROX = pytest.approx


def _revenue(periods: list[str]) -> Any:
    def revenue(wb: Workbook, demand: pd.DataFrame, plan: SupplyPlan) -> float:
        prices = rates_for(wb, demand, periods).prices
        rows = plan.plan.merge(prices, on=["family", "period"], how="left")
        return float((rows["shipped"] * rows["price"].fillna(0.0)).sum())

    return revenue


def _replanner(wb: Workbook, dem: pd.DataFrame) -> tuple[Replanner, SupplyPlan]:
    item = dem.assign(item=dem["family"] + "-1")[["item", "period", "qty"]]
    periods = sorted(item["period"].unique())
    replan = Replanner(wb, item, periods, _revenue(periods))
    return replan, plan_supply(wb, dem)


def _no_candidates(periods: list[str]) -> Candidates:
    empty = pd.DataFrame()
    return Candidates(
        pd.DataFrame(columns=["family", "period", "price"]), empty, empty, [], periods
    )


def _machine_case() -> tuple[Workbook, pd.DataFrame]:
    # A needs 1 hour of M a unit; M has 100 hours in January, demand 150: 100 made at 10,
    # 50 subcontracted at 30. An hour of M saves 30 - 10 = 20, up to 50 hours (then all
    # of January is made in-house). B runs on N the same way at 15 - 10 = 5 an hour.
    return make_workbook(
        {
            "A": {"regular_cost": 10, "subcontract_cost": 30},
            "B": {"regular_cost": 10, "subcontract_cost": 15},
        },
        {"A": [150, 80], "B": [130, 20]},
        resources=[
            {"resource": "M", "capacity_hours": 100},
            {"resource": "N", "capacity_hours": 100},
        ],
        routings=[
            {"family": "A", "resource": "M", "hours_per_unit": 1},
            {"family": "B", "resource": "N", "hours_per_unit": 1},
        ],
    )


def test_hours_lever_is_the_dual_and_holds_up_to_its_range() -> None:
    wb, dem = _machine_case()
    replan, plan = _replanner(wb, dem)
    base = replan([])
    assert (
        base.cost
        == APPROX(plan.total_cost)
        == APPROX(100 * 10 + 50 * 30 + 80 * 10 + 100 * 10 + 30 * 15 + 20 * 10)
    )
    levers = {lv.target: lv for lv in hour_levers(plan)}
    assert set(levers) == {"M", "N"}  # February does not bind
    m = levers["M"]
    assert (m.period, m.per_unit, m.amount, m.basis) == ("2027-01", APPROX(20.0), 10.0, "dual")
    check(m, replan, base)
    # 10 and 20, 40 hold; 80 fails; bisected: 60 fails, 50 holds
    assert m.resolved_value == APPROX(200.0) and m.checked
    assert m.valid_up_to == APPROX(50.0) and not m.open_range
    assert m.resolves == 6
    at = replan([Delta("t", "capacity", key="M", period="2027-01", delta=m.valid_up_to)])
    beyond = replan([Delta("t", "capacity", key="M", period="2027-01", delta=70.0)])
    assert base.cost - at.cost == APPROX(50 * 20.0)
    saved = base.cost - beyond.cost
    assert saved == APPROX(50 * 20.0) and saved < 70 * 20.0  # beyond: no more to save
    n = levers["N"]
    assert n.per_unit == APPROX(5.0) and n.resolves == 0  # not checked: no re-solve


def test_ranking_by_value_and_no_resolve_beyond_the_top() -> None:
    wb, dem = _machine_case()
    replan, plan = _replanner(wb, dem)
    base = replan([])
    ranked = find_levers(plan, _no_candidates(replan.periods), replan, base, top=0)
    # 10 % of 100 hours: M 10 x 20 = 200, N 10 x 5 = 50
    assert [(lv.kind, lv.target) for lv in ranked] == [("hours", "M"), ("hours", "N")]
    assert [lv.value for lv in ranked] == APPROX([200.0, 50.0])
    assert all(lv.valid_up_to is None for lv in ranked)
    assert replan.solves == 1  # the base only: hours are stated from the duals
    assert [lv.target for lv in rank(list(reversed(ranked)))] == ["M", "N"]


def test_price_lever_is_shipments_times_price() -> None:
    wb, dem = make_workbook(
        {"A": {"regular_cost": 10}, "B": {"regular_cost": 10}}, {"A": [10, 20], "B": [5, 5]}
    )
    items = wb.items.copy()
    items["unit_price"] = [40.0, 100.0]
    wb = Workbook(wb.granularity, {**wb.tables, "items": items}, list(wb.attributes))
    replan, plan = _replanner(wb, dem)
    base = replan([])
    assert base.revenue == APPROX(30 * 40 + 10 * 100)
    prices = rates_for(wb, replan.item_demand, replan.periods).prices
    levers = rank(price_levers(plan, prices))
    # +1 %: A 30 x 40 x 1 % = 12, B 10 x 100 x 1 % = 10
    assert [(lv.target, lv.value) for lv in levers] == [("A", APPROX(12.0)), ("B", APPROX(10.0))]
    check(levers[0], replan, base)
    assert levers[0].resolved_value == APPROX(12.0) and levers[0].checked
    assert levers[0].revenue_gained == APPROX(12.0) and levers[0].open_range


def test_subcontract_lever_saves_lost_sales_up_to_the_shortfall() -> None:
    # capacity 100, demand 150, subcontracting limited to 20 at 25; the other 30 are lost
    # at 50. One more subcontracted unit saves 50 - 25 = 25 (the dual), for 30 units.
    wb, dem = make_workbook(
        {
            "A": {
                "regular_capacity": 100,
                "regular_cost": 10,
                "subcontract_cost": 25,
                "subcontract_capacity": 20,
                "lost_sales_cost": 50,
            }
        },
        {"A": [150]},
    )
    replan, plan = _replanner(wb, dem)
    base = replan([])
    assert base.short == APPROX(30.0)
    cap = wb.period_values("families", wb.planning_periods)["subcontract_capacity"]
    (lv,) = subcontract_levers(plan, cap)
    assert lv.amount == APPROX(2.0)  # 10 % of 20
    assert (lv.per_unit, lv.basis) == (APPROX(25.0), "dual")
    check(lv, replan, base)
    assert lv.resolved_value == APPROX(2 * 25.0) and lv.short_closed == APPROX(2.0)
    # 2 (stated), 4, 8, 16 hold and then no more doubling: open range
    assert lv.valid_up_to == APPROX(16.0) and lv.open_range and lv.checked


def test_moving_a_promotion_later_into_spare_capacity() -> None:
    # capacity 100, 150, 100; demand 100 a month; a +50 promotion in January must be
    # subcontracted at 30 (nothing to build ahead from): 50 x 30 = 1,500. In February the
    # spare 50 make it at 10: 500. Moving it later saves 1,000.
    wb, dem = make_workbook(
        {"A": {"regular_cost": 10, "subcontract_cost": 30, "holding_cost": 100}},
        {"A": [100, 100, 100]},
        family_periods=[
            {"family": "A", "period": p, "regular_capacity": c}
            for p, c in (("2027-01", 100), ("2027-02", 150), ("2027-03", 100))
        ],
    )
    replan, _ = _replanner(wb, dem)
    base = replan([])
    promo = Delta("plan", "promotion", level="family", key="A", period="2027-01", delta=50)
    levers = promotion_levers([promo], replan.periods)
    assert [lv.to_period for lv in levers] == ["2027-02"]  # no period before January
    (lv,) = levers
    state(lv, replan, base)
    assert lv.kind is LeverKind.PROMOTION and lv.per_unit == APPROX(1000.0)
    assert lv.resolves == 2 and "later" in lv.note


def test_worker_lever_restated_where_its_dual_holds() -> None:
    # 2 workers (160 h, 4 h a unit: 40 units each) make 80 of 100; 20 are lost at 100. The
    # dual of max_workers is 40 x 100 - 1,600 = 2,400 a worker, but only 20 units are
    # short: it holds for half a worker (saves 2,000 - 800 = 1,200), no further.
    pool = {"regular_hours_per_worker": 160, "regular_wage": 10, "max_workers": 2}
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4, "lost_sales_cost": 100}},
        {"A": [100]},
        workforce={"P": pool},
    )
    replan, plan = _replanner(wb, dem)
    base = replan([])
    cap = wb.period_values("workforce", wb.planning_periods)["max_workers"]
    (lv,) = worker_levers(plan, cap)
    assert (lv.per_unit, lv.basis, lv.amount) == (APPROX(2400.0), "dual", 1.0)
    check(lv, replan, base)
    # 1 worker saves 1,200 (not 2,400); 0.5 holds; bisected: 0.75 and 0.625 fail
    assert lv.valid_up_to == APPROX(0.5) and lv.amount == APPROX(0.5)
    assert lv.resolved_value == APPROX(1200.0) and lv.checked and lv.resolves == 4
    assert lv.short_closed == APPROX(20.0)


def test_a_change_the_inputs_cannot_take_is_refused_not_raised() -> None:
    # family A has a second item without a price: +1 % on A's prices cannot apply
    wb, dem = make_workbook({"A": {"regular_cost": 10}}, {"A": [10, 20]})
    items = pd.concat(
        [wb.items.assign(unit_price=40.0), wb.items.assign(item="A-2", unit_price=float("nan"))],
        ignore_index=True,
    )
    wb = Workbook(wb.granularity, {**wb.tables, "items": items}, list(wb.attributes))
    replan, plan = _replanner(wb, dem)
    base = replan([])
    prices = rates_for(wb, replan.item_demand, replan.periods).prices
    (lv,) = price_levers(plan, prices)
    assert lv.value == APPROX(30 * 40 / 100)
    check(lv, replan, base)
    assert lv.note.startswith("re-solve refused:") and "unit_price" in lv.note
    assert not lv.checked and lv.valid_up_to == 0.0 and lv.resolves == 1
