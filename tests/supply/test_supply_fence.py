"""The time fence per family: a new cycle's first ``frozen_periods`` periods keep the last
approved plan's production, matched by period label (numbers worked out in the comments)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from supply_helpers import col, make_workbook

from snop.model.periods import parse_period, period_range
from snop.supply import SupplyPlan, frozen_zone, plan_supply

# No backlog (blank backlog_cost), holding 1 a unit a month, no capacity limit: the cheapest
# plan makes each month's demand in that month (chase), so every number below is by hand.
CHASE = {"regular_cost": 10, "holding_cost": 1}


def _last(fence_a: int, fence_b: int = 0) -> tuple[dict[str, dict[str, Any]], SupplyPlan]:
    """The last approved plan, 2027-01..04: A makes 100 120 80 90, B 50 a month."""
    fams = {"A": {**CHASE, "frozen_periods": fence_a}, "B": {**CHASE, "frozen_periods": fence_b}}
    wb, dem = make_workbook(fams, {"A": [100, 120, 80, 90], "B": [50, 50, 50, 50]})
    last = plan_supply(wb, dem)
    assert col(last.plan, "A", "production") == [100, 120, 80, 90]
    assert col(last.plan, "B", "production") == [50, 50, 50, 50]
    return fams, last


def _balance_holds(plan: pd.DataFrame, opening: dict[str, float]) -> None:
    """I_t - B_t = I_{t-1} - B_{t-1} + P_t + S_t - D_t + lost_t + unmet_t, per family."""
    for fam, g in plan.groupby("family"):
        net = g["inventory"].to_numpy() - g["backlog"].to_numpy()
        before = np.concatenate([[opening[str(fam)]], net[:-1]])
        inflow = g["production"] + g["subcontract"] - g["demand"] + g["lost_sales"] + g["unmet"]
        assert net == pytest.approx(before + inflow.to_numpy(), abs=1e-6), fam


def test_fenced_periods_keep_the_last_plan_and_later_ones_move() -> None:
    fams, last = _last(fence_a=2)
    # the next cycle, one month later: 2027-02..05, A opens with 10 in stock
    opening = {"A": 10.0, "B": 0.0}
    fams["A"]["initial_inventory"] = 10
    wb, dem = make_workbook(fams, {"A": [100, 60, 70, 50], "B": [30, 40, 20, 10]}, first="2027-02")
    fence = frozen_zone(wb, last, wb.planning_periods)
    assert fence is not None and fence.periods == 2
    # A's first two months of the new cycle are the last plan's 2027-02 and 2027-03
    kept = fence.production.set_index(["family", "period"])
    assert sorted(kept.index) == [("A", "2027-02"), ("A", "2027-03")]
    assert kept["regular_production"].tolist() == [120, 80]
    p = plan_supply(wb, dem, frozen=fence)
    assert p.status == "optimal"
    # fenced: 120 and 80, whatever the new demand; stock 10+120-100 = 30, 30+80-60 = 50.
    # free: April makes 70-50 = 20 (no stock left), May 50
    assert col(p.plan, "A", "production") == [120, 80, 20, 50]
    assert col(p.plan, "A", "inventory") == [30, 50, 0, 0]
    # B has fence 0: free, it follows its new demand (not the last plan's 50s)
    assert col(p.plan, "B", "production") == [30, 40, 20, 10]
    # without the fence, A would chase too: 100-10 = 90, then 60 70 50
    free = plan_supply(wb, dem)
    assert col(free.plan, "A", "production") == [90, 60, 70, 50]
    _balance_holds(p.plan, opening)
    assert p.total_cost == pytest.approx(10 * (270 + 100) + 1 * (30 + 50))


def test_a_fence_longer_than_the_overlap_stops_where_the_last_plan_ends() -> None:
    fams, last = _last(fence_a=5)
    # two months later: 2027-03..06; the last plan reaches 2027-04 only
    wb, dem = make_workbook(fams, {"A": [80, 90, 40, 30], "B": [5, 5, 5, 5]}, first="2027-03")
    fence = frozen_zone(wb, last, [p.label for p in wb.planning_periods])
    assert fence is not None and fence.periods == 2
    assert fence.production["period"].tolist() == ["2027-03", "2027-04"]
    p = plan_supply(wb, dem, frozen=fence)
    assert col(p.plan, "A", "production") == [80, 90, 40, 30]  # = last plan, then demand
    _balance_holds(p.plan, {"A": 0.0, "B": 0.0})


def test_the_overlap_alone_fixes_the_values_not_the_position() -> None:
    # a fence of 1 from 2027-03 keeps the last plan's 2027-03 (80), not its first month (100)
    fams, last = _last(fence_a=1)
    wb, dem = make_workbook(fams, {"A": [0, 0], "B": [0, 0]}, first="2027-03")
    fence = frozen_zone(wb, last.plan, wb.planning_periods)  # the plan table alone
    assert fence is not None and fence.workforce is None
    assert fence.production[["family", "period"]].values.tolist() == [["A", "2027-03"]]
    p = plan_supply(wb, dem, frozen=fence)
    assert col(p.plan, "A", "production") == [80, 0]
    assert col(p.plan, "A", "inventory") == [80, 80]  # made to plan, kept: no demand


def test_no_fence_no_overlap_is_none() -> None:
    fams, last = _last(fence_a=0)
    wb, _ = make_workbook(fams, {"A": [1], "B": [1]}, first="2027-02")
    assert frozen_zone(wb, last, wb.planning_periods) is None  # no family is fenced
    fams["A"]["frozen_periods"] = 3
    later, _ = make_workbook(fams, {"A": [1], "B": [1]}, first="2027-05")
    assert frozen_zone(later, last, later.planning_periods) is None  # nothing overlaps


def test_pool_workers_are_fixed_while_every_family_of_the_pool_is_fenced() -> None:
    # C and D are made by pool P (1 h a unit, 100 h a worker); E by no pool. Fences: C 3,
    # D 1, E 2. Wages 1 an hour, hiring and layoffs free, holding 1: the plan chases.
    pool = {"P": {"regular_hours_per_worker": 100, "regular_wage": 1}}
    member = {"workforce_pool": "P", "labor_hours_per_unit": 1, "holding_cost": 1}
    fams: dict[str, dict[str, Any]] = {
        "C": {**member, "frozen_periods": 3},
        "D": {**member, "frozen_periods": 1},
        "E": {**CHASE, "frozen_periods": 2},
    }
    keep = {"ending_workforce": "none"}
    wb, dem = make_workbook(
        fams, {"C": [100] * 4, "D": [100] * 4, "E": [7] * 4}, workforce=pool, settings=keep
    )
    last = plan_supply(wb, dem)
    assert last.workforce["workers"].round(6).tolist() == [2, 2, 2, 2]  # 200 h a month
    new, dem2 = make_workbook(
        {**fams, "D": {**member, "frozen_periods": 1}},
        {"C": [100] * 4, "D": [100, 300, 0, 0], "E": [7] * 4},
        workforce={"P": {**pool["P"], "initial_workers": 2}},
        first="2027-02",
        settings=keep,
    )
    fence = frozen_zone(new, last, new.planning_periods)
    assert fence is not None and fence.workforce is not None
    # workers: the smaller fence of C and D, one month; production: C 3, D 1, E 2 months
    assert fence.workforce.values.tolist() == [["P", "2027-02", 2.0]]
    assert fence.periods == 3
    counts = fence.production.groupby("family").size().to_dict()
    assert counts == {"C": 3, "D": 1, "E": 2}
    p = plan_supply(new, dem2, frozen=fence)
    assert p.status == "optimal"
    # February fixed at 2 workers; March: C's fenced 100 + D's free 300 = 400 h, 4 workers;
    # then C 100 alone: 1 worker (C fenced in April, free in May)
    assert col(p.plan, "D", "production") == [100, 300, 0, 0]
    assert p.workforce["workers"].round(6).tolist() == [2, 4, 1, 1]
    _balance_holds(p.plan, {"C": 0.0, "D": 0.0, "E": 0.0})


def test_periods_may_be_given_as_period_objects_or_labels() -> None:
    fams, last = _last(fence_a=2)
    wb, _ = make_workbook(fams, {"A": [1, 1], "B": [1, 1]}, first="2027-02")
    by_label = frozen_zone(wb, last, ["2027-02", "2027-03"])
    by_period = frozen_zone(wb, last, [parse_period("2027-02"), parse_period("2027-03")])
    assert by_label is not None and by_period is not None
    pd.testing.assert_frame_equal(by_label.production, by_period.production)


def test_solver_noise_at_a_limit_does_not_break_the_fence() -> None:
    # the last plan made the whole capacity, 100, stored as 100 + 5e-8 (within HiGHS'
    # feasibility tolerance); fixed as such it would lie above the capacity
    fams = {"A": {"regular_capacity": 100, "frozen_periods": 1, "regular_cost": 1}}
    wb, dem = make_workbook(fams, {"A": [100, 100]}, first="2027-02")
    last = pd.DataFrame(
        {"family": ["A"], "period": ["2027-02"], "regular_production": [100 + 5e-8]}
    )
    fence = frozen_zone(wb, last, wb.planning_periods)
    assert fence is not None
    assert fence.production["regular_production"].tolist() == [100.0]
    p = plan_supply(wb, dem, frozen=fence)
    assert p.status == "optimal" and col(p.plan, "A", "production") == [100, 100]


@settings(max_examples=20, deadline=None)
@given(
    fences=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    pooled=st.lists(st.booleans(), min_size=4, max_size=4),
    last_len=st.integers(1, 6),
    offset=st.integers(1, 7),
    horizon=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_the_fence_is_each_familys_overlap_by_label(
    fences: list[int], pooled: list[bool], last_len: int, offset: int, horizon: int, seed: int
) -> None:
    names = [f"F{i}" for i in range(len(fences))]
    in_pool = {f: pooled[i] for i, f in enumerate(names)}
    fams = {
        f: {
            "frozen_periods": k,
            **({"workforce_pool": "P", "labor_hours_per_unit": 1} if in_pool[f] else {}),
        }
        for f, k in zip(names, fences, strict=True)
    }
    wb, _ = make_workbook(
        fams,
        horizon=horizon,
        first=str(parse_period("2027-01") + offset),
        workforce={"P": {"regular_hours_per_worker": 100}},
    )
    rng = np.random.default_rng(seed)
    old = [p.label for p in period_range(parse_period("2027-01"), last_len)]
    plan = pd.DataFrame(
        [(f, p, *rng.uniform(0, 100, 3)) for f in names for p in old],
        columns=["family", "period", "regular_production", "overtime_production", "subcontract"],
    )
    workforce = pd.DataFrame({"pool": "P", "period": old, "workers": rng.uniform(0, 9, last_len)})
    new = [p.label for p in wb.planning_periods]
    fence = frozen_zone(wb, plan, new, workforce)
    # expected, straight from the definition: period t of the new cycle, if the old plan has it
    want = {
        (f, new[t])
        for f, k in zip(names, fences, strict=True)
        for t in range(min(k, horizon))
        if new[t] in old
    }
    pool_k = min((k for f, k in zip(names, fences, strict=True) if in_pool[f]), default=0)
    want_w = {new[t] for t in range(min(pool_k, horizon)) if new[t] in old}
    if not want and not want_w:
        assert fence is None
        return
    assert fence is not None
    got = fence.production.merge(plan, on=["family", "period"], suffixes=("", "_old"))
    assert set(zip(fence.production["family"], fence.production["period"], strict=True)) == want
    for c in ("regular_production", "overtime_production", "subcontract"):
        assert got[c].to_numpy() == pytest.approx(got[f"{c}_old"].to_numpy(), abs=1e-6)
    fixed_w = [] if fence.workforce is None else list(fence.workforce["period"])
    assert set(fixed_w) == want_w
    reach = [new.index(p) for p in [*fence.production["period"], *fixed_w]]
    assert fence.periods == max(reach) + 1
