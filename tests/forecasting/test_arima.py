"""The vectorised ARIMA kernel: polynomials, tests and recursions by hand, estimation on
simulated series, closeness to statsforecast's ARIMA of the same orders."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from snop.forecasting.arima import (
    ORDERS,
    _fit_orders,
    apply_poly,
    choose_differences,
    diff_poly,
    fit_arima,
    forecast_from,
    full_ar,
    kpss_stat,
    psi_weights,
)

NO_BT = np.full((1, 3), -1)


def test_differencing_polynomial_by_hand() -> None:
    # (1 - B)(1 - B^4) = 1 - B - B^4 + B^5
    p = diff_poly(np.array([1]), np.array([1]), 4)
    assert {k: float(v[0]) for k, v in p.items()} == {1: -1.0, 4: -1.0, 5: 1.0}
    # (1 - B)^2 = 1 - 2B + B^2; applied to t^2 it gives the constant 2 from t = 2 on
    p2 = diff_poly(np.array([2]), np.array([0]), 4)
    y = (np.arange(8.0) ** 2)[None, :]
    np.testing.assert_allclose(apply_poly(y, p2)[0, 2:], 2.0)


def test_forecast_recursion_by_hand() -> None:
    # AR(1) with c = 1, phi = 0.5: y_{T+1} = 1 + 0.5 * 4 = 3, y_{T+2} = 1 + 1.5 = 2.5
    Y = np.array([[2.0, 4.0]])
    E = np.zeros_like(Y)
    f = forecast_from(Y, E, np.array([2]), {1: np.array([-0.5])}, {}, np.array([1.0]), 3)
    np.testing.assert_allclose(f[0], [3.0, 2.5, 2.25])
    # MA(1) with theta = 0.4 and last error 2: y_{T+1} = 0.8, then 0
    E = np.array([[0.0, 2.0]])
    f = forecast_from(Y, E, np.array([2]), {}, {1: np.array([0.4])}, np.array([0.0]), 2)
    np.testing.assert_allclose(f[0], [0.8, 0.0])


def test_psi_weights_of_a_random_walk_and_an_ar1() -> None:
    rw = psi_weights({1: np.array([-1.0])}, {}, 1, 4)
    np.testing.assert_allclose(rw[0], [1, 1, 1, 1])  # sd_h = sigma sqrt(h)
    ar = psi_weights({1: np.array([-0.5])}, {}, 1, 4)
    np.testing.assert_allclose(ar[0], [1, 0.5, 0.25, 0.125])


def test_kpss_separates_noise_from_a_random_walk() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(20, 200))
    walk = np.cumsum(rng.normal(size=(20, 200)), axis=1)
    st0 = np.zeros(20, dtype=np.int64)
    end = np.full(20, 200)
    assert np.mean(kpss_stat(noise, st0, end) < 0.463) >= 0.85
    assert np.mean(kpss_stat(walk, st0, end) > 0.463) >= 0.9


def test_differences_found_for_a_trending_seasonal_series() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(120)
    y = 100 + np.cumsum(rng.normal(0.5, 1, 120)) + 20 * np.sin(2 * np.pi * t / 12)
    d, D = choose_differences(y[None, :], np.array([120]), 12)
    assert (int(d[0]), int(D[0])) == (1, 1) or (int(d[0]), int(D[0])) == (0, 1)


def test_ar1_coefficient_recovered() -> None:
    rng = np.random.default_rng(2)
    n = 400
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.6 * y[t - 1] + rng.normal()
    y += 50
    Y, L = y[None, :], np.array([n])
    order = np.array([ORDERS.index((1, 0, 0, 0))])
    d = np.zeros(1, dtype=np.int64)
    _, cf, s2, _ = _fit_orders(Y, L, L, d, d, 1, order)
    assert -cf.ar[1][0] == pytest.approx(0.6, abs=0.06)
    phi = -cf.ar[1][0]
    assert cf.c[0] / (1 - phi) == pytest.approx(np.mean(y), abs=0.5)  # mean = c / (1 - phi)
    assert s2[0] == pytest.approx(1.0, abs=0.15)


def simulate_airline(n: int, seed: int) -> np.ndarray:
    """(1 - B)(1 - B^12) y_t = (1 - 0.4 B)(1 - 0.6 B^12) e_t, started from a seasonal shape."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 1.0, n + 26)
    w = e[13:] - 0.4 * e[12:-1] - 0.6 * e[1:-12] + 0.24 * e[:-13]
    y = np.zeros(n + 13)
    y[:13] = 100 + 10 * np.sin(2 * np.pi * np.arange(13) / 12)
    for t in range(13, n + 13):
        y[t] = y[t - 1] + y[t - 12] - y[t - 13] + w[t - 13]
    return y[13:]


def test_airline_model_close_to_statsforecast_same_orders() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast.models import ARIMA

    y = simulate_airline(144, 3)
    Y, L = y[None, :], np.array([144])
    one = np.ones(1, dtype=np.int64)
    order = np.array([ORDERS.index((0, 1, 0, 1))])
    _, cf, _, E = _fit_orders(Y, L, L, one, one, 12, order)
    # theta = -0.4 and Theta = -0.6 in the (1 + theta B) convention
    assert cf.ma[1][0] == pytest.approx(-0.4, abs=0.15)
    assert cf.ma[12][0] == pytest.approx(-0.6, abs=0.2)
    ar = full_ar(cf, diff_poly(one, one, 12), 1)
    mine = forecast_from(Y, E, L, ar, cf.ma, cf.c, 12)[0]
    ref = ARIMA(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12).fit(y)
    theirs = ref.predict(12)["mean"]
    scale = np.mean(np.abs(np.diff(y, 12)))
    assert np.mean(np.abs(mine - theirs)) / scale < 0.15


def test_auto_arima_names_and_finite_intervals_on_short_and_flat_series() -> None:
    Y = np.zeros((3, 30))
    Y[0, :30] = 5.0  # constant
    Y[1, :5] = [1, 2, 3, 4, 5]  # five points
    Y[2, :30] = np.arange(30.0) * 2 + 1
    L = np.array([30, 5, 30])
    f = fit_arima(Y, L, 6, 12, np.full((3, 3), -1), 6)
    assert np.isfinite(f.point).all() and np.isfinite(f.sigma).all()
    assert all(str(x).startswith("ARIMA(") for x in f.names)
    np.testing.assert_allclose(f.point[0], 5.0, atol=1e-6)
    # a straight line is forecast by its drift: 61, 63, ...
    np.testing.assert_allclose(f.point[2], 61 + 2 * np.arange(6), rtol=1e-3)
