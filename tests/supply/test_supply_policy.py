"""Shortages, terminal conditions, soft safety stock and the diagnosis of what stays
infeasible (numbers worked out in the comments)."""

from __future__ import annotations

import pandas as pd
import pytest
from supply_helpers import col, make_workbook

from snop.errors import SnopError
from snop.supply import FrozenPlan, plan_supply

APPROX = pytest.approx


def test_shortage_gap_is_the_hand_computed_shortfall() -> None:
    # R has 100 h a month; A takes 1 h/unit (60 + 60), B 2 h/unit (0 + 50): 220 h needed,
    # 200 h available. Every unit unmet weighs the same, so the 20 missing hours cost the
    # fewest units on B: 10 units. January's spare 40 h build 20 B ahead (held at 1).
    wb, dem = make_workbook(
        {
            "A": {"regular_cost": 10, "holding_cost": 1},
            "B": {"regular_cost": 10, "holding_cost": 1},
        },
        {"A": [60, 60], "B": [0, 50]},
        resources=[{"resource": "R", "capacity_hours": 100}],
        routings=[
            {"family": "A", "resource": "R", "hours_per_unit": 1},
            {"family": "B", "resource": "R", "hours_per_unit": 2},
        ],
    )
    p = plan_supply(wb, dem)
    assert p.status == "optimal"
    assert col(p.plan, "A", "unmet") == [0, 0]
    assert col(p.plan, "B", "unmet") == [0, 10]
    assert col(p.plan, "B", "production") == [20, 20]
    cd = p.constrained_demand.set_index(["family", "period"])
    assert cd.loc[("B", "2027-02"), "gap"] == APPROX(10)
    assert cd["gap"].sum() == APPROX((220 - 200) / 2)
    assert p.unmet_units == APPROX(10)
    assert p.total_cost == APPROX(160 * 10 + 20 * 1)
    unmet = [e.text for e in p.explanations if e.kind == "unmet"]
    assert unmet == [
        "family B needs 50 units over the horizon; at most 40 can be supplied: 10 "
        "are not served (most in 2027-02: capacity of R)"
    ]


def test_huge_demand_is_refused_with_the_limit() -> None:
    wb, dem = make_workbook({"A": {}}, {"A": [5, 1e300]})
    with pytest.raises(
        SnopError,
        match=r"demand for family A in 2027-02 \(1e\+300 units\) "
        r"is beyond .*MAX_QUANTITY 1,000,000,000",
    ):
        plan_supply(wb, dem)


def test_unknown_setting_values_are_user_errors() -> None:
    wb, dem = make_workbook({"A": {}}, {"A": [5]}, settings={"safety_stock": "maybe"})
    with pytest.raises(SnopError, match="setting safety_stock is 'maybe'; use one of soft, hard"):
        plan_supply(wb, dem)
    wb, dem = make_workbook({"A": {}}, {"A": [5]}, settings={"allow_ending_backlog": "2"})
    with pytest.raises(SnopError, match="allow_ending_backlog is '2'; use yes or no"):
        plan_supply(wb, dem)


# ---- terminal conditions ---------------------------------------------------------------------

# a worker costs 1,600 a month and makes 40 units; hiring is dear, laying off cheap
POOL = {
    "regular_hours_per_worker": 160,
    "regular_wage": 10,
    "initial_workers": 2,
    "hiring_cost": 2000,
    "layoff_cost": 300,
}


def test_no_layoffs_at_the_end_when_demand_does_not_fall() -> None:
    # a peak of 120 in months 1 and 4, 80 otherwise (a worker makes 40 a month). The plan
    # keeps 7/3 workers through the first low (building for the second peak: hiring is dear)
    # but, without a terminal condition, lays a third of a worker off after the last peak,
    # as if nothing came after the horizon. By default the last three months may lay off
    # only as far as their demand falls: month 3 needs 80 x 4 h / 160 h = 2 workers, the
    # last three (120 + 80 + 80) / 3 x 4 / 160 = 7/3, no fall: the pool ends with 7/3.
    fam = {"workforce_pool": "P", "labor_hours_per_unit": 4, "holding_cost": 0.5}
    demand = {"A": [120, 80, 80, 120, 80, 80]}
    free, dem = make_workbook(
        {"A": fam}, demand, workforce={"P": POOL}, settings={"ending_workforce": "none"}
    )
    old = plan_supply(free, dem)
    assert list(old.workforce["workers"]) == APPROX([3, 7 / 3, 7 / 3, 7 / 3, 2, 2])
    assert old.workforce["layoffs"].iloc[-3:].sum() == APPROX(1 / 3)  # the end effect
    assert old.total_cost == APPROX(14 * 1600 + 2000 + 300 + (40 / 3 + 80 / 3) * 0.5)
    wb, dem = make_workbook({"A": fam}, demand, workforce={"P": POOL})
    p = plan_supply(wb, dem)
    # the layoff moves before the last three months: 3 workers build 40 for month 4 in
    # month 2, then 2 workers to the end (the same wages, 20 more holding)
    assert list(p.workforce["workers"]) == APPROX([3, 3, 2, 2, 2, 2])
    assert list(p.workforce["layoffs"].iloc[-3:]) == APPROX([0, 0, 0], abs=1e-9)
    assert p.total_cost == APPROX(14 * 1600 + 2000 + 300 + 40 * 2 * 0.5)
    assert list(old.workforce["headcount"]) == [3, 3, 3, 3, 2, 2]  # 7/3 people need 3


def test_production_does_not_stop_at_the_end_with_ending_backlog() -> None:
    # ending backlog costs its backlog cost plus making the unit later (10 here): deferring
    # the last month's 50 units saves nothing, so they are made
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "backlog_cost": 1}}, {"A": [50, 50, 50]}
    )
    p = plan_supply(wb, dem, allow_ending_backlog=True)
    assert col(p.plan, "A", "production") == [50, 50, 50]
    assert col(p.plan, "A", "backlog") == [0, 0, 0]
    assert p.total_cost == APPROX(1500)
    # what capacity cannot make by the end is owed, not unmet: 350 units, 300 of capacity
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 100, "regular_cost": 10, "backlog_cost": 1}},
        {"A": [100, 100, 150]},
    )
    p = plan_supply(wb, dem, allow_ending_backlog=True)
    assert col(p.plan, "A", "backlog") == [0, 0, 50]
    assert col(p.plan, "A", "unmet") == [0, 0, 0]
    assert p.total_cost == APPROX(3000 + 50)
    assert col(plan_supply(wb, dem).plan, "A", "unmet") == [0, 0, 50]


# ---- safety stock ----------------------------------------------------------------------------

# 20 in stock = the safety stock; 100 a month of capacity; 300 units of demand; backlog 4
SS = {
    "regular_capacity": 100,
    "regular_cost": 10,
    "holding_cost": 1,
    "backlog_cost": 4,
    "safety_stock": 20,
    "initial_inventory": 20,
}


def test_soft_safety_stock_serves_waiting_customers_first() -> None:
    # soft (default): January serves 100 made + the 20 in stock, 30 wait; February makes 100,
    # serves the 30 and 70, 30 wait; March makes 100, serves 30 + 50 and refills the 20.
    # Penalty 1 + 4/2 = 3 per unit and period below target, under 4 + 1 for a customer
    # waiting while the unit is held.
    wb, dem = make_workbook({"A": SS}, {"A": [150, 100, 50]})
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "inventory") == [0, 0, 20]
    assert col(p.plan, "A", "backlog") == [30, 30, 0]
    assert col(p.plan, "A", "below_target") == [20, 20, 0]
    assert not ((p.plan["inventory"] > 1e-6) & (p.plan["backlog"] > 1e-6)).any()
    assert p.total_cost == APPROX(3000 + 60 * 4 + 20 * 1)
    assert p.target_penalty == APPROX(40 * 3)
    ss = [e.text for e in p.explanations if e.kind == "safety_stock"]
    assert ss == [
        "safety stock of family A is soft: the plan goes 20 units below its target "
        "of 20 in 2027-01 (2 periods) to serve customers sooner; the penalty $3 per "
        "unit and period ranks below a customer served late (setting "
        "safety_stock=hard or --hard-safety-stock keeps it)"
    ]


def test_hard_safety_stock_holds_stock_while_customers_wait() -> None:
    # hard: 20 stay in stock, so 50 wait in January and 50 in February
    wb, dem = make_workbook({"A": SS}, {"A": [150, 100, 50]}, settings={"safety_stock": "hard"})
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "inventory") == [20, 20, 20]
    assert col(p.plan, "A", "backlog") == [50, 50, 0]
    assert p.total_cost == APPROX(3000 + 100 * 4 + 60 * 1)
    ss = [e.text for e in p.explanations if e.kind == "safety_stock"]
    assert ss[0] == (
        "safety stock of family A is hard: the plan holds 20 units while customers "
        "wait for 50 in 2027-01 (setting safety_stock=soft serves them from the "
        "stock first)"
    )
    # the option overrides the setting, both ways
    soft = plan_supply(wb, dem, hard_safety_stock=False)
    assert col(soft.plan, "A", "backlog") == [30, 30, 0]


def test_soft_ending_target_is_kept_when_nothing_is_at_stake() -> None:
    # safety 20 and ending target 40 (must-meet family): reached, as a hard bound would
    wb, dem = make_workbook(
        {
            "A": {
                "regular_cost": 10,
                "holding_cost": 1,
                "safety_stock": 20,
                "min_ending_inventory": 40,
            }
        },
        {"A": [50, 50]},
    )
    p = plan_supply(wb, dem)
    assert col(p.plan, "A", "inventory") == [20, 40]
    assert p.target_penalty == 0


# ---- what stays infeasible: contradictory input ---------------------------------------------


def _frozen(**cols: float) -> FrozenPlan:
    return FrozenPlan(
        1,
        pd.DataFrame({"family": ["A"], "period": ["2027-01"], **{k: [v] for k, v in cols.items()}}),
    )


def test_min_workers_above_max_workers() -> None:
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 1}},
        {"A": [10]},
        workforce={"P": {"regular_hours_per_worker": 160, "min_workers": 5, "max_workers": 3}},
    )
    p = plan_supply(wb, dem)
    assert p.status == "infeasible"
    assert p.diagnosis == ["pool P in 2027-01: min_workers 5 is above max_workers 3"]


def test_ending_target_above_storage() -> None:
    wb, dem = make_workbook({"A": {"min_ending_inventory": 50, "max_inventory": 20}}, {"A": [5, 5]})
    assert plan_supply(wb, dem).diagnosis == [
        "family A in 2027-02: min_ending_inventory 50 is above max_inventory 20"
    ]


def test_frozen_production_above_its_capacity() -> None:
    wb, dem = make_workbook({"A": {"regular_capacity": 100}}, {"A": [150, 0]})
    p = plan_supply(wb, dem, frozen=_frozen(regular_production=150))
    assert p.status == "infeasible"
    assert p.diagnosis == [
        "family A in 2027-01: frozen regular production 150 is above the regular capacity 100"
    ]


def test_frozen_production_above_a_resource() -> None:
    wb, dem = make_workbook(
        {"A": {}},
        {"A": [120, 0]},
        resources=[{"resource": "R", "capacity_hours": 100}],
        routings=[{"family": "A", "resource": "R", "hours_per_unit": 1}],
    )
    p = plan_supply(wb, dem, frozen=_frozen(production=120))
    assert p.status == "infeasible"
    assert p.diagnosis == [
        "resource R in 2027-01: the frozen plan needs 20 hours more than its capacity of 100 h"
    ]


def test_frozen_production_above_the_workforce() -> None:
    # 100 units x 4 h = 400 h; 2 frozen workers give 320 h and no overtime
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
        {"A": [100, 0]},
        workforce={"P": {"regular_hours_per_worker": 160, "initial_workers": 2}},
    )
    frozen = FrozenPlan(
        1,
        _frozen(production=100).production,
        pd.DataFrame({"pool": ["P"], "period": ["2027-01"], "workers": [2.0]}),
    )
    p = plan_supply(wb, dem, frozen=frozen)
    assert p.status == "infeasible"
    assert p.diagnosis == [
        "pool P in 2027-01: the frozen plan needs 80 labor hours more than "
        "the workforce gives (2 workers x 160 h, max_workers inf, overtime "
        "cap 0 h per worker)"
    ]


def test_frozen_workers_outside_their_limits() -> None:
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
        {"A": [10, 10]},
        workforce={"P": {"regular_hours_per_worker": 160, "max_workers": 5}},
    )
    frozen = FrozenPlan(
        1,
        pd.DataFrame(columns=["family", "period"]),
        pd.DataFrame({"pool": ["P"], "period": ["2027-01"], "workers": [9.0]}),
    )
    assert plan_supply(wb, dem, frozen=frozen).diagnosis == [
        "pool P in 2027-01: frozen workers 9 are outside min_workers 0 .. max_workers 5"
    ]


def test_frozen_production_more_than_storage_takes() -> None:
    wb, dem = make_workbook({"A": {"max_inventory": 50}}, {"A": [10, 10]})
    p = plan_supply(wb, dem, frozen=_frozen(production=100))
    assert p.status == "infeasible"
    assert p.diagnosis == [
        "family A in 2027-01: 40 units more than demand and storage "
        "(max_inventory 50) can take, from the frozen production"
    ]


def test_hard_target_out_of_reach() -> None:
    # no demand, capacity 10 a month, hard safety stock 50: 40 short in January
    wb, dem = make_workbook(
        {"A": {"regular_capacity": 10, "safety_stock": 50}},
        {"A": [0, 0]},
        settings={"safety_stock": "hard"},
    )
    p = plan_supply(wb, dem)
    assert p.status == "infeasible"
    assert p.diagnosis[0] == (
        "family A in 2027-01: 40 units short of the hard inventory "
        "target 50 (setting safety_stock=hard) under the optimal "
        "strategy: regular/overtime capacity of A"
    )
    soft = plan_supply(wb, dem, hard_safety_stock=False)
    assert soft.status == "optimal"
    assert col(soft.plan, "A", "below_target") == [40, 30]
