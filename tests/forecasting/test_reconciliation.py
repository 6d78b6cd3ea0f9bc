"""Reconciled forecasts add up at every level (property test); reference vs hierarchicalforecast."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.forecasting import forecast_panel
from snop.forecasting.reconciliation import build_aggregation, reconcile


def _panel(n_items: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        base = rng.uniform(5, 100)
        kind = rng.integers(0, 3)
        for k in range(30):
            if kind == 2:
                q = float(rng.poisson(0.5) * rng.integers(1, 5))
            else:
                q = max(0.0, base * (1 + 0.3 * np.sin(k / 2)) + rng.normal(0, 5))
            rows.append((f"I{i}", f"{2022 + k // 12}-{k % 12 + 1:02d}", round(q, 2)))
    sales = pd.DataFrame(rows, columns=["item", "period", "qty"])
    items = pd.DataFrame(
        {
            "item": [f"I{i}" for i in range(n_items)],
            "family": [f"F{rng.integers(0, 3)}" for _ in range(n_items)],
            "category": [f"C{rng.integers(0, 2)}" for _ in range(n_items)],
        }
    )
    return sales, items


@settings(max_examples=8, deadline=None)
@given(
    n_items=st.integers(2, 7),
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["bottom_up", "top_down", "middle_out", "mint"]),
)
def test_reconciled_levels_add_up(n_items: int, seed: int, method: str) -> None:
    sales, items = _panel(n_items, seed)
    r = forecast_panel(
        sales, 3, items=items, reconcile=method, method="naive" if seed % 2 else "auto"
    )
    assert r.levels is not None
    fc = r.forecast.merge(items, on="item")
    lv = r.levels
    total = lv[lv["level"] == "total"].set_index("period")["forecast"]
    np.testing.assert_allclose(
        fc.groupby("period")["forecast"].sum().loc[total.index], total, rtol=1e-9, atol=1e-9
    )
    for col in ("family", "category"):
        want = fc.groupby([col, "period"])["forecast"].sum()
        got = lv[lv["level"] == col].set_index(["node", "period"])["forecast"]
        np.testing.assert_allclose(
            got.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-9
        )
    assert np.isfinite(lv.select_dtypes("number").to_numpy()).all()
    assert (r.forecast["forecast"] >= 0).all()


def test_bottom_up_and_top_down_match_hierarchicalforecast() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from hierarchicalforecast.methods import BottomUp, TopDown

    items = pd.DataFrame({"item": ["a", "b", "c"], "family": ["X", "X", "Y"]}).set_index(
        "item", drop=False
    )
    hier = build_aggregation(items, ["a", "b", "c"], ["family"])
    history = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0], [0.0, 2.0, 0.0]])
    base_items = np.array([[2.0, 3.0], [5.0, 5.0], [1.0, 0.5]])
    base_levels = [np.array([[10.0, 12.0]]), np.array([[6.0, 9.0], [2.0, 1.0]])]
    S = hier.summing_matrix()
    y_hat = np.vstack([*base_levels, base_items])
    tags = {"total": np.array([0]), "family": np.array([1, 2]), "item": np.array([3, 4, 5])}
    bu = BottomUp().fit_predict(S=S, y_hat=y_hat)["mean"]
    np.testing.assert_allclose(
        reconcile("bottom_up", hier, base_items, base_levels, history), bu[3:]
    )
    y_ins = np.vstack(
        [history.sum(axis=0, keepdims=True), np.vstack(hier.aggregate(history)[1]), history]
    )
    td = TopDown(method="proportion_averages").fit_predict(
        S=S, y_hat=y_hat, y_insample=y_ins, tags=tags
    )["mean"]
    mine = reconcile("top_down", hier, base_items, base_levels, history)
    np.testing.assert_allclose(mine, td[3:])
    # hand check: shares 6/20, 12/20, 2/20 of the total forecast
    np.testing.assert_allclose(mine[:, 0], [3.0, 6.0, 1.0])
    mo = reconcile("middle_out", hier, base_items, base_levels, history, middle_level="family")
    np.testing.assert_allclose(mo[:, 0], [6 * 6 / 18, 6 * 12 / 18, 2.0])


def test_large_hierarchy_mint_matches_hierarchicalforecast_wls_var() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from hierarchicalforecast.methods import MinTrace

    from snop.forecasting.reconciliation import _wls_var_cg

    rng = np.random.default_rng(1)
    names = [f"i{k}" for k in range(40)]
    items = pd.DataFrame(
        {
            "item": names,
            "family": [f"F{k % 6}" for k in range(40)],
            "category": [f"C{k % 3}" for k in range(40)],
        }
    ).set_index("item", drop=False)
    hier = build_aggregation(items, names, ["family", "category"])
    base_items = rng.uniform(5, 20, (40, 4))
    base_levels = [lv * rng.uniform(0.8, 1.2, lv.shape) for lv in hier.aggregate(base_items)]
    res_items = rng.normal(0, rng.uniform(0.5, 3, (40, 1)), (40, 30))
    res_levels = [rng.normal(0, 5, (len(k), 30)) for k in hier.keys]
    mine = _wls_var_cg(hier, base_items, base_levels, res_items, res_levels)
    res = np.vstack([*res_levels, res_items])
    ref = MinTrace(method="wls_var").fit_predict(
        S=hier.summing_matrix(),
        y_hat=np.vstack([*base_levels, base_items]),
        y_insample=res,
        y_hat_insample=np.zeros_like(res),
    )["mean"]
    np.testing.assert_allclose(mine, ref[-40:], rtol=1e-6)
