"""The decisions log: recorded with owner and due date, on every agenda until closed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from snop.errors import ConflictError, NotFoundError
from snop.model.vocabulary import DecisionStatus
from snop.services.cycles import open_cycle
from snop.services.decisions import add_decision, agenda, close_decision
from snop.services.workbook import import_workbook
from tests.cli import snop
from tests.cycle.test_cycles import DP, EX, SP, approved_store, month_of_sales, run_through
from tests.workbooks import write_small


def test_a_decision_stays_on_the_agenda_until_closed(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    d = add_decision(
        uow, EX, what="Add a second shift at the press", owner="supply_planner", due="2027-01-15"
    )
    assert (d.cycle, d.status, d.created_by) == ("2026-11", DecisionStatus.OPEN, "erin")
    # two cycles later it is still open, on both agendas
    for period in ("2026-11", "2026-12"):
        import_workbook(uow, DP, month_of_sales(tmp_path / period, period))
        open_cycle(uow, DP)
        if period == "2026-11":
            run_through(uow, ("optimal",))
    seen = {c: [x.id for x in agenda(uow, DP, c).open] for c in ("2026-11", "2026-12", "2027-01")}
    assert seen == {"2026-11": [d.id], "2026-12": [d.id], "2027-01": [d.id]}
    later = agenda(uow, DP, today=date(2027, 1, 16))
    assert later.overdue == [d.id]
    closed = close_decision(uow, SP, d.id, "second shift from February")
    assert closed.closed_in == "2027-01" and closed.closed_by == "sid"
    now = agenda(uow, DP)
    assert now.open == [] and [x.id for x in now.closed] == [d.id]
    # the earlier agendas still show it open then
    assert [x.id for x in agenda(uow, DP, "2026-12").open] == [d.id]
    with pytest.raises(ConflictError, match="already closed"):
        close_decision(uow, DP, d.id)
    with pytest.raises(NotFoundError, match="decision 99 does not exist; the open ones are none"):
        close_decision(uow, DP, 99)


@pytest.mark.parametrize(
    ("what", "owner", "due", "said"),
    [
        ("", "finance", "2027-01-01", "needs --what"),
        ("Price increase", "", "2027-01-01", "needs --owner"),
        ("Price increase", "finance", "", "needs --due"),
        ("Price increase", "finance", "next week", "is not a date; write YYYY-MM-DD"),
        ("Price increase", "fin\x00ance", "2027-01-01", "--owner contains a control character"),
    ],
)
def test_a_decision_needs_what_owner_and_due(
    tmp_path: Path, what: str, owner: str, due: str, said: str
) -> None:
    write_small(tmp_path / "wb")
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    args = ["cycle", "decisions", "add", "--what", what, "--owner", owner, "--due", due]
    r = snop("--db", "s.db", *args, cwd=tmp_path)
    assert r.exit_code == 1 and not r.traceback and said in r.stderr, r.stderr
    listed = snop("--db", "s.db", "cycle", "decisions", "list", "--json", cwd=tmp_path).json()
    assert listed["open"] == []  # nothing half-recorded
