"""Sums on sparse summing matrices: equal to sums by hand, every level adds up to the total,
and the large-hierarchy MinT (wls_struct without a dense S) equals hierarchicalforecast's."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import sparse

from snop.forecasting.reconciliation import (
    Aggregation,
    _structural_weights,
    _wls_cg,
    build_aggregation,
)


def test_sparse_sums_equal_hand_sums() -> None:
    # items a, b in family F1; c in F2. Two periods.
    attrs = pd.DataFrame({"family": ["F1", "F1", "F2"]}, index=["a", "b", "c"])
    agg = build_aggregation(attrs, ["a", "b", "c"], ["family"])
    bottom = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    total, family = agg.aggregate(bottom)
    assert total.tolist() == [[111.0, 222.0]]
    assert agg.keys[1] == ["F1", "F2"]
    assert family.tolist() == [[11.0, 22.0], [100.0, 200.0]]
    s = agg.sparse_summing_matrix()
    assert sparse.issparse(s) and s.shape == (1 + 2 + 3, 3)
    assert s.nnz == 3 + 3 + 3  # one 1 per item and level, the identity
    assert (s @ bottom).tolist() == [
        [111.0, 222.0],
        [11.0, 22.0],
        [100.0, 200.0],
        [1.0, 2.0],
        [10.0, 20.0],
        [100.0, 200.0],
    ]
    assert np.array_equal(agg.summing_matrix(), s.toarray())


def test_a_million_series_add_up_without_a_dense_matrix() -> None:
    n = 1_000_000
    item = np.arange(n) // 10
    family = item // 100
    agg = Aggregation(
        ["total", "item", "family"],
        [["total"], [""] * (int(item.max()) + 1), [""] * (int(family.max()) + 1)],
        [np.zeros(n, dtype=np.int64), item, family],
    )
    bottom = np.ones((n, 2))
    bottom[:, 1] = np.arange(n) % 7
    total, items, families = agg.aggregate(bottom)
    assert total[0].tolist() == [n, float((np.arange(n) % 7).sum())]
    assert np.all(items[:, 0] == 10) and np.all(families[:, 0] == 1000)
    assert agg.level_matrix(1).nnz == n


@settings(max_examples=40, deadline=None)
@given(
    members=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), min_size=1, max_size=30),
    data=st.data(),
)
def test_every_level_adds_up_to_the_total(
    members: list[tuple[int, int]], data: st.DataObject
) -> None:
    n = len(members)
    item = np.array([m[0] for m in members])
    family = np.array([m[1] for m in members])
    _, item_codes = np.unique(item, return_inverse=True)
    _, family_codes = np.unique(family, return_inverse=True)
    agg = Aggregation(
        ["total", "item", "family"],
        [["total"], [""] * (int(item_codes.max()) + 1), [""] * (int(family_codes.max()) + 1)],
        [np.zeros(n, dtype=np.int64), item_codes, family_codes],
    )
    bottom = data.draw(
        arrays(np.float64, (n, 3), elements=st.floats(0, 1e6, allow_nan=False, width=32))
    )
    levels = agg.aggregate(bottom)
    for lvl in levels:
        assert np.allclose(lvl.sum(axis=0), bottom.sum(axis=0), rtol=1e-9, atol=1e-6)
    # each node is the sum of its members, by hand
    for node in range(len(agg.keys[2])):
        assert np.allclose(levels[2][node], bottom[family_codes == node].sum(axis=0))


def test_structural_mint_without_s_equals_hierarchicalforecast() -> None:
    from hierarchicalforecast.methods import MinTrace

    rng = np.random.default_rng(3)
    attrs = pd.DataFrame(
        {"family": ["F1", "F1", "F2", "F2", "F2"], "category": ["C1", "C2", "C1", "C2", "C2"]},
        index=list("abcde"),
    )
    agg = build_aggregation(attrs, list("abcde"), ["family", "category"])
    base_items = rng.uniform(5, 50, (5, 4))
    base_levels = [lvl + rng.normal(0, 3, lvl.shape) for lvl in agg.aggregate(base_items)]
    wb, wl = _structural_weights(agg)
    ours = _wls_cg(agg, base_items, base_levels, wb, wl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = MinTrace(method="wls_struct").fit_predict(
            S=agg.summing_matrix(), y_hat=np.vstack([*base_levels, base_items])
        )
    assert np.allclose(ours, np.asarray(ref["mean"])[-5:], rtol=1e-6, atol=1e-6)
