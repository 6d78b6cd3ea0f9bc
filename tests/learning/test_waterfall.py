"""The what-changed waterfall adds up exactly (==) to new - old, and the consensus demand
change splits into its causes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.learning.frames import TOTAL
from snop.learning.waterfall import (
    NEW_PRODUCTS,
    PREVIOUS_PLAN,
    REFORECAST,
    as_snapshot,
    demand_waterfall,
    waterfall,
)

FAMILIES = ["A", "B", "C"]
PERIODS = ["2027-01", "2027-02", "2027-03"]
CELLS = [(f, p) for f in FAMILIES for p in PERIODS]

values = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000).map(float),
)
# a plan: some of the cells, each with a value (a cell left out is absent from that plan)
plans = st.dictionaries(st.sampled_from(CELLS), values, max_size=len(CELLS))


def plan_frame(plan: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [(f, p, v) for (f, p), v in plan.items()]
    return pd.DataFrame(rows, columns=["family", "period", "value"])


def check_exact(old: dict, steps: list[dict], new: dict) -> None:
    snapshots = [("old", plan_frame(old))]
    snapshots += [(f"step {i}", plan_frame(s)) for i, s in enumerate(steps)]
    snapshots.append(("new", plan_frame(new)))
    wf = waterfall(snapshots)
    q = wf.resolution
    keys = list(zip(wf.cells["family"], wf.cells["period"], strict=True))
    assert set(keys) == set(old) | set(new) | {k for s in steps for k in s}
    # bars come cell by cell, causes in order
    bars = wf.bars["change"].to_numpy().reshape(len(keys), len(wf.causes))
    assert list(wf.bars["cause"][: len(wf.causes)]) == (wf.causes if keys else [])
    olds, news, changes = (wf.cells[c].to_numpy() for c in ("old", "new", "change"))
    for k, key in enumerate(keys):
        mine = list(bars[k])
        # exactly, whatever the order of the sum
        assert sum(mine) == news[k] - olds[k] == changes[k]
        assert sum(reversed(mine)) == changes[k]
        assert math.fsum(mine) == changes[k]
        # the rounded values are the plans' within half a grid step
        assert abs(olds[k] - old.get(key, 0.0)) <= q / 2
        assert abs(news[k] - new.get(key, 0.0)) <= q / 2
    change = news.sum() - olds.sum()
    assert bars.sum() == change == changes.sum() == float(np.sum(bars[::-1]))
    assert sum(bars.ravel().tolist()) == change
    by_cause = wf.by_cause()
    assert by_cause["change"].iloc[-1] == change == by_cause["change"].iloc[:-1].sum()
    for family in set(wf.cells["family"]):
        mine = (wf.cells["family"] == family).to_numpy()
        assert bars[mine].sum() == news[mine].sum() - olds[mine].sum()


@settings(max_examples=60, deadline=None)
@given(old=plans, new=plans)
def test_the_bars_add_up_exactly_over_generated_pairs_of_plans(old: dict, new: dict) -> None:
    # the straight difference new - old as the only bar
    check_exact(old, [], new)


@settings(max_examples=40, deadline=None)
@given(old=plans, steps=st.lists(plans, min_size=1, max_size=3), new=plans)
def test_the_bars_add_up_exactly_through_intermediate_causes(
    old: dict, steps: list[dict], new: dict
) -> None:
    check_exact(old, steps, new)


def test_the_naive_differences_would_not_add_up() -> None:
    # why the grid: in plain floats (0.3 - 1e16) + (1e16 - 0.1) is 0, not 0.2
    old, mid, new = 0.1, 1e16, 0.3
    assert (mid - old) + (new - mid) != new - old
    wf = waterfall(
        [
            ("old", plan_frame({("A", "2027-01"): old})),
            ("mid", plan_frame({("A", "2027-01"): mid})),
            ("new", plan_frame({("A", "2027-01"): new})),
        ]
    )
    assert wf.bars["change"].sum() == wf.cells["change"].iloc[0]


def test_a_single_snapshot_or_a_repeated_cause_is_refused() -> None:
    one = plan_frame({("A", "2027-01"): 1.0})
    with pytest.raises(SnopError, match="at least two snapshots"):
        waterfall([("old", one)])
    with pytest.raises(SnopError, match="distinct"):
        waterfall([("x", one), ("x", one)])
    bad = one.assign(value=[float("nan")])
    with pytest.raises(SnopError, match="not a finite number"):
        waterfall([("old", one), ("new", bad)])


CHAIN = ["statistical", "sales", "consensus"]
ITEMS = pd.DataFrame({"item": ["a", "b", "n"], "family": ["F", "F", "G"]})


def layers(rows: list[tuple[str, str, float]], period: str = "2027-01") -> pd.DataFrame:
    return pd.DataFrame(
        [(layer, item, period, qty) for layer, item, qty in rows],
        columns=["layer", "item", "period", "qty"],
    )


def test_consensus_demand_change_by_cause() -> None:
    # old: a 10 -> sales 12 -> consensus 11; b 5 without overrides (its layers inherit)
    old = layers([("statistical", "a", 10), ("sales", "a", 12), ("consensus", "a", 11)])
    old = pd.concat([old, layers([("statistical", "b", 5)])], ignore_index=True)
    # new: a 9 -> sales 14 (consensus keeps it); b dropped; n is a new product 3 -> 4
    new = layers(
        [
            ("statistical", "a", 9),
            ("sales", "a", 14),
            ("statistical", "n", 3),
            ("consensus", "n", 4),
        ]
    )
    wf = demand_waterfall(old, new, CHAIN, ITEMS)
    assert wf.causes == [REFORECAST, "sales overrides", "consensus overrides", NEW_PRODUCTS]
    f = wf.bars[wf.bars["family"] == "F"].set_index("cause")["change"]
    assert f[REFORECAST] == (9 - 10) + (0 - 5)
    assert f["sales overrides"] == (14 - 9) - (12 - 10)  # a's sales effect went from +2 to +5
    assert f["consensus overrides"] == 0 - (11 - 12)  # a's consensus cut of 1 is gone
    assert f[NEW_PRODUCTS] == 0
    g = wf.bars[wf.bars["family"] == "G"].set_index("cause")["change"]
    assert list(g) == [0, 0, 0, 4]
    cells = wf.cells.set_index("family")
    assert (cells.loc["F", "old"], cells.loc["F", "new"]) == (16, 14)
    by_cause = wf.by_cause().set_index("cause")["change"]
    assert by_cause[TOTAL] == (14 + 4) - 16


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["old", "new"]),
            st.sampled_from(CHAIN),
            st.sampled_from(["a", "b", "n"]),
            st.sampled_from(PERIODS),
            values,
        ),
        max_size=20,
    )
)
def test_the_demand_waterfall_adds_up_exactly(data: list[tuple]) -> None:
    frame = pd.DataFrame(data, columns=["plan", "layer", "item", "period", "qty"])
    old = frame[frame["plan"] == "old"].drop(columns="plan")
    new = frame[frame["plan"] == "new"].drop(columns="plan")
    wf = demand_waterfall(old, new, CHAIN, ITEMS)
    assert wf.causes[0] == REFORECAST and PREVIOUS_PLAN not in wf.causes
    for (family, period), bars in wf.bars.groupby(["family", "period"]):
        cell = wf.cells[(wf.cells["family"] == family) & (wf.cells["period"] == period)]
        assert bars["change"].sum() == cell["change"].iloc[0]
    assert wf.bars["change"].sum() == wf.cells["new"].sum() - wf.cells["old"].sum()


def test_a_supply_plan_column_becomes_a_snapshot() -> None:
    old = pd.DataFrame({"family": ["F", "F"], "period": PERIODS[:2], "inventory": [5.0, 7.5]})
    new = old.assign(inventory=[6.0, 7.0])
    wf = waterfall(
        [("previous plan", as_snapshot(old, "inventory")), ("new", as_snapshot(new, "inventory"))]
    )
    assert list(wf.bars["change"]) == [1.0, -0.5]
    with pytest.raises(SnopError, match="missing column"):
        as_snapshot(old, "backlog")
