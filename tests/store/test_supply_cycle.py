"""The supply review of a stored cycle: plans kept as the cycle's drafts, on the consensus."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snop.demand.replay import Override
from snop.services import demand_review as dr
from snop.services.context import Actor
from snop.services.forecast import run_baseline
from snop.services.supply import draft_plans, plan_cycle_supply
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.services import ME
from tests.workbooks import write_small


def test_plan_cycle_stores_plans_and_feedback(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork.open(db_url)
    import_workbook(uow, ME, write_small(tmp_path / "wb"))
    run_baseline(uow, ME, method="naive")
    result = plan_cycle_supply(uow, ME)
    assert result.source == "the consensus demand plan of cycle 2026-11 (draft, not yet approved)"
    assert set(result.plans) == {"level", "chase", "optimal"}
    opt = result.plans["optimal"].plan
    with uow.read() as tx:
        stored = draft_plans(tx, "2026-11")
    assert set(stored) == {"level", "chase", "optimal"}
    back = stored["optimal"]
    assert back.status == "optimal" and back.total_cost == result.plans["optimal"].total_cost
    merged = opt.merge(back.plan, on=["family", "period"], suffixes=("", "_stored"))
    np.testing.assert_array_equal(merged["production"], merged["production_stored"])
    # inventory balance of the stored plan, family F1: I_t - B_t = I_{t-1} - B_{t-1} + P + C - D
    f1 = back.plan[back.plan["family"] == "F1"]
    net = (f1["inventory"] - f1["backlog"]).to_numpy()
    prev = np.concatenate([[100.0], net[:-1]])  # initial inventory of F1
    np.testing.assert_allclose(
        net,
        prev + f1["production"] + f1["subcontract"] - f1["demand"] + f1["lost_sales"],
        atol=1e-6,
    )
    cd = back.constrained_demand
    assert len(cd) == 2 * 6
    np.testing.assert_allclose(cd["demand"] - cd["constrained"], cd["gap"], atol=1e-6)
    assert back.explanations == result.plans["optimal"].explanations
    plan_cycle_supply(uow, ME, ["optimal"])  # re-planning replaces the drafts, never adds
    with uow.read() as tx:
        assert set(draft_plans(tx, "2026-11")) == {"optimal"}


def test_supply_plans_the_consensus_with_its_overrides(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork.open(db_url)
    import_workbook(uow, ME, write_small(tmp_path / "wb"))
    run_baseline(uow, ME, method="naive")
    promo = Override(
        "marketing", "family", "F1", "2027-01", "2027-02", "qty", 400.0,
        reason="promo", event="winter sale",
    )  # fmt: skip
    dr.add_override(uow, Actor.of("mia", "marketing"), promo)
    dr.submit(uow, Actor.of("dp", "demand_planner"))
    dr.approve(uow, Actor.of("boss", "executive"))
    result = plan_cycle_supply(uow, ME)
    assert result.source == "the consensus demand plan of cycle 2026-11 (approved)"
    d = result.plans["optimal"].plan.set_index(["family", "period"])["demand"]
    # naive baseline of F1 is its last month (A1 125 + A2 75 = 200); the promo sets 400
    assert d[("F1", "2026-12")] == 200.0
    assert d[("F1", "2027-01")] == 400.0 and d[("F1", "2027-02")] == 400.0
