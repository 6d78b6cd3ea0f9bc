"""The demand review through the store: preview, roles, refusals, approval, carry-over.

The small workbook with a naive baseline (each item's last month, repeated), cycle 2026-11
with periods 2026-11..2027-04:

    A1 125 (105 retail + 20 online in 2026-10), A2 75          -> F1 200
    B1 0 in 2026-11 (launches 2026-12), then 20 (like B2)
    B2 20, 0 in 2027-04 (ends 2027-03)                         -> F2 20, 40, 40, 40, 40, 20
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from snop.demand.replay import Override, OverrideError
from snop.demand.review import DemandPlan, FrozenError
from snop.errors import ConflictError, NotAllowed, SnopError
from snop.model.vocabulary import PlanStatus
from snop.services.context import Actor, cycle_workbook
from snop.services.demand_review import (
    OverrideResult,
    approve,
    delete_override,
    demand_plan,
    reject,
    start_draft,
    submit,
)
from snop.services.demand_review import add_override as add_as
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.demand.cycles import ANN, open_next_cycle, small_store
from tests.workbooks import SMALL, write_small


@pytest.fixture
def uow(db_url: str, tmp_path: Path) -> Iterator[UnitOfWork]:
    u = small_store(db_url, tmp_path)
    yield u
    u.dispose()


def open_plan(uow: UnitOfWork, cycle: str | None = None) -> DemandPlan:
    return demand_plan(uow, ANN, cycle)


def add_override(uow: UnitOfWork, ov: Override, *, preview: bool = False) -> OverrideResult:
    """``ov`` added by its author, in its role when it names one."""
    return add_as(uow, Actor.of(ov.author, ov.role), ov, preview=preview)


def ov(
    layer: str,
    level: str,
    key: str,
    kind: str,
    value: float,
    period: str = "2027-01",
    to: str | None = None,
    **kw: object,
) -> Override:
    kw.setdefault("author", "sam")
    kw.setdefault("reason", "promo")
    return Override(layer, level, key, period, to or period, kind, value, **kw)  # type: ignore[arg-type]


def cell(plan: DemandPlan, level: str, key: str, period: str, layer: str) -> float:
    view = plan.view(level)
    row = view[(view["key"] == key) & (view["period"] == period)]
    return float(row[layer].item())


def snapshot(plan: DemandPlan) -> dict[str, pd.DataFrame]:
    """Everything a user reads of a plan, in a stable order."""
    eff = plan.effects().sort_values(["override_id", "item", "period"]).reset_index(drop=True)
    return {
        "item": plan.view("item"),
        "family": plan.view("family"),
        "category": plan.view("category"),
        "total": plan.view("total"),
        "log": plan.log(),
        "effects": eff,
    }


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


# F1 + 50 in 2027-01..2027-02: 250 over 125:75 = 156.25, 93.75; floors 249, the unit to A2
# (.75): A1 156, A2 94 in both periods
F1_PLUS_50 = ov("sales", "family", "F1", "delta", 50, "2027-01", "2027-02")
F1_EFFECTS = pd.DataFrame(
    {
        "item": ["A1", "A1", "A2", "A2"],
        "period": ["2027-01", "2027-02"] * 2,
        "before": [125.0, 125.0, 75.0, 75.0],
        "after": [156.0, 156.0, 94.0, 94.0],
    }
)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["item", "period"]).reset_index(drop=True)


def test_preview_stores_nothing_and_shows_the_real_effects(uow: UnitOfWork) -> None:
    before = snapshot(open_plan(uow))
    assert before["log"].empty
    preview = add_override(uow, F1_PLUS_50, preview=True)
    assert not preview.stored and preview.override.id is None
    pd.testing.assert_frame_equal(_sorted(preview.effects), F1_EFFECTS)
    # the previewed plan shows the change, the stored one does not
    assert cell(preview.plan, "family", "F1", "2027-01", "consensus") == 250
    assert_same(snapshot(open_plan(uow)), before)

    real = add_override(uow, F1_PLUS_50)
    assert real.stored and real.override.id is not None
    pd.testing.assert_frame_equal(real.effects, preview.effects)
    plan = open_plan(uow)
    log = plan.log()
    assert len(log) == 1
    row = log.iloc[0]
    assert (
        row["layer"],
        row["level"],
        row["key"],
        row["kind"],
        row["value"],
        row["role"],
        row["source"],
    ) == ("sales", "family", "F1", "delta", 50.0, "sales", "api")
    assert row["conflict"] is None
    # stored, the plan shows the same effects as the preview
    eff = plan.effects()
    assert set(eff["layer"]) == {"sales"} and set(eff["author"]) == {"sam"}
    pd.testing.assert_frame_equal(_sorted(eff[["item", "period", "before", "after"]]), F1_EFFECTS)
    assert cell(plan, "family", "F1", "2027-01", "sales") == 250
    assert cell(plan, "family", "F1", "2027-01", "statistical") == 200
    assert cell(plan, "total", "total", "2027-02", "consensus") == 250 + 40


def _approve(uow: UnitOfWork) -> None:
    submit(uow, Actor.of("dana"))
    approve(uow, Actor.of("eve"))


def test_an_approved_version_never_changes(uow: UnitOfWork, tmp_path: Path) -> None:
    add_override(uow, F1_PLUS_50)
    # marketing: category small (A1 156 + B1 20 = 176) in 2027-01 - 10% = 158.4 -> 158
    # over 156:20: 140.05, 17.95 -> floors 157, the unit to B1 (.95): A1 140, B1 18
    add_override(uow, ov("marketing", "category", "small", "pct", -10, author="mia"))
    submit(uow, Actor.of("dana"))
    submitted = snapshot(open_plan(uow))
    approve(uow, Actor.of("eve"))
    plan = open_plan(uow, "2026-11")
    assert plan.status == "approved" and plan.frozen
    frozen = snapshot(plan)
    # approval copies what was submitted
    assert_same(frozen, submitted)
    assert cell(plan, "item", "A1", "2027-01", "marketing") == 140
    assert cell(plan, "item", "B1", "2027-01", "consensus") == 18

    with pytest.raises(FrozenError, match="is approved and frozen"):
        add_override(uow, ov("sales", "item", "A1", "qty", 1))
    with pytest.raises(FrozenError, match="already approved"):
        approve(uow, Actor.of("eve"))
    with pytest.raises(FrozenError, match="is approved and frozen"):
        submit(uow, Actor.of("dana"))
    with pytest.raises(FrozenError, match="only a submitted plan can be sent back"):
        reject(uow, Actor.of("eve"))
    with pytest.raises(SnopError, match="baseline is frozen"):
        run_baseline(uow, ANN)
    # new sales for an existing month (same cycle) and a workbook override row
    sales = SMALL["sales"].replace("A1,2026-10,105,retail", "A1,2026-10,300,retail")
    overrides = "layer,level,key,period,qty,reason\nsales,family,F1,2027-02,1000,customer\n"
    import_workbook(
        uow, ANN, write_small(tmp_path / "wb2", {"sales": sales, "overrides": overrides})
    )
    with pytest.raises(SnopError, match="baseline is frozen"):
        run_baseline(uow, ANN, method="naive")
    again = open_plan(uow)
    assert again.cycle == "2026-11" and again.status == "approved"
    assert_same(snapshot(again), frozen)
    assert_same(snapshot(open_plan(uow, "2026-11")), frozen)


def test_an_approved_version_keeps_its_families(uow: UnitOfWork, tmp_path: Path) -> None:
    add_override(uow, F1_PLUS_50)
    _approve(uow)
    frozen = snapshot(open_plan(uow, "2026-11"))
    assert cell(open_plan(uow), "family", "F1", "2027-01", "consensus") == 250
    # A2 moves to family F2 (and category small) in the items master
    items = SMALL["items"].replace("A2,F1,Widget L,12,7,,,,large", "A2,F2,Widget L,12,7,,,,small")
    import_workbook(uow, ANN, write_small(tmp_path / "wb2", {"items": items}))
    plan = open_plan(uow, "2026-11")
    # approved: F1 was 250 (A1 156 + A2 94) in 2027-01; got 156
    assert cell(plan, "family", "F1", "2027-01", "consensus") == 250
    assert_same(snapshot(plan), frozen)


def test_roles(uow: UnitOfWork) -> None:
    with pytest.raises(
        NotAllowed,
        match=r"role marketing may not edit layer sales \(owned by "
        "role sales\\)",
    ):
        add_override(uow, ov("sales", "family", "F1", "qty", 300, role="marketing"))
    with pytest.raises(FrozenError, match="is a draft; submit it first"):
        approve(uow, Actor.of("eve"))
    with pytest.raises(FrozenError, match="only a submitted plan can be sent back"):
        reject(uow, Actor.of("eve"))
    add_override(uow, F1_PLUS_50)  # the role defaults to the layer's owner
    with pytest.raises(NotAllowed, match="role sales may not submit the demand plan"):
        submit(uow, Actor.of("sam", "sales"))
    assert submit(uow, Actor.of("dana")).status == "submitted"
    with pytest.raises(FrozenError, match="submitted for approval"):
        add_override(uow, ov("sales", "item", "A1", "qty", 1))
    with pytest.raises(
        NotAllowed, match="role sales may not approve the demand plan; only role executive may"
    ):
        approve(uow, Actor.of("sam", "sales"))
    with pytest.raises(NotAllowed, match="role sales may not send the plan back"):
        reject(uow, Actor.of("sam", "sales"))
    assert open_plan(uow).status == "submitted"

    plan = reject(uow, Actor.of("eve"), note="too optimistic")
    assert plan.status == "draft" and plan.record["note"] == "too optimistic"
    # a draft again: edits work; A1 = 150 in 2026-11 (from 125)
    res = add_override(uow, ov("sales", "item", "A1", "qty", 150, "2026-11"))
    assert res.effects[["item", "period", "before", "after"]].values.tolist() == [
        ["A1", "2026-11", 125.0, 150.0]
    ]
    plan = open_plan(uow)
    assert plan.status == "draft" and len(plan.log()) == 2
    submit(uow, Actor.of("dana"))
    plan = approve(uow, Actor.of("eve", "executive"))
    assert plan.status == "approved" and plan.record["approved_by"] == "eve"
    assert cell(plan, "item", "A1", "2026-11", "consensus") == 150
    # under every status change a compare-and-set: a change decided on a status that is no
    # longer the plan's is refused, naming who changed it, and changes nothing
    stale = "was approved meanwhile by eve; nothing was changed"
    with pytest.raises(ConflictError, match=stale), uow.write() as tx:
        tx.demand.set_status("2026-11", PlanStatus.SUBMITTED, status=PlanStatus.DRAFT)
    assert open_plan(uow).record == plan.record


BAD = [
    (ov("sales", "item", "ZZ", "qty", 10), "item 'ZZ' does not exist; known: A1, A2, B1, B2"),
    (ov("sales", "family", "F9", "qty", 10), "family 'F9' does not exist; known: F1, F2"),
    (
        ov("sales", "brand", "X", "qty", 10),
        "level 'brand' is not a level; use one of item, family, category, total",
    ),
    (
        ov("sales", "family", "F1", "qty", 10, "2027-05"),
        "period 2027-05 is outside the planning horizon 2026-11..2027-04",
    ),
    (
        ov("sales", "family", "F1", "qty", 10, "2026-10"),
        "period 2026-10 is outside the planning horizon",
    ),
    (ov("sales", "family", "F1", "qty", -50), "qty -50 is negative"),
    (
        ov("sales", "family", "F1", "pct", -150),
        "pct -150 would make demand negative; a percent change is at least -100",
    ),
    # nothing beyond what the store and the supply LP hold is stored, at any level
    (
        ov("sales", "family", "F1", "qty", 1e300),
        "sales: family F1 2027-01 = 1e+300: qty "
        "1e+300 is beyond the largest value snop "
        "accepts (1,000,000,000)",
    ),
    (ov("sales", "item", "A2", "qty", 1e300), "qty 1e+300 is beyond the largest value"),
    (ov("sales", "total", "", "delta", 5e9), "delta 5e+09 is beyond the largest value"),
    (
        ov("sales", "family", "F1", "pct", 5000),
        "pct 5000 is beyond the largest percent change snop accepts (+1,000)",
    ),
    (ov("sales", "item", "A2", "qty", float("nan")), "qty nan is not a finite number"),
    # each value fits, the result does not: A2 75 + 999,999,990 in one cell
    (
        ov("sales", "item", "A2", "delta", 999_999_990),
        "2027-01: item A2 would get 1,000,000,065 units, beyond the largest quantity snop accepts",
    ),
    # F2 in 2027-01 is B1 20 + B2 20 = 40; - 50 = -10
    (ov("sales", "family", "F2", "delta", -50), "the new total -10 is negative"),
    # A1 is locked at 150 in 2027-01 (below)
    (
        ov("sales", "family", "F1", "qty", 100),
        "locked items already hold 150, more than the new total 100",
    ),
    (ov("sales", "total", "", "qty", 149), "locked items already hold 150"),
    (ov("sales", "item", "B1", "qty", 10, "2026-11"), "item B1 does not sell in 2026-11"),
    (
        ov("statistical", "family", "F1", "qty", 10),
        "the statistical layer is the forecast's baseline and is not edited",
    ),
    (ov("finance", "family", "F1", "qty", 10), "layer 'finance' does not exist"),
    (ov("sales", "family", "F1", "qty", 10, reason=""), "needs a reason code"),
    (ov("sales", "family", "F1", "qty", 10, split="layer:consensus"), "not a layer before 'sales'"),
]


def test_bad_input_changes_nothing(uow: UnitOfWork) -> None:
    add_override(uow, ov("sales", "item", "A1", "qty", 150, locked=True))
    plan = open_plan(uow)
    before = {"item": plan.view("item"), "log": plan.log()}
    assert len(before["log"]) == 1
    for n, (bad, phrase) in enumerate(BAD):
        with pytest.raises(SnopError) as err:
            add_override(uow, bad)
        assert phrase in str(err.value), (bad, str(err.value))
        assert isinstance(err.value, OverrideError)
        if n % 3 == 0:  # nor does a preview of it (a sample: each reading costs time)
            with pytest.raises(OverrideError):
                add_override(uow, bad, preview=True)
    # the log only grows: had any of them stored something, it would show here
    plan = open_plan(uow)
    assert_same({"item": plan.view("item"), "log": plan.log()}, before)
    # and a family override above the locked item's value still works: F1 = 200 with A1
    # held at 150 leaves A2 50
    add_override(uow, ov("sales", "family", "F1", "qty", 200))
    assert cell(open_plan(uow), "item", "A2", "2027-01", "sales") == 50


def test_a_change_that_would_break_a_later_override_is_refused(uow: UnitOfWork) -> None:
    # marketing F2 - 30 in 2027-01: 40 -> 10 (B1 5, B2 5), fine when entered
    add_override(uow, ov("marketing", "family", "F2", "delta", -30, author="mia"))
    # sales then lowering F2 by 20 (40 -> 20) is fine for sales, but marketing's - 30 would
    # go to 20 - 30 = -10: refused, naming the override it would break, nothing stored
    with pytest.raises(
        OverrideError,
        match=r"sales: family F2 2027-01 -20 would make "
        r"override 1 \(marketing: family F2 2027-01 -30\) "
        "no longer apply: 2027-01: the new total -10",
    ):
        add_override(uow, ov("sales", "family", "F2", "delta", -20))
    plan = open_plan(uow)
    assert len(plan.log()) == 1 and plan.log()["conflict"].isna().all()
    assert cell(plan, "family", "F2", "2027-01", "marketing") == 10
    assert submit(uow, Actor.of("dana")).status == "submitted"


def test_submit_refuses_a_conflicting_workbook_override(uow: UnitOfWork, tmp_path: Path) -> None:
    # the workbook's F2 - 100 in 2027-01 would take F2 from 40 to -60
    overrides = (
        "layer,level,key,period,to_period,qty,delta,pct,reason\n"
        "sales,family,F2,2027-01,,,-100,,promo\n"
        "sales,family,F1,2027-02,,300,,,customer\n"
    )
    import_workbook(uow, ANN, write_small(tmp_path / "wb2", {"overrides": overrides}))
    plan = open_plan(uow)
    log = plan.log().set_index("key")
    assert list(log["source"]) == ["workbook", "workbook"]
    assert log.loc["F2", "conflict"].startswith("2027-01: the new total -60 is negative")
    assert log.loc["F1", "conflict"] is None
    # F1 = 300 over 125:75: 187.5, 112.5 -> floors 299, the unit to the first: 188, 112
    assert cell(plan, "item", "A1", "2027-02", "sales") == 188
    assert cell(plan, "item", "A2", "2027-02", "sales") == 112
    with pytest.raises(
        OverrideError, match="sales: family F2 2027-01 -100: 2027-01: the new total -60 is negative"
    ) as err:
        submit(uow, Actor.of("dana"))
    # a workbook row has no id to withdraw: the message says how to remove it instead
    assert "remove its row from the workbook's overrides table and import" in str(err.value)
    assert open_plan(uow).status == "draft"
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / "overrides.csv").write_text(
        overrides.replace("sales,family,F2,2027-01,,,-100,,promo\n", ""), encoding="utf-8"
    )
    import_workbook(uow, ANN, fixed)
    assert list(open_plan(uow).log()["key"]) == ["F1"]
    assert submit(uow, Actor.of("dana")).status == "submitted"


NEW_MONTH = """item,period,qty,channel
A1,2026-11,130,retail
A2,2026-11,80,retail
B2,2026-11,18,retail
"""


def test_a_new_cycle_carries_the_approved_overrides(uow: UnitOfWork, tmp_path: Path) -> None:
    add_override(uow, F1_PLUS_50)
    # reaches into the next cycle for 2026-12 only: carried clipped to 2026-12
    add_override(uow, ov("sales", "item", "A1", "qty", 150, "2026-11", "2026-12"))
    # all in the past once 2026-11 has actuals: not carried
    add_override(uow, ov("marketing", "total", "", "delta", 10, "2026-11", author="mia"))
    _approve(uow)
    old = snapshot(open_plan(uow, "2026-11"))

    new_actuals = tmp_path / "actuals"
    new_actuals.mkdir()
    (new_actuals / "sales.csv").write_text(NEW_MONTH, encoding="utf-8")
    import_workbook(uow, ANN, new_actuals)
    assert open_plan(uow).cycle == "2026-11"  # new actuals do not move the cycle
    cycle, carried = open_next_cycle(uow)
    assert carried.based_on == "2026-11"
    assert [o.describe() for o in carried.carried] == [
        "sales: family F1 2027-01..2027-02 +50",
        "sales: item A1 2026-12 = 150",
    ]
    assert [(o.describe(), why) for o, why in carried.expired] == [
        (
            "marketing: total 2026-11 +10",
            "all in the past (up to 2026-11, the horizon starts 2026-12)",
        )
    ]
    run_baseline(uow, ANN, method="naive")
    plan = open_plan(uow)
    assert (plan.cycle, plan.status, plan.based_on) == ("2026-12", "draft", "2026-11")
    assert plan.periods == ("2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05")
    log = plan.log()
    assert len(log) == 2
    assert list(log["source"]) == ["carried", "carried"]
    assert list(log["carried_from"]) == ["2026-11", "2026-11"]
    assert list(log["author"]) == ["sam", "sam"]
    assert log[["level", "key", "period", "to_period", "kind", "value"]].values.tolist() == [
        ["family", "F1", "2027-01", "2027-02", "delta", 50.0],
        ["item", "A1", "2026-12", "2026-12", "qty", 150.0],
    ]
    assert log["conflict"].isna().all()
    # the new naive baseline: A1 130, A2 80 (F1 210); + 50 = 260 over 130:80: 160.95, 99.05
    # -> floors 259, the unit to A1 (.95): A1 161, A2 99 in 2027-01 and 2027-02
    eff = plan.effects()
    assert set(eff["layer"]) == {"sales"} and set(eff["cycle"]) == {"2026-12"}
    got = eff.sort_values(["override_id", "item", "period"])
    assert got[["item", "period", "before", "after"]].values.tolist() == [
        ["A1", "2027-01", 130.0, 161.0],
        ["A1", "2027-02", 130.0, 161.0],
        ["A2", "2027-01", 80.0, 99.0],
        ["A2", "2027-02", 80.0, 99.0],
        ["A1", "2026-12", 130.0, 150.0],
    ]
    assert cell(plan, "family", "F1", "2027-01", "consensus") == 260
    assert cell(plan, "family", "F1", "2027-03", "consensus") == 210
    # the approved 2026-11 version is unchanged
    assert_same(snapshot(open_plan(uow, "2026-11")), old)
    # starting the new cycle's draft again does not carry twice
    with uow.write() as tx:
        again = start_draft(tx, cycle_workbook(tx, cycle), cycle)
    assert (again.based_on, again.carried, again.expired) == (None, [], [])
    assert len(open_plan(uow).log()) == 2


def test_a_withdrawn_override_stays_in_the_log_and_is_not_carried(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    first = add_override(uow, F1_PLUS_50).override
    kept = add_override(
        uow, ov("sales", "item", "A1", "qty", 150, "2026-12", "2027-01", locked=True)
    ).override
    # A1 locked at 150 in 2027-01 holds in consensus: F1 = 260 leaves A2 110
    add_override(
        uow, ov("consensus", "family", "F1", "qty", 260, author="dana", role="demand_planner")
    )
    assert first.id is not None and kept.id is not None
    with pytest.raises(NotAllowed, match="role marketing may not withdraw"):
        delete_override(uow, Actor.of("mia", "marketing"), first.id, reason="not needed")
    # the approver may withdraw it too: in the sales layer F1 + 50 in 2027-02 goes back to
    # 125, 75, and in 2027-01 (A1 set to 150 since) A2 goes back to 75
    result = delete_override(
        uow, Actor.of("eve", "executive"), first.id, reason="customer cancelled"
    )
    assert _sorted(result.effects).values.tolist() == [
        ["A1", "2027-02", 156.0, 125.0],
        ["A2", "2027-01", 94.0, 75.0],
        ["A2", "2027-02", 94.0, 75.0],
    ]
    plan = open_plan(uow)
    log = plan.log()
    assert log[["id", "kind", "value", "withdrawn_by", "author", "reason"]].values.tolist() == [
        [1, "delta", 50.0, 4, "sam", "promo"],
        [2, "qty", 150.0, None, "sam", "promo"],
        [3, "qty", 260.0, None, "dana", "promo"],
        [4, "withdraw", 1.0, None, "eve", "customer cancelled"],
    ]
    assert cell(plan, "item", "A1", "2027-01", "consensus") == 150
    assert cell(plan, "item", "A2", "2027-01", "consensus") == 110
    assert cell(plan, "family", "F1", "2027-02", "consensus") == 200
    _approve(uow)
    approved = open_plan(uow, "2026-11")
    assert approved.log()["withdrawn_by"].tolist()[0] == 4
    assert approved.replay.locks["consensus"][0].tolist() == [
        False,
        True,
        True,
        False,
        False,
        False,
    ]
    new_actuals = tmp_path / "actuals"
    new_actuals.mkdir()
    (new_actuals / "sales.csv").write_text(NEW_MONTH, encoding="utf-8")
    import_workbook(uow, ANN, new_actuals)
    open_next_cycle(uow)
    run_baseline(uow, ANN, method="naive")
    log = open_plan(uow).log()
    # carried: A1 = 150 (clipped to 2026-12..2027-01) and the consensus F1 = 260; neither the
    # withdrawn F1 + 50 nor its withdrawal
    assert log[["kind", "value", "source"]].values.tolist() == [
        ["qty", 150.0, "carried"],
        ["qty", 260.0, "carried"],
    ]
