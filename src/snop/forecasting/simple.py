"""The four benchmark methods, vectorized over a left-aligned panel.

For a series ``y_0..y_{n-1}`` (n = its length at the forecast origin), h = 1, 2, ...:

* Mean:           f_h = (1/n) sum y_t;            sigma_h = s * sqrt(1 + 1/n)
* Naive:          f_h = y_{n-1};                  sigma_h = s * sqrt(h)
* SeasonalNaive:  f_h = y_{n-1-m+((h-1) mod m)+1}; sigma_h = s * sqrt(floor((h-1)/m) + 1)
* Drift:          f_h = y_{n-1} + h (y_{n-1} - y_0)/(n-1); sigma_h = s * sqrt(h (1 + h/(n-1)))

``s`` is the standard deviation of the method's in-sample one-step residuals (Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, section 5.5). Seasonal naive with
fewer than m points falls back to naive; drift with one point is naive.
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import (
    Array,
    IntArray,
    PanelFit,
    names_array,
    prefix_sums,
    rows,
    time_mask,
)

SIMPLE_METHODS = ("mean", "naive", "snaive", "drift")
SIMPLE_NAMES = {"mean": "Mean", "naive": "Naive", "snaive": "SeasonalNaive", "drift": "Drift"}


def point_forecast(method: str, Y: Array, ends: IntArray, h: int, m: int) -> Array:
    """(n, h) forecasts of a benchmark method made with the data before ``ends``."""
    n = Y.shape[0]
    r = rows(n)
    e = np.maximum(ends, 1)
    last = Y[np.arange(n), e - 1]
    j = np.arange(1, h + 1)[None, :]
    if method == "mean":
        cs = prefix_sums(Y)
        mean = cs[np.arange(n), e] / e
        return np.repeat(mean[:, None], h, axis=1)
    if method == "naive":
        return np.repeat(last[:, None], h, axis=1)
    if method == "snaive":
        idx = e[:, None] - m + (j - 1) % m
        ok = e >= m
        idx = np.where(ok[:, None], idx, e[:, None] - 1)
        return np.asarray(Y[r, np.maximum(idx, 0)], dtype=np.float64)
    if method == "drift":
        first = Y[:, 0]
        slope = np.where(e > 1, (last - first) / np.maximum(e - 1, 1), 0.0)
        return np.asarray(last[:, None] + j * slope[:, None], dtype=np.float64)
    raise ValueError(f"unknown benchmark method {method!r}")


def residual_sd(method: str, Y: Array, ends: IntArray, m: int) -> Array:
    """Standard deviation of the in-sample one-step residuals of a benchmark method."""
    _n, width = Y.shape
    mask = time_mask(ends, width)
    if method == "mean":
        cnt = mask.sum(axis=1)
        mu = np.where(mask, Y, 0.0).sum(axis=1) / np.maximum(cnt, 1)
        ss = np.where(mask, (Y - mu[:, None]) ** 2, 0.0).sum(axis=1)
        return np.asarray(np.sqrt(ss / np.maximum(cnt - 1, 1)), dtype=np.float64)
    lag = m if method == "snaive" else 1
    if method == "snaive":
        lag = m
    d = np.zeros_like(Y)
    d[:, lag:] = Y[:, lag:] - Y[:, :-lag]
    dm = mask.copy()
    dm[:, :lag] = False
    cnt = dm.sum(axis=1)
    if method == "drift":
        mu = np.where(dm, d, 0.0).sum(axis=1) / np.maximum(cnt, 1)
        ss = np.where(dm, (d - mu[:, None]) ** 2, 0.0).sum(axis=1)
        return np.asarray(np.sqrt(ss / np.maximum(cnt - 1, 1)), dtype=np.float64)
    ss = np.where(dm, d * d, 0.0).sum(axis=1)
    sd = np.sqrt(ss / np.maximum(cnt, 1))
    if method == "snaive":
        # Too short for a seasonal difference: fall back to the naive spread.
        sd = np.where(cnt > 0, sd, residual_sd("naive", Y, ends, m))
    return np.asarray(sd, dtype=np.float64)


def horizon_factor(method: str, ends: IntArray, h: int, m: int) -> Array:
    """(n, h) multiplier of the one-step sd giving the h-step sd (formulas in module doc)."""
    j = np.arange(1, h + 1, dtype=np.float64)[None, :]
    e = np.maximum(ends, 1).astype(np.float64)[:, None]
    if method == "mean":
        return np.asarray(np.sqrt(1.0 + 1.0 / e) * np.ones_like(j), dtype=np.float64)
    if method == "naive":
        return np.asarray(np.sqrt(j) * np.ones_like(e), dtype=np.float64)
    if method == "snaive":
        return np.asarray(np.sqrt(np.floor((j - 1) / m) + 1) * np.ones_like(e), dtype=np.float64)
    return np.asarray(np.sqrt(j * (1.0 + j / np.maximum(e - 1, 1))), dtype=np.float64)


def fitted_values(method: str, Y: Array, ends: IntArray, m: int) -> Array:
    """(n, T) in-sample one-step fitted values; NaN where the method has no forecast yet."""
    n, width = Y.shape
    f = np.full_like(Y, np.nan)
    if method == "mean":
        cnt = np.maximum(ends, 1)
        mu = np.where(time_mask(ends, width), Y, 0.0).sum(axis=1) / cnt
        f[:] = mu[:, None]
    elif method == "naive":
        f[:, 1:] = Y[:, :-1]
    elif method == "snaive":
        if width > m:
            f[:, m:] = Y[:, :-m]
    else:
        b = np.where(
            ends > 1,
            (Y[np.arange(n), np.maximum(ends, 1) - 1] - Y[:, 0]) / np.maximum(ends - 1, 1),
            0.0,
        )
        f[:, 1:] = Y[:, :-1] + b[:, None]
    f[~time_mask(ends, width)] = np.nan
    return f


def fit_simple(
    method: str, Y: Array, L: IntArray, h: int, m: int, origins: IntArray, hb: int
) -> PanelFit:
    """Fit a benchmark method on every series: final forecast, spread, backtest, fitted."""
    n = Y.shape[0]
    k = origins.shape[1]
    point = point_forecast(method, Y, L, h, m)
    sigma = residual_sd(method, Y, L, m)[:, None] * horizon_factor(method, L, h, m)
    bt = np.full((n, k, hb), np.nan)
    for s in range(k):
        o = origins[:, s]
        valid = o > 0
        if valid.any():
            bt[:, s, :] = np.where(
                valid[:, None], point_forecast(method, Y, np.maximum(o, 1), hb, m), np.nan
            )
    ok = np.ones(n, dtype=bool)
    if method == "snaive":
        ok = m + 1 <= L
    return PanelFit(
        point=point,
        sigma=sigma,
        backtest=bt,
        fitted=fitted_values(method, Y, L, m),
        names=names_array(n, SIMPLE_NAMES[method]),
        ok=ok,
    )
