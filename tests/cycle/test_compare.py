"""What changed since the last approved plan: demand by cause, supply old against new.

The small workbook, naive forecasts. Version 2026-11 planned A1 125 + A2 75 = F1 200 and
B1 20 (from its launch in 2026-12, like B2) + B2 20 = F2 40 (20 in 2027-04, after B2
ends). November sold 100 of A1, A2 and B2, so cycle 2026-12 forecasts F1 100 + 100 = 200
(no change) and F2 100 + 100 = 200 (+160; +80 in 2027-04); sales add 50 to F1 in 2027-01.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snop.demand.replay import Override
from snop.errors import NotFoundError
from snop.services import demand_review as dr
from snop.services.compare import compare
from snop.services.context import Actor
from snop.services.cycles import open_cycle
from snop.services.forecast import run_baseline
from snop.services.supply import plan_cycle_supply
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.cycle.test_cycles import DP, SP, approved_store, month_of_sales
from tests.workbooks import SMALL

PROMO = Override("sales", "family", "F1", "2027-01", "2027-01", "delta", 50.0, reason="promo")


def _next_cycle_reviewed(uow: UnitOfWork, tmp_path: Path) -> None:
    import_workbook(uow, DP, month_of_sales(tmp_path / "nov", "2026-11"))
    open_cycle(uow, DP)
    run_baseline(uow, DP, method="naive")
    dr.add_override(uow, Actor.of("sam", "sales"), PROMO)
    plan_cycle_supply(uow, SP, ["optimal"])


def test_demand_changes_by_cause_and_adds_up_exactly(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    with pytest.raises(NotFoundError, match="no approved version before it"):
        compare(uow, DP)  # the first cycle has nothing to compare with
    _next_cycle_reviewed(uow, tmp_path)
    c = compare(uow, DP)
    assert (c.cycle, c.base) == ("2026-12", "2026-11")
    assert c.periods == ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    causes = dict(zip(c.demand.by_cause()["cause"], c.demand.by_cause()["change"], strict=True))
    assert causes["new actuals and re-forecast"] == 4 * 160 + 80
    assert causes["sales overrides"] == 50
    assert causes["new products"] == 0 and causes["(total)"] == 770
    cells = c.demand.cells.set_index(["family", "period"])
    assert cells.at[("F1", "2027-01"), "change"] == 50 and cells.at[("F2", "2027-04"), "new"] == 100
    # exactly, per family and period: the bars sum to new - old
    bars = c.demand.bars.groupby(["family", "period"])["change"].sum()
    assert (bars.reindex(cells.index).to_numpy() == cells["change"].to_numpy()).all()
    # supply: old and new of the optimal plan over the same periods
    prod = c.supply["production"].cells
    assert len(prod) == 2 * 5
    np.testing.assert_array_equal(prod["new"] - prod["old"], prod["change"])


def test_compare_refuses_an_unknown_version_and_prints_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = approved_store(url, tmp_path)
    _next_cycle_reviewed(uow, tmp_path)
    r = snop("--db", url, "cycle", "compare", "--with", "2025-01")
    assert r.exit_code == 1 and not r.traceback
    assert "cycle 2025-01 has no approved version to compare with; the versions are 2026-11" in (
        r.stderr
    )
    data = snop("--db", url, "cycle", "compare", "--json").json()
    assert data["base"] == "2026-11" and set(data["supply"]) == {
        "production",
        "inventory",
        "backlog",
        "cost_total",
    }
    text = snop("--db", url, "cycle", "compare").stdout
    assert "cycle 2026-12 against version 2026-11" in text
    assert "new actuals and re-forecast: +720" in text and "sales overrides: +50" in text


def test_supply_changes_by_cause_add_up_exactly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = approved_store(url, tmp_path)
    _next_cycle_reviewed(uow, tmp_path)
    # F2's line loses half its regular capacity (60 -> 30 a period)
    smaller = SMALL["families"].replace(
        "F2,40,5,,0.8,average,6,5,60,", "F2,40,5,,0.8,average,6,5,30,"
    )
    assert smaller != SMALL["families"]
    folder = tmp_path / "smaller"
    folder.mkdir()
    (folder / "families.csv").write_text(smaller, encoding="utf-8")
    import_workbook(uow, DP, folder)
    plan_cycle_supply(uow, SP, ["optimal"])
    c = compare(uow, DP)
    prod = c.supply["production"]
    assert list(prod.by_cause()["cause"]) == [
        "demand and actuals",
        "capacity and costs",
        "strategy",
        "(total)",
    ]
    bars = prod.bars.pivot_table(index=["family", "period"], columns="cause", values="change")
    f2 = bars.loc["F2"]
    assert (f2["capacity and costs"] <= 0).all() and f2["capacity and costs"].sum() < 0
    assert (bars.loc["F1"]["capacity and costs"] == 0).all()  # F1 kept its capacity
    for w in c.supply.values():  # exactly, per family and period
        sums = w.bars.groupby(["family", "period"])["change"].sum()
        cells = w.cells.set_index(["family", "period"])["change"]
        assert (sums.reindex(cells.index).to_numpy() == cells.to_numpy()).all()
