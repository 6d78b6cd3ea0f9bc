"""Hand-computed plans with workforce pools, shared resources and the three strategies."""

from __future__ import annotations

import pytest
from supply_helpers import col, make_workbook

from snop.supply import compare_strategies, comparison_table, plan_supply

APPROX = pytest.approx
# 160 regular hours at 10/h: a worker costs 1,600 a month and makes 40 units (4 h/unit)
POOL = {
    "regular_hours_per_worker": 160,
    "regular_wage": 10,
    "initial_workers": 2,
    "hiring_cost": 500,
    "layoff_cost": 300,
}
FAM = {"workforce_pool": "P", "labor_hours_per_unit": 4, "holding_cost": 5}
# the textbook cases end where their horizon ends: no terminal condition on the workforce
# (the default keeps the last periods' need; see test_supply_terminal.py)
TEXTBOOK = {"ending_workforce": "none"}


def test_chase_level_optimal_side_by_side() -> None:
    wb, dem = make_workbook(
        {"A": FAM}, {"A": [80, 120, 40]}, workforce={"P": POOL}, settings=TEXTBOOK
    )
    plans = compare_strategies(wb, dem)
    chase, level, opt = plans["chase"], plans["level"], plans["optimal"]
    # chase: workers 2,3,1 -> labor 6*1600, hire 1 (500), lay off 2 (600)
    assert col(chase.plan, "A", "production") == [80, 120, 40]
    assert list(chase.workforce["workers"]) == APPROX([2, 3, 1])
    assert chase.total_cost == APPROX(9600 + 500 + 600)
    # level: no backlog, so the constant rate must cover Jan+Feb (200) by February: 100/month
    # with 2.5 workers all along (hire 0.5); inventory 20, 0, 60 at 5
    assert col(level.plan, "A", "production") == [100, 100, 100]
    assert list(level.workforce["workers"]) == APPROX([2.5, 2.5, 2.5])
    assert level.total_cost == APPROX(2.5 * 3 * 1600 + 250 + 5 * 80)
    # optimal: smooth half a worker: 2.5, 2.5, 1 workers, build 20 in Jan for Feb:
    # labor 6*1600, hire 0.5 (250), lay off 1.5 (450), hold 20 at 5 (100) = 10,400
    assert opt.total_cost == APPROX(9600 + 250 + 450 + 100)
    assert list(opt.workforce["workers"]) == APPROX([2.5, 2.5, 1])
    table = comparison_table(plans)
    assert table.loc["total_cost", "level"] == APPROX(12650)
    assert table.loc["hiring", "chase"] == APPROX(500)


def test_integer_workforce_with_overtime() -> None:
    # 100 units = 400 h. LP: 2.5 workers = 4,000. MIP: 3 workers = 4,800, or 2 workers +
    # 80 h overtime (cap 40 h/worker) at 15 = 3,200 + 1,200 = 4,400.
    pool = {
        "regular_hours_per_worker": 160,
        "regular_wage": 10,
        "overtime_wage": 15,
        "max_overtime_hours_per_worker": 40,
    }
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
        {"A": [100]},
        workforce={"P": pool},
        settings=TEXTBOOK,
    )
    lp = plan_supply(wb, dem)
    mip = plan_supply(wb, dem, integer_workforce=True)
    assert lp.total_cost == APPROX(4000)
    assert list(lp.workforce["workers"]) == APPROX([2.5])
    assert mip.total_cost == APPROX(4400)
    assert list(mip.workforce["workers"]) == APPROX([2])
    assert list(mip.workforce["overtime_hours"]) == APPROX([80])
    assert col(mip.plan, "A", "overtime_production") == [20]
    assert mip.cost_breakdown()["overtime_labor"] == APPROX(1200)


def test_hours_per_day_times_calendar_days() -> None:
    pool = {"hours_per_worker_per_day": 8, "regular_wage": 10}
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
        {"A": [100]},
        workforce={"P": pool},
        calendar={"2027-01": 20},
    )
    p = plan_supply(wb, dem)
    assert list(p.workforce["workers"]) == APPROX([2.5])  # 400 h / (8*20)
    assert list(p.workforce["regular_hours"]) == APPROX([400])


def test_shared_pool_headcount_and_hours_per_family() -> None:
    wb, dem = make_workbook(
        {
            "A": {"workforce_pool": "P", "labor_hours_per_unit": 2},
            "B": {"workforce_pool": "P", "labor_hours_per_unit": 4},
        },
        {"A": [40, 30], "B": [20, 20]},
        workforce={"P": {"regular_hours_per_worker": 160, "regular_wage": 10}},
        settings=TEXTBOOK,
    )
    p = plan_supply(wb, dem)
    # 80 + 80 hours, then 60 + 80: 1 worker, then 0.875 (no hiring or layoff cost)
    assert list(p.workforce["workers"]) == APPROX([1, 0.875])
    assert p.total_cost == APPROX(1600 + 1400)
    # hours per family are exact; people are counted per pool only, in whole people
    assert col(p.plan, "A", "labor_hours") == [80, 60]
    assert col(p.plan, "B", "labor_hours") == [80, 80]
    assert "workers" not in p.plan.columns
    assert list(p.workforce["headcount"]) == [1, 1]
    assert set(p.workforce["headcount_basis"]) == {"LP workers rounded up"}
    assert p.plan["cost_total"].sum() == APPROX(p.total_cost)
    mip = plan_supply(wb, dem, integer_workforce=True)
    assert list(mip.workforce["headcount"]) == [1, 1]
    assert set(mip.workforce["headcount_basis"]) == {"whole workers (integer plan)"}


def test_max_workers_shadow_price() -> None:
    # 2 workers make 80 of 100; the other 20 are lost at 100. One more worker would make 40
    # more units: saves 40*100 - 1,600 = 2,400 (marginal, per worker)
    pool = {"regular_hours_per_worker": 160, "regular_wage": 10, "max_workers": 2}
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4, "lost_sales_cost": 100}},
        {"A": [100]},
        workforce={"P": pool},
    )
    p = plan_supply(wb, dem)
    assert p.total_cost == APPROX(3200 + 2000)
    w = [e for e in p.explanations if e.kind == "worker"]
    assert w and w[0].value == APPROX(2400)
    assert "one more worker in pool P in 2027-01" in w[0].text and "$2,400" in w[0].text
    short = [e for e in p.explanations if e.kind == "shortage"]
    assert "workforce of pool P (max_workers" in short[0].text


def test_shared_resource_prioritises_and_prices_hours() -> None:
    # R has 100 h in Jan (blank-period row) and 50 h in Feb (dated row replaces it).
    # A: 1 h/unit, lost at 30 -> 20/h; B: 2 h/unit, lost at 70 -> 30/h. Make B first.
    # Jan: B 40 (80 h), A 20 (20 h), A loses 40. Feb: B 25 (50 h), B loses... no demand.
    wb, dem = make_workbook(
        {
            "A": {"regular_cost": 10, "lost_sales_cost": 30},
            "B": {"regular_cost": 10, "lost_sales_cost": 70},
        },
        {"A": [60, 0], "B": [40, 0]},
        resources=[
            {"resource": "R", "capacity_hours": 100},
            {"resource": "R", "period": "2027-02", "capacity_hours": 50},
        ],
        routings=[
            {"family": "A", "resource": "R", "hours_per_unit": 1},
            {"family": "B", "resource": "R", "hours_per_unit": 2},
        ],
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "B", "production") == [40, 0]
    assert col(p.plan, "A", "production") == [20, 0]
    assert p.total_cost == APPROX(600 + 40 * 30)
    cap = p.capacity[p.capacity["resource"] == "R"]
    assert list(cap["capacity"]) == APPROX([100, 50])
    assert list(cap["load"]) == APPROX([100, 0])
    assert list(cap["required_load"]) == APPROX([140, 0])
    assert list(cap["overload"]) == APPROX([40, 0])
    res = [e for e in p.explanations if e.kind == "resource"]
    assert res[0].value == APPROX(200)  # 10 h at 20/h
    assert "10% more hours on resource R in 2027-01 (+10 h)" in res[0].text
    short = [e for e in p.explanations if e.kind == "shortage"]
    assert short[0].text == "family A is short 40 units in 2027-01: capacity of R"


def test_chase_backlogs_only_what_capacity_forces() -> None:
    # chase with cap 100 and demand 50, 150, 100 and backlog allowed: 50 units must be built
    # ahead or served late; either way production never exceeds demand by choice
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "holding_cost": 1, "backlog_cost": 3}},
        {"A": [50, 150, 100]},
    )
    p = plan_supply(wb, dem, "chase")
    assert p.status == "optimal"
    # ties between a unit held one month and a unit owed one month go to the cheaper (hold)
    assert col(p.plan, "A", "production") == [100, 100, 100]
    assert p.total_cost == APPROX(3050)


def test_a_shortage_is_planned_by_every_strategy() -> None:
    # 250 units, 100 a month of capacity, no backlog: January makes 100 (50 kept for
    # February), February 100 + 50 of 200: 50 units of February's demand are not served
    wb, dem = make_workbook({"A": {"regular_capacity": 100}}, {"A": [50, 200]})
    for s in ("chase", "level", "optimal"):
        p = plan_supply(wb, dem, s)
        assert p.status == "optimal", s
        assert col(p.plan, "A", "production") == [100, 100]
        assert col(p.plan, "A", "unmet") == [0, 50]
        assert list(p.constrained_demand["gap"]) == APPROX([0, 50])
        unmet = next(e for e in p.explanations if e.kind == "unmet")
        assert unmet.text == (
            "family A needs 250 units over the horizon; at most 200 can be "
            "supplied: 50 are not served (most in 2027-02: regular/overtime "
            "capacity of A)"
        )
