"""Each exception rule: one case that triggers it, one that does not."""

from __future__ import annotations

import pandas as pd
import pytest

from snop.learning.exceptions import (
    EXCEPTION_COLUMNS,
    ExceptionRule,
    backlog_growing,
    below_safety_stock,
    exceptions,
    over_capacity,
    tracking_signal_exceptions,
)
from snop.learning.kpis import tracking_signal
from snop.model.vocabulary import Role

PERIODS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]


def family_frame(values: list[float], family: str = "F") -> pd.DataFrame:
    return pd.DataFrame({"family": family, "period": PERIODS[: len(values)], "qty": values})


def signal(errors: list[float]) -> pd.DataFrame:
    """The running tracking signal of a forecast of 100 missing by ``errors``."""
    forecast = family_frame([100.0] * len(errors))
    actual = family_frame([100.0 - e for e in errors])
    return tracking_signal(forecast, actual)


def test_a_tracking_signal_beyond_four_is_the_demand_planners() -> None:
    # five over-forecasts of 5: cumulative 25, MAD 5 -> +5
    rows = tracking_signal_exceptions(signal([5, 5, 5, 5, 5]))
    assert list(rows.columns) == EXCEPTION_COLUMNS
    assert len(rows) == 1
    r = rows.iloc[0]
    assert r["rule"] == ExceptionRule.TRACKING_SIGNAL.value
    assert (r["family"], r["resource"], r["period"]) == ("F", None, "2027-05")
    assert (r["value"], r["threshold"]) == (pytest.approx(5.0), 4.0)
    assert r["owner"] == Role.DEMAND_PLANNER.value
    assert "high" in r["message"]
    low = tracking_signal_exceptions(signal([-5, -5, -5, -5, -5])).iloc[0]
    assert (low["value"], low["threshold"]) == (pytest.approx(-5.0), -4.0)
    assert "low" in low["message"]


def test_a_tracking_signal_within_four_is_no_exception() -> None:
    # four over-forecasts of 5 reach exactly +4; an early run-away that came back is past
    assert tracking_signal_exceptions(signal([5, 5, 5, 5])).empty
    assert tracking_signal_exceptions(signal([5, 5, 5, 5, 5, -30])).empty


def test_inventory_below_safety_stock_is_the_supply_planners() -> None:
    plan = pd.DataFrame(
        {
            "family": ["F", "F", "G"],
            "period": PERIODS[:2] + PERIODS[:1],
            "inventory": [90.0, 100.0, 100.0 - 1e-9],
            "inventory_target": [100.0, 100.0, 100.0],
        }
    )
    rows = below_safety_stock(plan)
    assert len(rows) == 1  # at the target, or below it by solver round-off, is fine
    r = rows.iloc[0]
    assert r["rule"] == ExceptionRule.BELOW_SAFETY_STOCK.value
    assert (r["family"], r["period"], r["value"], r["threshold"]) == ("F", "2027-01", 90, 100)
    assert r["owner"] == Role.SUPPLY_PLANNER.value


def test_inventory_at_or_above_safety_stock_is_no_exception() -> None:
    plan = pd.DataFrame(
        {
            "family": "F",
            "period": PERIODS[:2],
            "inventory": [100.0, 120.0],
            "inventory_target": 100.0,
        }
    )
    assert below_safety_stock(plan).empty


def test_a_resource_over_capacity_is_the_supply_planners() -> None:
    capacity = pd.DataFrame(
        {
            "kind": ["resource", "resource", "pool"],
            "resource": ["press", "press", "pool:crew"],
            "period": PERIODS[:2] + PERIODS[:1],
            "capacity": [100.0, 100.0, 0.0],
            "load": [110.0, 100.0, 5.0],
        }
    )
    rows = over_capacity(capacity)
    assert list(rows["resource"]) == ["press", "pool:crew"]
    assert list(rows["family"]) == [None, None]
    r = rows.iloc[0]
    assert (r["period"], r["value"], r["threshold"]) == ("2027-01", 110.0, 100.0)
    assert r["owner"] == Role.SUPPLY_PLANNER.value
    assert "110%" in r["message"]


def test_a_resource_at_capacity_is_no_exception() -> None:
    capacity = pd.DataFrame(
        {"resource": "press", "period": PERIODS[:2], "capacity": 100.0, "load": [100.0, 40.0]}
    )
    assert over_capacity(capacity).empty


def backlog(values: list[float], periods: list[str] = PERIODS) -> pd.DataFrame:
    return pd.DataFrame({"family": "F", "period": periods[: len(values)], "backlog": values})


def test_a_backlog_growing_three_periods_running_is_the_supply_planners() -> None:
    rows = backlog_growing(backlog([0, 5, 10, 15, 20, 0]))
    assert len(rows) == 1  # one row per run, at its last period
    r = rows.iloc[0]
    assert r["rule"] == ExceptionRule.BACKLOG_GROWING.value
    assert (r["family"], r["period"], r["value"], r["threshold"]) == ("F", "2027-05", 4, 3)
    assert r["owner"] == Role.SUPPLY_PLANNER.value
    assert "from 0 to 20" in r["message"]


def test_a_backlog_that_pauses_or_skips_a_period_is_no_exception() -> None:
    assert backlog_growing(backlog([0, 5, 10, 10, 15, 20])).empty  # runs of 2 and 2
    gap = ["2027-01", "2027-02", "2027-03", "2027-05", "2027-06"]
    assert backlog_growing(backlog([0, 5, 10, 15, 20], gap)).empty  # April is missing
    assert not backlog_growing(backlog([0, 5, 10, 10, 15, 20]), periods=2).empty


def test_exceptions_stack_the_rules() -> None:
    both = exceptions(
        tracking_signal_exceptions(signal([5, 5, 5, 5, 5])), backlog_growing(backlog([0, 1, 2, 3]))
    )
    assert list(both["rule"]) == ["tracking_signal", "backlog_growing"]
    assert list(both["owner"]) == ["demand_planner", "supply_planner"]
    assert exceptions().empty
    assert list(exceptions().columns) == EXCEPTION_COLUMNS
