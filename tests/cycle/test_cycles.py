"""The cycle as data: opening, steps with owners and due dates, sign-offs, approval into an
immutable version, and rolling forward, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from snop.demand.replay import Override
from snop.errors import ConflictError, NotAllowed, NotFoundError, SnopError
from snop.model.vocabulary import CycleStatus, StepStatus
from snop.services import demand_review as dr
from snop.services.context import Actor
from snop.services.cycles import approve_cycle, audit_trail, cycle_status, open_cycle, signoff
from snop.services.forecast import run_baseline
from snop.services.supply import plan_cycle_supply
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.stores import built_store
from tests.workbooks import write_small

DP = Actor.of("dana", "demand_planner")
SP = Actor.of("sid", "supply_planner")
FI = Actor.of("fay", "finance")
SL = Actor.of("lee", "sop_leader")
EX = Actor.of("erin", "executive")


def run_through(
    uow: UnitOfWork, strategies: tuple[str, ...] = ("level", "chase", "optimal")
) -> None:
    """Every step of the current cycle, in order, signed off, then approved."""
    signoff(uow, DP, "data")
    run_baseline(uow, DP, method="naive")
    signoff(uow, DP, "forecast")
    dr.submit(uow, DP)
    dr.approve(uow, EX)
    signoff(uow, DP, "demand_review")
    plan_cycle_supply(uow, SP, strategies)
    signoff(uow, SP, "supply_review")
    signoff(uow, FI, "financial_review")
    signoff(uow, SL, "pre_sop")
    approve_cycle(uow, EX)


def approved_store(url: str, tmp_path: Path) -> UnitOfWork:
    """The small workbook's cycle 2026-11 run through and approved (optimal plan only)."""
    return built_store(url, tmp_path, "approved-optimal", _approve_first)


def _approve_first(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(uow, DP, write_small(folder / "wb"))
    run_through(uow, ("optimal",))


def month_of_sales(folder: Path, period: str, qty: float = 100.0) -> Path:
    """A partial workbook: one month of sales of every item sold."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{i},{period},{qty},retail\n" for i in ("A1", "A2", "B2"))
    (folder / "sales.csv").write_text("item,period,qty,channel\n" + rows, encoding="utf-8")
    return folder


def test_first_import_opens_the_cycle_and_later_actuals_do_not_move_it(
    db_url: str, tmp_path: Path
) -> None:
    uow = UnitOfWork.open(db_url)
    first = import_workbook(uow, DP, write_small(tmp_path / "wb"))
    assert first.opened and first.cycle.period == "2026-11"
    assert first.cycle.actuals_cutoff == "2026-10" and first.cycle.horizon == 6
    # November's sales arrive early: the cycle stays 2026-11, planning from its cut-off
    again = import_workbook(uow, DP, month_of_sales(tmp_path / "nov", "2026-11"))
    assert not again.opened and again.cycle.period == "2026-11"
    run_baseline(uow, DP, method="naive")
    with uow.read() as tx:
        layer = tx.forecasts.layer("2026-11")
    # naive from the cut-off: A1's October (105 + 20), not November's 100
    assert set(layer[layer["item"] == "A1"]["qty"]) == {125.0}
    assert sorted(set(layer["period"])) == [
        "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04",
    ]  # fmt: skip


def test_steps_have_owners_and_working_day_due_dates(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb", {"settings": SETTINGS_DUE}))
    view = cycle_status(uow, DP, today=date(2026, 11, 4))
    got = {s.state.step: (s.state.owner, s.state.due, s.state.status) for s in view.steps}
    # 1 Nov 2026 is a Sunday: working day 1 is Monday the 2nd, day 5 Friday the 6th
    assert got["data"] == ("demand_planner", "2026-11-03", StepStatus.DONE)
    assert got["demand_review"] == ("demand_planner", "2026-11-06", StepStatus.PENDING)
    assert got["supply_review"][:2] == ("supply_planner", "2026-11-10")  # day 7 (setting)
    assert got["executive"][:2] == ("executive", "2026-11-20")  # day 15 (default)
    overdue = [s.state.step for s in view.steps if s.overdue]
    # on the 4th: data (due the 3rd) is done but not signed off; the forecast is due today
    assert overdue == ["data"]
    assert view.next_step == "data"


SETTINGS_DUE = (
    'name,value\ncompany,Small Co\nhorizon,6\nstep_due_days,"demand_review=5, supply_review=7"\n'
)


def test_misuse_is_refused_with_a_reason_and_changes_nothing(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb"))
    with pytest.raises(NotAllowed, match="role demand_planner"):
        signoff(uow, SP, "data")  # another role's step
    with pytest.raises(NotAllowed, match="no role given"):
        signoff(uow, Actor.of("anon"), "data")
    signoff(uow, DP, "data")
    with pytest.raises(SnopError, match="forecast is pending: it must run"):
        signoff(uow, DP, "forecast")
    with pytest.raises(SnopError, match=r"not yet: forecast \(pending, not signed off\)"):
        signoff(uow, DP, "demand_review")
    with pytest.raises(SnopError, match="approving cycle 2026-11 needs every step before it"):
        approve_cycle(uow, EX)
    with pytest.raises(ConflictError, match="still open"):
        open_cycle(uow, DP)  # rolling on from an unapproved cycle
    with pytest.raises(NotFoundError, match="no approved version"):
        from snop.services.versions import read_version

        read_version(uow, DP, "2026-11")
    view = cycle_status(uow, DP)
    assert [s.state.status for s in view.steps][:2] == [StepStatus.DONE, StepStatus.PENDING]
    assert view.cycle.status is CycleStatus.OPEN


def test_a_rerun_makes_later_steps_stale_and_voids_their_sign_off(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb"))
    signoff(uow, DP, "data")
    run_baseline(uow, DP, method="naive")
    signoff(uow, DP, "forecast")
    plan_cycle_supply(uow, SP)
    before = {s.state.step: s.state for s in cycle_status(uow, DP).steps}
    assert before["supply_review"].status is StepStatus.DONE
    done = run_baseline(uow, DP, method="naive")  # the forecast again
    assert done.stale == ["supply_review"]
    after = {s.state.step: s.state for s in cycle_status(uow, DP).steps}
    assert after["forecast"].status is StepStatus.DONE and after["forecast"].signed_by is None
    assert after["supply_review"].status is StepStatus.STALE
    assert after["demand_review"].status is StepStatus.PENDING  # never done: not stale
    # a demand change after the supply plan makes it stale too
    plan_cycle_supply(uow, SP)
    dr.add_override(
        uow,
        Actor.of("sam", "sales"),
        Override("sales", "family", "F1", "2026-12", "2026-12", "pct", 5.0, reason="customer"),
    )
    steps = {s.state.step: s.state.status for s in cycle_status(uow, DP).steps}
    assert steps["supply_review"] is StepStatus.STALE


def test_versions_read_back_byte_for_byte_after_later_cycles(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork.open(db_url)
    wb = write_small(tmp_path / "wb")
    import_workbook(uow, DP, wb)
    run_through(uow)
    shown = snop("--db", db_url, "plan", "show", "--version", "2026-11", "--json")
    assert shown.exit_code == 0, shown.stderr
    text = snop("--db", db_url, "plan", "show", "--version", "2026-11").stdout
    with pytest.raises(ConflictError, match="cycle 2026-11 is approved"):
        run_baseline(uow, DP, method="naive")  # the approved cycle's plan is frozen
    for n, period in enumerate(("2026-11", "2026-12", "2027-01")):
        import_workbook(uow, DP, month_of_sales(tmp_path / period, period, 90.0 + n))
        import_workbook(uow, DP, wb)  # the master data again
        opened = open_cycle(uow, DP)
        assert opened.previous == period and opened.cycle.actuals_cutoff == period
        with pytest.raises(ConflictError, match=r"already exists|still open"):
            open_cycle(uow, DP, opened.cycle.period)  # rolling twice
        run_through(uow, ("optimal",))  # forecasts again
    assert snop("--db", db_url, "plan", "show", "--version", "2026-11", "--json").stdout == (
        shown.stdout
    )
    assert snop("--db", db_url, "plan", "show", "--version", "2026-11").stdout == text
    data = shown.json()
    assert data["header"]["approved_by"] == "erin" and data["header"]["strategy"] == "optimal"
    assert set(data["supply"]) == {"level", "chase", "optimal"}
    # the baseline's backtest report and its 80% and 95% intervals: 4 items x 6 periods x 2
    assert len(data["forecast"]["report"]) == 4 and len(data["forecast"]["intervals"]) == 48
    assert data["header"]["periods"][0] == "2026-11" and len(data["header"]["periods"]) == 6
    later = snop("--db", db_url, "cycle", "list", "--json").json()
    assert [(c["period"], c["status"]) for c in later] == [
        ("2026-11", "closed"),
        ("2026-12", "closed"),
        ("2027-01", "closed"),
        ("2027-02", "approved"),
    ]


def test_late_actuals_are_taken_audited_and_leave_versions_alone(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb"))
    # October (at the cut-off of cycle 2026-11) corrected: A1 retail 105 -> 111
    fix = tmp_path / "fix"
    fix.mkdir()
    (fix / "sales.csv").write_text("item,period,qty,channel\nA1,2026-10,111,retail\n")
    result = import_workbook(uow, DP, fix)
    assert [(la.period, la.rows, la.before, la.after) for la in result.late_actuals] == [
        ("2026-10", 1, 105 + 20 + 75 + 20, 111 + 20 + 75 + 20)
    ]
    trail = [e for e in audit_trail(uow, DP) if e["action"] == "late_actuals"]
    assert trail[0]["detail"]["periods"][0]["after"] == 226.0


def test_cli_cycle_commands_print_json_and_refuse_clearly(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    status = snop("--db", "s.db", "cycle", "status", "--json", cwd=tmp_path)
    assert status.exit_code == 0 and status.json()["cycle"]["period"] == "2026-11"
    ran = snop("--db", "s.db", "--user", "dana", "cycle", "run", "--json", cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    assert [r["step"] for r in ran.json()] == ["forecast", "supply_review"]
    r = snop("--db", "s.db", "cycle", "signoff", "data", "--role", "finance", cwd=tmp_path)
    assert r.exit_code == 1 and not r.traceback
    assert "may not sign off step data; role demand_planner does" in r.stderr
    r = snop("--db", "s.db", "cycle", "approve", "--role", "executive", cwd=tmp_path)
    assert r.exit_code == 1 and "needs every step before it done and signed off" in r.stderr
    r = snop("--db", "s.db", "plan", "show", "--version", "2031-01", cwd=tmp_path)
    assert r.exit_code == 1 and "cycle 2031-01 has no approved version" in r.stderr
    r = snop("--db", "s.db", "cycle", "open", "2026-12", cwd=tmp_path)
    assert r.exit_code == 1 and "is still open (not approved)" in r.stderr
