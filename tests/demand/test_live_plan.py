"""The live demand plan the unit of work keeps between writes equals a fresh read of the
store: after each override the plan the write made is what readers get, and it must be
exactly what replaying the stored log gives (values, locks, log, conflicts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from snop.services.context import current_cycle, cycle_workbook
from snop.services.demand_review import add_override, demand_plan, override_of, read_plan
from snop.store.uow import UnitOfWork
from tests.demand.cycles import ANN, small_store


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    u = small_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    yield u
    u.dispose()


def _fresh(uow: UnitOfWork):  # type: ignore[no-untyped-def]
    with uow.read() as tx:
        c = current_cycle(tx)
        return read_plan(tx, c, cycle_workbook(tx, c))


def test_the_plan_kept_after_each_write_is_a_fresh_read(uow: UnitOfWork) -> None:
    changes = [
        dict(level="family", key="F1", period="2027-01", kind="qty", value=260.0),
        dict(level="item", key="A1", period="2027-02", to_period="2027-03", kind="pct", value=10.0),
        dict(level="family", key="F1", period="2027-02", kind="delta", value=-5.0, locked=True),
    ]
    for n, change in enumerate(changes, start=1):
        add_override(uow, ANN, override_of(layer="consensus", reason="promo", **change))
        with uow.read() as tx:  # the write left its plan for readers: no replay to read it
            assert ("demand plan", "2026-11", tx.write_revision) in uow.versions._items
        kept, fresh = demand_plan(uow, ANN), _fresh(uow)
        assert kept is not fresh and len(kept.overrides) == n
        pd.testing.assert_frame_equal(kept.view("item", locks=True), fresh.view("item", locks=True))
        pd.testing.assert_frame_equal(kept.log(), fresh.log())
        assert [m for _, m in kept.replay.conflicts] == [m for _, m in fresh.replay.conflicts]
        assert kept.record == fresh.record and kept.status == fresh.status
    # the first change is on the books: F1 is 260 in 2027-01 in the consensus
    view = demand_plan(uow, ANN).view("family", ["consensus"])
    assert (
        view.loc[(view["key"] == "F1") & (view["period"] == "2027-01"), "consensus"].item() == 260.0
    )


def test_cell_value_is_the_sum_the_grid_shows(uow: UnitOfWork) -> None:
    from snop.services.demand_review import cell_value

    plan = demand_plan(uow, ANN)
    cases = [
        ("item", "A1", "2027-01", None),
        ("family", "F1", "2027-01", "2027-03"),
        ("total", "(total)", "2026-11", "2027-12"),
    ]
    for level, key, start, end in cases:
        ov = override_of(
            layer="statistical",
            level=level,
            key=key,
            period=start,
            to_period=end,
            kind="qty",
            value=1.0,
            reason="promo",
        )
        view = plan.view(level, ["statistical"])
        last = end or start
        mine = view[(view["period"] >= start) & (view["period"] <= last)]
        if level != "total":
            mine = mine[mine["key"] == key]
        assert cell_value(plan, ov) == pytest.approx(float(mine["statistical"].sum()))
        assert cell_value(plan, ov) > 0
