"""The family's forecast interval from its items' (snop.supply.safety.family_band)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snop.supply.safety import family_band

Z80 = 1.2815515655446004  # z(0.9): an 80 % interval's upper bound


def test_band_adds_the_items_variances() -> None:
    fc = pd.DataFrame({"item": ["a", "b"], "period": ["p", "p"], "qty": [10.0, 20.0]})
    # sigma 3 and 4: the family's is 5 (3-4-5), so the half width is 5 z
    iv = pd.DataFrame(
        {
            "item": ["a", "b"],
            "period": ["p", "p"],
            "level": [80.0, 80.0],
            "lo": [0.0, 0.0],
            "hi": [10 + 3 * Z80, 20 + 4 * Z80],
        }
    )
    out = family_band(fc, iv, pd.DataFrame({"item": ["a", "b"], "family": ["F", "F"]}), 80.0)
    row = out.iloc[0]
    assert row["forecast"] == 30.0
    assert row["hi"] == pytest.approx(30 + 5 * Z80)
    assert row["lo"] == pytest.approx(30 - 5 * Z80)


def test_band_is_floored_at_zero_and_items_without_interval_add_no_spread() -> None:
    fc = pd.DataFrame({"item": ["a", "b"], "period": ["p", "p"], "qty": [1.0, 2.0]})
    iv = pd.DataFrame(
        {"item": ["a"], "period": ["p"], "level": [80.0], "lo": [0.0], "hi": [1 + 10 * Z80]}
    )
    out = family_band(fc, iv, pd.DataFrame({"item": ["a", "b"], "family": ["F", "F"]}), 80.0)
    assert out.iloc[0]["lo"] == 0.0
    assert out.iloc[0]["hi"] == pytest.approx(3 + 10 * Z80)


@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1e3)), min_size=1, max_size=8))
def test_band_contains_the_forecast_and_is_no_wider_than_the_items_together(
    items: list[tuple[float, float]],
) -> None:
    names = [f"i{k}" for k in range(len(items))]
    fc = pd.DataFrame({"item": names, "period": "p", "qty": [q for q, _ in items]})
    iv = pd.DataFrame(
        {
            "item": names,
            "period": "p",
            "level": 80.0,
            "lo": 0.0,
            "hi": [q + s * Z80 for q, s in items],
        }
    )
    out = family_band(fc, iv, pd.DataFrame({"item": names, "family": "F"}), 80.0).iloc[0]
    assert out["lo"] <= out["forecast"] <= out["hi"]
    # independent errors: sqrt of the summed squares is at most the sum
    assert out["hi"] - out["forecast"] <= sum(s for _, s in items) * Z80 * (1 + 1e-9) + 1e-6
    assert out["forecast"] == pytest.approx(np.sum([q for q, _ in items]))
