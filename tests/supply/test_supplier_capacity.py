"""Supplier capacity (``supplier_capacity``) as a constraint of the plan, by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from supply_helpers import col, make_workbook, table

from snop.model.workbook import Workbook
from snop.supply import plan_supply
from snop.supply.data import planning_data, supplier_resource

APPROX = pytest.approx
# in house 10/unit up to 200, subcontract 15/unit: the supplier's 60 units bind
FAMILY = {
    "regular_capacity": 200,
    "regular_cost": 10,
    "subcontract_cost": 15,
    "holding_cost": 1,
}


def _with_suppliers(wb: Workbook, rows: list[dict[str, Any]]) -> Workbook:
    wb.tables["supplier_capacity"] = table("supplier_capacity", rows)
    return wb


def test_supplier_limit_binds_and_its_shadow_price_is_the_saving() -> None:
    # demand 100/month, supplier 60: make 60 at 10, subcontract 40 at 15 each month
    wb, dem = make_workbook({"A": FAMILY}, {"A": [100, 100, 100]})
    wb = _with_suppliers(wb, [{"supplier": "ACME", "family": "A", "qty": 60}])
    p = plan_supply(wb, dem, "optimal")
    assert p.status == "optimal"
    assert col(p.plan, "A", "regular_production") == [60, 60, 60]
    assert col(p.plan, "A", "subcontract") == [40, 40, 40]
    assert p.total_cost == APPROX(3 * (60 * 10 + 40 * 15))
    cap = p.capacity[p.capacity["kind"] == "supplier"]
    assert list(cap["resource"]) == [supplier_resource("ACME", "A")] * 3
    assert list(cap["capacity"]) == APPROX([60] * 3)
    assert list(cap["utilization"]) == APPROX([1.0] * 3)
    assert list(cap["required_load"]) == APPROX([100] * 3)
    assert list(cap["overload"]) == APPROX([40] * 3)
    # one more unit from the supplier replaces a subcontracted unit: 15 - 10 = 5
    assert list(cap["shadow_price"]) == APPROX([5.0] * 3)
    # checked by re-solving with 61 units in February (a dated row replaces the blank one)
    wb2, dem2 = make_workbook({"A": FAMILY}, {"A": [100, 100, 100]})
    wb2 = _with_suppliers(
        wb2,
        [
            {"supplier": "ACME", "family": "A", "qty": 60},
            {"supplier": "ACME", "family": "A", "period": "2027-02", "qty": 61},
        ],
    )
    p2 = plan_supply(wb2, dem2, "optimal")
    assert col(p2.plan, "A", "regular_production") == [60, 61, 60]
    saved = p.total_cost - p2.total_cost
    assert saved == APPROX(cap["shadow_price"].iloc[1]) and saved == APPROX(5.0)
    sentences = [e for e in p.explanations if e.kind == "supplier"]
    assert sentences and all(e.family == "A" for e in sentences)
    assert "supplier ACME for family A" in sentences[0].text
    assert "one more unit from it would save $5" in sentences[0].text


def test_backlog_when_nothing_else_can_supply() -> None:
    # no subcontracting, backlog 2/unit/month: 100 then 0 demand, supplier 60 each month;
    # make 60 + 40 late in February (40 x 2 backlog); a unit more in January saves 2
    fam = {"regular_capacity": 200, "regular_cost": 10, "backlog_cost": 2}
    wb, dem = make_workbook({"A": fam}, {"A": [100, 0]})
    wb = _with_suppliers(wb, [{"supplier": "ACME", "family": "A", "qty": 60}])
    p = plan_supply(wb, dem, "optimal")
    assert col(p.plan, "A", "production") == [60, 40]
    assert col(p.plan, "A", "backlog") == [40, 0]
    assert p.total_cost == APPROX(1000 + 80)
    cap = p.capacity[p.capacity["kind"] == "supplier"]
    assert list(cap["shadow_price"]) == APPROX([2.0, 0.0])
    short = [e for e in p.explanations if e.kind == "shortage"]
    assert short and "supplier ACME for family A" in short[0].text


def test_each_supplier_of_a_family_bounds_it() -> None:
    # two suppliers of A: 80 and 70 (70 in every month but 50 in March); the least binds
    wb, dem = make_workbook({"A": FAMILY, "B": FAMILY}, {"A": [100] * 3, "B": [100] * 3})
    wb = _with_suppliers(
        wb,
        [
            {"supplier": "ACME", "family": "A", "qty": 80},
            {"supplier": "BOLT", "family": "A", "qty": 70},
            {"supplier": "BOLT", "family": "A", "period": "2027-03", "qty": 50},
        ],
    )
    p = plan_supply(wb, dem, "optimal")
    assert col(p.plan, "A", "regular_production") == [70, 70, 50]
    assert col(p.plan, "B", "regular_production") == [100, 100, 100]
    cap = p.capacity[p.capacity["kind"] == "supplier"].set_index(["resource", "period"])
    acme, bolt = supplier_resource("ACME", "A"), supplier_resource("BOLT", "A")
    assert cap.loc[(bolt, "2027-03"), "shadow_price"] == APPROX(5.0)
    assert cap.loc[(acme, "2027-01"), "shadow_price"] == APPROX(0.0)
    assert cap.loc[(acme, "2027-03"), "utilization"] == APPROX(50 / 80)


def test_planning_data_loads_one_unit_per_unit_made() -> None:
    wb, dem = make_workbook({"A": FAMILY}, {"A": [100, 100]})
    wb = _with_suppliers(
        wb,
        [
            {"supplier": "ACME", "family": "A", "period": "2027-02", "qty": 30},
            {"supplier": "ACME", "family": "ZZ", "qty": 30},  # unknown family: not planned
        ],
    )
    d = planning_data(wb, dem)
    r = d.resources.index(supplier_resource("ACME", "A"))
    assert len(d.resources) == 1
    assert list(d.capacity[r]) == [float("inf"), 30.0]
    assert list(d.routing_hours[d.routing_resource == r]) == [1.0]


def test_plan_cli_writes_the_supplier_rows_and_sentences(tmp_path: Path) -> None:
    from tests.cli import snop

    from snop.io import write_workbook

    wb, _ = make_workbook({"A": FAMILY}, {"A": [100, 100, 100]})
    wb = _with_suppliers(wb, [{"supplier": "ACME", "family": "A", "qty": 60}])
    write_workbook(wb, tmp_path / "wb")
    out = tmp_path / "out"
    r = snop("plan", "--workbook", tmp_path / "wb", "--json", "--out", out)
    assert r.exit_code == 0, r.stderr
    (plan,) = r.json()["strategies"]
    assert any("one more unit from it would save $5" in e for e in plan["explanations"])
    cap = pd.read_csv(out / "optimal_capacity.csv")
    sup = cap[cap["kind"] == "supplier"]
    assert list(sup["resource"]) == ["supplier:ACME/A"] * 3
    assert list(sup["shadow_price"]) == APPROX([5.0] * 3)


def test_the_stored_workbook_plans_with_its_supplier_limits(tmp_path: Path) -> None:
    # the small workbook's F2 (about 40 units a month) limited to 30 by BOLT, 25 in 2027-01
    from tests.demand.cycles import ANN
    from tests.workbooks import write_small

    from snop.services.forecast import run_baseline
    from snop.services.supply import plan_cycle_supply
    from snop.services.workbook import import_workbook
    from snop.store.uow import UnitOfWork

    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    sup = "supplier,family,period,qty\nBOLT,F2,,30\nBOLT,F2,2027-01,25\n"
    import_workbook(uow, ANN, write_small(tmp_path / "wb", {"supplier_capacity": sup}))
    run_baseline(uow, ANN, method="naive")
    p = plan_cycle_supply(uow, ANN, ["optimal"]).plans["optimal"]
    cap = p.capacity[p.capacity["kind"] == "supplier"].set_index("period")
    assert list(cap["capacity"]) == [30, 30, 25, 30, 30, 30]
    made = p.plan[p.plan["family"] == "F2"].set_index("period")
    in_house = made["regular_production"] + made["overtime_production"]
    assert (in_house <= cap["capacity"] + 1e-6).all()
    assert list(cap["load"]) == APPROX(list(in_house))
    assert (cap["shadow_price"] >= 0).all() and (cap["shadow_price"] > 0).any()
    binding = cap.loc[cap["shadow_price"] > 0, "utilization"]
    assert list(binding) == APPROX([1.0] * len(binding))


@settings(max_examples=6, deadline=None)
@given(
    demand=st.lists(st.integers(0, 200), min_size=2, max_size=3),
    qty=st.integers(0, 150),
)
def test_in_house_production_never_exceeds_the_supplier_and_more_never_costs_more(
    demand: list[int], qty: int
) -> None:
    def plan(q: float) -> tuple[float, list[float]]:
        wb, dem = make_workbook({"A": FAMILY}, {"A": [float(d) for d in demand]})
        wb = _with_suppliers(wb, [{"supplier": "S", "family": "A", "qty": q}])
        p = plan_supply(wb, dem, "optimal")
        assert p.status == "optimal"
        return p.total_cost, col(p.plan, "A", "regular_production")

    cost, made = plan(float(qty))
    assert all(m <= qty + 1e-6 for m in made)
    more, _ = plan(qty + 10.0)
    # ten more units a period save at most 10 x (15 - 10) per period, and never cost more
    assert cost - 50 * len(demand) - 1e-6 <= more <= cost + 1e-6
