"""``snop demand`` as a user runs it, and forecast value added on a hand-computed cycle.

The small workbook with a naive baseline: A1 125, A2 75, B2 20 (ends 2027-03) and B1
(launches 2026-12 like B2) 20 in every period, cycle 2026-11..2027-04.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snop.demand.replay import Override
from snop.errors import SnopError
from snop.services.context import Actor
from snop.services.demand_review import add_override, approve, demand_plan, fva_report, submit
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.demand.cycles import ANN, small_store

NEW_ACTUALS = """item,period,qty
A1,2026-11,140
A2,2026-11,70
B2,2026-11,25
A1,2026-12,160
A2,2026-12,90
B1,2026-12,10
B2,2026-12,20
"""


def _store(tmp_path: Path, db: str) -> UnitOfWork:
    return small_store(db, tmp_path)


def test_launch_follows_a_phased_out_like_item_at_its_last_level(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    plan = demand_plan(_store(tmp_path, db), ANN)
    stat = plan.frame("statistical").set_index(["item", "period"])["qty"]
    # B1 starts at its launch; B2 ends after 2027-03, B1 keeps B2's last level (20)
    assert stat[("B1", "2026-11")] == 0 and stat[("B1", "2026-12")] == 20
    assert stat[("B1", "2027-04")] == 20 and stat[("B2", "2027-04")] == 0


def test_fva_of_an_approved_cycle_matches_the_hand_computation(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    uow = _store(tmp_path, db)
    add_override(
        uow,
        Actor.of("sam"),
        Override(
            "sales", "item", "A1", "2026-11", "2026-12", "qty", 150, author="sam", reason="customer"
        ),
    )
    # F1 in 2026-12 after sales: 150 + 75 = 225; +10% = 247.5 -> 248 whole units, split
    # 150:75 -> 165.33, 82.67 -> floors 165 + 82 = 247, the last unit to A2 (larger .67)
    add_override(
        uow,
        Actor.of("maya"),
        Override(
            "marketing",
            "family",
            "F1",
            "2026-12",
            "2026-12",
            "pct",
            10,
            author="maya",
            reason="promo",
            event="Winter sale",
        ),
    )
    submit(uow, Actor.of("dana"))
    approve(uow, Actor.of("erin"))
    sales = tmp_path / "new"
    sales.mkdir()
    (sales / "sales.csv").write_text(NEW_ACTUALS)
    import_workbook(uow, ANN, sales)  # actuals of 2026-11 and 2026-12

    report = fva_report(uow, ANN)
    assert report.cycle == "2026-11" and report.periods == ["2026-11", "2026-12"]
    t = report.table("layer").set_index("layer")
    # actuals: 2026-11 140+70+0+25 = 235, 2026-12 160+90+10+20 = 280; 515 in all
    assert t.loc["statistical", "actual"] == 515
    # naive (2026-10 actuals: A1 125, A2 75, B1 0, B2 20): |errors| 15+5+0+5 + 35+15+10+0
    assert t.loc["naive", "wape"] == pytest.approx(85 / 515 * 100)
    # statistical: B1 is 20 in 2026-12 (error 10, as naive's 0): also 85
    assert t.loc["statistical", "wape"] == pytest.approx(85 / 515 * 100)
    # bias of statistical: (220 - 235) + (240 - 280) = -55
    assert t.loc["statistical", "bias"] == pytest.approx(-55 / 515 * 100)
    # sales: A1 150 -> errors 10+5+0+5 + 10+15+10+0 = 55
    assert t.loc["sales", "wape"] == pytest.approx(55 / 515 * 100)
    assert t.loc["sales", "fva_prev"] == pytest.approx((85 - 55) / 515 * 100)
    # marketing: 2026-12 A1 165, A2 83 -> 20 + (5+7+10+0) = 42
    assert t.loc["marketing", "wape"] == pytest.approx(42 / 515 * 100)
    assert t.loc["consensus", "fva_prev"] == pytest.approx(0.0)
    assert t.loc["consensus", "fva_naive"] == pytest.approx((85 - 42) / 515 * 100)
    a = report.table("author").set_index("author")
    # sam: A1 in both periods, 125 -> 150 vs 140, 160: before 15+35, after 10+10, A 300
    assert a.loc["sam", "fva"] == pytest.approx((50 - 20) / 300 * 100)
    # maya: A1 150 -> 165 (A 160), A2 75 -> 83 (A 90): before 10+15, after 5+7, A 250
    assert a.loc["maya", "fva"] == pytest.approx((25 - 12) / 250 * 100)
    lag = report.table("lag").set_index(["lag", "layer"])
    # lag 1 is 2026-11: consensus errors 10+5+0+5 = 20 over 235
    assert lag.loc[(1, "consensus"), "wape"] == pytest.approx(20 / 235 * 100)

    run = snop("--db", db, "demand", "fva", "--by", "family", "--json", cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    rows = {(r["family"], r["layer"]): r for r in json.loads(run.stdout)["rows"]}
    # F2 (B1, B2) is untouched by overrides: consensus = statistical; actuals 25 + 10 + 20,
    # errors B2 |25-20| in 2026-11, B1 |10-20| in 2026-12
    assert rows[("F2", "consensus")]["wape"] == pytest.approx(15 / 55 * 100)


def test_cli_review_and_an_approved_version_never_changes(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    _store(tmp_path, db)

    def demand(*args: str) -> tuple[int, str, str]:
        run = snop("--db", db, "demand", *args, cwd=tmp_path)
        assert not run.traceback, run.exception
        return run.exit_code, run.stdout, run.stderr

    code, out, _ = demand(
        "override",
        "--layer",
        "sales",
        "--level",
        "family",
        "--key",
        "F1",
        "--period",
        "2027-03",
        "--to",
        "2027-04",
        "--qty",
        "1200",
        "--reason",
        "promo",
        "--preview",
        "--json",
    )
    assert code == 0
    preview = json.loads(out)
    assert preview["stored"] is False
    # 1200 split 125:75 -> 750 and 450 in each period
    after = {(e["item"], e["period"]): e["after"] for e in preview["effects"]}
    assert after[("A1", "2027-03")] == 750 and after[("A2", "2027-04")] == 450
    code, out, _ = demand("log", "--json")
    assert json.loads(out)["overrides"] == []  # the preview stored nothing

    code, out, _ = demand(
        "override",
        "--layer",
        "sales",
        "--level",
        "item",
        "--key",
        "A2",
        "--period",
        "2027-03",
        "--qty",
        "100",
        "--lock",
        "--reason",
        "customer",
        "--author",
        "sam",
    )
    assert code == 0 and "stored as override 1" in out
    code, out, _ = demand(
        "override",
        "--layer",
        "sales",
        "--level",
        "family",
        "--key",
        "F1",
        "--period",
        "2027-03",
        "--qty",
        "1200",
        "--reason",
        "promo",
    )
    assert code == 0
    code, out, _ = demand(
        "show",
        "--layer",
        "sales",
        "--level",
        "item",
        "--period",
        "2027-03",
        "--to",
        "2027-03",
        "--json",
    )
    rows = {r["item"]: r["sales"] for r in json.loads(out)["rows"]}
    assert rows["A2"] == 100 and rows["A1"] == 1100  # the lock held; A1 took the rest

    for args, phrase in [
        (("--key", "ZZ9", "--level", "item"), "item 'ZZ9' does not exist"),
        (
            ("--key", "F1", "--level", "family", "--period", "2029-01"),
            "outside the planning horizon 2026-11..2027-04",
        ),
        (
            ("--key", "F1", "--level", "family", "--layer", "marketing", "--role", "sales"),
            "role sales may not edit layer marketing",
        ),
        (
            ("--key", "F1", "--level", "family", "--qty", "50"),
            "locked items already hold 100, more than the new total 50",
        ),
    ]:
        opts = dict(zip(args[::2], args[1::2], strict=True))
        base = {"--layer": "sales", "--period": "2027-03", "--qty": "10", "--reason": "x"}
        base.update(opts)
        flat = [x for kv in base.items() for x in kv]
        code, _, err = demand("override", *flat)
        assert code == 1 and phrase in err, err

    code, before, _ = demand("show", "--level", "item", "--json")
    assert demand("approve", "--role", "executive")[0] == 1  # a draft is not approved
    assert demand("submit")[0] == 0
    code, out, err = demand("approve", "--role", "sales")
    assert code == 1 and "role sales may not approve" in err
    code, out, _ = demand("approve", "--author", "erin")
    assert code == 0 and "frozen as version 2026-11" in out

    code, _, err = demand(
        "override",
        "--layer",
        "sales",
        "--level",
        "item",
        "--key",
        "A1",
        "--period",
        "2027-01",
        "--qty",
        "1",
        "--reason",
        "x",
    )
    assert code == 1 and "approved and frozen" in err
    assert demand("approve")[0] == 1 and demand("submit")[0] == 1
    with pytest.raises(SnopError, match="baseline is frozen"):
        run_baseline(UnitOfWork.open(db), ANN, method="naive")
    code, after_all, _ = demand("show", "--level", "item", "--json")
    assert json.loads(after_all)["rows"] == json.loads(before)["rows"]
    assert json.loads(after_all)["status"] == "approved"
