"""Benchmark methods and metrics against hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

from snop.forecasting import metrics
from snop.forecasting.selection import backtest_origins
from snop.forecasting.simple import fit_simple, point_forecast

Y = np.array([[10.0, 12.0, 14.0, 11.0, 13.0, 15.0, 12.0, 16.0]])
L = np.array([8])


def test_mean_naive_snaive_drift_exact() -> None:
    # mean = 103 / 8 = 12.875
    assert point_forecast("mean", Y, L, 2, 4).tolist() == [[12.875, 12.875]]
    assert point_forecast("naive", Y, L, 3, 4).tolist() == [[16.0, 16.0, 16.0]]
    # season m=4: last season is 13, 15, 12, 16 -> repeats
    assert point_forecast("snaive", Y, L, 6, 4).tolist() == [[13, 15, 12, 16, 13, 15]]
    # drift = (16 - 10) / 7 per period
    np.testing.assert_allclose(point_forecast("drift", Y, L, 2, 4), [[16 + 6 / 7, 16 + 12 / 7]])


def test_forecast_from_an_earlier_origin_uses_only_the_past() -> None:
    assert point_forecast("naive", Y, np.array([3]), 1, 4).tolist() == [[14.0]]
    assert point_forecast("mean", Y, np.array([2]), 1, 4).tolist() == [[11.0]]
    # fewer than m points: seasonal naive falls back to naive
    assert point_forecast("snaive", Y, np.array([3]), 2, 4).tolist() == [[14.0, 14.0]]


def test_naive_interval_width_grows_with_sqrt_h() -> None:
    f = fit_simple("naive", Y, L, 4, 4, np.full((1, 1), -1), 4)
    d = np.diff(Y[0])
    s = np.sqrt(np.mean(d**2))
    np.testing.assert_allclose(f.sigma[0], s * np.sqrt([1, 2, 3, 4]))
    f = fit_simple("mean", Y, L, 1, 4, np.full((1, 1), -1), 1)
    np.testing.assert_allclose(f.sigma[0, 0], np.std(Y[0], ddof=1) * np.sqrt(1 + 1 / 8))


def test_backtest_forecasts_per_origin() -> None:
    origins = np.array([[5, 6]])
    f = fit_simple("naive", Y, L, 2, 4, origins, 2)
    assert f.backtest[0].tolist() == [[13.0, 13.0], [15.0, 15.0]]


def test_metrics_hand_computed() -> None:
    y = np.array([10.0, 20.0, 0.0, 30.0])
    f = np.array([12.0, 15.0, 1.0, 30.0])
    # errors y - f: -2, 5, -1, 0
    assert metrics.mae(y, f) == pytest.approx(2.0)
    assert metrics.rmse(y, f) == pytest.approx(np.sqrt(30 / 4))
    assert metrics.mape(y, f) == pytest.approx(100 * (0.2 + 0.25 + 0.0) / 3)
    assert metrics.wape(y, f) == pytest.approx(8 / 60)
    assert metrics.bias(y, f) == pytest.approx(-2 / 60)
    assert metrics.tracking_signal(y, f) == pytest.approx(2 / 2.0)
    hist = np.array([1.0, 3.0, 2.0, 6.0])
    assert metrics.naive_scale(hist) == pytest.approx((2 + 1 + 4) / 3)
    assert metrics.mase(y, f, metrics.naive_scale(hist)) == pytest.approx(2.0 / (7 / 3))
    assert metrics.naive_scale(np.array([1.0, 2, 3, 5, 9]), 2) == pytest.approx((2 + 3 + 6) / 3)
    assert np.isnan(metrics.wape([0.0, 0.0], [1.0, 1.0]))


def test_backtest_origins_schedule() -> None:
    # 48 months, h=18, m=12: min train 24, last origin 30, step 3
    o = backtest_origins(np.array([48, 36, 3, 100]), 18, 12, 3)
    assert o[0].tolist() == [24, 27, 30]
    assert o[1].tolist() == [-1, -1, 18]
    assert o[2].tolist() == [-1, -1, -1]
    assert o[3].tolist() == [64, 73, 82]


def test_one_series_models_follow_the_sklearn_contract() -> None:
    from snop.forecasting.models import ETS, Croston, Drift, Ensemble, Naive, Theta

    y = Y[0]
    m = Naive()
    assert m.fit(y) is m
    assert m.model_ == "Naive"
    out = m.predict(3, levels=(80,))
    assert out["mean"].tolist() == [16.0, 16.0, 16.0]
    assert out["lo-80"][0] < 16.0 < out["hi-80"][0]
    np.testing.assert_allclose(Drift().fit(y).predict(1)["mean"], [16 + 6 / 7])
    assert ETS(season_length=4, model="AAN").fit(y).model_ == "ETS(A,A,N)"
    assert Theta().fit(y).model_ == "Theta"
    assert Croston("sba").fit([0, 3, 0, 0, 5, 0, 2, 0]).predict(1)["mean"][0] == pytest.approx(
        0.95 * 3.08 / 2.09
    )
    assert Ensemble(4).fit(y).model_.startswith("Ensemble(ETS(")
    assert ETS(4).get_params() == {"season_length": 4, "model": "ZZZ"}
