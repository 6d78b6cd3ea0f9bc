"""Seasonal ARIMA for a whole panel at once: orders by tests and AICc, coefficients by
Hannan-Rissanen regression, conditional-sum-of-squares residuals.

Model (Box-Jenkins notation, statsforecast/R sign convention)::

    phi(B) Phi(B^m) (1 - B)^d (1 - B^m)^D y_t = c + theta(B) Theta(B^m) e_t
    phi(B) = 1 - phi_1 B - ... - phi_p B^p        Phi(B^m) = 1 - Phi_1 B^m      (P <= 1)
    theta(B) = 1 + theta_1 B + ... + theta_q B^q  Theta(B^m) = 1 + Theta_1 B^m  (Q <= 1)

with p, q <= 2. Per series, like the Hyndman-Khandakar algorithm but on a fixed small set
of orders evaluated for every series at once:

1. D = 1 when the seasonal strength of a classical additive decomposition,
   ``max(0, 1 - var(R) / var(S + R))``, is at least 0.64 (statsforecast's default test)
   and there are at least three seasons; d (0..2) by repeated KPSS tests at 5 % on the
   seasonally differenced series (level stationarity, Bartlett window of
   ``trunc(3 sqrt(n) / 13)`` lags, critical value 0.463).
2. With w the differenced series, every order in ``ORDERS`` is estimated by
   Hannan-Rissanen: a long autoregression gives residual estimates ê; then w_t is
   regressed by least squares on w_{t-1..p}, w_{t-m} (P), ê_{t-1..q}, ê_{t-m} (Q) and a
   constant when d + D <= 1 (mean or drift). The seasonal and non-seasonal factors are
   multiplied out (the cross terms phi_1 Phi_1 etc. follow from the factors).
3. The exact conditional residuals (errors before the start are 0) give
   ``sigma^2 = sum e^2 / n`` and ``AICc = n log sigma^2 + 2k + 2k(k+1)/(n-k-1)``;
   non-stationary or non-invertible coefficients are not admissible. The lowest AICc wins;
   ARIMA(0,d,0) (random walk, with drift when d + D = 1) is always admissible.
4. Forecasts run the full recursion on y (differencing multiplied into the AR side) with
   future errors 0; ``sd_h = sigma sqrt(sum_{j<h} psi_j^2)`` with psi the MA(inf) weights
   of the full model.

Backtest: the orders chosen on the whole history are re-estimated on the data before the
first origin; residuals are then filtered through later data and each window is forecast
from its origin, so no forecast uses a value at or after its origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snop.forecasting.common import Array, BoolArray, IntArray, PanelFit

# (p, q, P, Q): the orders evaluated for every series (seasonal ones only when m > 1).
ORDERS: tuple[tuple[int, int, int, int], ...] = tuple(
    (p, q, P, Q)
    for P, Q in ((0, 0), (1, 0), (0, 1))
    for p, q in ((0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2))
)
SEAS_STRENGTH = 0.64
KPSS_CRIT = 0.463
MAX_D = 2

Poly = dict[int, Array]  # lag -> (n,) coefficients; lag 0 is 1 and not stored


def _poly_mul(a: Poly, b: Poly, n: int) -> Poly:
    """(1 + sum a_j B^j)(1 + sum b_k B^k) - 1 as lag -> coefficients."""
    out: Poly = {}
    for j, cj in a.items():
        out[j] = out.get(j, np.zeros(n)) + cj
    for k, ck in b.items():
        out[k] = out.get(k, np.zeros(n)) + ck
        for j, cj in a.items():
            out[j + k] = out.get(j + k, np.zeros(n)) + cj * ck
    return out


def diff_poly(d: IntArray, D: IntArray, m: int) -> Poly:
    """(1 - B)^d (1 - B^m)^D - 1 per series (d <= 2, D <= 1)."""
    n = d.size
    one = -(d >= 1).astype(np.float64)
    two = -(d >= 2).astype(np.float64)
    p = _poly_mul({1: one}, {1: two}, n)
    if m > 1:
        p = _poly_mul(p, {m: -(D >= 1).astype(np.float64)}, n)
    return {k: v for k, v in p.items() if np.any(v != 0)}


def apply_poly(Y: Array, poly: Poly) -> Array:
    """``Y_t + sum_j poly_j Y_{t-j}`` (values before the start taken as 0)."""
    out = Y.copy()
    for j, c in poly.items():
        if j < Y.shape[1]:
            out[:, j:] += c[:, None] * Y[:, :-j]
    return out


def seasonal_strength(Y: Array, L: IntArray, m: int) -> Array:
    """``max(0, 1 - var(R) / var(S + R))`` of a classical additive decomposition of Y[:, :L]."""
    n, width = Y.shape
    if m <= 1 or width < 2 * m + 1:
        return np.zeros(n)
    half = m // 2
    cs = np.zeros((n, width + 1))
    np.cumsum(Y, axis=1, out=cs[:, 1:])
    t = np.arange(width)
    lo = np.clip(t - half, 0, width)
    hi = np.clip(t + half + 1, 0, width)
    if m % 2 == 0:
        ma = (
            cs[:, hi]
            - cs[:, lo]
            - 0.5 * Y[:, np.clip(t - half, 0, width - 1)]
            - 0.5 * Y[:, np.clip(t + half, 0, width - 1)]
        ) / m
    else:
        ma = (cs[:, hi] - cs[:, lo]) / m
    valid = (t[None, :] >= half) & (t[None, :] + half < L[:, None])
    x = np.where(valid, Y - ma, 0.0)
    pad = (-width) % m
    xs = np.pad(x, ((0, 0), (0, pad))).reshape(n, -1, m).sum(axis=1)
    cnt = np.pad(valid.astype(np.float64), ((0, 0), (0, pad))).reshape(n, -1, m).sum(axis=1)
    s = np.where(cnt > 0, xs / np.maximum(cnt, 1), 0.0)
    s -= s.mean(axis=1, keepdims=True)
    S = s[:, t % m]
    r = np.where(valid, x - S, 0.0)
    k = np.maximum(valid.sum(axis=1), 2)

    def var(z: Array) -> Array:
        mu = np.where(valid, z, 0.0).sum(axis=1) / k
        return np.asarray(
            np.where(valid, (z - mu[:, None]) ** 2, 0.0).sum(axis=1) / (k - 1), dtype=np.float64
        )

    vx, vr = var(x), var(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        st = np.where(vx > 0, 1 - vr / np.where(vx > 0, vx, 1.0), 0.0)
    return np.asarray(np.where(2 * m + 1 <= L, np.maximum(st, 0.0), 0.0), dtype=np.float64)


def kpss_stat(W: Array, start: IntArray, end: IntArray) -> Array:
    """KPSS level-stationarity statistic of W[i, start:end] (NaN when < 4 points)."""
    width = W.shape[1]
    t = np.arange(width)[None, :]
    mask = (t >= start[:, None]) & (t < end[:, None])
    cnt = mask.sum(axis=1).astype(np.float64)
    mu = np.where(mask, W, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    e = np.where(mask, W - mu[:, None], 0.0)
    S = np.cumsum(e, axis=1)
    eta = np.where(mask, S * S, 0.0).sum(axis=1) / np.maximum(cnt, 1) ** 2
    lrv = (e * e).sum(axis=1) / np.maximum(cnt, 1)
    lags = np.floor(3 * np.sqrt(cnt) / 13).astype(np.int64)
    for s in range(1, int(lags.max(initial=0)) + 1):
        w = np.where(s <= lags, 1 - s / (lags + 1.0), 0.0)
        lrv = lrv + 2 * w * (e[:, s:] * e[:, :-s]).sum(axis=1) / np.maximum(cnt, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where((cnt >= 4) & (lrv > 0), eta / np.where(lrv > 0, lrv, 1.0), np.nan)
    return np.asarray(stat, dtype=np.float64)


def choose_differences(Y: Array, L: IntArray, m: int) -> tuple[IntArray, IntArray]:
    """(d, D) per series: seasonal strength for D, then KPSS for d (see module docstring)."""
    n = Y.shape[0]
    D = ((m > 1) & (3 * m <= L) & (seasonal_strength(Y, L, m) >= SEAS_STRENGTH)).astype(np.int64)
    d = np.zeros(n, dtype=np.int64)
    for k in range(MAX_D):
        poly = diff_poly(d, D, m)
        W = apply_poly(Y, poly)
        st = d + m * D
        stat = kpss_stat(W, st, L)
        more = (d == k) & np.isfinite(stat) & (stat > KPSS_CRIT) & (L - st - 1 >= 8)
        if not more.any():
            break
        d = d + more
    return d, D


@dataclass
class Coefs:
    """Estimated ARMA on the differenced series: constant, AR and MA polynomials (on w)."""

    c: Array
    ar: Poly  # phi(B) Phi(B^m) - 1, as coefficients of B^j on the *left* side
    ma: Poly  # theta(B) Theta(B^m) - 1
    ok: np.ndarray


def _lagged(W: Array, j: int) -> Array:
    out = np.zeros_like(W)
    if j < W.shape[1]:
        out[:, j:] = W[:, :-j]
    return out


def _solve(X: list[Array], y: Array, mask: BoolArray) -> tuple[Array, BoolArray]:
    """Batched least squares of y on the columns X over mask; (coefficients (n, k), ok)."""
    k = len(X)
    n = y.shape[0]
    A = np.zeros((n, k, k))
    b = np.zeros((n, k))
    Xm = [np.where(mask, x, 0.0) for x in X]
    for i in range(k):
        b[:, i] = (Xm[i] * y).sum(axis=1)
        for j in range(i, k):
            A[:, i, j] = A[:, j, i] = (Xm[i] * X[j]).sum(axis=1)
    diag = np.einsum("nii->ni", A)
    scale = np.maximum(diag.mean(axis=1), 1e-12)
    A = A + (1e-9 * scale)[:, None, None] * np.eye(k)[None]
    cnt = mask.sum(axis=1)
    ok: BoolArray = np.asarray(cnt > k + 1, dtype=bool)
    A[~ok] = np.eye(k)
    coef = np.linalg.solve(A, b[:, :, None])[:, :, 0]
    return np.asarray(np.where(ok[:, None], coef, 0.0), dtype=np.float64), ok


def long_ar_residuals(W: Array, start: IntArray, end: IntArray, m: int) -> Array:
    """Stage 1 of Hannan-Rissanen: residuals of a long autoregression (0 where undefined)."""
    width = W.shape[1]
    K = min(m + 1 if m > 1 else 6, 13)
    t = np.arange(width)[None, :]
    k_i = np.clip((end - start) // 4, 1, K)
    X = [np.where(j <= k_i[:, None], _lagged(W, j), 0.0) for j in range(1, K + 1)]
    X.append(np.ones_like(W))
    mask = (t >= (start + k_i)[:, None]) & (t < end[:, None])
    coef, _ = _solve(X, W, mask)
    fit = sum((coef[:, j : j + 1] * X[j] for j in range(K + 1)), np.zeros_like(W))
    return np.asarray(np.where(mask, W - fit, 0.0), dtype=np.float64)


def _admissible(
    order: tuple[int, int, int, int],
    ar1: Array,
    ar2: Array,
    ma1: Array,
    ma2: Array,
    sar: Array,
    sma: Array,
) -> np.ndarray:
    """Stationary AR and invertible MA factors (triangle conditions for order 2)."""
    p, q, P, Q = order
    ok = np.ones(ar1.size, dtype=bool)
    lim = 0.99
    if p == 1:
        ok &= np.abs(ar1) < lim
    if p == 2:
        ok &= (ar1 + ar2 < lim) & (ar2 - ar1 < lim) & (np.abs(ar2) < lim)
    if q == 1:
        ok &= np.abs(ma1) < lim
    if q == 2:  # 1 + t1 B + t2 B^2 invertible: same triangle with signs flipped
        ok &= (-ma1 - ma2 < lim) & (ma1 - ma2 < lim) & (np.abs(ma2) < lim)
    if P:
        ok &= np.abs(sar) < lim
    if Q:
        ok &= np.abs(sma) < lim
    return ok


def estimate(
    W: Array,
    ehat: Array,
    start: IntArray,
    end: IntArray,
    m: int,
    order: tuple[int, int, int, int],
    const: np.ndarray,
) -> Coefs:
    """Stage 2 of Hannan-Rissanen for one order on every series (see module docstring)."""
    n, width = W.shape
    p, q, P, Q = order
    t = np.arange(width)[None, :]
    X: list[Array] = []
    X += [_lagged(W, j) for j in range(1, p + 1)]
    if P:
        X.append(_lagged(W, m))
    X += [_lagged(ehat, j) for j in range(1, q + 1)]
    if Q:
        X.append(_lagged(ehat, m))
    X.append(np.where(const[:, None], 1.0, 0.0) * np.ones_like(W))
    lag0 = max(p, m * P, q, m * Q) + (min(m + 1, 13) if q or Q else 0)
    mask = (t >= (start + lag0)[:, None]) & (t < end[:, None])
    coef, ok = _solve(X, W, mask)
    z = np.zeros(n)
    ar1 = coef[:, 0] if p >= 1 else z
    ar2 = coef[:, 1] if p >= 2 else z
    sar = coef[:, p] if P else z
    ma1 = coef[:, p + P] if q >= 1 else z
    ma2 = coef[:, p + P + 1] if q >= 2 else z
    sma = coef[:, p + P + q] if Q else z
    ok &= _admissible(order, ar1, ar2, ma1, ma2, sar, sma)
    ar = _poly_mul({1: -ar1, 2: -ar2} if p else {}, {m: -sar} if P else {}, n)
    ma = _poly_mul({1: ma1, 2: ma2} if q else {}, {m: sma} if Q else {}, n)
    ar = {k: v for k, v in ar.items() if k <= max(p, 0) + m * P and np.any(v != 0)}
    ma = {k: v for k, v in ma.items() if np.any(v != 0)}
    return Coefs(c=np.where(const, coef[:, -1], 0.0), ar=ar, ma=ma, ok=ok)


def residuals(W: Array, cf: Coefs, start: IntArray, end: IntArray) -> Array:
    """Conditional residuals e_t = w_t - c - sum(-ar_j) w_{t-j}... from the first full lag.

    ``e_t = w_t + sum_j ar_j w_{t-j} - c - sum_j ma_j e_{t-j}`` for start + deg <= t < end,
    0 elsewhere (errors before the start are taken as 0).
    """
    width = W.shape[1]
    deg = max(cf.ar, default=0)
    r = W.copy()
    for j, c in cf.ar.items():
        r += c[:, None] * _lagged(W, j)
    r -= cf.c[:, None]
    t = np.arange(width)[None, :]
    mask = (t >= (start + deg)[:, None]) & (t < end[:, None])
    r = np.where(mask, r, 0.0)
    if not cf.ma:
        return np.asarray(r, dtype=np.float64)
    e = np.zeros_like(W)
    lags = sorted(cf.ma)
    with np.errstate(all="ignore"):
        for tt in range(int(max(start.min() + deg, 0)), width):
            v = r[:, tt].copy()
            for j in lags:
                if tt - j >= 0:
                    v -= cf.ma[j] * e[:, tt - j]
            e[:, tt] = np.where(mask[:, tt], v, 0.0)
    return np.asarray(e, dtype=np.float64)


def full_ar(cf: Coefs, dpoly: Poly, n: int) -> Poly:
    """AR side on y: phi(B) Phi(B^m) (1-B)^d (1-B^m)^D - 1."""
    return {k: v for k, v in _poly_mul(cf.ar, dpoly, n).items() if np.any(v != 0)}


def forecast_from(Y: Array, E: Array, at: IntArray, ar: Poly, ma: Poly, c: Array, h: int) -> Array:
    """(n, h) forecasts of y from time ``at`` (first forecast index) with future errors 0.

    ``y_t = c - sum_j ar_j y_{t-j} + sum_j ma_j e_{t-j}``.
    """
    n, width = Y.shape
    R = max(max(ar, default=0), max(ma, default=0), 1)
    idx = at[:, None] - R + np.arange(R)[None, :]
    okx = idx >= 0
    rr = np.arange(n)[:, None]
    ybuf = np.concatenate(
        [np.where(okx, Y[rr, np.clip(idx, 0, width - 1)], 0.0), np.zeros((n, h))], axis=1
    )
    ebuf = np.concatenate(
        [np.where(okx, E[rr, np.clip(idx, 0, width - 1)], 0.0), np.zeros((n, h))], axis=1
    )
    with np.errstate(all="ignore"):
        for s in range(h):
            pos = R + s
            v = c.copy()
            for j, cj in ar.items():
                v -= cj * ybuf[:, pos - j]
            for j, cj in ma.items():
                v += cj * ebuf[:, pos - j]
            ybuf[:, pos] = v
    return np.asarray(ybuf[:, R:], dtype=np.float64)


def psi_weights(ar: Poly, ma: Poly, n: int, h: int) -> Array:
    """(n, h) MA(inf) weights psi_0..psi_{h-1}: psi_j = ma_j - sum_i ar_i psi_{j-i}."""
    psi = np.zeros((n, h))
    psi[:, 0] = 1.0
    for j in range(1, h):
        v = ma[j].copy() if j in ma else np.zeros(n)
        for i, ci in ar.items():
            if i <= j:
                v -= ci * psi[:, j - i]
        psi[:, j] = v
    return psi


def arima_names(d: IntArray, D: IntArray, order: IntArray, m: int) -> list[str]:
    out = []
    for i in range(d.size):
        p, q, P, Q = (int(x) for x in ORDERS[int(order[i])])
        name = f"ARIMA({p},{int(d[i])},{q})"
        if m > 1 and (P or Q or D[i]):
            name += f"({P},{int(D[i])},{Q})[{m}]"
        out.append(name)
    return out


def _fit_orders(
    Y: Array, L: IntArray, TE: IntArray, d: IntArray, D: IntArray, m: int, orders: IntArray | None
) -> tuple[IntArray, Coefs, Array, Array]:
    """Estimate on Y[:, :TE]; choose by AICc unless ``orders`` is given.

    Returns the order index, coefficients, sigma^2 (training) and residuals over :L.
    """
    n = Y.shape[0]
    dpoly = diff_poly(d, D, m)
    W = apply_poly(Y, dpoly)
    start = d + m * D
    const = (d + D) <= 1
    ehat = long_ar_residuals(W, start, TE, m)
    best = np.full(n, np.inf)
    chosen = np.zeros(n, dtype=np.int64)
    c_out = np.zeros(n)
    ar_out: Poly = {}
    ma_out: Poly = {}
    sig2 = np.zeros(n)
    seasonal_ok = (m > 1) & (TE - start >= 2 * m + 4)
    for oi, order in enumerate(ORDERS):
        p, q, P, Q = order
        # order 0 is fitted for every series: the fallback when a forced order fails
        want = (orders == oi) if orders is not None and oi else np.ones(n, dtype=bool)
        if (P or Q) and m <= 1:
            continue
        if not want.any():
            continue
        cf = estimate(W, ehat, start, TE, m, order, const)
        e = residuals(W, cf, start, TE)
        deg = max(cf.ar, default=0)
        nobs = np.maximum(TE - start - deg, 0).astype(np.float64)
        s2 = (e * e).sum(axis=1) / np.maximum(nobs, 1)
        k = p + q + P + Q + const.astype(np.float64) + 1
        with np.errstate(divide="ignore", invalid="ignore"):
            aicc = nobs * np.log(np.maximum(s2, 1e-300)) + 2 * k + 2 * k * (k + 1) / (nobs - k - 1)
        fine = cf.ok & (nobs - k - 1 > 0) & np.isfinite(aicc) & want
        if oi == 0:
            fine = want.copy()  # the random walk (with drift) is always admissible
            aicc = np.where(nobs - k - 1 > 0, aicc, 1e300)
        if P or Q:
            fine &= seasonal_ok
        better = fine & (aicc < best - 1e-9) if orders is None else fine
        best = np.where(better, aicc, best)
        chosen = np.where(better, oi, chosen)
        c_out = np.where(better, cf.c, c_out)
        for src, dst in ((cf.ar, ar_out), (cf.ma, ma_out)):
            for j, v in src.items():
                dst[j] = np.where(better, v, dst.get(j, np.zeros(n)))
            for j in list(dst):
                if j not in src:
                    dst[j] = np.where(better, 0.0, dst[j])
        sig2 = np.where(better, s2, sig2)
    cf = Coefs(
        c=c_out,
        ar={k: v for k, v in ar_out.items() if np.any(v != 0)},
        ma={k: v for k, v in ma_out.items() if np.any(v != 0)},
        ok=np.ones(n, dtype=bool),
    )
    e_all = residuals(W, cf, start, L)
    return chosen, cf, sig2, e_all


def fit_arima(Y: Array, L: IntArray, h: int, m: int, origins: IntArray, hb: int) -> PanelFit:
    """Automatic seasonal ARIMA on every series (see the module docstring)."""
    n, width = Y.shape
    k_bt = origins.shape[1]
    has_bt = (origins > 0).any(axis=1)
    TE = np.where(has_bt, np.where(origins > 0, origins, width + 1).min(axis=1), L)
    TE = np.minimum(TE, L).astype(np.int64)
    d, D = choose_differences(Y, L, m)
    order, cf, s2, E = _fit_orders(Y, L, L, d, D, m, None)
    dpoly = diff_poly(d, D, m)
    ar = full_ar(cf, dpoly, n)
    point = forecast_from(Y, E, L, ar, cf.ma, cf.c, h)
    psi = psi_weights(ar, cf.ma, n, h)
    sigma = np.sqrt(np.maximum(s2, 0.0))[:, None] * np.sqrt(np.cumsum(psi * psi, axis=1))
    # in-sample one-step fitted values: y - e where the recursion has started
    fitted = np.where(np.arange(width)[None, :] < L[:, None], Y - E, np.nan)
    fitted[:, :1] = np.nan
    bt = np.full((n, k_bt, hb), np.nan)
    if has_bt.any():
        o_t, cf_t, _, E_t = _fit_orders(Y, L, TE, d, D, m, order)
        ar_t = full_ar(cf_t, dpoly, n)
        for s in range(k_bt):
            o = origins[:, s]
            valid = o > 0
            fc = forecast_from(Y, E_t, np.maximum(o, 1), ar_t, cf_t.ma, cf_t.c, hb)
            bt[:, s, :] = np.where(valid[:, None], fc, np.nan)
        del o_t
    names = np.empty(n, dtype=object)
    names[:] = arima_names(d, D, order, m)
    ok = np.isfinite(point).all(axis=1) & np.isfinite(sigma).all(axis=1)
    point = np.where(ok[:, None], point, 0.0)
    sigma = np.where(ok[:, None], sigma, 0.0)
    return PanelFit(point=point, sigma=sigma, backtest=bt, fitted=fitted, names=names, ok=ok)
