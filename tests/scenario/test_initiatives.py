"""Strategic initiatives: proposed with an effect, approved by the executives (then in the
plan, with what they add measured), deferred (out again), refused when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.errors import NotAllowed, SnopError
from snop.scenario.parse import parse_delta
from snop.services.context import current_cycle, cycle_workbook
from snop.services.finance import finance_report
from snop.services.initiatives import add_initiative, decide_initiative, list_initiatives
from snop.services.sheet import family_sheet
from snop.services.supply import plan_cycle_supply
from tests.cli import snop
from tests.cycle.test_cycles import DP, EX, SP
from tests.scenario.test_scenario_service import draft_store


def test_an_approved_initiative_applies_and_its_contribution_is_measured(tmp_path: Path) -> None:
    uow = draft_store(tmp_path)
    base = plan_cycle_supply(uow, SP, ("optimal",)).plans["optimal"]
    effects = [
        parse_delta("grow", "demand", "item=A1 2027-02 +10"),
        parse_delta("grow", "capacity", "R1 +100"),
    ]
    i = add_initiative(uow, DP, "grow", owner="dana", start="2027-01", end="2027-03",
                       description="new retailer", effects=effects)  # fmt: skip
    assert i.status == "proposed"
    # proposed: nothing changes in the plan
    again = plan_cycle_supply(uow, SP, ("optimal",)).plans["optimal"]
    assert again.total_cost == pytest.approx(base.total_cost)
    with pytest.raises(NotAllowed):
        decide_initiative(uow, DP, "grow", approve=True)
    decide_initiative(uow, EX, "grow", approve=True)
    with uow.read() as tx:
        wb = cycle_workbook(tx, current_cycle(tx))
    res = wb.table("resources")
    hours = dict(zip(res["period"].fillna(""), res["capacity_hours"], strict=True))
    # R1 +100 in the initiative's periods only (500, and 300 in 2027-01, from the workbook)
    assert (hours["2027-01"], hours["2027-02"], hours["2027-03"]) == (400.0, 600.0, 600.0)
    assert "2026-12" not in hours and "2027-04" not in hours
    planned = plan_cycle_supply(uow, SP, ("optimal",))
    grown = planned.plans["optimal"].plan.set_index(["family", "period"])
    before = base.plan.set_index(["family", "period"])
    assert grown.at[("F1", "2027-02"), "demand"] == before.at[("F1", "2027-02"), "demand"] + 10
    assert "approved initiatives grow" in planned.source
    added = finance_report(uow, DP).initiatives
    assert added["codes"] == ["grow"]
    # ten more A1 at 10 each, all shipped
    assert added["revenue"] == pytest.approx(100.0, abs=0.01)
    assert added["by_family"]["F1"]["revenue"] == pytest.approx(100.0, abs=0.01)
    notes = family_sheet(uow, DP, "F1").notes["F1"]
    assert any(n.startswith("approved initiatives grow add revenue +100") for n in notes)
    decide_initiative(uow, EX, "grow", approve=False)
    assert [x.status for x in list_initiatives(uow, DP)] == ["deferred"]
    back = plan_cycle_supply(uow, SP, ("optimal",)).plans["optimal"]
    assert back.total_cost == pytest.approx(base.total_cost)


def test_initiatives_are_refused_with_the_reason(tmp_path: Path) -> None:
    uow = draft_store(tmp_path)
    bad = [parse_delta("x", "demand", "family=F9 +5%")]
    with pytest.raises(SnopError, match="family 'F9' is not in the items table"):
        add_initiative(uow, DP, "x", owner="dana", start="2027-01", end=None,
                       description=None, effects=bad)  # fmt: skip
    with pytest.raises(SnopError, match="end 2026-12 is before start 2027-01"):
        one = [parse_delta("y", "capacity", "R1 +1")]
        add_initiative(uow, DP, "y", owner="dana", start="2027-01", end="2026-12",
                       description=None, effects=one)  # fmt: skip
    assert list_initiatives(uow, DP) == []


def test_initiative_commands(tmp_path: Path) -> None:
    draft_store(tmp_path)
    db = tmp_path / "s.db"
    r = snop("--db", db, "--user", "dana", "initiative", "add", "line", "--owner", "dana",
             "--start", "2027-02", "--effect", "shift R1 +50",
             "--effect", "capacity R1 2027-03.. +10", "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    # an open end is stored as the plan's last period
    assert r.json()["effects"] == [
        "shift resource R1 every period +50",
        "capacity resource R1 2027-03..2027-04 +10",
    ]
    r = snop("--db", db, "--user", "erin", "initiative", "approve", "line", "--json")
    assert r.exit_code == 0 and r.json()["status"] == "approved"
    again = snop("--db", db, "--user", "erin", "initiative", "approve", "line")
    assert again.exit_code == 1 and "already approved" in again.stderr
    listed = snop("--db", db, "initiative", "list")
    assert "line (approved), dana" in listed.stdout
