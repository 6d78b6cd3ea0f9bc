"""Safety stock from forecast error on a store: sigma from the approved versions once three
have actuals, else from the current baseline's intervals; the basis setting feeds the plan.

The small workbook (tests/workbooks.py) forecast naive from October: A1 125, A2 75 (F1
200), B2 20 and B1 0 before its launch (F2 20). Its one-step naive sigma is the root mean
square of the month-to-month changes: A1 100, 110, 120, 90, 100, 125 gives
sqrt((100 + 100 + 900 + 100 + 625) / 5) = sqrt(365); A2 rises by 5 a month: 5; B2 30, 28,
26, (no August: 0), 22, 20 gives sqrt((4 + 4 + 676 + 484 + 4) / 5) = sqrt(234.4).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from snop.services.cycles import open_cycle
from snop.services.forecast import run_baseline
from snop.services.inventory import safety_stock_plan
from snop.services.supply import plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from snop.supply.data import SafetyStockBasis
from tests.cli import snop
from tests.cycle.test_cycles import DP, SP, month_of_sales, run_through
from tests.demand.cycles import small_store
from tests.stores import built_store
from tests.workbooks import SMALL, write_small

Z95 = 1.6448536269514722
SALES = {"2026-11": 90.0, "2026-12": 91.0, "2027-01": 92.0}  # each of A1, A2, B2


def _four_versions(uow: UnitOfWork, folder: Path) -> None:
    """Cycles 2026-11 to 2027-02 approved; each month's sales imported before the next."""
    import_workbook(uow, DP, write_small(folder / "wb"))
    run_through(uow, ("optimal",))
    for period, qty in SALES.items():
        import_workbook(uow, DP, month_of_sales(folder / period, period, qty))
        open_cycle(uow, DP)
        run_through(uow, ("optimal",))


def versions_store(url: str, tmp_path: Path) -> UnitOfWork:
    return built_store(url, tmp_path, "safety-four-versions", _four_versions)


# one worker builds the four-version store once for the tests that read it
@pytest.mark.xdist_group("safety-four-versions")
def test_sigma_from_three_versions_with_actuals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = versions_store(url, tmp_path)
    r = safety_stock_plan(uow, DP)
    assert r.cycle == "2027-02" and r.basis is SafetyStockBasis.GIVEN
    fam = {f.family: f for f in r.families}
    # F1 at lag 1, naive from the month before: 200 vs 180, 180 vs 182, 182 vs 184
    f1 = fam["F1"]
    assert (f1.source.value, f1.observations) == ("versions", 3)
    assert f1.sigma == pytest.approx(math.sqrt((20**2 + 2**2 + 2**2) / 3))
    assert f1.safety_stock == pytest.approx(Z95 * math.sqrt(136))
    assert (f1.service_level, f1.lead_time, f1.given) == (0.95, 1.0, 20.0)
    # F2 from the stored numbers: each version's family consensus in its first period
    # against the month's sales of B2 (B1 is forecast like B2 from its launch, never sold)
    errors = []
    for period, qty in SALES.items():
        by_family = pd.DataFrame(read_version(uow, DP, period).demand["by_family"])
        first = by_family[(by_family["key"] == "F2") & (by_family["period"] == period)]
        errors.append(float(first["consensus"].iloc[0]) - qty)
    assert errors == [20 - 90, 180 - 91, 182 - 92]
    rmse = math.sqrt(sum(e * e for e in errors) / 3)
    assert fam["F2"].sigma == pytest.approx(rmse)
    assert (fam["F2"].source.value, fam["F2"].observations) == ("versions", 3)


@pytest.mark.xdist_group("safety-four-versions")
def test_cli_safety_stock_json_parses(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    versions_store(url, tmp_path)
    r = snop("--db", url, "safety-stock", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    f1 = next(f for f in data["families"] if f["family"] == "F1")
    assert f1["source"] == "versions" and f1["sigma"] == pytest.approx(math.sqrt(136))
    assert data["basis"] == "given" and data["min_versions"] == 3
    text = snop("--db", url, "safety-stock")
    assert text.exit_code == 0 and not text.traceback
    assert "F1: sigma 11.7 (from 3 versions' lag-1 errors)" in text.stdout
    assert "safety stock 19, given 20" in text.stdout


def test_sigma_from_the_baseline_before_three_versions(tmp_path: Path) -> None:
    uow = small_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    fam = {f.family: f for f in safety_stock_plan(uow, DP).families}
    # no version yet: each item's one-step sigma, in quadrature (independent errors)
    assert fam["F1"].source.value == "forecast" and fam["F1"].observations == 2
    assert fam["F1"].sigma == pytest.approx(math.sqrt(365 + 5**2), rel=1e-6)
    assert fam["F2"].sigma == pytest.approx(math.sqrt(234.4 + 0.0), rel=1e-6)  # B1: 0
    assert fam["F2"].safety_stock == pytest.approx(Z95 * math.sqrt(234.4), rel=1e-6)


def test_no_baseline_no_sigma(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb"))
    f1 = safety_stock_plan(uow, DP).families[0]
    assert f1.source.value == "none" and math.isnan(f1.safety_stock) and f1.given == 20.0
    text = snop("--db", tmp_path / "s.db", "safety-stock").stdout
    assert "F1: sigma - (no forecast error known yet)" in text


LEAD_TIME_2 = SMALL["families"].replace(
    "workforce_pool\n", "workforce_pool,replenishment_lead_time\n"
)


def test_basis_forecast_error_sets_the_plans_inventory_target(tmp_path: Path) -> None:
    families = LEAD_TIME_2.replace(",0.5,P1\n", ",0.5,P1,2\n").replace(",,\n", ",,,1\n")
    settings = SMALL["settings"] + "safety_stock_basis,forecast_error\n"
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(
        uow, DP, write_small(tmp_path / "wb", {"settings": settings, "families": families})
    )
    run_baseline(uow, DP, method="naive")
    r = plan_cycle_supply(uow, SP, ("optimal",))
    plan = r.plans["optimal"].plan.set_index(["family", "period"])["inventory_target"]
    # F1: z(0.95) sqrt(365 + 25) sqrt(2 periods); F2: z(0.95) sqrt(234.4) sqrt(1)
    f1 = Z95 * math.sqrt(390) * math.sqrt(2)
    f2 = Z95 * math.sqrt(234.4)
    assert plan[("F1", "2026-11")] == pytest.approx(f1, rel=1e-6)
    assert plan[("F2", "2027-03")] == pytest.approx(f2, rel=1e-6)
    # the supply step records the values it planned with; the master data is unchanged
    with uow.read() as tx:
        step = next(s for s in tx.cycles.steps("2026-11") if s.step == "supply_review")
        stored = tx.workbook()
    assert step.summary is not None
    used = json.loads(step.summary)["safety_stock_from_forecast_error"]
    assert used == pytest.approx({"F1": f1, "F2": f2}, rel=1e-6)
    assert stored is not None and list(stored.table("families")["safety_stock"]) == [20.0, 5.0]


def test_basis_given_keeps_the_workbooks_safety_stock(tmp_path: Path) -> None:
    uow = small_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    r = plan_cycle_supply(uow, SP, ("optimal",))
    plan = r.plans["optimal"].plan.set_index(["family", "period"])["inventory_target"]
    assert plan[("F1", "2026-11")] == 20.0 and plan[("F2", "2026-12")] == 5.0
    with uow.read() as tx:
        step = next(s for s in tx.cycles.steps("2026-11") if s.step == "supply_review")
    assert step.summary is not None
    assert "safety_stock_from_forecast_error" not in json.loads(step.summary)


def test_a_workbook_file_cannot_size_its_stock_from_forecast_error(tmp_path: Path) -> None:
    settings = SMALL["settings"] + "safety_stock_basis,forecast_error\n"
    folder = write_small(tmp_path / "wb", {"settings": settings})
    r = snop("plan", "--workbook", str(folder))
    assert r.exit_code == 1 and not r.traceback
    assert "safety_stock_basis is forecast_error" in r.stderr
