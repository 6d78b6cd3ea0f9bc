"""Two planners change the same cells: the second, who read the value before the first
change, is refused with the value now (optimistic locking), and the store keeps the first.

The small workbook's naive baseline: family F1 is 200 units in each period (A1 125, A2 75).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from snop.demand.replay import Override
from snop.errors import StaleValue
from snop.services.audit import audit_log
from snop.services.context import Actor
from snop.services.demand_review import add_override, demand_grid, override_log, override_of
from snop.store.uow import UnitOfWork
from tests.demand.cycles import ANN, small_store

BEA = Actor.of("bea", "demand_planner")


@pytest.fixture
def uow(db_url: str, tmp_path: Path) -> Iterator[UnitOfWork]:
    u = small_store(db_url, tmp_path)
    yield u
    u.dispose()


def f1_consensus(uow: UnitOfWork, period: str = "2027-01", to: str | None = None) -> float:
    grid = demand_grid(uow, ANN, level="family", key="F1", start=period, end=to or period)
    return float(grid.rows["consensus"].sum())


def change(qty: float, to: str | None = None) -> Override:
    return override_of(
        layer="consensus",
        level="family",
        key="F1",
        period="2027-01",
        to_period=to,
        kind="qty",
        value=qty,
        reason="promo",
    )


def test_the_second_change_on_a_moved_value_is_refused(uow: UnitOfWork) -> None:
    seen_by_ann, seen_by_bea = f1_consensus(uow), f1_consensus(uow)
    assert seen_by_ann == seen_by_bea == 200
    add_override(uow, ANN, change(300), expected=seen_by_ann)
    with pytest.raises(StaleValue) as refused:
        add_override(uow, BEA, change(250), expected=seen_by_bea)
    assert (refused.value.current, refused.value.expected) == (300, 200)
    assert "now 300.00, you saw 200.00" in str(refused.value)
    assert f1_consensus(uow) == 300
    log = override_log(uow, ANN)
    assert list(zip(log["author"], log["value"], strict=True)) == [("ann", 300)]
    trail = audit_log(uow, ANN, action="demand override").entries
    assert [(e["actor"], e["detail"]["before"], e["detail"]["after"]) for e in trail] == [
        ("ann", 200, 300)
    ]


def test_expected_is_the_sum_over_the_range(uow: UnitOfWork) -> None:
    # two periods of 200: the author saw 400, and a change of either period moves it
    add_override(uow, ANN, change(300, to="2027-02"), expected=400)
    assert f1_consensus(uow, to="2027-02") == 600
    with pytest.raises(StaleValue):
        add_override(uow, BEA, change(100, to="2027-02"), expected=400)
    add_override(uow, BEA, change(100, to="2027-02"), expected=600)
    assert f1_consensus(uow, to="2027-02") == 200
