"""Disaggregation to items: whole units, family totals kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.supply.disaggregate import disaggregate


def test_largest_remainder_by_period_mix() -> None:
    plan = pd.DataFrame(
        {"family": ["A", "A"], "period": ["2027-01", "2027-02"], "production": [10.4, 7.0]}
    )
    mix = pd.DataFrame(
        {
            "item": ["a1", "a2", "a3", "a1"],
            "family": ["A", "A", "A", "A"],
            "period": ["2027-01", "2027-01", "2027-01", "2027-02"],
            "qty": [1.0, 1.0, 1.0, 0.0],
        }
    )
    out = disaggregate(plan, mix)
    jan = out[out["period"] == "2027-01"].set_index("item")["production"]
    # 10 units in thirds: 3.33 each -> 3, 3, 3 and one extra to the first (ties by order)
    assert jan.sum() == 10 and sorted(jan.tolist()) == [3, 3, 4]
    feb = out[out["period"] == "2027-02"].set_index("item")["production"]
    # February mix is all zero: fall back to the horizon mix (a1 1, a2 1, a3 1)
    assert feb.sum() == 7 and sorted(feb.tolist()) == [2, 2, 3]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 1000), min_size=1, max_size=4),
    st.lists(st.floats(0, 50), min_size=1, max_size=5),
)
def test_totals_kept_in_whole_units(totals: list[float], weights: list[float]) -> None:
    periods = [f"2027-{i + 1:02d}" for i in range(len(totals))]
    plan = pd.DataFrame({"family": "A", "period": periods, "production": totals})
    mix = pd.DataFrame(
        {"item": [f"i{j}" for j in range(len(weights))], "family": "A", "qty": weights}
    )
    out = disaggregate(plan, mix)
    got = out.groupby("period")["production"].sum().reindex(periods).to_numpy()
    assert np.array_equal(got, np.round(totals).astype(int))
    assert (out["production"] >= 0).all()
