"""Scenario deltas apply exactly (by hand on the small workbook), refuse what cannot apply
with the row and the reason, and change nothing when they are neutral (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snop.io import read_workbook
from snop.model.workbook import Workbook
from snop.scenario.deltas import Delta, apply_deltas, delta_problems
from snop.scenario.parse import parse_delta
from snop.supply import plan_supply
from snop.supply.report import demand_for
from tests.workbooks import write_small

PERIODS = ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
DEMAND = pd.DataFrame(
    {
        "item": ["A1", "A2", "A1", "A2", "B2"],
        "period": ["2026-11", "2026-11", "2026-12", "2026-12", "2026-11"],
        "qty": [100.0, 50.0, 80.0, 20.0, 30.0],
    }
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return read_workbook(write_small(tmp_path_factory.mktemp("wb") / "wb"))


def test_each_kind_of_delta_by_hand(small: Workbook) -> None:
    deltas = [
        parse_delta("s", "demand", "family=F1 2026-11 +20%"),
        parse_delta("s", "demand", "item=A1 2026-12 +10"),
        parse_delta("s", "demand", "category=large 2026-12 =40"),
        parse_delta("s", "capacity", "R1 2026-11..2027-01 -100"),
        parse_delta("s", "workers", "P1 max =3"),
        parse_delta("s", "cost", "family=F2 regular_cost 2027-01.. +10%"),
        parse_delta("s", "price", "family=F1 2026-11 -10%"),
        parse_delta("s", "subcontract", "F2 2026-12 =5"),
    ]
    a = apply_deltas(small, DEMAND, [d for d in deltas], PERIODS)
    got = a.demand.set_index(["item", "period"])["qty"]
    # F1 in 2026-11: 100 and 50 each +20%
    assert (got[("A1", "2026-11")], got[("A2", "2026-11")]) == (120.0, 60.0)
    # A1 +10 in 2026-12 (90), then the large items (A2 only) set to 40 in total
    assert (got[("A1", "2026-12")], got[("A2", "2026-12")]) == (90.0, 40.0)
    assert got[("B2", "2026-11")] == 30.0  # untouched
    res = a.workbook.table("resources").set_index(["resource", "period"])["capacity_hours"]
    # R1: 500 a period, 300 in 2027-01 (the workbook's own row), each less 100
    assert [res[("R1", p)] for p in PERIODS[:3]] == [400.0, 400.0, 200.0]
    wp = a.workbook.table("workforce_periods").set_index(["pool", "period"])["max_workers"]
    assert all(wp[("P1", p)] == 3.0 for p in PERIODS)
    fp = a.workbook.table("family_periods").set_index(["family", "period"])
    assert fp.at[("F2", "2027-01"), "regular_cost"] == pytest.approx(2.2)
    assert ("F2", "2026-11") not in fp.index  # the cost changes from 2027-01 on
    assert fp.at[("F2", "2026-12"), "subcontract_capacity"] == 5.0
    prices = a.workbook.table("prices").set_index(["item", "period"])["unit_price"]
    assert (prices[("A1", "2026-11")], prices[("A2", "2026-11")]) == pytest.approx((9.0, 10.8))
    # the base workbook is unchanged
    assert not small.has("prices") and not small.has("workforce_periods")


def test_deltas_that_cannot_apply_name_the_row_and_the_reason(small: Workbook) -> None:
    bad = [
        Delta("s", "capacity", "resource", "XX", delta=10.0, row=2),
        Delta("s", "demand", "family", "F1", qty=5.0, row=3),
        Delta("s", "demand", "family", "F1", qty=6.0, row=4),
        Delta("t", "demand", "item", "A1", "2030-01", pct=5.0, row=5),
        Delta("t", "demand", "family", "F9", pct=5.0, row=6),
        Delta("t", "workers", "pool", "P1", column="max_workers", delta=1.0, row=7),
        Delta("t", "cost", "family", "F1", column="colour", pct=1.0, row=8),
    ]
    found = delta_problems(small, bad, PERIODS)
    assert found[0].startswith("row 2: resource 'XX' is not in the resources table (R1)")
    assert found[1] == "row 4: sets demand family F1 2026-11 to 6, but row 3 sets it to 5"
    assert found[2].startswith("row 5: period 2030-01 is not a period of the plan")
    assert found[3] == "row 6: family 'F9' is not in the items table"
    # P1's max_workers is 4 per the workbook: +1 applies; a blank (unlimited) one would not
    assert not any(f.startswith("row 7") for f in found)
    assert found[4].startswith("row 8: cost: column of families must be one of")


def neutral() -> st.SearchStrategy[Delta]:
    """Deltas that change nothing: +0 %, +0, or a value set to what it is."""
    return st.one_of(
        st.sampled_from(["family=F1", "family=F2", "item=A1", "total=x", "category=small"]).map(
            lambda t: parse_delta("n", "demand", f"{t} +0%")
        ),
        st.sampled_from(PERIODS).map(lambda p: parse_delta("n", "capacity", f"R1 {p} +0")),
        st.just(parse_delta("n", "workers", "P1 max =4")),
        st.sampled_from(["material_cost", "holding_cost"]).map(
            lambda c: parse_delta("n", "cost", f"family=F1 {c} +0%")
        ),
        st.just(parse_delta("n", "price", "family=F2 +0%")),
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(neutral(), min_size=0, max_size=4))
def test_neutral_deltas_plan_exactly_the_base(small: Workbook, deltas: list[Delta]) -> None:
    family, _ = demand_for(small)
    base = plan_supply(small, family)
    a = apply_deltas(small, DEMAND, deltas, PERIODS)
    again = plan_supply(a.workbook, family)
    assert again.total_cost == pytest.approx(base.total_cost, abs=0.005)
    cols = ["production", "subcontract", "inventory", "backlog", "shipped"]
    pd.testing.assert_frame_equal(base.plan[cols], again.plan[cols], atol=0.005, rtol=0)


def test_short_changes_parse_as_documented(tmp_path: Path) -> None:
    d = parse_delta("s", "promotion", "item=COOK-003 2027-04 +300 Spring sale")
    assert (d.level, d.key, d.period, d.delta, d.note) == (
        "item",
        "COOK-003",
        "2027-04",
        300.0,
        "Spring sale",
    )
    d = parse_delta("s", "workers", "NORTH max =45")
    assert (d.level, d.key, d.column, d.qty) == ("pool", "NORTH", "max_workers", 45.0)
    d = parse_delta("s", "cost", "pool=NORTH regular_wage 2027-01..2027-03 +3%")
    assert (d.level, d.key, d.column, d.period, d.to_period, d.pct) == (
        "pool", "NORTH", "regular_wage", "2027-01", "2027-03", 3.0,
    )  # fmt: skip
    with pytest.raises(Exception, match="give the change as"):
        parse_delta("s", "demand", "family=COOK 2027-01")
    with pytest.raises(Exception, match="is not a kind of change"):
        parse_delta("s", "colour", "x +1")


def test_a_warm_start_from_the_base_finds_the_same_optimum(small: Workbook) -> None:
    family, _ = demand_for(small)
    base = plan_supply(small, family)
    assert base.basis is not None
    a = apply_deltas(small, DEMAND, [parse_delta("w", "capacity", "R1 2027-01 +50")], PERIODS)
    cold = plan_supply(a.workbook, family)
    warm = plan_supply(a.workbook, family, basis=base.basis)
    assert warm.total_cost == pytest.approx(cold.total_cost, rel=1e-9)
    # a basis of another model's shape (another strategy) is not used: the solve starts cold
    chase = plan_supply(a.workbook, family, "chase", basis=base.basis)
    assert chase.total_cost == pytest.approx(plan_supply(a.workbook, family, "chase").total_cost)
