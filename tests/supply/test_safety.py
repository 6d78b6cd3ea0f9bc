"""Safety stock from forecast error: the kernel by hand, the two sigma sources, the workbook
copy the plan is made on, and the validation of its inputs (service level, the basis
setting, the opening inventory of families and items)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.workbooks import SMALL, write_small

from snop.errors import SnopError
from snop.forecasting.engine import _bands
from snop.io import Severity, check_workbook
from snop.supply.data import SafetyStockBasis, safety_stock_basis
from snop.supply.safety import (
    MIN_VERSIONS,
    family_sigma,
    interval_sigma,
    safety_stock,
    service_z,
    with_safety_stock,
)


def test_safety_stock_by_hand() -> None:
    # z(0.95) = 1.6449, z(0.99) = 2.3263; sqrt(2) = 1.41421
    ss = safety_stock([100.0, 50.0, np.nan], [0.95, 0.99, 0.95], [2.0, 1.0, 1.0])
    assert ss[0] == pytest.approx(1.644854 * 100 * 1.414214, abs=1e-3)  # 232.6
    assert round(float(ss[0]), 1) == 232.6
    assert ss[1] == pytest.approx(2.326348 * 50, abs=1e-3)  # 116.3
    assert np.isnan(ss[2])  # no sigma: no computed stock
    # below 50 % the quantile is negative: no stock, never a negative one
    assert safety_stock([100.0], [0.3], [1.0])[0] == 0.0


@given(
    sigma=st.floats(0, 1e5),
    k=st.floats(0, 100),
    level=st.floats(0.5, 0.999),
    lead=st.floats(0.1, 24),
)
def test_stock_scales_with_sigma_and_the_root_of_lead_time(
    sigma: float, k: float, level: float, lead: float
) -> None:
    one = safety_stock([sigma], [level], [lead])[0]
    assert one >= 0
    assert safety_stock([k * sigma], [level], [lead])[0] == pytest.approx(k * one, abs=1e-6)
    assert safety_stock([sigma], [level], [4 * lead])[0] == pytest.approx(2 * one, abs=1e-6)
    higher = min(level + 0.0005, 0.9995)
    assert safety_stock([sigma], [higher], [lead])[0] >= one


@pytest.mark.parametrize("level", [0.0, 1.0, -0.1, 1.5])
def test_a_service_level_outside_0_1_is_refused(level: float) -> None:
    with pytest.raises(SnopError, match="must be > 0 and < 1"):
        service_z([level])


def test_a_lead_time_of_zero_is_refused() -> None:
    with pytest.raises(SnopError, match="lead time must be > 0"):
        safety_stock([10.0], [0.95], [0.0])


@given(
    point=st.floats(0, 1e6),
    sigma=st.floats(0, 1e5),
    level=st.sampled_from([50.0, 80.0, 95.0, 99.0]),
)
def test_sigma_comes_back_from_the_engines_upper_band(
    point: float, sigma: float, level: float
) -> None:
    bands = _bands(np.array([point]), np.array([sigma]), (level,))
    got = interval_sigma([point], bands[f"hi_{level:g}"], [level])[0]
    assert got == pytest.approx(sigma, rel=1e-9, abs=1e-6)


def test_family_sigma_sources() -> None:
    errors = pd.DataFrame(
        {
            "family": ["F1", "F1", "F1", "F2", "F2"],
            "period": ["2026-11", "2026-12", "2027-01", "2026-11", "2026-12"],
            "error": [20.0, -2.0, -2.0, 5.0, 5.0],
        }
    )
    items = pd.DataFrame(
        {"family": ["F1", "F2", "F2"], "item": ["A1", "B1", "B2"], "sigma": [9.0, 3.0, 4.0]}
    )
    got = family_sigma(errors, items, ["F1", "F2", "F3"]).set_index("family")
    # F1: 3 versions (MIN_VERSIONS): RMSE sqrt((400 + 4 + 4) / 3), its bias counted
    assert MIN_VERSIONS == 3
    assert got.loc["F1", "sigma"] == pytest.approx(math.sqrt(136))
    assert (got.loc["F1", "source"], got.loc["F1", "observations"]) == ("versions", 3)
    # F2: 2 versions only: its items' sigmas in quadrature, sqrt(9 + 16)
    assert got.loc["F2", "sigma"] == pytest.approx(5.0)
    assert (got.loc["F2", "source"], got.loc["F2", "observations"]) == ("forecast", 2)
    assert np.isnan(got.loc["F3", "sigma"]) and got.loc["F3", "source"] == "none"


FAMILY_PERIODS = "family,period,safety_stock\nF1,2026-12,70\nF2,2026-12,9\n"


def test_the_plan_takes_the_computed_stock_in_every_period_on_a_copy(tmp_path: Path) -> None:
    wb = check_workbook(write_small(tmp_path, {"family_periods": FAMILY_PERIODS})).workbook
    assert wb is not None
    out = with_safety_stock(wb, {"F1": 32.5})
    periods = wb.planning_periods
    ss = out.period_values("families", periods)["safety_stock"]
    assert list(ss.loc["F1"]) == [32.5] * len(periods)  # the period override is gone too
    assert ss.loc["F2", "2026-12"] == 9.0 and ss.loc["F2", "2026-11"] == 5.0  # kept
    before = wb.period_values("families", periods)["safety_stock"]
    assert before.loc["F1", "2026-12"] == 70.0 and before.loc["F1", "2026-11"] == 20.0


def _settings(*extra: str) -> dict[str, str]:
    return {"settings": SMALL["settings"] + "".join(f"{e}\n" for e in extra)}


def test_the_basis_setting_is_read_and_checked_row_by_row(tmp_path: Path) -> None:
    good = check_workbook(
        write_small(tmp_path / "a", _settings("safety_stock_basis,forecast_error"))
    )
    assert good.errors == [] and good.workbook is not None
    assert safety_stock_basis(good.workbook) is SafetyStockBasis.FORECAST_ERROR
    plain = check_workbook(write_small(tmp_path / "b")).workbook
    assert plain is not None and safety_stock_basis(plain) is SafetyStockBasis.GIVEN
    bad = check_workbook(write_small(tmp_path / "c", _settings("safety_stock_basis,sigma")))
    assert [(p.source, p.row, p.column, p.value) for p in bad.errors] == [
        ("settings.csv", 4, "value", "sigma")
    ]
    assert "safety_stock_basis must be one of given, forecast_error" in bad.errors[0].message


@pytest.mark.parametrize("level", ["1.0", "0", "1.2"])
def test_a_service_level_of_1_or_0_is_an_error_naming_the_row(tmp_path: Path, level: str) -> None:
    fams = SMALL["families"].replace("workforce_pool\n", "workforce_pool,service_level\n")
    fams = fams.replace(",0.5,P1\n", ",0.5,P1,0.9\n").replace(",,\n", f",,,{level}\n")
    r = check_workbook(write_small(tmp_path, {"families": fams}))
    assert [(p.source, p.row, p.column) for p in r.errors] == [("families.csv", 3, "service_level")]
    assert "expected a number > 0 and < 1" in r.errors[0].message


def test_service_level_and_lead_time_defaults(tmp_path: Path) -> None:
    wb = check_workbook(write_small(tmp_path)).workbook
    assert wb is not None
    fam = wb.families_with_defaults()
    assert list(fam["service_level"]) == [0.95, 0.95]
    assert list(fam["replenishment_lead_time"]) == [1.0, 1.0]


def test_validation_warns_when_family_and_items_opening_inventory_differ(tmp_path: Path) -> None:
    # F1 says 100, its items A1 + A2 add up to 60 + 55; F2 says 40, B2 alone has 7
    inventory = "item,on_hand\nA1,60\nA2,55\nB2,7\n"
    r = check_workbook(write_small(tmp_path, {"inventory": inventory}))
    assert r.errors == []
    warned = [p for p in r.problems if p.column == "initial_inventory"]
    assert all(p.severity is Severity.WARNING for p in warned)
    assert [(p.source, p.row) for p in warned] == [("families.csv", 2), ("families.csv", 3)]
    assert "family F1: initial_inventory 100 differs from the sum of its items' on_hand" in (
        warned[0].message
    )
    assert "115" in warned[0].message and "40" in warned[1].message and "7;" in warned[1].message
    # the plan opens with the family's figure: the one rule
    assert r.workbook is not None
    assert list(r.workbook.families_with_defaults()["initial_inventory"]) == [100.0, 40.0]


def test_items_on_hand_open_a_family_without_initial_inventory(tmp_path: Path) -> None:
    fams = SMALL["families"].replace("F1,100,", "F1,,").replace("F2,40,", "F2,,")
    r = check_workbook(write_small(tmp_path, {"families": fams}))
    assert [p for p in r.problems if p.column == "initial_inventory"] == []
    assert r.workbook is not None
    # F1: A1 60 + A2 40; F2: no item on hand and no figure: the default 0
    assert list(r.workbook.families_with_defaults()["initial_inventory"]) == [100.0, 0.0]


def test_the_small_workbook_agrees_with_itself(tmp_path: Path) -> None:
    r = check_workbook(write_small(tmp_path))
    assert [p for p in r.problems if p.column == "initial_inventory"] == []
