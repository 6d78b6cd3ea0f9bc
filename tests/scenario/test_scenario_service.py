"""Scenarios on the small workbook's cycle: run beside the base, compared, promoted (audited,
refused when stale), refused when they cannot apply; and the commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.errors import SnopError
from snop.learning.frames import TOTAL
from snop.scenario.parse import parse_delta
from snop.services import demand_review as dr
from snop.services.cycles import audit_trail, signoff
from snop.services.finance import finance_report
from snop.services.forecast import run_baseline
from snop.services.scenarios import (
    compare_scenarios,
    create_scenario,
    list_scenarios,
    promote_scenario,
    run_scenario,
)
from snop.services.sheet import family_sheet
from snop.services.supply import current_plans, plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.cycle.test_cycles import DP, EX, SP, approved_store
from tests.stores import built_store
from tests.workbooks import write_small


def _draft(uow: UnitOfWork, folder: Path) -> None:
    """Cycle 2026-11 forecast, its demand approved and supply planned, not yet approved."""
    import_workbook(uow, DP, write_small(folder / "wb"))
    signoff(uow, DP, "data")
    run_baseline(uow, DP, method="naive")
    signoff(uow, DP, "forecast")
    dr.submit(uow, DP)
    dr.approve(uow, EX)
    plan_cycle_supply(uow, SP, ("optimal",))


def draft_store(tmp_path: Path) -> UnitOfWork:
    return built_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path, "scenario-draft", _draft)


def test_a_neutral_scenario_reproduces_the_approved_base_to_the_cent(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    create_scenario(uow, SP, "same", [parse_delta("same", "demand", "family=F1 +0%")])
    run = run_scenario(uow, SP, "same")
    assert (run.cycle, run.base, run.strategy) == ("2026-11", "approved", "optimal")
    base = read_version(uow, DP, "2026-11").plan()
    assert run.plan.total_cost == pytest.approx(base.total_cost, abs=0.005)
    c = compare_scenarios(uow, SP, ["same"])
    assert c.plans == ["base", "same"]
    same = c.table[c.table["plan"] == "same"]
    assert (same["vs_base"].abs() < 0.005).all(), same[same["vs_base"].abs() >= 0.005]
    # the money of the run is the version's money
    assert run.money is not None
    assert run.money.total()["revenue"] == pytest.approx(
        finance_report(uow, DP).plan.total()["revenue"], abs=0.005
    )


def test_a_demand_upside_moves_revenue_by_hand(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    create_scenario(uow, SP, "up", [parse_delta("up", "demand", "item=A1 2027-02 +10")])
    run = run_scenario(uow, SP, "up")
    c = compare_scenarios(uow, SP, ["up"])
    t = c.table.set_index(["plan", "family", "measure"])
    # ten more A1 (price 10) in 2027-02, all served: F1 revenue +100
    assert t.at[("up", "F1", "revenue"), "vs_base"] == pytest.approx(100.0, abs=0.01)
    assert t.at[("up", TOTAL, "revenue"), "vs_base"] == pytest.approx(100.0, abs=0.01)
    # the finance and sheet services read the scenario's run like a plan
    money = finance_report(uow, SP, scenario="up")
    assert money.status == "scenario up"
    assert money.plan.total()["revenue"] == pytest.approx(
        finance_report(uow, SP).plan.total()["revenue"] + 100.0, abs=0.01
    )
    grid = family_sheet(uow, SP, "F1", scenario="up").sheet.grid("F1")
    assert grid.at["demand_plan", "2027-02"] == pytest.approx(
        family_sheet(uow, SP, "F1").sheet.grid("F1").at["demand_plan", "2027-02"] + 10
    )
    assert run.plan.plan.set_index(["family", "period"]).at[("F1", "2027-02"), "demand"] == (
        read_version(uow, DP, "2026-11")
        .plan()
        .plan.set_index(["family", "period"])
        .at[("F1", "2027-02"), "demand"]
        + 10
    )


def test_bad_deltas_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    bad = [
        parse_delta("x", "demand", "family=F1 +5%"),
        parse_delta("x", "capacity", "NOPE +10"),
    ]
    with pytest.raises(SnopError, match="row 2: resource 'NOPE' is not in the resources table"):
        create_scenario(uow, SP, "x", bad)
    assert list_scenarios(uow, SP) == []


def test_an_infeasible_scenario_is_stored_with_its_diagnosis(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    create_scenario(uow, SP, "stuck", [parse_delta("stuck", "workers", "P1 min =9")])
    run = run_scenario(uow, SP, "stuck")
    assert run.plan.status == "infeasible" and run.plan.diagnosis
    assert list_scenarios(uow, SP)[0].status == "infeasible"
    c = compare_scenarios(uow, SP, ["stuck"])
    assert "stuck" in c.infeasible and c.plans == ["base"]


def test_promotion_is_audited_and_refused_when_the_base_moved(tmp_path: Path) -> None:
    uow = draft_store(tmp_path)
    create_scenario(uow, SP, "more", [parse_delta("more", "capacity", "R1 2027-01 +100")])
    run = run_scenario(uow, SP, "more")
    with pytest.raises(SnopError, match="supply_planner"):
        promote_scenario(uow, DP, "more")
    # the base moves: new master data (a count of production) arrives
    create_scenario(uow, SP, "late", [parse_delta("late", "capacity", "R1 2027-01 +50")])
    run_scenario(uow, SP, "late")
    made = tmp_path / "made"
    made.mkdir()
    (made / "actual_production.csv").write_text("family,period,qty\nF1,2026-10,140\n")
    import_workbook(uow, DP, made)
    with pytest.raises(
        SnopError, match=r"base of scenario late moved since it ran \(master data changed\)"
    ):
        promote_scenario(uow, SP, "late")
    # a scenario of demand is not promoted: it enters through the demand review
    create_scenario(uow, SP, "dem", [parse_delta("dem", "demand", "family=F1 +5%")])
    run_scenario(uow, SP, "dem")
    with pytest.raises(SnopError, match="overrides in the demand review"):
        promote_scenario(uow, SP, "dem")
    # re-run on the moved base, then promote: the draft is the scenario's plan
    plan_cycle_supply(uow, SP, ("optimal",))
    run = run_scenario(uow, SP, "more")
    promote_scenario(uow, SP, "more")
    draft = current_plans(uow, SP).plans["optimal"]
    assert draft.total_cost == pytest.approx(run.plan.total_cost)
    with uow.read() as tx:
        res = tx.workbook().table("resources")  # type: ignore[union-attr]
    hit = res[(res["resource"] == "R1") & (res["period"] == "2027-01")]
    assert float(hit["capacity_hours"].iloc[0]) == 400.0  # 300 + 100
    actions = [a["action"] for a in audit_trail(uow, SP)]
    assert "scenario promoted" in actions and "scenario created" in actions


def test_scenario_commands(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    approved_store(f"sqlite:///{db}", tmp_path)
    up = ["--demand", "family=F1 2027-01..2027-02 +10%", "--shift", "R1 2027-01.. +40"]
    r = snop("--db", db, "--user", "sid", "scenario", "create", "up", *up, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["deltas"][1] == "shift resource R1 2027-01..2027-04 +40"
    deltas = tmp_path / "d.csv"
    deltas.write_text(
        "kind,level,key,period,to_period,column,qty\nworkers,pool,P1,,,max_workers,3\n"
    )
    assert snop("--db", db, "scenario", "create", "lean", "--deltas", deltas).exit_code == 0
    r = snop("--db", db, "scenario", "run", "up", "lean", "--json")
    assert r.exit_code == 0, r.stderr
    assert [x["status"] for x in r.json()] == ["optimal", "optimal"]
    r = snop("--db", db, "scenario", "compare", "up", "lean", "--json")
    assert r.exit_code == 0 and r.json()["plans"] == ["base", "up", "lean"]
    text = snop("--db", db, "scenario", "compare", "up", "lean")
    assert "revenue" in text.stdout and "fill_rate" in text.stdout
    listed = snop("--db", db, "scenario", "list", "--json").json()
    assert [s["name"] for s in listed] == ["lean", "up"]
    assert snop("--db", db, "scenario", "delete", "lean").exit_code == 0
    bad = snop("--db", db, "scenario", "create", "b", "--demand", "family=F9 +5%")
    assert bad.exit_code == 1 and "family 'F9' is not in the items table" in bad.stderr
    assert not bad.traceback


def test_a_draft_keeps_its_basis_and_a_run_starts_from_it(tmp_path: Path) -> None:
    from snop.services.supply import plan_basis_of

    uow = draft_store(tmp_path)
    with uow.read() as tx:
        kept = plan_basis_of(tx, "2026-11", "optimal")
    assert kept is not None and kept.valid
    create_scenario(uow, SP, "same", [parse_delta("same", "capacity", "R1 +0")])
    run = run_scenario(uow, SP, "same")
    base = current_plans(uow, SP).plans["optimal"]
    assert run.plan.total_cost == pytest.approx(base.total_cost, abs=0.005)
