"""Rolling forward: the new cycle opens on the actuals and keeps the frozen zone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snop.services.context import cycle_workbook
from snop.services.cycles import open_cycle
from snop.services.supply import plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cycle.test_cycles import DP, SP, run_through
from tests.stores import built_store
from tests.workbooks import SMALL, write_small

FENCED = SMALL["families"].replace("\nF1,100,", "\nF1,100,").splitlines()
# F1 keeps the approved production for 2 periods, F2 is free
FAMILIES = "\n".join([FENCED[0] + ",frozen_periods", FENCED[1] + ",2", FENCED[2] + ",0"]) + "\n"


def actuals(folder: Path, tables: dict[str, str]) -> Path:
    """November's actuals: sales of every item plus the given tables."""
    folder.mkdir(parents=True, exist_ok=True)
    sales = (
        "item,period,qty,channel\n"
        "A1,2026-11,130,retail\nA2,2026-11,70,retail\nB2,2026-11,18,retail\n"
    )
    for name, text in {"sales": sales, **tables}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def approved(db_url: str, tmp_path: Path) -> UnitOfWork:
    """A store whose cycle 2026-11 is approved (F1 fenced for two periods)."""
    return built_store(db_url, tmp_path, "fenced-approved", _approve_first)


def _approve_first(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(uow, DP, write_small(folder / "wb", {"families": FAMILIES}))
    run_through(uow)


def test_openings_equal_the_actuals_and_the_plan_starts_from_them(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    import_workbook(
        approved,
        DP,
        actuals(
            tmp_path / "nov",
            {
                "actual_inventory": (
                    "family,period,on_hand,backlog\nF1,2026-11,77,0\nF2,2026-11,12,3\n"
                ),
                "actual_workers": "pool,period,workers\nP1,2026-11,2\n",
            },
        ),
    )
    opened = open_cycle(approved, DP)
    got = {(o.measure, o.key): (o.value, o.source) for o in opened.openings}
    assert got[("inventory", "F1")] == (77.0, "actual")
    assert got[("backlog", "F2")] == (3.0, "actual")
    assert got[("workers", "P1")] == (2.0, "actual")
    assert opened.estimated == []
    with approved.read() as tx:
        wb = cycle_workbook(tx, opened.cycle)
    fam = wb.families_with_defaults()
    assert fam.loc["F1", "initial_inventory"] == 77.0 and fam.loc["F2", "initial_backlog"] == 3.0
    plan = plan_cycle_supply(approved, SP, ["optimal"]).plans["optimal"].plan
    f1 = plan[plan["family"] == "F1"].iloc[0]
    # the balance of the first period starts from the actual stock: I - B = 77 + P + C - D
    assert f1["period"] == "2026-12"
    assert np.isclose(
        f1["inventory"] - f1["backlog"],
        77.0 + f1["production"] + f1["subcontract"] - f1["demand"] + f1["lost_sales"],
    )


def test_missing_actuals_are_derived_or_projected_and_flagged(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    version = read_version(approved, DP, "2026-11").plan()
    # production of F1 known, no stock count: derived as start - backlog + made - sold
    import_workbook(
        approved,
        DP,
        actuals(tmp_path / "nov", {"actual_production": "family,period,qty\nF1,2026-11,150\n"}),
    )
    opened = open_cycle(approved, DP)
    got = {(o.measure, o.key): (o.value, o.source) for o in opened.openings}
    assert got[("inventory", "F1")] == (100.0 - 0.0 + 150.0 - (130.0 + 70.0), "derived")
    assert got[("backlog", "F1")] == (0.0, "derived")
    wf = version.workforce.set_index(["pool", "period"])["workers"]
    assert got[("workers", "P1")] == (float(wf[("P1", "2026-11")]), "projected")
    plan = version.plan.set_index(["family", "period"])
    assert got[("inventory", "F2")] == (float(plan.at[("F2", "2026-11"), "inventory"]), "projected")
    assert {(o.measure, o.key) for o in opened.estimated} == {
        ("inventory", "F1"), ("backlog", "F1"), ("inventory", "F2"), ("backlog", "F2"),
        ("workers", "P1"),
    }  # fmt: skip


def test_the_frozen_zone_keeps_the_approved_production(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    before = read_version(approved, DP, "2026-11").plan().plan.set_index(["family", "period"])
    import_workbook(approved, DP, actuals(tmp_path / "nov", {}))
    open_cycle(approved, DP)
    result = plan_cycle_supply(approved, SP, ["optimal"])
    assert result.fenced == {"F1": 2}
    after = result.plans["optimal"].plan.set_index(["family", "period"])
    for period in ("2026-12", "2027-01"):  # F1's two fenced periods: as approved
        # F1's crew makes it: the in-house total is fixed (regular or overtime is the
        # labor plan's split), and so is subcontracting
        for col in ("production", "subcontract"):
            assert after.at[("F1", period), col] == pytest.approx(
                before.at[("F1", period), col], abs=1e-6
            )
