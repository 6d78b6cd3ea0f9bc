"""Shared pieces of the vectorized (panel) forecasting kernels.

A *panel* is a 2-D float array ``Y`` (series x time) where every series is **left-aligned**:
series ``i`` occupies ``Y[i, :L[i]]`` and the cells after its end are zero. Left alignment
lets one time loop run every series at once: all recursions start at column 0 and each
series simply stops contributing to its objective after its own end.

Every kernel returns a :class:`PanelFit`: the final forecast from the end of each series,
the standard deviation of the h-step error, the forecasts made from the backtest origins and
the in-sample one-step fitted values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass
class PanelFit:
    """What a kernel returns for n series.

    point: (n, h) forecast from the end of each series.
    sigma: (n, h) standard deviation of the h-step forecast error (for intervals).
    backtest: (n, k, hb) forecasts made from the backtest origins (NaN where no origin).
    fitted: (n, T) in-sample one-step fitted values (NaN where undefined).
    names: (n,) model name per series in standard notation.
    ok: (n,) whether the method applies to the series (False: ignore its numbers).
    """

    point: Array
    sigma: Array
    backtest: Array
    fitted: Array
    names: ObjArray
    ok: BoolArray


def rows(n: int) -> IntArray:
    return np.arange(n, dtype=np.int64)[:, None]


def names_array(n: int, name: str) -> ObjArray:
    out = np.empty(n, dtype=object)
    out[:] = name
    return out


def time_mask(ends: IntArray, width: int) -> BoolArray:
    """(n, width) True where column < end of the series."""
    return np.arange(width)[None, :] < ends[:, None]


def origin_schedule(origins: IntArray, width: int) -> list[tuple[IntArray, IntArray]]:
    """For each time t, the (series, slot) pairs whose origin is t + 1.

    A kernel that filters through the data records its state right after consuming
    ``y[t]`` for those pairs: that is the state from which the window starting at ``t+1``
    is forecast.
    """
    sched: list[tuple[IntArray, IntArray]] = []
    o = origins - 1
    for t in range(width):
        r, s = np.nonzero(o == t)
        sched.append((r.astype(np.int64), s.astype(np.int64)))
    return sched


def prefix_sums(Y: Array) -> Array:
    """Cumulative sums with a leading zero column: ``cs[:, e] = sum(Y[:, :e])``."""
    cs = np.zeros((Y.shape[0], Y.shape[1] + 1))
    np.cumsum(Y, axis=1, out=cs[:, 1:])
    return cs


def ols_slope(Y: Array, ends: IntArray, starts: IntArray | None = None) -> tuple[Array, Array]:
    """Least-squares line through ``Y[i, start:end]`` against t: (intercept at t=start, slope).

    slope = sum((t - tbar)(y - ybar)) / sum((t - tbar)^2); one point gives slope 0.
    """
    n, width = Y.shape
    st = np.zeros(n, dtype=np.int64) if starts is None else starts
    t = np.arange(width, dtype=np.float64)[None, :]
    mask = (t >= st[:, None]) & (t < ends[:, None])
    cnt = np.maximum(mask.sum(axis=1), 1).astype(np.float64)
    ym = np.where(mask, Y, 0.0).sum(axis=1) / cnt
    tm = np.where(mask, t, 0.0).sum(axis=1) / cnt
    dt = np.where(mask, t - tm[:, None], 0.0)
    sxx = (dt * dt).sum(axis=1)
    sxy = (dt * (Y - ym[:, None])).sum(axis=1)
    slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    intercept = ym - slope * (tm - st)
    return intercept, slope


def seasonal_positions(starts: IntArray, h: int, m: int) -> IntArray:
    """(n, h) season slots ``(start + j) % m`` for j = 0..h-1 (absolute time mod m)."""
    return (starts[:, None] + np.arange(h)[None, :]) % m


def empty_backtest(n: int, k: int, hb: int) -> Array:
    return np.full((n, k, hb), np.nan)
