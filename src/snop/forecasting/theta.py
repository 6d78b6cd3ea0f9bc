"""The standard Theta method for a whole panel (Assimakopoulos & Nikolopoulos 2000).

Hyndman & Billah (2003) showed it is simple exponential smoothing with drift equal to half
the slope of the linear trend. With x the (seasonally adjusted) series of length n, alpha
chosen on a grid by in-sample squared error, l_n the SES level and b the least-squares slope
of x on time::

    f_h = l_n + (b / 2) * (h - 1 + (1 - (1 - alpha)^n) / alpha)     (as forecast::thetaf)

Seasonality: when the lag-m autocorrelation passes the 90 % test
``|r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)`` and the data are positive, x = y / s from
a classical multiplicative decomposition (centred 2 x m moving average), and the forecast is
re-seasonalised. Intervals are those of SES: ``sigma sqrt(1 + alpha^2 (h - 1))``, scaled by
the seasonal index.
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import (
    Array,
    BoolArray,
    IntArray,
    PanelFit,
    names_array,
    origin_schedule,
    prefix_sums,
    rows,
    time_mask,
)

ALPHAS = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])


def seasonal_test(Y: Array, ends: IntArray, m: int) -> BoolArray:
    """The 90 % autocorrelation test at lag m on Y[:, :end] (False when too short)."""
    n, width = Y.shape
    if m <= 1:
        return np.zeros(n, dtype=bool)
    mask = time_mask(ends, width)
    cnt = np.maximum(mask.sum(axis=1), 1)
    mu = np.where(mask, Y, 0.0).sum(axis=1) / cnt
    d = np.where(mask, Y - mu[:, None], 0.0)
    den = (d * d).sum(axis=1)
    acf = np.zeros((n, m + 1))
    for k in range(1, min(m, width - 1) + 1):
        acf[:, k] = (d[:, k:] * d[:, :-k]).sum(axis=1) / np.where(den > 0, den, 1.0)
    lim = 1.645 * np.sqrt((1 + 2 * (acf[:, 1:m] ** 2).sum(axis=1)) / cnt)
    return np.asarray((ends >= 2 * m) & (np.abs(acf[:, m]) > lim) & (den > 0), dtype=bool)


def seasonal_indices(Y: Array, ends: IntArray, m: int) -> Array:
    """(n, m) multiplicative seasonal indices by classical decomposition of Y[:, :end].

    Slot j is the index of times t with t mod m = j; indices are normalised to mean 1.
    """
    n, width = Y.shape
    half = m // 2
    cs = prefix_sums(Y)
    # centred moving average of order m (2 x m when m is even) at time t
    t = np.arange(width)
    lo = np.clip(t - half, 0, width)
    hi = np.clip(t + half + 1, 0, width)
    if m % 2 == 0:
        full = cs[:, hi] - cs[:, lo]
        ma = (
            full
            - 0.5 * Y[:, np.clip(t - half, 0, width - 1)]
            - 0.5 * Y[:, np.clip(t + half, 0, width - 1)]
        ) / m
    else:
        ma = (cs[:, hi] - cs[:, lo]) / m
    valid = (t[None, :] >= half) & (t[None, :] + half < ends[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(valid & (ma > 0), Y / np.where(ma > 0, ma, 1.0), 0.0)
    cntm = (valid & (ma > 0)).astype(np.float64)
    pad = (-width) % m
    ratio = np.pad(ratio, ((0, 0), (0, pad)))
    cntm = np.pad(cntm, ((0, 0), (0, pad)))
    num = ratio.reshape(n, -1, m).sum(axis=1)
    den = cntm.reshape(n, -1, m).sum(axis=1)
    idx = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
    idx = idx / np.where(idx.mean(axis=1, keepdims=True) > 0, idx.mean(axis=1, keepdims=True), 1)
    return np.asarray(np.clip(idx, 1e-3, None), dtype=np.float64)


def _ses_grid(X: Array, ends: IntArray, TE: IntArray) -> tuple[Array, Array]:
    """In-sample SSE of SES (l_0 = x_0) for each alpha on the grid: (train SSE, full SSE)."""
    n, _width = X.shape
    a = ALPHAS[None, :]
    lvl = np.repeat(X[:, :1], ALPHAS.size, axis=1)
    sse_t = np.zeros((n, ALPHAS.size))
    sse_f = np.zeros((n, ALPHAS.size))
    for t in range(1, int(ends.max())):
        e = X[:, t : t + 1] - lvl
        e2 = e * e
        sse_f += e2 * (t < ends)[:, None]
        sse_t += e2 * (t < TE)[:, None]
        lvl += a * e
    return sse_t, sse_f


def _ses_levels(
    X: Array, alpha: Array, ends: IntArray, origins: IntArray | None
) -> tuple[Array, Array, Array]:
    """SES with one alpha per series: end level, levels at origins, one-step fitted."""
    n, width = X.shape
    lvl = X[:, 0].copy()
    end = lvl.copy()
    k = 0 if origins is None else origins.shape[1]
    rec = np.zeros((n, k))
    fitted = np.full((n, width), np.nan)
    sched = origin_schedule(origins, width) if origins is not None else None
    ends_at = ends - 1
    for t in range(width):
        if t > 0:
            fitted[:, t] = lvl
            lvl = lvl + alpha * (X[:, t] - lvl)
        if sched is not None:
            ri, si = sched[t]
            rec[ri, si] = lvl[ri]
        hit = ends_at == t
        end[hit] = lvl[hit]
    fitted[~time_mask(ends, width)] = np.nan
    return end, rec, fitted


def _slope_at(X: Array, ends: IntArray) -> Array:
    """Least-squares slope of X[:, :end] on t via prefix sums (vector of ends)."""
    n, width = X.shape
    t = np.arange(width, dtype=np.float64)[None, :]
    cs = prefix_sums(X)
    cst = prefix_sums(X * t)
    e = np.maximum(ends, 1).astype(np.float64)
    r = np.arange(n)
    sx = cs[r, np.maximum(ends, 1)]
    stx = cst[r, np.maximum(ends, 1)]
    st = e * (e - 1) / 2
    stt = (e - 1) * e * (2 * e - 1) / 6
    den = e * stt - st * st
    return np.asarray(
        np.where(den > 0, (e * stx - st * sx) / np.where(den > 0, den, 1), 0.0), dtype=np.float64
    )


def theta_forecast(level: Array, slope: Array, alpha: Array, nobs: Array, h: int) -> Array:
    """(n, h) ``l + b/2 (j - 1 + (1 - (1 - alpha)^n) / alpha)`` for j = 1..h."""
    j = np.arange(1, h + 1, dtype=np.float64)[None, :]
    drift = (j - 1) + (1 - (1 - alpha[:, None]) ** nobs[:, None]) / alpha[:, None]
    return np.asarray(level[:, None] + slope[:, None] / 2 * drift, dtype=np.float64)


def fit_theta(Y: Array, L: IntArray, h: int, m: int, origins: IntArray, hb: int) -> PanelFit:
    """Standard Theta on every series (see module docstring)."""
    n, width = Y.shape
    k = origins.shape[1]
    r = rows(n)
    has_bt = (origins > 0).any(axis=1)
    TE = np.where(has_bt, np.where(origins > 0, origins, width + 1).min(axis=1), L)
    pos_f = np.where(time_mask(L, width), Y, np.inf).min(axis=1) > 0
    pos_t = np.where(time_mask(TE, width), Y, np.inf).min(axis=1) > 0
    seas_f = seasonal_test(Y, L, m) & pos_f
    seas_t = seasonal_test(Y, TE, m) & pos_t
    tcol = np.arange(width)[None, :] % max(m, 1)
    out_point = np.zeros((n, h))
    out_sigma = np.zeros((n, h))
    fitted_all = np.full((n, width), np.nan)
    bt = np.full((n, k, hb), np.nan)
    names = names_array(n, "Theta")
    for which in ("f", "t"):
        seas = seas_f if which == "f" else seas_t
        ends = L if which == "f" else TE
        si = seasonal_indices(Y, ends, m) if (m > 1 and seas.any()) else np.ones((n, max(m, 1)))
        si = np.where(seas[:, None], si, 1.0)
        S = si[r, tcol]
        X = Y / S
        sse_t, sse_f = _ses_grid(X, L, TE)
        sse = sse_f if which == "f" else sse_t
        alpha = ALPHAS[sse.argmin(axis=1)]
        if which == "f":
            end, _, fit = _ses_levels(X, alpha, L, None)
            slope = _slope_at(X, L)
            pt = theta_forecast(end, slope, alpha, L.astype(np.float64), h)
            drift_fit = np.zeros_like(fit)
            # in-sample fitted of the theta line: SES fitted plus half the slope (approx.)
            fit = fit + slope[:, None] / 2 + drift_fit
            sfut = si[r, (L[:, None] + np.arange(h)[None, :]) % max(m, 1)]
            out_point = pt * sfut
            fitted_all = fit * S
            resid = np.where(time_mask(L, width), Y - fitted_all, np.nan)
            cnt = np.maximum((~np.isnan(resid)).sum(axis=1) - 1, 1)
            sd = np.sqrt(np.nansum(resid * resid, axis=1) / cnt)
            j = np.arange(1, h + 1)[None, :]
            out_sigma = sd[:, None] * np.sqrt(1 + alpha[:, None] ** 2 * (j - 1)) * sfut
        else:
            if not has_bt.any():
                continue
            _, rec, _ = _ses_levels(X, alpha, L, origins)
            for s in range(k):
                o = origins[:, s]
                valid = o > 0
                oo = np.maximum(o, 1)
                slope = _slope_at(X, oo)
                pt = theta_forecast(rec[:, s], slope, alpha, oo.astype(np.float64), hb)
                sfut = si[r, (oo[:, None] + np.arange(hb)[None, :]) % max(m, 1)]
                bt[:, s, :] = np.where(valid[:, None], pt * sfut, np.nan)
    return PanelFit(
        point=out_point,
        sigma=out_sigma,
        backtest=bt,
        fitted=fitted_all,
        names=names,
        ok=np.ones(n, dtype=bool),
    )
