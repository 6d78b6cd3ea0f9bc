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

ADIDA (Nikolopoulos et al. 2011): aggregate the history into non-overlapping buckets of
``k = round(ADI)`` periods ending at the forecast origin (ADI of the data before it), smooth
the bucket sums with SES (alpha 0.1, initialised at the oldest bucket) and spread the level
evenly: ``f = level / k`` per period.

Selection among rate forecasts (:func:`select_rate`) ranks by backtest mean *squared* error.
The MAE of an intermittent series is smallest for a forecast of 0 (the median of mostly-zero
data), so MAE-based selection rewards forecasting nothing; the MSE is smallest for the mean
rate, which is what stock for an item that sells must cover. Per series, ranking by MSE is
ranking by RMSSE (the M5 metric: RMSE scaled by a per-series constant).
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import Array, IntArray, PanelFit, names_array, origin_schedule

CROSTON_ALPHA = 0.1
TSB_ALPHA_D = 0.1
TSB_ALPHA_P = 0.1
ADIDA_ALPHA = 0.1
ADIDA_MAX_BUCKET = 12
VARIANTS = {"croston": "Croston", "sba": "SBA", "tsb": "TSB"}


def fit_intermittent(
    variant: str, Y: Array, L: IntArray, h: int, origins: IntArray, hb: int
) -> PanelFit:
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
    return PanelFit(
        point=point,
        sigma=sigma,
        backtest=bt,
        fitted=fitted,
        names=names_array(n, VARIANTS[variant]),
        ok=np.ones(n, dtype=bool),
    )


def _adida_rate(Y: Array, ends: IntArray, a: float) -> Array:
    """Per series the ADIDA rate from the data before ``ends`` (exclusive; 0 when ends <= 0).

    Bucket j (0 = newest) sums ``Y[e - (j+1) k : e - j k]``; the SES level with initial value
    the oldest of nb buckets is ``(1-a)^(nb-1) B_oldest + sum_{j < nb-1} a (1-a)^j B_j``.
    Fewer than one bucket of data: the mean so far.
    """
    n, width = Y.shape
    out = np.zeros(n)
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(Y, axis=1)], axis=1)
    e = np.clip(ends, 0, width)
    rr = np.arange(n)
    nz = (Y > 0) & (np.arange(width)[None, :] < e[:, None])
    cnt = nz.sum(axis=1)
    k = np.where(cnt > 0, np.rint(e / np.maximum(cnt, 1)), 1).astype(np.int64)
    k = np.clip(k, 1, ADIDA_MAX_BUCKET)
    for kk in np.unique(k[e > 0]).tolist():
        sel = rr[(k == kk) & (e > 0)]
        es = e[sel]
        nb = es // kk
        J = max(int(nb.max()), 1)
        j = np.arange(J)[None, :]
        hi = es[:, None] - j * kk
        valid = j < nb[:, None]
        B = np.where(
            valid,
            cs[sel[:, None], np.clip(hi, 0, width)] - cs[sel[:, None], np.clip(hi - kk, 0, width)],
            0.0,
        )
        W = np.where(
            j < (nb - 1)[:, None],
            a * (1 - a) ** j,
            np.where(j == (nb - 1)[:, None], (1 - a) ** np.maximum(nb - 1, 0)[:, None], 0.0),
        )
        level = (W * B).sum(axis=1) / kk
        mean = cs[sel, es] / np.maximum(es, 1)
        out[sel] = np.where(nb >= 1, level, mean)
    return out


def fit_adida(Y: Array, L: IntArray, h: int, origins: IntArray, hb: int) -> PanelFit:
    """ADIDA forecasts: final, backtest from each origin; fitted = the final rate."""
    n, width = Y.shape
    a = ADIDA_ALPHA
    rate = _adida_rate(Y, L, a)
    k = origins.shape[1]
    bt = np.full((n, k, hb), np.nan)
    for c in range(k):
        o = origins[:, c]
        r = _adida_rate(Y, np.where(o > 0, o, 0), a)
        bt[:, c, :] = np.where((o > 0)[:, None], r[:, None], np.nan)
    inside = np.arange(width)[None, :] < L[:, None]
    fitted = np.where(inside & (np.arange(width)[None, :] > 0), rate[:, None], np.nan)
    resid = np.where(inside, Y - rate[:, None], 0.0)
    sd = np.sqrt((resid * resid).sum(axis=1) / np.maximum(L, 1))
    j = np.arange(1, h + 1)[None, :]
    sigma = sd[:, None] * np.sqrt(1 + a * a * (j - 1))
    return PanelFit(
        point=np.repeat(rate[:, None], h, axis=1),
        sigma=sigma,
        backtest=bt,
        fitted=fitted,
        names=names_array(n, "ADIDA"),
        ok=np.ones(n, dtype=bool),
    )


def select_rate(
    candidates: list[str],
    fits: dict[str, PanelFit],
    actual: Array,
    default: str,
    handicap: dict[str, float] | None = None,
) -> tuple[IntArray, IntArray, Array]:
    """Chosen and runner-up candidate per series by backtest MSE, and the MSE matrix (n, C).

    Same contract as :func:`snop.forecasting.selection.select` (``handicap`` is accepted and
    not used: the MSE already favours the mean rate over benchmarks that forecast zeros).
    A series without any backtest window gets ``default`` (runner-up -1).
    """
    n = actual.shape[0]
    C = len(candidates)
    valid = ~np.isnan(actual)
    cnt = valid.sum(axis=(1, 2))
    mse = np.full((n, C), np.inf)
    for c, name in enumerate(candidates):
        bt = fits[name].backtest
        bad = (valid & np.isnan(bt)).any(axis=(1, 2))
        se = np.where(valid, (np.nan_to_num(actual) - np.nan_to_num(bt)) ** 2, 0.0).sum(axis=(1, 2))
        val = np.where((cnt > 0) & ~bad & fits[name].ok, se / np.maximum(cnt, 1), np.inf)
        mse[:, c] = val
    order = np.argsort(mse, axis=1, kind="stable")
    rr = np.arange(n)
    chosen = order[:, 0].astype(np.int64)
    runner = order[:, 1].astype(np.int64) if C > 1 else np.full(n, -1, dtype=np.int64)
    none = ~np.isfinite(mse[rr, chosen])
    d = candidates.index(default) if default in candidates else 0
    chosen = np.where(none, d, chosen)
    if C > 1:
        runner = np.where(none | ~np.isfinite(mse[rr, np.maximum(runner, 0)]), -1, runner)
    return chosen, runner, mse
