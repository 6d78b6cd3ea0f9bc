"""Hand-computed small plans, one lever at a time (numbers worked out in the comments)."""

from __future__ import annotations

import pandas as pd
import pytest
from supply_helpers import col, make_workbook

from snop.errors import SnopError
from snop.supply import FrozenPlan, plan_supply, workbook_demand

APPROX = pytest.approx


def test_regular_capacity_builds_ahead_with_ending_holding() -> None:
    # cap 100/month at 10, demand 50,150,100: make 100 each month, carry 50 from Jan to Feb
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "holding_cost": 1}},
        {"A": [50, 150, 100]},
    )
    p = plan_supply(wb, dem, "optimal")
    assert p.status == "optimal"
    assert col(p.plan, "A", "production") == [100, 100, 100]
    assert col(p.plan, "A", "inventory") == [50, 0, 0]
    assert p.total_cost == APPROX(300 * 10 + 50)
    b = p.cost_breakdown()
    assert b["regular_production"] == APPROX(3000) and b["holding"] == APPROX(50)


def test_overtime_units_when_holding_is_dear() -> None:
    # regular 10+2 material, overtime 14+2; holding 5 makes building ahead (12+5=17) dearer
    # than overtime (16): Feb uses all 30 overtime, Jan builds the other 20 ahead.
    wb, dem = make_workbook(
        {
            "A": {
                "regular_capacity": 100,
                "regular_cost": 10,
                "material_cost": 2,
                "overtime_capacity": 30,
                "overtime_cost": 14,
                "holding_cost": 5,
            }
        },
        {"A": [50, 150, 100]},
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "overtime_production") == [0, 30, 0]
    assert col(p.plan, "A", "production") == [70, 130, 100]
    assert p.total_cost == APPROX(270 * 12 + 30 * 16 + 20 * 5)


def test_average_inventory_holding() -> None:
    # I0=10, demand 0,100, cap 60: make 30 then 60; inventory 40, 0.
    # average basis: 2*(10+40)/2 + 2*(40+0)/2 = 90; ending basis: 2*40 = 80
    fam = {"regular_capacity": 60, "regular_cost": 10, "holding_cost": 2, "initial_inventory": 10}
    wb, dem = make_workbook({"A": {**fam, "holding_basis": "average"}}, {"A": [0, 100]})
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "inventory") == [40, 0]
    assert p.total_cost == APPROX(900 + 90)
    assert p.cost_breakdown()["holding"] == APPROX(90)
    wb2, dem2 = make_workbook({"A": fam}, {"A": [0, 100]})
    assert plan_supply(wb2, dem2).total_cost == APPROX(900 + 80)


def test_lost_sales_and_feedback() -> None:
    # cap 100, demand 150: losing 50 at 20 beats nothing else possible
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "lost_sales_cost": 20}}, {"A": [150]}
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "lost_sales") == [50]
    assert p.total_cost == APPROX(1000 + 1000)
    cd = p.constrained_demand.iloc[0]
    assert cd["constrained"] == APPROX(100) and cd["gap"] == APPROX(50)
    assert "regular/overtime capacity of A" in cd["reason"]
    assert any(
        e.kind == "shortage" and "short 50 units in 2027-01" in e.text for e in p.explanations
    )


def test_backlog_lead_time_and_cleared_at_end() -> None:
    # cap 100, demand 150,50, backlog 4/unit/month: 50 owed for one month
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "backlog_cost": 4}}, {"A": [150, 50]}
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "backlog") == [50, 0]
    assert p.total_cost == APPROX(2000 + 200)
    cd = p.constrained_demand
    assert list(cd["constrained"]) == APPROX([100, 100])
    assert list(cd["lead_time_periods"]) == APPROX([1, 0])
    # max_backlog 30: of January's 50 missing units 30 wait a month, 20 are never served;
    # February makes 80 (its 50 + the 30 owed): 180 * 10 + 30 * 4
    wb2, dem2 = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "backlog_cost": 4, "max_backlog": 30}},
        {"A": [150, 50]},
    )
    short = plan_supply(wb2, dem2)
    assert short.status == "optimal"
    assert col(short.plan, "A", "unmet") == [20, 0]
    assert col(short.plan, "A", "backlog") == [30, 0]
    assert short.total_cost == APPROX(1800 + 120)
    assert list(short.constrained_demand["gap"]) == APPROX([50, -30])
    unmet = [e for e in short.explanations if e.kind == "unmet"]
    assert unmet[0].text.startswith(
        "family A needs 200 units over the horizon; at most 180 "
        "can be supplied: 20 are not served (most in 2027-01"
    )


def test_ending_backlog_only_when_allowed() -> None:
    # 230 units, 200 of capacity: without ending backlog the last 30 are unmet demand; with
    # it they are owed at the horizon end (backlog cost 1 each), and nothing is unmet
    wb, dem = make_workbook({"A": {"regular_capacity": 100, "backlog_cost": 1}}, {"A": [100, 130]})
    no = plan_supply(wb, dem)
    assert no.status == "optimal"
    assert col(no.plan, "A", "unmet") == [0, 30] and col(no.plan, "A", "backlog") == [0, 0]
    p = plan_supply(wb, dem, allow_ending_backlog=True)
    assert col(p.plan, "A", "backlog") == [0, 30]
    assert col(p.plan, "A", "unmet") == [0, 0]
    assert p.total_cost == APPROX(30)
    # the workbook setting asks for the same; the option overrides it
    wb.tables["settings"] = pd.concat(
        [wb.table("settings"), pd.DataFrame({"name": ["allow_ending_backlog"], "value": ["yes"]})],
        ignore_index=True,
    )
    assert col(plan_supply(wb, dem).plan, "A", "backlog") == [0, 30]
    assert col(plan_supply(wb, dem, allow_ending_backlog=False).plan, "A", "unmet") == [0, 30]


def test_subcontract_cap_and_its_value() -> None:
    # make 100 at 10, subcontract 20 at 15 (cap), lose 10 at 50
    wb, dem = make_workbook(
        {
            "A": {
                "regular_capacity": 100,
                "regular_cost": 10,
                "subcontract_cost": 15,
                "subcontract_capacity": 20,
                "lost_sales_cost": 50,
            }
        },
        {"A": [130]},
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "subcontract") == [20]
    assert col(p.plan, "A", "lost_sales") == [10]
    assert p.total_cost == APPROX(1000 + 300 + 500)
    sub = [e for e in p.explanations if e.kind == "subcontract"]
    assert sub and sub[0].value == APPROX(35)  # 50 lost - 15 subcontract


def test_initial_position_safety_stock_and_ending_target() -> None:
    # Jan: 30 - 10 + P1 = 50 + 20 -> P1 = 50; Feb: 20 + P2 = 50 + 40 -> P2 = 70
    wb, dem = make_workbook(
        {
            "A": {
                "regular_cost": 10,
                "holding_cost": 1,
                "initial_inventory": 30,
                "initial_backlog": 10,
                "safety_stock": 20,
                "min_ending_inventory": 40,
            }
        },
        {"A": [50, 50]},
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "production") == [50, 70]
    assert col(p.plan, "A", "inventory") == [20, 40]
    assert p.total_cost == APPROX(1200 + 60)


def test_max_inventory_storage_value() -> None:
    # storage 80 in Jan: make 80 + 100, lose 20 of Feb's 200; one more unit of storage
    # saves 50 (lost) - 10 (make) - 1 (hold) = 39
    wb, dem = make_workbook(
        {
            "A": {
                "regular_capacity": 100,
                "regular_cost": 10,
                "holding_cost": 1,
                "max_inventory": 80,
                "lost_sales_cost": 50,
            }
        },
        {"A": [0, 200]},
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "lost_sales") == [0, 20]
    assert p.total_cost == APPROX(1800 + 80 + 1000)
    st = [e for e in p.explanations if e.kind == "storage"]
    assert st and st[0].value == APPROX(39) and st[0].period == "2027-01"


def test_bound_conflict_is_diagnosed() -> None:
    wb, dem = make_workbook({"A": {"max_inventory": 20, "safety_stock": 30}}, {"A": [5]})
    p = plan_supply(wb, dem)
    assert p.status == "infeasible"
    assert p.diagnosis == ["family A in 2027-01: safety stock 30 is above max_inventory 20"]
    assert plan_supply(wb, dem, hard_safety_stock=True).diagnosis == p.diagnosis


def test_family_periods_override_cost() -> None:
    # January costs 5 (override), February 10: make all 100 in January, hold at 2
    wb, dem = make_workbook(
        {"A": {"regular_cost": 10, "holding_cost": 2}},
        {"A": [0, 100]},
        family_periods=[{"family": "A", "period": "2027-01", "regular_cost": 5}],
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "production") == [100, 0]
    assert p.total_cost == APPROX(700)


def test_frozen_periods_keep_the_approved_plan() -> None:
    fam = {
        "regular_capacity": 100,
        "regular_cost": 10,
        "overtime_capacity": 50,
        "overtime_cost": 20,
        "holding_cost": 1,
    }
    wb, dem = make_workbook({"A": fam}, {"A": [50, 150, 100]})
    assert plan_supply(wb, dem).total_cost == APPROX(3050)
    frozen = FrozenPlan(
        1, pd.DataFrame({"family": ["A"], "period": ["2027-01"], "production": [60.0]})
    )
    p = plan_supply(wb, dem, frozen=frozen)
    # Jan 60 (inventory 10); Feb 100 regular + 40 overtime; Mar 100
    assert col(p.plan, "A", "production") == [60, 140, 100]
    assert p.total_cost == APPROX(260 * 10 + 40 * 20 + 10)
    # re-freezing a plan's own first period reproduces it
    again = plan_supply(wb, dem, frozen=FrozenPlan.from_plan(p, 2))
    assert again.total_cost == APPROX(p.total_cost)


def test_unknown_pool_and_missing_labor_hours_are_user_errors() -> None:
    wb, dem = make_workbook({"A": {"workforce_pool": "X"}}, {"A": [1]})
    with pytest.raises(SnopError, match="family A: workforce_pool 'X'"):
        plan_supply(wb, dem)
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P"}},
        {"A": [1]},
        workforce={"P": {"regular_hours_per_worker": 160}},
    )
    with pytest.raises(SnopError, match="labor_hours_per_unit"):
        plan_supply(wb, dem)


def test_workbook_demand_sums_items_and_families() -> None:
    wb, _ = make_workbook({"A": {}, "B": {}}, {"A": [1, 2]})
    wb.tables["demand"] = pd.DataFrame(
        {
            "item": ["A-1", "A-1", None],
            "family": [None, None, "B"],
            "period": ["2027-01", "2027-01", "2027-02"],
            "qty": [3.0, 4.0, 5.0],
        }
    )
    d = workbook_demand(wb).sort_values(["family", "period"]).reset_index(drop=True)
    assert d.to_dict("records") == [
        {"family": "A", "period": "2027-01", "qty": 7.0},
        {"family": "B", "period": "2027-02", "qty": 5.0},
    ]


def test_frozen_fence_under_level_and_chase() -> None:
    # January frozen at 60 units; level then holds a constant rate over Feb-Mar sized to the
    # rest: 300 + 0 - 0 - 60 = 240 -> 120/month; chase follows demand after the fence
    wb, dem = make_workbook(
        {"A": {"regular_cost": 10, "holding_cost": 1, "backlog_cost": 2}}, {"A": [50, 150, 100]}
    )
    frozen = FrozenPlan(
        1, pd.DataFrame({"family": ["A"], "period": ["2027-01"], "production": [60.0]})
    )
    level = plan_supply(wb, dem, "level", frozen=frozen)
    assert col(level.plan, "A", "production") == [60, 120, 120]
    # inventory 10, backlog 20 in Feb (cleared in Mar): 10*1 + 20*2
    assert level.total_cost == APPROX(3000 + 10 + 40)
    chase = plan_supply(wb, dem, "chase", frozen=frozen)
    assert col(chase.plan, "A", "production") == [60, 140, 100]
    assert chase.total_cost == APPROX(3000 + 10)
