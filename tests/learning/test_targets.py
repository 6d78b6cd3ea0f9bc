"""KPI targets resolved per family and the KPI card judged against them, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.learning.frames import TOTAL
from snop.learning.kpis import KPI_COLUMNS
from snop.learning.targets import (
    JUDGED_COLUMNS,
    TARGET_COLUMNS,
    judge,
    kpi_targets,
    on_target,
)
from snop.model.vocabulary import Kpi

NAN = float("nan")

# The demo's kind of table: company-wide rows, one family's own accuracy, one family's own
# fill rate, and a blank family written as "" (a CSV's empty cell) on one row.
TABLE = pd.DataFrame(
    [
        ("accuracy", None, 0.8, NAN),
        ("bias", "", -0.1, 0.1),
        ("days_of_supply", None, 5.0, 20.0),
        ("accuracy", "SPAR", 0.6, NAN),
        ("fill_rate", "CUTL", NAN, 0.99),
    ],
    columns=["kpi", "family", "min", "max"],
)
LEVELS = {"COOK": 0.95, "SPAR": 0.9, "CUTL": 0.98}


def _targets() -> dict[tuple[str, str], tuple[float, float, str]]:
    t = kpi_targets(TABLE, ["COOK", "SPAR", "CUTL"], LEVELS)
    assert list(t.columns) == TARGET_COLUMNS
    return {
        (f, k): (lo, hi, s)
        for f, k, lo, hi, s in zip(
            t["family"], t["kpi"], t["min"], t["max"], t["source"], strict=True
        )
    }


def _same(a: tuple[float, float, str], b: tuple[float, float, str]) -> bool:
    """Equal, NaN equal to NaN (an open side)."""
    return all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))


def test_a_family_row_wins_over_the_blank_family_row() -> None:
    got = _targets()
    assert _same(got[("SPAR", "accuracy")], (0.6, NAN, "family"))
    assert _same(got[("COOK", "accuracy")], (0.8, NAN, "every family"))
    assert _same(got[("CUTL", "bias")], (-0.1, 0.1, "every family"))  # "" is blank too
    assert _same(got[("COOK", "days_of_supply")], (5.0, 20.0, "every family"))


def test_fill_rate_defaults_to_the_service_level_and_the_total_to_the_lowest() -> None:
    got = _targets()
    assert _same(got[("COOK", "fill_rate")], (0.95, NAN, "service_level"))
    assert _same(got[("SPAR", "fill_rate")], (0.9, NAN, "service_level"))
    # CUTL's own row wins whole: only its max, no service-level minimum
    assert _same(got[("CUTL", "fill_rate")], (NAN, 0.99, "family"))
    # the total: min(0.95, 0.9, 0.98)
    assert _same(got[(TOTAL, "fill_rate")], (0.9, NAN, "service_level"))


def test_the_total_takes_the_blank_family_rows_only() -> None:
    got = _targets()
    total = {k: v for (f, k), v in got.items() if f == TOTAL}
    assert sorted(total) == ["accuracy", "bias", "days_of_supply", "fill_rate"]
    assert _same(total["accuracy"], (0.8, NAN, "every family"))  # not SPAR's 0.6


def test_rows_come_by_family_then_kpi_in_the_card_order() -> None:
    t = kpi_targets(TABLE, ["SPAR", "COOK"], LEVELS)
    assert list(dict.fromkeys(t["family"])) == ["SPAR", "COOK", TOTAL]
    order = [k.value for k in Kpi]
    cook = list(t.loc[t["family"] == "COOK", "kpi"])
    assert cook == sorted(cook, key=order.index)
    assert cook == ["accuracy", "bias", "days_of_supply", "fill_rate"]


def test_without_a_table_or_service_levels_there_is_no_target() -> None:
    empty = TABLE.iloc[0:0]
    t = kpi_targets(empty, ["COOK"], {})
    assert t.empty and list(t.columns) == TARGET_COLUMNS
    # a family absent from the service levels gets no fill-rate default
    t = kpi_targets(empty, ["COOK", "NEW"], {"COOK": 0.95})
    assert list(zip(t["family"], t["min"], strict=True)) == [("COOK", 0.95), (TOTAL, 0.95)]


def test_a_table_the_validation_would_refuse_is_an_error_not_a_guess() -> None:
    bad = pd.concat([TABLE, TABLE.iloc[[0]]], ignore_index=True)
    with pytest.raises(SnopError, match="a second target of accuracy for every family"):
        kpi_targets(bad, ["COOK"], LEVELS)
    unknown = TABLE.assign(kpi=["speed", *TABLE["kpi"][1:]])
    with pytest.raises(SnopError, match="'speed' is not a KPI"):
        kpi_targets(unknown, ["COOK"], LEVELS)
    with pytest.raises(SnopError, match="missing column"):
        kpi_targets(TABLE.drop(columns="max"), ["COOK"], LEVELS)


def _card(rows: list[dict[str, float | str]]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=KPI_COLUMNS)


def test_judge_each_value_against_its_range() -> None:
    targets = kpi_targets(TABLE, ["COOK", "SPAR"], LEVELS)
    card = _card(
        [
            # accuracy 78% < 80%: missed; bias +10% on the closed edge: on target
            {"family": "COOK", "accuracy": 0.78, "bias": 0.1, "days_of_supply": 21.0},
            # SPAR's own 60%: 65% is on target; fill 0.9 on its service level
            {"family": "SPAR", "accuracy": 0.65, "fill_rate": 0.9, "wape": 0.35},
            {"family": TOTAL, "accuracy": 0.8, "bias": -0.11, "fill_rate": 0.89},
        ]
    )
    j = judge(card, targets)
    assert list(j.columns) == JUDGED_COLUMNS
    assert len(j) == 3 * len(Kpi)
    got = {(f, k): v for f, k, v in zip(j["family"], j["kpi"], j["on_target"], strict=True)}
    assert got[("COOK", "accuracy")] is False
    assert got[("COOK", "bias")] is True
    assert got[("COOK", "days_of_supply")] is False  # 21 > 20
    assert got[("SPAR", "accuracy")] is True
    assert got[("SPAR", "fill_rate")] is True
    assert got[(TOTAL, "accuracy")] is True
    assert got[(TOTAL, "bias")] is False
    assert got[(TOTAL, "fill_rate")] is False  # 0.89 < min(0.95, 0.9)
    # a value with no target, and a target with no value: not judged
    assert got[("SPAR", "wape")] is None
    assert got[("COOK", "fill_rate")] is None
    row = j[(j["family"] == "COOK") & (j["kpi"] == "accuracy")].iloc[0]
    assert (row["value"], row["min"]) == (0.78, 0.8) and math.isnan(row["max"])
    # never NaN in on_target: True, False or None
    assert set(map(type, j["on_target"])) <= {bool, type(None)}


def test_judge_of_a_card_without_targets_judges_nothing() -> None:
    card = _card([{"family": TOTAL, "accuracy": 0.9}])
    j = judge(card, kpi_targets(TABLE.iloc[0:0], [], {}))
    assert j["on_target"].tolist() == [None] * len(Kpi)
    assert j["on_target"].dtype == object


bound = st.one_of(st.just(NAN), st.floats(-100, 100, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(-100, 100, allow_nan=False),
    low=bound,
    high=bound,
)
def test_on_target_exactly_when_within_the_bounds(value: float, low: float, high: float) -> None:
    got = on_target(value, low, high)
    if math.isnan(low) and math.isnan(high):
        assert got is None
        return
    lo = -math.inf if math.isnan(low) else low
    hi = math.inf if math.isnan(high) else high
    assert got is (lo <= value <= hi)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=len(Kpi), max_size=len(Kpi)),
    low=st.floats(-1, 1, allow_nan=False),
    width=st.floats(0, 1, allow_nan=False),
)
def test_judge_agrees_with_the_rule_on_every_cell(
    values: list[float], low: float, width: float
) -> None:
    table = pd.DataFrame(
        {"kpi": [k.value for k in Kpi], "family": None, "min": low, "max": low + width}
    )
    card = _card([{"family": "F", **dict(zip([k.value for k in Kpi], values, strict=True))}])
    j = judge(card, kpi_targets(table, ["F"], {}))
    f = j[j["family"] == "F"]
    expected = [low <= v <= low + width for v in values]
    assert f["on_target"].tolist() == expected
    assert np.array_equal(f["value"].to_numpy(), np.array(values))
