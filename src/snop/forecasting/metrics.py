"""Forecast accuracy metrics, all in one place.

Every function takes ``actual`` and ``forecast`` arrays of the same shape and reduces along
the last axis (time), so one call scores one series (1-D) or a panel (2-D, series x time).
NaN entries are ignored (a window that does not exist is NaN), and a metric whose
denominator is zero returns NaN rather than infinity; callers decide what NaN means.

With error ``e_t = y_t - f_t`` over ``n`` periods:

* MAE  = sum|e| / n
* RMSE = sqrt(sum e^2 / n)
* MAPE = 100 * sum(|e| / |y|) / n, over periods with ``y != 0`` only
* WAPE = sum|e| / sum|y|  (a ratio; 0.25 means 25 % of volume)
* bias = sum(f - y) / sum|y|  (positive: over-forecast)
* MASE = MAE / scale, with scale the in-sample MAE of the (seasonal) naive method,
  ``mean |y_t - y_{t-m}|`` (Hyndman & Koehler 2006)
* tracking signal = sum(y - f) / MAD, with MAD = mean|e|; |TS| > 4 flags a biased forecast.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _err(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> tuple[Array, Array]:
    y = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    return y, f


def _safe_div(num: Array | np.float64, den: Array | np.float64) -> Array:
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    return np.asarray(out, dtype=np.float64)


def _nanmean(x: Array) -> Array:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(x, axis=-1), dtype=np.float64)


def _count(x: Array) -> Array:
    return np.asarray(np.sum(~np.isnan(x), axis=-1), dtype=np.float64)


def mae(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Mean absolute error along the last axis."""
    y, f = _err(actual, forecast)
    return _nanmean(np.abs(y - f))


def rmse(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Root mean squared error along the last axis."""
    y, f = _err(actual, forecast)
    return np.asarray(np.sqrt(_nanmean((y - f) ** 2)), dtype=np.float64)


def mape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Mean absolute percentage error in percent, over periods with non-zero actuals."""
    y, f = _err(actual, forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.where(y != 0, np.abs(y - f) / np.abs(np.where(y != 0, y, 1.0)), np.nan)
    ape = np.where(np.isnan(y) | np.isnan(f), np.nan, ape)
    return 100.0 * _nanmean(ape)


def wape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Weighted absolute percentage error: sum|e| / sum|y| (a ratio, not percent)."""
    y, f = _err(actual, forecast)
    e = np.abs(y - f)
    mask = np.isnan(e)
    num = np.where(mask, 0.0, e).sum(axis=-1)
    den = np.where(mask, 0.0, np.abs(np.nan_to_num(y))).sum(axis=-1)
    return _safe_div(num, den)


def bias(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Relative bias: sum(f - y) / sum|y|; positive means over-forecasting."""
    y, f = _err(actual, forecast)
    d = f - y
    mask = np.isnan(d)
    num = np.where(mask, 0.0, d).sum(axis=-1)
    den = np.where(mask, 0.0, np.abs(np.nan_to_num(y))).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.asarray(out, dtype=np.float64)


def naive_scale(insample: npt.ArrayLike, season_length: int = 1) -> Array:
    """MASE denominator: mean |y_t - y_{t-m}| of the in-sample history (NaN-aware).

    Falls back to lag 1 when the history is not longer than one season.
    """
    y = np.asarray(insample, dtype=np.float64)
    m = season_length if np.all(_count(y) > season_length) and season_length > 1 else 1
    if y.shape[-1] <= m:
        return np.full(y.shape[:-1], np.nan)
    return _nanmean(np.abs(y[..., m:] - y[..., :-m]))


def mase(actual: npt.ArrayLike, forecast: npt.ArrayLike, scale: npt.ArrayLike) -> Array:
    """Mean absolute scaled error: MAE / scale (see :func:`naive_scale`)."""
    return _safe_div(mae(actual, forecast), np.asarray(scale, dtype=np.float64))


def tracking_signal(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> Array:
    """Cumulative error over mean absolute deviation: sum(y - f) / mean|y - f|."""
    y, f = _err(actual, forecast)
    e = y - f
    cum = np.nansum(e, axis=-1)
    return _safe_div(np.asarray(cum), mae(y, f))
