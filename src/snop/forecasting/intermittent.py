"""Croston, SBA and TSB for intermittent demand, vectorized over a panel.

Croston (1972): with z the demand sizes (non-zero values) and p the intervals between them
(periods since the previous demand, the first counted from the start), both smoothed by SES
with alpha = 0.1 and initialised at their first value::

    z <- z + alpha (y_t - z),  p <- p + alpha (q_t - p)   only when y_t > 0
    Croston: f = z / p          SBA (Syntetos & Boylan 2005): f = (1 - alpha / 2) z / p

TSB (Teunter, Syntetos & Babai 2011) smooths the demand probability every period and the size
on demand periods::

    d <- d + alpha_p ([y_t > 0] - d)  each period (d_0 = [y_0 > 0]);  f = d z

These match statsforecast's CrostonClassic, CrostonSBA and TSB (reference test). Intervals:
``sigma sqrt(1 + alpha^2 (h - 1))`` with sigma the in-sample one-step RMSE, floored at 0.
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import Array, IntArray, PanelFit, names_array, origin_schedule

CROSTON_ALPHA = 0.1
TSB_ALPHA_D = 0.1
TSB_ALPHA_P = 0.1
VARIANTS = {"croston": "Croston", "sba": "SBA", "tsb": "TSB"}


def fit_intermittent(variant: str, Y: Array, L: IntArray, h: int, origins: IntArray,
                     hb: int) -> PanelFit:
    """Croston-family forecasts: final, backtest from each origin, fitted, spread."""
    n, width = Y.shape
    k = origins.shape[1]
    a = CROSTON_ALPHA if variant != "tsb" else TSB_ALPHA_D
    ap = TSB_ALPHA_P
    z = np.zeros(n)
    p = np.ones(n)
    d = (Y[:, 0] > 0).astype(np.float64)
    q = np.zeros(n)
    started = np.zeros(n, dtype=bool)
    fitted = np.full((n, width), np.nan)
    rec = np.zeros((n, k))
    end = np.zeros(n)
    sched = origin_schedule(origins, width)
    factor = 1.0 - a / 2.0 if variant == "sba" else 1.0

    def value() -> Array:
        if variant == "tsb":
            return np.asarray(np.where(started, d * z, 0.0), dtype=np.float64)
        return np.asarray(np.where(started, factor * z / p, 0.0), dtype=np.float64)

    for t in range(width):
        active = t < L
        if t > 0:
            fitted[:, t] = np.where(active, value(), np.nan)
        y = Y[:, t]
        q = q + 1
        dem = (y > 0) & active
        first = dem & ~started
        upd = dem & started
        z = np.where(first, y, np.where(upd, z + a * (y - z), z))
        if variant == "tsb":
            if t > 0:
                d = np.where(active, d + ap * ((y > 0) - d), d)
        else:
            p = np.where(first, q, np.where(upd, p + a * (q - p), p))
        q = np.where(dem, 0.0, q)
        started = started | first
        ri, si = sched[t]
        if ri.size:
            rec[ri, si] = value()[ri]
        hit = np.equal(L - 1, t)
        if hit.any():
            end[hit] = value()[hit]
    point = np.repeat(end[:, None], h, axis=1)
    resid = Y - fitted
    cnt = np.maximum((~np.isnan(resid)).sum(axis=1), 1)
    sd = np.sqrt(np.nansum(resid * resid, axis=1) / cnt)
    j = np.arange(1, h + 1)[None, :]
    sigma = sd[:, None] * np.sqrt(1 + a * a * (j - 1))
    bt = np.where((origins > 0)[:, :, None], np.repeat(rec[:, :, None], hb, axis=2), np.nan)
    return PanelFit(point=point, sigma=sigma, backtest=bt, fitted=fitted,
                    names=names_array(n, VARIANTS[variant]), ok=np.ones(n, dtype=bool))
