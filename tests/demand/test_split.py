"""Splitting a new total over items in whole units: hand-computed cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.demand.split import SplitError, round_to_total, split_total
from snop.errors import SnopError


def test_proportional_split_by_hand() -> None:
    # current sums to 300.4 + 500.2 + 199.9 = 1000.5; the ideal shares of 1200:
    #   300.4 * 1200 / 1000.5 = 360480 / 1000.5 = 360.2999
    #   500.2 * 1200 / 1000.5 = 600240 / 1000.5 = 599.9400
    #   199.9 * 1200 / 1000.5 = 239880 / 1000.5 = 239.7601
    # floors 360 + 599 + 239 = 1198; the 2 missing units go to the largest fractions
    # (.94 and .76): [360, 600, 240]
    out = split_total(1200, np.array([300.4, 500.2, 199.9]))
    np.testing.assert_array_equal(out, [360, 600, 240])
    assert out.sum() == 1200


def test_round_to_total_largest_remainder() -> None:
    ideal = np.array([360480, 600240, 239880]) / 1000.5
    np.testing.assert_array_equal(round_to_total(ideal, 1200), [360, 600, 240])
    # floors [3, 3, 3] sum 9; one missing unit to the largest fraction (.7, index 1)
    np.testing.assert_array_equal(round_to_total(np.array([3.2, 3.7, 3.1]), 10), [3, 4, 3])
    # float noise of a proportional split stays at the whole number it means
    np.testing.assert_array_equal(round_to_total(np.array([2.9999999999, 1.0000000001]), 4), [3, 1])
    # a total far above sum(ideal) goes round after round: 0+0 -> 1,1 -> 2,2 -> 3,2
    np.testing.assert_array_equal(round_to_total(np.array([0.2, 0.2]), 5), [3, 2])
    assert round_to_total(np.array([]), 0).size == 0
    with pytest.raises(ValueError, match="no items"):
        round_to_total(np.array([]), 3)


def test_equal_split_and_ties_to_first() -> None:
    # nothing to be proportional to: 10 / 3 = 3.33 each, floors 9, the missing unit goes to
    # the first of three equal fractions
    np.testing.assert_array_equal(split_total(10, np.zeros(3)), [4, 3, 3])
    np.testing.assert_array_equal(
        split_total(10, np.array([5.0, 1.0, 9.0]), weights=np.ones(3)), [4, 3, 3]
    )
    # 11 / 3 = 3.67 each: floors 9, two missing units to the first two
    np.testing.assert_array_equal(split_total(11, np.zeros(3)), [4, 4, 3])
    # ties when adding: [0.5, 0.5, 1.0] floors [0, 0, 1] = 1; one unit to the first .5
    np.testing.assert_array_equal(round_to_total(np.array([0.5, 0.5, 1.0]), 2), [1, 0, 1])
    # ties when taking away: [1.5, 1.5] floors [1, 1] = 2, one too many; the first gives
    np.testing.assert_array_equal(round_to_total(np.array([1.5, 1.5]), 1), [0, 1])
    # zero / non-finite weights count as zero; all-zero weights fall back to equal
    np.testing.assert_array_equal(
        split_total(9, np.array([1.0, 2.0, 3.0]), weights=np.array([0.0, np.nan, 0.0])), [3, 3, 3]
    )


def test_locked_child_keeps_its_value() -> None:
    cur = np.array([300.0, 500.0, 200.0])
    mid = np.array([False, True, False])
    # 1000 - 500 locked = 500 over 300:200 -> 300, 200 (unchanged)
    np.testing.assert_array_equal(split_total(1000, cur, locked=mid), [300, 500, 200])
    # 1100 - 500 = 600 over 300:200 -> 600 * 3/5 = 360, 600 * 2/5 = 240
    np.testing.assert_array_equal(split_total(1100, cur, locked=mid), [360, 500, 240])
    # 500 = locked sum: the others go to 0
    np.testing.assert_array_equal(split_total(500, cur, locked=mid), [0, 500, 0])
    # a locked value need not be whole: 1000.7 - 0.3 = 1000.4 rounds to 1000 over 1:3
    np.testing.assert_array_equal(
        split_total(1000.7, np.array([10.0, 0.3, 30.0]), locked=np.array([False, True, False])),
        [250, 0.3, 750],
    )
    # every item locked and the total unchanged (after rounding): nothing moves
    np.testing.assert_array_equal(split_total(1000.4, cur, locked=np.ones(3, bool)), cur)


def test_split_errors() -> None:
    cur = np.array([300.0, 500.0, 200.0])
    with pytest.raises(SplitError, match="the new total -1 is negative"):
        split_total(-1, cur)
    # a SplitError is a user-facing error
    assert issubclass(SplitError, SnopError)
    with pytest.raises(
        SplitError, match="locked items already hold 500, more than the new total 400"
    ):
        split_total(400, cur, locked=np.array([False, True, False]))
    with pytest.raises(
        SplitError,
        match=r"every item is locked \(together 1,000\), so the "
        "total cannot become 1,100",
    ):
        split_total(1100, cur, locked=np.ones(3, bool))
    # the total of a locked-only set may move by less than half a unit, not more
    with pytest.raises(SplitError, match="every item is locked"):
        split_total(1000.6, cur, locked=np.ones(3, bool))


values = st.one_of(st.just(0.0), st.floats(0.0, 1e5, allow_nan=False, allow_infinity=False))


@st.composite
def split_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float]:
    n = draw(st.integers(1, 8))
    cur = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    lock = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if lock.all():
        lock[draw(st.integers(0, n - 1))] = False  # at least one item takes the change
    held = float(cur[lock].sum())
    target = held + draw(st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False))
    return cur, lock, target


@settings(max_examples=120, deadline=None)
@given(split_case())
def test_split_properties(case: tuple[np.ndarray, np.ndarray, float]) -> None:
    cur, lock, target = case
    held = float(cur[lock].sum())
    rest = math.floor(target - held + 0.5)  # round(target - locked sum), halves up
    out = split_total(target, cur, locked=lock)
    assert out.shape == cur.shape
    assert out.sum() == pytest.approx(rest + held, abs=1e-6)
    assert out[~lock].sum() == rest  # whole units add up exactly
    np.testing.assert_array_equal(out[lock], cur[lock])
    assert (out >= 0).all()
    free = out[~lock]
    np.testing.assert_array_equal(free, np.round(free))
    w = cur[~lock]
    share = rest * (w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / w.size))
    assert (np.abs(free - share) < 1 + 1e-9).all(), (free, share)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=1, max_size=10))
def test_round_to_total_properties(ideal_list: list[float]) -> None:
    ideal = np.array(ideal_list)
    total = math.floor(ideal.sum() + 0.5)
    out = round_to_total(ideal, total)
    assert out.sum() == total
    np.testing.assert_array_equal(out, np.round(out))
    # each value is its ideal's floor or ceiling
    assert (np.abs(out - ideal) < 1 + 1e-9).all()
