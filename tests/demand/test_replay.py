"""Replaying overrides over a baseline, on a small hand-made hierarchy, and as properties.

The hand hierarchy: A1, A2 in family F1 and B1, B2 in F2; attribute size small (A1, B1) or
large (A2, B2); periods 2027-01..2027-03. The baseline is the same in every period:

    A1 100, A2 50 (F1 150), B1 40, B2 60 (F2 100), total 250

and the last 12 periods' sales (the `history` mix) are A1 30, A2 10, B1 25, B2 75.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.demand.config import DEFAULT_LAYERS, FAMILY, ITEM, STATISTICAL, TOTAL
from snop.demand.replay import (
    Hierarchy,
    Override,
    OverrideError,
    Replay,
    check_override,
    replay,
    replay_appended,
)
from snop.demand.review import DemandPlan
from snop.model.vocabulary import PlanStatus

ITEMS = ("A1", "A2", "B1", "B2")
PERIODS = ("2027-01", "2027-02", "2027-03")
H = Hierarchy(
    ITEMS,
    PERIODS,
    groups={
        FAMILY: np.array(["F1", "F1", "F2", "F2"], dtype=object),
        "size": np.array(["small", "large", "small", "large"], dtype=object),
    },
    selling=np.ones((4, 3), dtype=bool),
    history=np.array([30.0, 10.0, 25.0, 75.0]),
)
BASE = np.array([[100.0] * 3, [50.0] * 3, [40.0] * 3, [60.0] * 3])
LAYERS = DEFAULT_LAYERS


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
    return Override(layer, level, key, period, to or period, kind, value, reason="promo", **kw)  # type: ignore[arg-type]


def run(*overrides: Override, h: Hierarchy = H, strict_from: int | None = None) -> Replay:
    return replay(h, BASE, LAYERS, list(overrides), strict_from=strict_from)


def col(rep: Replay, layer: str, p: int = 0) -> list[float]:
    """One period of one layer, items A1 A2 B1 B2."""
    return rep.values[layer][:, p].tolist()


def test_no_override_every_layer_is_the_baseline() -> None:
    rep = run()
    assert rep.layers == (STATISTICAL, "sales", "marketing", "consensus")
    for name in rep.layers:
        np.testing.assert_array_equal(rep.values[name], BASE)
    assert rep.effects.empty and rep.conflicts == [] and rep.applied == []


def test_family_qty_proportional() -> None:
    # F1 150 -> 300 over A1:A2 = 100:50: 200, 100; other periods and F2 unchanged
    rep = run(ov("sales", FAMILY, "F1", "qty", 300))
    assert col(rep, "sales") == [200, 100, 40, 60]
    assert col(rep, "sales", 1) == col(rep, "sales", 2) == [100, 50, 40, 60]
    # the later layers start from sales, the statistical layer is untouched
    np.testing.assert_array_equal(rep.values["consensus"], rep.values["sales"])
    np.testing.assert_array_equal(rep.values[STATISTICAL], BASE)
    eff = rep.effects.sort_values("item").to_dict("records")
    assert eff == [
        {"override": 0, "item": "A1", "period": "2027-01", "before": 100.0, "after": 200.0},
        {"override": 0, "item": "A2", "period": "2027-01", "before": 50.0, "after": 100.0},
    ]


def test_family_pct() -> None:
    # F2 +10% in every period: 100 -> 110 over 40:60 = 44, 66
    # F1 -20% in 2027-02: 150 -> 120 over 100:50 = 80, 40
    rep = run(
        ov("sales", FAMILY, "F2", "pct", 10, "2027-01", "2027-03"),
        ov("sales", FAMILY, "F1", "pct", -20, "2027-02"),
    )
    for p in range(3):
        assert col(rep, "sales", p)[2:] == [44, 66]
    assert col(rep, "sales", 1)[:2] == [80, 40]
    assert col(rep, "sales", 0)[:2] == [100, 50]
    # -100% takes a family to zero
    assert col(run(ov("sales", FAMILY, "F1", "pct", -100)), "sales") == [0, 0, 40, 60]


def test_total_delta_spreads_over_families() -> None:
    # total 250 + 50 = 300, x 300/250 = 1.2: A1 120, A2 60, B1 48, B2 72 (F1 180, F2 120)
    rep = run(
        ov("sales", TOTAL, "", "delta", 50, "2027-02"),
        # total 250 + 1 = 251: ideal 100.4, 50.2, 40.16, 60.24; floors 250, the
        # missing unit to the largest fraction (.4, A1)
        ov("sales", TOTAL, "", "delta", 1, "2027-03"),
    )
    assert col(rep, "sales", 1) == [120, 60, 48, 72]
    assert col(rep, "sales", 2) == [101, 50, 40, 60]
    assert col(rep, "sales", 0) == [100, 50, 40, 60]


def test_attribute_level() -> None:
    # size small = A1 + B1 = 140 -> 280: A1 200, B1 80; large items untouched
    rep = run(ov("sales", "size", "small", "qty", 280))
    assert col(rep, "sales") == [200, 50, 80, 60]


def test_equal_split() -> None:
    # F1 = 151 equally: 75.5 each, floors 150, the unit goes to the first: A1 76, A2 75
    rep = run(ov("sales", FAMILY, "F1", "qty", 151, split="equal"))
    assert col(rep, "sales") == [76, 75, 40, 60]
    # equal shares the new total (150 + 10 = 160), not the change: 80, 80
    rep = run(ov("sales", FAMILY, "F1", "delta", 10, split="equal"))
    assert col(rep, "sales") == [80, 80, 40, 60]


def test_layer_split() -> None:
    # sales sets A1 to 250 (F1 = 300), then F1 = 400 by the statistical mix 100:50:
    # 266.67, 133.33 -> floors 399, the unit to A1 (.67): 267, 133
    a1 = ov("sales", ITEM, "A1", "qty", 250)
    rep = run(a1, ov("sales", FAMILY, "F1", "qty", 400, split="layer:statistical"))
    assert col(rep, "sales") == [267, 133, 40, 60]
    # proportional to the current 250:50 instead: 333.33, 66.67 -> 333, 67
    rep = run(a1, ov("sales", FAMILY, "F1", "qty", 400))
    assert col(rep, "sales") == [333, 67, 40, 60]
    # marketing may split by the sales layer (before it): F1 = 120 by 250:50 -> 100, 20
    rep = run(a1, ov("marketing", FAMILY, "F1", "qty", 120, split="layer:sales"))
    assert col(rep, "marketing") == [100, 20, 40, 60]
    # sales may not split by marketing, which comes after it
    rep = run(ov("sales", FAMILY, "F1", "qty", 120, split="layer:marketing"))
    assert "not a layer before 'sales'" in rep.conflicts[0][1]
    assert col(rep, "sales") == [100, 50, 40, 60]


def test_history_split() -> None:
    # F2 = 200 by history 25:75 -> 50, 150; F1 = 200 by 30:10 -> 150, 50
    rep = run(
        ov("sales", FAMILY, "F2", "qty", 200, split="history"),
        ov("sales", FAMILY, "F1", "qty", 200, split="history"),
    )
    assert col(rep, "sales") == [150, 50, 50, 150]
    # total = 280 by 30:10:25:75 (140): 60, 20, 50, 150
    rep = run(ov("sales", TOTAL, "", "qty", 280, split="history"))
    assert col(rep, "sales") == [60, 20, 50, 150]


def test_locked_item_then_family_override() -> None:
    rep = run(
        ov("sales", ITEM, "A1", "qty", 120, locked=True),  # A1 100 -> 120, locked
        ov("sales", FAMILY, "F1", "qty", 200),  # A1 holds 120; A2 takes 200 - 120 = 80
        ov("sales", ITEM, "A1", "qty", 90),  # aimed at A1: moves it although locked
        ov("sales", FAMILY, "F1", "qty", 200),  # A1 still locked at 90: A2 = 110
        # F1 = 80 is below what locked A1 holds (90): a conflict, nothing changes
        ov("sales", FAMILY, "F1", "qty", 80),
        # the lock holds in the later layers: marketing's F1 = 300 leaves A1 at 90, A2 210
        ov("marketing", FAMILY, "F1", "qty", 300),
        # until a later layer unlocks A1 (with a reason): consensus F1 = 400 is then split
        # by 90:210 -> 120, 280
        ov("consensus", ITEM, "A1", "unlock", 0),
        ov("consensus", FAMILY, "F1", "qty", 400),
    )
    assert col(rep, "sales") == [90, 110, 40, 60]
    assert col(rep, "marketing") == [90, 210, 40, 60]
    assert col(rep, "consensus") == [120, 280, 40, 60]
    assert rep.locks["sales"][:, 0].tolist() == [True, False, False, False]
    assert rep.locks["marketing"][:, 0].tolist() == [True, False, False, False]
    assert not rep.locks["consensus"].any() and not rep.locks["sales"][:, 1:].any()
    steps = rep.effects[["override", "item", "before", "after"]].values.tolist()
    assert steps == [
        [0, "A1", 100, 120],
        [1, "A2", 50, 80],
        [2, "A1", 120, 90],
        [3, "A2", 80, 110],
        [5, "A2", 110, 210],
        [7, "A1", 90, 120],
        [7, "A2", 210, 280],
    ]
    assert len(rep.conflicts) == 1
    bad, msg = rep.conflicts[0]
    assert bad.value == 80
    assert msg == ("2027-01: locked items already hold 90, more than the new total 80")


def test_locked_family_then_total() -> None:
    # F1 = 200 locked: 133.33, 66.67 -> floors 199, the unit to A2 (.67): 133, 67;
    # total = 350: F1 holds 200, F2 takes 150 over 40:60 -> 60, 90
    rep = run(
        ov("sales", FAMILY, "F1", "qty", 200, locked=True), ov("sales", TOTAL, "", "qty", 350)
    )
    assert col(rep, "sales") == [133, 67, 60, 90]
    # a total + 0 locked locks every item (unchanged); F2 + 5 then cannot move
    rep = run(
        ov("sales", TOTAL, "", "delta", 0, locked=True), ov("sales", FAMILY, "F2", "delta", 5)
    )
    assert "every item is locked" in rep.conflicts[0][1]


def test_a_lock_holds_in_later_layers_and_the_rest_absorbs_in_whole_units() -> None:
    # family F1 of three items X1 100, X2 57, X3 43 (F1 200)
    h = Hierarchy(
        ("X1", "X2", "X3"),
        ("2027-01",),
        groups={FAMILY: np.array(["F1"] * 3, dtype=object)},
        selling=np.ones((3, 1), bool),
        history=np.zeros(3),
    )
    base = np.array([[100.0], [57.0], [43.0]])
    rep = replay(
        h,
        base,
        LAYERS,
        [
            ov("sales", ITEM, "X1", "qty", 120, locked=True),  # the tender: X1 120, F1 220
            # consensus -10% on F1: 220 -> 198; X1 keeps 120, X2 and X3 share 78 by 57:43 ->
            # 44.46, 33.54; floors 77, the last unit to X3 (.54): 44, 34
            ov("consensus", FAMILY, "F1", "pct", -10),
        ],
    )
    assert rep.conflicts == []
    assert rep.values["sales"][:, 0].tolist() == [120, 57, 43]
    assert rep.values["marketing"][:, 0].tolist() == [120, 57, 43]
    assert rep.values["consensus"][:, 0].tolist() == [120, 44, 34]
    assert rep.values["consensus"].sum() == 198
    for name in ("sales", "marketing", "consensus"):
        assert rep.locks[name][:, 0].tolist() == [True, False, False]
    # a total below what the carried lock holds is a conflict in the later layer too
    rep = replay(
        h,
        base,
        LAYERS,
        [ov("sales", ITEM, "X1", "qty", 120, locked=True), ov("marketing", TOTAL, "", "qty", 100)],
    )
    assert rep.conflicts[0][1] == (
        "2027-01: locked items already hold 120, more than the new total 100"
    )


def test_an_unlock_frees_only_its_scope_and_periods() -> None:
    # F1 = 200 locked in 2027-01..2027-02 (A1 133, A2 67); marketing unlocks A2 in 2027-02;
    # consensus total = 300 in both periods
    rep = run(
        ov("sales", FAMILY, "F1", "qty", 200, "2027-01", "2027-02", locked=True),
        ov("marketing", ITEM, "A2", "unlock", 0, "2027-02"),
        ov("consensus", TOTAL, "", "qty", 300, "2027-01", "2027-02"),
    )
    # 2027-01: F1 holds 200, F2 takes 100 (unchanged 40, 60)
    assert col(rep, "consensus", 0) == [133, 67, 40, 60]
    # 2027-02: A1 holds 133; A2, B1, B2 share 167 by 67:40:60 -> 67, 40, 60 exactly
    assert col(rep, "consensus", 1) == [133, 67, 40, 60]
    assert rep.locks["consensus"][:, 1].tolist() == [True, False, False, False]
    assert rep.locks["sales"][:, 1].tolist() == [True, True, False, False]
    # an unlock changes no value and has no effects of its own
    assert set(rep.effects["override"]) == {0}


def test_a_result_beyond_the_largest_quantity_is_refused() -> None:
    # A1 = 900 million, then F1 +20%: (900,000,000 + 50) x 1.2 split 900,000,000:50 puts
    # exactly 1,080,000,000 on A1 (and 60 on A2): one cell beyond MAX_QUANTITY
    big = ov("sales", ITEM, "A1", "qty", 9e8)
    more = ov("marketing", FAMILY, "F1", "pct", 20)
    rep = run(big, more)
    assert rep.conflicts == [
        (
            more,
            "2027-01: item A1 would get 1,080,000,000 units, beyond "
            "the largest quantity snop accepts (1,000,000,000)",
        )
    ]
    with pytest.raises(OverrideError, match="beyond the largest quantity"):
        run(big, more, strict_from=1)


def test_withdrawn_overrides_and_their_tombstones_change_nothing() -> None:
    keep = ov("sales", FAMILY, "F1", "qty", 300, id=1)
    gone = ov("sales", FAMILY, "F2", "delta", -150, id=2)  # a conflict (F2 100 - 150 < 0)
    tomb = ov("sales", FAMILY, "F2", "withdraw", 2, id=3)
    assert len(run(keep, gone).conflicts) == 1
    rep = run(keep, gone, tomb)
    assert rep.conflicts == [] and rep.applied == [keep]
    assert col(rep, "sales") == [200, 100, 40, 60]
    assert tomb.describe() == "sales: withdraws override 2 (family F2 2027-01)"


def test_layers_chain_in_order() -> None:
    # given in reverse order: each layer still starts from the one before
    overrides = [
        # consensus: total = 300 over 120 + 90 + 40 + 60 = 310: x 300/310 ->
        # 116.13, 87.10, 38.71, 58.06; floors 299, the unit to B1 (.71): 116, 87, 39, 58
        ov("consensus", TOTAL, "", "qty", 300),
        ov("marketing", ITEM, "A2", "pct", 50),  # 60 * 1.5 = 90
        ov("sales", FAMILY, "F1", "delta", 30),  # 150 + 30 = 180: 120, 60
    ]
    rep = run(*overrides)
    assert col(rep, STATISTICAL) == [100, 50, 40, 60]
    assert col(rep, "sales") == [120, 60, 40, 60]
    assert col(rep, "marketing") == [120, 90, 40, 60]
    assert col(rep, "consensus") == [116, 87, 39, 58]
    assert [o.layer for o in rep.applied] == ["sales", "marketing", "consensus"]
    # effects keep the override's index in the given list
    assert set(rep.effects[rep.effects["item"] == "A2"]["override"]) == {0, 1, 2}


def test_non_selling_cells_stay_zero() -> None:
    # B1 launches 2027-02 (not selling in 2027-01), B2 ends 2027-02 (not in 2027-03);
    # the baseline's 40 and 60 there are dropped
    selling = np.ones((4, 3), dtype=bool)
    selling[2, 0] = selling[3, 2] = False
    h = replace(H, selling=selling)
    rep = run(
        # F2 = 200 in every period: only B2 in 2027-01, 40:60 in 2027-02, only B1 in 2027-03
        ov("sales", FAMILY, "F2", "qty", 200, "2027-01", "2027-03"),
        # total + 100 in 2027-03: 100 + 50 + 200 + 0 = 350 -> 450, x 9/7: 128.57, 64.29,
        # 257.14, 0 -> floors 449, the unit to A1 (.57): 129, 64, 257, 0
        ov("marketing", TOTAL, "", "delta", 100, "2027-03"),
        # an item outside its selling window gets no demand; qty 0 there is allowed
        ov("consensus", ITEM, "B2", "qty", 10, "2027-03"),
        ov("consensus", ITEM, "B2", "qty", 0, "2027-03"),
        # equal split never gives B1 anything before its launch
        ov("consensus", FAMILY, "F2", "qty", 101, "2027-01", split="equal"),
        h=h,
    )
    assert col(rep, STATISTICAL, 0) == [100, 50, 0, 60]
    assert col(rep, STATISTICAL, 2) == [100, 50, 40, 0]
    assert col(rep, "sales", 0) == [100, 50, 0, 200]
    assert col(rep, "sales", 1) == [100, 50, 80, 120]
    assert col(rep, "sales", 2) == [100, 50, 200, 0]
    assert col(rep, "marketing", 2) == [129, 64, 257, 0]
    assert col(rep, "consensus", 0) == [100, 50, 0, 101]
    assert col(rep, "consensus", 2) == [129, 64, 257, 0]
    for name in rep.layers:
        assert (rep.values[name][~selling] == 0).all()
    assert len(rep.conflicts) == 1
    assert "item B2 does not sell in 2027-03" in rep.conflicts[0][1]


def test_no_item_of_the_scope_sells() -> None:
    # F2 sells nowhere in 2027-02: B1 launches 2027-03, B2 ended 2027-01
    selling = np.ones((4, 3), dtype=bool)
    selling[2, :2] = selling[3, 1:] = False
    h = replace(H, selling=selling)
    rep = run(ov("sales", FAMILY, "F2", "qty", 10, "2027-02"), h=h)
    assert rep.conflicts[0][1] == "no item of family F2 sells in 2027-02"
    rep = run(ov("sales", FAMILY, "F2", "qty", 0, "2027-02"), h=h)
    assert rep.conflicts == [] and rep.effects.empty


def test_conflicts_lenient_and_strict() -> None:
    neg = ov("sales", FAMILY, "F2", "delta", -150)  # F2 100 - 150 = -50
    after = ov("sales", FAMILY, "F1", "qty", 300)
    rep = run(neg, after)
    assert rep.conflicts == [
        (neg, "2027-01: the new total -50 is negative; demand cannot be below zero")
    ]
    assert rep.applied == [after]  # the rest still applies
    assert col(rep, "sales") == [200, 100, 40, 60]
    # strict from the conflicting override on: raises and names it
    with pytest.raises(
        OverrideError,
        match=r"^sales: family F2 2027-01 -150: 2027-01: the "
        "new total -50 is negative",
    ):
        run(neg, after, strict_from=0)
    # strict only from a later index: the earlier conflict is still only reported
    assert len(run(neg, after, strict_from=1).conflicts) == 1
    # a layer that is not configured any more
    gone = ov("finance", FAMILY, "F1", "qty", 1)
    assert run(gone).conflicts == [
        (gone, "layer 'finance' does not exist; the layers are sales, marketing, consensus")
    ]


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [
        (ov(STATISTICAL, FAMILY, "F1", "qty", 1), "the statistical layer is the forecast's"),
        (ov("sales", FAMILY, "F1", "double", 1), "'double' is not a kind of override"),
        (ov("sales", FAMILY, "F1", "qty", float("nan")), "qty nan is not a finite number"),
        (ov("sales", FAMILY, "F1", "pct", float("inf")), "pct inf is not a finite number"),
        (ov("sales", FAMILY, "F1", "qty", -50), "qty -50 is negative"),
        # no real cell holds a billion units: the store and the supply LP are bounded there
        (
            ov("sales", FAMILY, "F1", "qty", 1e300),
            "qty 1e+300 is beyond the largest value snop accepts (1,000,000,000)",
        ),
        (ov("sales", ITEM, "A1", "qty", 1e300), "qty 1e+300 is beyond the largest value"),
        (ov("sales", ITEM, "A1", "delta", 1.5e9), "delta 1.5e+09 is beyond the largest value"),
        (ov("sales", ITEM, "A1", "delta", -1.5e9), "delta -1.5e+09 is beyond the largest value"),
        (
            ov("sales", FAMILY, "F1", "pct", 1001),
            "pct 1001 is beyond the largest percent change snop accepts (+1,000)",
        ),
        (
            ov("sales", FAMILY, "F1", "qty", 1, "zzz"),
            "period 'zzz' is not a period; write YYYY-MM (month)",
        ),
        (ov("sales", FAMILY, "F1", "pct", -150), "a percent change is at least -100"),
        (ov("sales", TOTAL, "F1", "qty", 1), "a total override has no key"),
        (
            ov("sales", "brand", "X", "qty", 1),
            "level 'brand' is not a level; use one of item, family, size, total",
        ),
        (ov("sales", ITEM, "ZZ", "qty", 1), "item 'ZZ' does not exist; known: A1, A2, B1, B2"),
        (ov("sales", FAMILY, "F9", "qty", 1), "family 'F9' does not exist; known: F1, F2"),
        (
            ov("sales", FAMILY, "F1", "qty", 1, "2027-04"),
            "period 2027-04 is outside the planning horizon 2027-01..2027-03",
        ),
        (
            ov("sales", FAMILY, "F1", "qty", 1, "2027-03", "2027-01"),
            "the range ends (2027-01) before it starts (2027-03)",
        ),
        (ov("sales", FAMILY, "F1", "qty", 1, split="random"), "is not a split"),
        (replace(ov("sales", FAMILY, "F1", "qty", 1), reason=" "), "needs a reason code"),
        # what PostgreSQL cannot store is refused on every store
        (ov("sales", ITEM, "A1\x00", "qty", 1), "key contains a control character"),
        (
            replace(ov("sales", FAMILY, "F1", "qty", 1), comment="a\x00b"),
            "comment contains a control character (such as NUL)",
        ),
        (
            replace(ov("sales", FAMILY, "F1", "qty", 1), author="x" * 10_001),
            "author is 10001 characters long; at most 200 are allowed",
        ),
    ],
)
def test_check_override_refuses(bad: Override, phrase: str) -> None:
    with pytest.raises(OverrideError) as err:
        check_override(H, LAYERS, bad)
    assert phrase in str(err.value)
    if bad.layer == STATISTICAL:
        return  # see test_statistical_override_in_replay
    # in a replay it is a conflict and changes nothing
    rep = run(bad)
    assert len(rep.conflicts) == 1 and phrase in rep.conflicts[0][1]
    for name in rep.layers:
        np.testing.assert_array_equal(rep.values[name], BASE)


def test_statistical_override_in_replay() -> None:
    bad = ov(STATISTICAL, FAMILY, "F1", "qty", 1)
    rep = run(bad)
    assert len(rep.conflicts) == 1
    with pytest.raises(OverrideError, match="the statistical layer is the forecast's"):
        run(bad, strict_from=0)


# --- properties --------------------------------------------------------------------------

SPLITS = ["proportional", "equal", "history", "layer:statistical", "layer:sales", "layer:marketing"]
amounts = st.one_of(
    st.just(0.0), st.integers(0, 500).map(float), st.floats(0.0, 500.0, allow_nan=False)
)


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Hierarchy, np.ndarray, list[Override]]:
    n = draw(st.integers(1, 6))
    t = draw(st.integers(1, 4))
    items = tuple(f"I{k}" for k in range(n))
    periods = tuple(f"2027-{m:02d}" for m in range(1, t + 1))
    fams = draw(st.lists(st.sampled_from(["F1", "F2", "F3"]), min_size=n, max_size=n))
    sizes = draw(st.lists(st.sampled_from(["s", "l"]), min_size=n, max_size=n))
    cells = n * t
    selling = np.array(
        draw(st.lists(st.booleans() | st.just(True), min_size=cells, max_size=cells))
    ).reshape(n, t)
    baseline = np.array(draw(st.lists(amounts, min_size=cells, max_size=cells))).reshape(n, t)
    history = np.array(draw(st.lists(amounts, min_size=n, max_size=n)))
    h = Hierarchy(
        items,
        periods,
        {FAMILY: np.array(fams, dtype=object), "size": np.array(sizes, dtype=object)},
        selling,
        history,
    )
    keys = {ITEM: list(items), FAMILY: sorted(set(fams)), "size": sorted(set(sizes)), TOTAL: [""]}
    overrides = []
    for k in range(draw(st.integers(0, 8))):
        level = draw(st.sampled_from([ITEM, FAMILY, "size", TOTAL]))
        kind = draw(st.sampled_from(["qty", "delta", "pct", "unlock"]))
        value = draw(
            {
                "qty": st.integers(0, 5000).map(lambda x: x / 10),
                "delta": st.integers(-300, 300).map(float),
                "pct": st.integers(-100, 150).map(float),
                "unlock": st.just(0.0),
            }[kind]
        )
        lo = draw(st.integers(0, t - 1))
        hi = draw(st.integers(lo, t - 1))
        overrides.append(
            Override(
                layer=draw(st.sampled_from(["sales", "marketing", "consensus"])),
                level=level,
                key=draw(st.sampled_from(keys[level])),
                period=periods[lo],
                to_period=periods[hi],
                kind=kind,
                value=value,
                split=draw(st.sampled_from(SPLITS)),
                locked=draw(st.booleans()),
                reason="promo",
                id=k,
            )
        )
    return h, baseline, overrides


def _scope(h: Hierarchy, o: Override) -> np.ndarray:
    return np.ones(len(h.items), bool) if o.level == TOTAL else h.scope(o.level, o.key)


@settings(max_examples=40, deadline=None)
@given(scenario())
def test_replay_properties(case: tuple[Hierarchy, np.ndarray, list[Override]]) -> None:
    h, baseline, overrides = case
    rep = replay(h, baseline, LAYERS, overrides)
    applied = {o.id for o in rep.applied}
    assert len(applied) + len(rep.conflicts) == len(overrides)
    plan = DemandPlan("2027-01", PlanStatus.DRAFT, None, LAYERS, "executive", overrides, rep, {})
    views = {
        level: plan.view(level).set_index(["key", "period"]) for level in (FAMILY, "size", TOTAL)
    }
    for name in rep.layers:
        v = rep.values[name]
        assert (v >= 0).all()
        assert (v[~h.selling] == 0).all()
        # every level's view is the sum of its items
        for level, view in views.items():
            keys = np.full(len(h.items), TOTAL, object) if level == TOTAL else h.groups[level]
            for key in set(keys):
                for p, period in enumerate(h.periods):
                    want = v[keys == key, p].sum()
                    assert view.loc[(key, period), name] == pytest.approx(want, abs=1e-6)
    # each layer is the one before plus its overrides' effects, replayed in order; the cells
    # locked in a layer are not changed by a later override of that layer above item level
    locked = np.zeros(baseline.shape, bool)  # locks hold from layer to layer until unlocked
    for before, name in zip(rep.layers, rep.layers[1:], strict=False):
        cur = rep.values[before].copy()
        for o in overrides:
            if o.layer != name or o.id not in applied:
                continue
            eff = rep.effects[rep.effects["override"] == o.id]
            for r in eff.itertuples(index=False):
                i, p = h.items.index(r.item), h.periods.index(r.period)
                assert cur[i, p] == r.before
                if o.level != ITEM:
                    assert not locked[i, p], (o, r)
                cur[i, p] = r.after
            if o.locked or o.kind == "unlock":
                lo, hi = h.periods.index(o.period), h.periods.index(o.to_period)
                span = np.zeros(len(h.periods), bool)
                span[lo : hi + 1] = True
                cells = _scope(h, o)[:, None] & span[None, :] & h.selling
                locked = locked & ~cells if o.kind == "unlock" else locked | cells
        np.testing.assert_array_equal(cur, rep.values[name])
        np.testing.assert_array_equal(locked, rep.locks[name])
    # right after a qty override applies, its scope adds up to the quantity (whole units)
    for k, o in enumerate(overrides):
        if o.kind != "qty":
            continue
        pre = replay(h, baseline, LAYERS, overrides[: k + 1])
        if o.id not in {a.id for a in pre.applied}:
            continue
        lo, hi = h.periods.index(o.period), h.periods.index(o.to_period)
        for p in range(lo, hi + 1):
            got = pre.values[o.layer][_scope(h, o), p].sum()
            assert got == math.floor(o.value + 0.5), (o, p, got)


@settings(max_examples=40, deadline=None)
@given(scenario(), st.data())
def test_withdrawing_is_replaying_without_the_override(
    case: tuple[Hierarchy, np.ndarray, list[Override]], data: st.DataObject
) -> None:
    h, baseline, overrides = case
    gone = data.draw(
        st.sets(st.sampled_from([o.id for o in overrides])) if overrides else st.just(set())
    )
    tombs = [
        replace(o, kind="withdraw", value=float(o.id or 0), id=100 + k)
        for k, o in enumerate(overrides)
        if o.id in gone
    ]
    with_tombs = replay(h, baseline, LAYERS, [*overrides, *tombs])
    without = replay(h, baseline, LAYERS, [o for o in overrides if o.id not in gone])
    for name in with_tombs.layers:
        np.testing.assert_array_equal(with_tombs.values[name], without.values[name])
        np.testing.assert_array_equal(with_tombs.locks[name], without.locks[name])
    assert [o.id for o in with_tombs.applied] == [o.id for o in without.applied]
    assert [o.id for o, _ in with_tombs.conflicts] == [o.id for o, _ in without.conflicts]


@settings(max_examples=60, deadline=None)
@given(scenario())
def test_replaying_an_appended_override_equals_replaying_the_whole_log(
    case: tuple[Hierarchy, np.ndarray, list[Override]],
) -> None:
    """replay_appended (which replays only the new override's periods when it can) gives
    what a strict replay of the whole log gives: the same layers, locks, effects, applied
    overrides and conflicts, or the same refusal."""
    h, baseline, overrides = case
    for k in range(len(overrides)):
        prev = replay(h, baseline, LAYERS, overrides[:k])
        try:
            full = replay(h, baseline, LAYERS, overrides[: k + 1], strict_from=k)
        except OverrideError as exc:
            with pytest.raises(OverrideError) as got:
                replay_appended(prev, LAYERS, overrides[: k + 1])
            assert str(got.value) == str(exc)
            continue
        fast = replay_appended(prev, LAYERS, overrides[: k + 1])
        for name in full.layers:
            np.testing.assert_array_equal(fast.values[name], full.values[name])
            np.testing.assert_array_equal(fast.locks[name], full.locks[name])
        assert fast.applied == full.applied
        assert [m for _, m in fast.conflicts] == [m for _, m in full.conflicts]
        # the same cells changed by the same overrides, in log order (within an override,
        # the order of its cells may differ)
        assert fast.effects["override"].tolist() == full.effects["override"].tolist()
        cells = ["override", "item", "period"]
        if not full.effects.empty:
            pd.testing.assert_frame_equal(
                fast.effects.sort_values(cells, ignore_index=True),
                full.effects.sort_values(cells, ignore_index=True),
                check_dtype=False,
            )


def test_an_appended_override_replays_only_its_periods() -> None:
    """A consensus change in 2027-02 leaves 2027-01 and 2027-03 as they were, even where
    an earlier layer's override spans all three periods."""
    first = ov("sales", FAMILY, "F1", "pct", 10.0, to="2027-03")
    prev = run(first)
    new = ov("consensus", ITEM, "A1", "delta", 5.0, period="2027-02")
    rep = replay_appended(prev, LAYERS, [first, new])
    # sales: F1 +10 % in every period (A1 110, A2 55); consensus: A1 +5 in 2027-02 only
    assert rep.values["consensus"][0].tolist() == [110.0, 115.0, 110.0]
    assert rep.values["consensus"][1].tolist() == [55.0, 55.0, 55.0]
    assert rep.applied == [first, new]
    last = rep.effects[rep.effects["override"] == 1]
    assert last[["item", "period", "before", "after"]].values.tolist() == [
        ["A1", "2027-02", 110.0, 115.0]
    ]
