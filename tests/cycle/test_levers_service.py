"""``gap_levers`` and ``snop levers`` on the small store: stated values match re-solves
within their ranges, and the money figures tie to the finance report."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.learning.frames import TOTAL
from snop.services.finance import finance_report, plan_basis
from snop.services.levers import gap_levers
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.cycle.test_cycles import DP, SP, approved_store, run_through
from tests.stores import built_store
from tests.workbooks import write_small

APPROX = pytest.approx
TIGHT = {"resources": "resource,period,capacity_hours\nR1,,27\n"}  # R1 binds, all served


def _tight(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(uow, DP, write_small(folder / "wb", TIGHT))
    run_through(uow, ("optimal",))


def test_levers_of_a_binding_resource_match_their_resolves(tmp_path: Path) -> None:
    uow = built_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path, "levers-tight", _tight)
    r = gap_levers(uow, SP, top=3)
    fin = finance_report(uow, SP)
    # the re-solve on the cycle's inputs reproduces the approved plan
    assert r.base_cost == APPROX(r.plan_cost) and r.service_gap == APPROX(0.0)
    lines = fin.plan.lines
    total = lines[lines["family"] == TOTAL]
    assert r.base_revenue == APPROX(float(total["revenue"].sum()))
    # the budget: 2,800 for the company in 2026-11
    nov = float(total.loc[total["period"] == "2026-11", "revenue"].iloc[0])
    assert r.budget_gap == APPROX(nov - 2800.0)
    by = {(lv.kind, lv.target, lv.period): lv for lv in r.levers}
    # +1 % on F1's price: 1 % of F1's revenue, by arithmetic and by the re-solve
    f1 = lines[lines["family"] == "F1"]
    price = by[("price", "F1", None)]
    assert price.value == APPROX(float(f1["revenue"].sum()) / 100)
    assert price.resolved_value == APPROX(price.value)
    # every hours lever states the resource's shadow price in its period
    with uow.read() as tx:
        duals = plan_basis(tx).plan.capacity.set_index(["resource", "period"])["shadow_price"]
    hours = [lv for lv in r.levers if lv.kind == "hours"]
    assert hours
    for lv in hours:
        assert lv.per_unit == APPROX(float(duals[(lv.target, lv.period)]))
    # the checked ones: re-solved value = per unit x amount, the amount within the range
    checked = r.checked
    assert checked == r.levers[: r.top] and r.all_checked
    for lv in checked:
        assert lv.resolved_value == APPROX(lv.per_unit * lv.amount, rel=0.02, abs=1e-6)
        assert lv.valid_up_to is not None and lv.amount <= lv.valid_up_to + 1e-9
        assert lv.resolves <= 6
    assert [lv.value for lv in checked] == sorted((lv.value for lv in checked), reverse=True)


def test_levers_json_and_bad_top(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    approved_store(f"sqlite:///{db}", tmp_path)
    r = snop("--db", str(db), "levers", "--top", "1", "--by", "budget", "--json")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    assert data["cycle"] == "2026-11" and data["strategy"] == "optimal"
    assert data["ranked_by"] == "budget"
    assert data["all_checked"] is True and data["service_gap"] == 0
    first = data["levers"][0]
    # the small plan binds nothing: the largest lever is +1 % on F1's price
    assert (first["kind"], first["target"], first["basis"]) == ("price", "F1", "arithmetic")
    assert first["resolved_value"] == APPROX(first["value"]) and first["checked"] is True
    assert [lv["rank"] for lv in data["levers"]] == list(range(1, len(data["levers"]) + 1))
    assert data["levers"][1]["resolved_value"] is None  # only the top one is re-solved
    # 129 of the 290 below budget
    assert first["budget_gap_closed"] == APPROX(first["revenue_gained"] / -data["budget_gap"])
    text = snop("--db", str(db), "levers", "--top", "1")
    assert text.exit_code == 0 and "price F1 all +1 %" in text.stdout
    bad = snop("--db", str(db), "levers", "--top", "-1")
    assert bad.exit_code == 1 and not bad.traceback and "--top" in bad.stderr
    bad = snop("--db", str(db), "levers", "--by", "luck")
    assert bad.exit_code == 1 and not bad.traceback and "value, budget, service" in bad.stderr
