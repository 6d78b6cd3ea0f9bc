"""Exponential smoothing (ETS) for a whole panel at once, form chosen per series by AICc.

State-space form (Hyndman, Koehler, Ord & Snyder 2008), with level l, trend b, season s,
damping phi (phi = 1: additive trend ``A``; 0.8 <= phi <= 0.98: damped ``Ad``) and
``p = l_{t-1} + phi b_{t-1}``::

    mu_t  = p            (season N)   p + s_{t-m}  (A)   p * s_{t-m}  (M)
    e_t   = y_t - mu_t
    l_t   = p + alpha e_t                 (N, A season)   p + alpha e_t / s_{t-m}   (M)
    b_t   = phi b_{t-1} + beta e_t        (N, A season)   phi b_{t-1} + beta e_t / s_{t-m}
    s_t   = s_{t-m} + gamma e_t           (A season)      s_{t-m} + gamma e_t / p   (M)

These updates are the same for additive and multiplicative *errors*: with
``eps_t = e_t / mu_t`` the multiplicative-error equations reduce to the ones above. The error
type only changes the likelihood, so one recursion scores both::

    -2 log L (A error) = n log(sum e_t^2 / n)
    -2 log L (M error) = n log(sum eps_t^2 / n) + 2 sum log|mu_t|
    AICc = -2 log L + 2k + 2k(k+1)/(n-k-1)

k counts smoothing parameters, initial states (l, b, m-1 seasons) and sigma. The forms are
the 15 of the restricted ETS taxonomy: error A|M, trend N|A|Ad, season N|A|M, without
additive error on a multiplicative season (infinite-variance forms). Multiplicative error or
season needs strictly positive data.

Speed: instead of Nelder-Mead per series, every form is evaluated on a fixed grid of
(alpha, beta, gamma, phi) for all series at once (arrays series x grid), and each series
keeps its best grid point. Initial states are the classical heuristics (least-squares line
through the first 10 points; for seasonal forms the first two seasons detrended). One grid
pass scores two windows: the data before the first backtest origin (parameters used in the
backtest, so no look-ahead) and the full history (parameters of the final forecast).

Prediction intervals use the linear-class variance ``sigma^2 (1 + sum_{j<h} c_j^2)`` with
``c_j = alpha + beta phi_j + gamma [j mod m = 0]``, ``phi_j = phi + ... + phi^j``; for
multiplicative forms sigma is relative and the band scales with the forecast (an
approximation, documented in docs/forecasting.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from snop.forecasting.common import (
    Array,
    BoolArray,
    IntArray,
    PanelFit,
    ols_slope,
    origin_schedule,
    time_mask,
)

# Parameter grids. Coarse on purpose: accuracy is flat near the optimum, and the grid is what
# makes the method vectorizable. beta <= alpha and gamma <= 1 - alpha (usual admissibility).
_A_N = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.95)
_A_T = (0.05, 0.1, 0.2, 0.35, 0.55, 0.8)
_B_T = (0.002, 0.01, 0.05, 0.15)
_A_S = (0.02, 0.05, 0.1, 0.2, 0.35, 0.55, 0.8)
_G_S = (0.01, 0.05, 0.15, 0.3)
_A_TS = (0.05, 0.15, 0.3, 0.5, 0.8)
_B_TS = (0.003, 0.03)
_G_TS = (0.01, 0.1, 0.25)
_PHI = (1.0, 0.98, 0.9, 0.8)

TINY = 1e-8


@dataclass(frozen=True)
class Grid:
    alpha: Array
    beta: Array
    gamma: Array
    phi: Array

    @property
    def size(self) -> int:
        return int(self.alpha.size)


def make_grid(trend: bool, season: bool) -> Grid:
    """The (alpha, beta, gamma, phi) points evaluated for one trend/season combination."""
    pts: list[tuple[float, float, float, float]] = []
    if not trend and not season:
        pts = [(a, 0.0, 0.0, 1.0) for a in _A_N]
    elif trend and not season:
        pts = [(a, b, 0.0, p) for p in _PHI for a in _A_T for b in _B_T if b <= a]
    elif season and not trend:
        pts = [(a, 0.0, g, 1.0) for a in _A_S for g in _G_S if g <= 1 - a]
    else:
        pts = [
            (a, b, g, p)
            for p in _PHI
            for a in _A_TS
            for b in _B_TS
            for g in _G_TS
            if b <= a and g <= 1 - a
        ]
    arr = np.array(pts, dtype=np.float64)
    return Grid(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy(), arr[:, 3].copy())


@dataclass(frozen=True)
class Spec:
    """One ETS form."""

    error: str  # "A" | "M"
    trend: str  # "N" | "A" | "Ad"
    season: str  # "N" | "A" | "M"

    @property
    def name(self) -> str:
        return f"ETS({self.error},{self.trend},{self.season})"

    def n_params(self, m: int) -> int:
        k = 1 + (self.trend != "N") + (self.season != "N") + (self.trend == "Ad")
        k += 1 + (self.trend != "N") + ((m - 1) if self.season != "N" else 0)
        return k + 1


ALL_SPECS: tuple[Spec, ...] = tuple(
    Spec(e, t, s)
    for s in ("N", "A", "M")
    for t in ("N", "A", "Ad")
    for e in ("A", "M")
    if not (e == "A" and s == "M")
)


def parse_spec(text: str) -> Spec:
    """``"ETS(M,Ad,M)"`` or ``"MAdM"`` -> Spec; ValueError if not a valid form."""
    s = text.strip().upper().replace("ETS", "").strip("()").replace(",", "")
    err, rest = s[:1], s[1:]
    trend = "AD" if rest.startswith("AD") else rest[:1]
    season = rest[len(trend) :]
    spec = Spec(err, "Ad" if trend == "AD" else trend, season)
    if spec not in ALL_SPECS:
        raise ValueError(
            f"{text!r} is not an ETS form; valid: " + ", ".join(x.name for x in ALL_SPECS)
        )
    return spec


@dataclass
class Init:
    l0: Array  # (n,)
    b0: Array  # (n,)
    s_add: Array  # (m, n) additive seasonal states
    s_mul: Array  # (m, n) multiplicative seasonal states
    l0_season: Array  # (n,) level for seasonal forms
    b0_season: Array  # (n,)


def initial_states(Y: Array, ends: IntArray, m: int) -> Init:
    """Heuristic initial states from the first observations (Hyndman et al. 2008, 2.6.1).

    Non-seasonal: least-squares line through the first min(10, n) points. Seasonal: the
    first c = min(n // m, 4) full seasons; trend from the first and last season means,
    seasonal states the average deviation from that line per slot (normalised to sum 0, or
    ratios normalised to mean 1).
    """
    n, width = Y.shape
    k0 = np.minimum(np.maximum(ends, 1), 10)
    a, b = ols_slope(Y, k0)
    # intercept a is the line at t=0, the first fitted value p_0 = l0 + b0.
    l0, b0 = a - b, b
    s_add = np.zeros((max(m, 1), n))
    s_mul = np.ones((max(m, 1), n))
    l0s, b0s = l0.copy(), b0.copy()
    if m > 1 and width >= 2 * m:
        cmax = min(4, width // m)
        c = np.clip(ends // m, 2, cmax)
        x = Y[:, : cmax * m].reshape(n, cmax, m)
        use = (np.arange(cmax)[None, :] < c[:, None]).astype(np.float64)
        cyc = x.mean(axis=2)
        a1 = cyc[:, 0]
        alast = cyc[np.arange(n), c - 1]
        slope = (alast - a1) / ((c - 1) * m)
        t = np.arange(cmax * m, dtype=np.float64).reshape(1, cmax, m)
        line = a1[:, None, None] + slope[:, None, None] * (t - (m - 1) / 2.0)
        w = use[:, :, None]
        dev = ((x - line) * w).sum(axis=1) / c[:, None]
        s_add = (dev - dev.mean(axis=1, keepdims=True)).T.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(line > TINY, x / np.where(line > TINY, line, 1.0), 1.0)
        rat = (ratio * w).sum(axis=1) / c[:, None]
        rm = rat.mean(axis=1, keepdims=True)
        rat = rat / np.where(rm > TINY, rm, 1.0)
        s_mul = np.clip(rat, 1e-3, None).T.copy()
        l0s = a1 - slope * (m + 1) / 2.0
        b0s = slope
    return Init(l0, b0, s_add, s_mul, l0s, b0s)


def ls_initial_level_trend(
    Y: Array, ends: IntArray, trend: bool, alpha: Array, beta: Array, phi: Array
) -> tuple[Array, Array]:
    """Least-squares initial (l0, b0) for non-seasonal forms, per series and grid point.

    With fixed smoothing parameters the one-step errors are linear in the initial state:
    ``e_t = c_t - v_t . x0`` where c_t are the errors of a run started from 0 and v_t = w D_{t-1}
    with D_t = (F - g w) D_{t-1}, D_{-1} = I (F the transition, g the gains, w the
    measurement row). Minimising sum e_t^2 gives the normal equations solved here: the
    same initial state an optimiser of the additive-error likelihood finds.
    """
    n = Y.shape[0]
    G = alpha.shape[1]
    shape = (n, G)
    width = int(ends.max())
    lv = np.zeros(shape)
    tr = np.zeros(shape)
    one = np.ones(shape)
    zero = np.zeros(shape)
    d11, d12, d21, d22 = one.copy(), zero.copy(), zero.copy(), one.copy()
    s11, s12, s22, c1, c2 = (zero.copy() for _ in range(5))
    all_active = int(ends.min())
    oma = 1 - alpha
    if trend:
        nb = -beta
        q = phi * (1 - beta)
        v1, v2, w = np.empty(shape), np.empty(shape), np.empty(shape)
        for t in range(width):
            act = (t < ends)[:, None].astype(np.float64) if t >= all_active else None
            p = phi * tr
            p += lv
            c = Y[:, t : t + 1] - p
            if act is not None:
                c *= act
            np.multiply(phi, d21, out=v1)
            v1 += d11
            np.multiply(phi, d22, out=v2)
            v2 += d12
            v1a = v1 * act if act is not None else v1
            v2a = v2 * act if act is not None else v2
            s11 += np.multiply(v1a, v1, out=w)
            c1 += np.multiply(c, v1, out=w)
            s12 += np.multiply(v1a, v2, out=w)
            s22 += np.multiply(v2a, v2, out=w)
            c2 += np.multiply(c, v2, out=w)
            lv = p + alpha * c
            tr *= phi
            tr += np.multiply(beta, c, out=w)
            # D <- (F - g w) D with F - g w = [[1 - a, phi (1 - a)], [-b, phi (1 - b)]]
            n21 = nb * d11
            n21 += np.multiply(q, d21, out=w)
            n22 = nb * d12
            n22 += np.multiply(q, d22, out=w)
            d11 = oma * v1
            d12 = oma * v2
            d21, d22 = n21, n22
    else:
        for t in range(width):
            act = (t < ends)[:, None].astype(np.float64) if t >= all_active else None
            # without a trend p = l and v = d11 (the trend terms are exact zeros)
            c = Y[:, t : t + 1] - lv
            if act is not None:
                c *= act
                s11 += (d11 * act) * d11
            else:
                s11 += d11 * d11
            c1 += c * d11
            lv = lv + alpha * c
            d11 = oma * d11
    with np.errstate(divide="ignore", invalid="ignore"):
        if trend:
            ridge = 1e-9 * (s11 + s22) + 1e-12
            a11, a22 = s11 + ridge, s22 + ridge
            det = a11 * a22 - s12 * s12
            ok = np.abs(det) > 1e-12 * (a11 * a22 + 1e-300)
            l0 = np.where(ok, (a22 * c1 - s12 * c2) / np.where(ok, det, 1.0), np.nan)
            b0 = np.where(ok, (a11 * c2 - s12 * c1) / np.where(ok, det, 1.0), np.nan)
        else:
            ok = s11 > 1e-12
            l0 = np.where(ok, c1 / np.where(ok, s11, 1.0), np.nan)
            b0 = np.zeros(shape)
    return np.asarray(l0, dtype=np.float64), np.asarray(b0, dtype=np.float64)


@dataclass
class RunOut:
    sse: Array
    rel: Array
    lg: Array
    bad: BoolArray
    rec_l: Array | None = None
    rec_b: Array | None = None
    rec_s: Array | None = None
    end_l: Array | None = None
    end_b: Array | None = None
    end_s: Array | None = None
    fitted: Array | None = None


def run(
    Y: Array,
    L: IntArray,
    m: int,
    trend: bool,
    season: str,
    alpha: Array,
    beta: Array,
    gamma: Array,
    phi: Array,
    init: Init,
    *,
    mult: bool,
    origins: IntArray | None = None,
    final: bool = False,
    x0: tuple[Array, Array] | None = None,
) -> RunOut:
    """Run the ETS recursion for all series and all parameter columns at once.

    ``alpha`` etc. are (n, G) or (1, G). Accumulates the A- and M-error objectives over
    t < L. After a series ends its error is set to 0 so its states stay finite. With
    ``origins`` (n, k) records the states from which each backtest window is forecast (G must
    be 1); with ``final`` records end states and fitted values (G must be 1).

    Speed: the loop runs once per time step on small (n, G) arrays, so its cost is the number
    of numpy calls per step; steps where every series is active skip the activity mask, and
    updates are done in place.
    """
    n = Y.shape[0]
    G = max(alpha.shape[1], 1)
    width = int(L.max())
    all_active = int(L.min())
    shape = (n, G)
    seasonal = season != "N"
    if seasonal:
        l0, b0 = init.l0_season, init.b0_season
    else:
        l0, b0 = init.l0, init.b0
    if x0 is not None:
        lvl = np.broadcast_to(x0[0], shape).copy()
        trd = np.broadcast_to(x0[1], shape).copy() if trend else np.zeros(shape)
    else:
        lvl = np.broadcast_to(l0[:, None], shape).copy()
        trd = np.broadcast_to(b0[:, None], shape).copy() if trend else np.zeros(shape)
    if seasonal:
        s0 = init.s_add if season == "A" else init.s_mul
        S = np.broadcast_to(s0[:, :, None], (m, n, G)).copy()
    out = RunOut(np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=bool))
    sse, rel, lg = out.sse, out.rel, out.lg
    # the smallest mean over active steps: a form is inadmissible if it ever reaches TINY
    mu_min = np.full(shape, np.inf)
    sched = None
    if origins is not None:
        k = origins.shape[1]
        sched = origin_schedule(origins, width)
        out.rec_l = np.zeros((n, k))
        out.rec_b = np.zeros((n, k))
        out.rec_s = np.zeros((n, k, max(m, 1)))
    if final:
        out.fitted = np.full((n, Y.shape[1]), np.nan)
        out.end_l = np.zeros(n)
        out.end_b = np.zeros(n)
        out.end_s = np.zeros((n, max(m, 1)))
    act_f = (np.arange(width)[None, :] < L[:, None]).astype(np.float64)
    ends_at = (L - 1) if final else None
    p = np.empty(shape)
    mu = np.empty(shape)
    e = np.empty(shape)
    w = np.empty(shape)
    es = np.empty(shape)
    with np.errstate(all="ignore"):
        for t in range(width):
            y = Y[:, t : t + 1]
            masked = t >= all_active
            af = act_f[:, t : t + 1]
            if trend:
                np.multiply(phi, trd, out=p)
                p += lvl
            else:
                p[...] = lvl
            if seasonal:
                j = t % m
                s = S[j]
                if season == "A":
                    np.add(p, s, out=mu)
                else:
                    np.multiply(p, s, out=mu)
            else:
                mu[...] = p
            np.subtract(y, mu, out=e)
            if masked:
                e *= af
            np.multiply(e, e, out=w)
            sse += w
            if mult:
                mpos = np.maximum(mu, TINY)
                np.divide(e, mpos, out=w)
                w *= w
                rel += w
                np.log(mpos, out=w)
                if masked:
                    w *= af
                    np.minimum(mu_min, np.where(af > 0, mu, np.inf), out=mu_min)
                else:
                    np.minimum(mu_min, mu, out=mu_min)
                lg += w
            if final and out.fitted is not None:
                out.fitted[:, t] = np.where(af[:, 0] > 0, mu[:, 0], np.nan)
            if season == "M":
                np.maximum(s, 1e-3, out=es)
                np.divide(e, es, out=es)
                np.multiply(alpha, es, out=w)
                np.add(p, w, out=lvl)
                if trend:
                    trd *= phi
                    np.multiply(beta, es, out=w)
                    trd += w
                np.multiply(gamma, e, out=es)
                es /= np.where(np.abs(p) > TINY, p, TINY)
                s += es
                np.maximum(s, 1e-3, out=s)
            else:
                np.multiply(alpha, e, out=w)
                np.add(p, w, out=lvl)
                if trend:
                    trd *= phi
                    np.multiply(beta, e, out=w)
                    trd += w
                if seasonal:
                    np.multiply(gamma, e, out=w)
                    s += w
            if (
                sched is not None
                and out.rec_l is not None
                and out.rec_b is not None
                and out.rec_s is not None
            ):
                ri, si = sched[t]
                if ri.size:
                    out.rec_l[ri, si] = lvl[ri, 0]
                    out.rec_b[ri, si] = trd[ri, 0]
                    if seasonal:
                        out.rec_s[ri, si, :] = S[:, ri, 0].T
            if (
                final
                and ends_at is not None
                and out.end_l is not None
                and out.end_b is not None
                and out.end_s is not None
            ):
                ri = np.nonzero(ends_at == t)[0]
                if ri.size:
                    out.end_l[ri] = lvl[ri, 0]
                    out.end_b[ri] = trd[ri, 0]
                    if seasonal:
                        out.end_s[ri, :] = S[:, ri, 0].T
    if mult:
        out.bad = mu_min <= TINY
    return out


def _neg2loglik(acc: RunOut, error: str, nobs: Array) -> Array:
    nob = nobs[:, None]
    if error == "A":
        val = nob * np.log(np.maximum(acc.sse / nob, 1e-300))
    else:
        val = nob * np.log(np.maximum(acc.rel / nob, 1e-300)) + 2.0 * acc.lg
        val = np.where(acc.bad, np.inf, val)
    return np.asarray(np.where(np.isfinite(val), val, np.inf), dtype=np.float64)


def aicc_penalty(k: int, nobs: Array) -> Array:
    den = nobs - k - 1
    return np.asarray(
        np.where(den > 0, 2 * k + 2 * k * (k + 1) / np.where(den > 0, den, 1), np.inf),
        dtype=np.float64,
    )


def damp_sum(phi: Array, h: int) -> Array:
    """(.., h) cumulative damping phi + phi^2 + ... + phi^j for j = 1..h."""
    pw = phi[..., None] ** np.arange(1, h + 1)
    return np.asarray(np.cumsum(pw, axis=-1), dtype=np.float64)


def forecast_from_state(
    lvl: Array, trd: Array, S: Array, phi: Array, season: str, t_next: IntArray, h: int, m: int
) -> Array:
    """(n, h) point forecasts ``(l + phi_j b) (+|*) s_{tau mod m}`` from states at t_next."""
    ph = damp_sum(phi, h)
    base = lvl[:, None] + ph * trd[:, None]
    if season == "N":
        return np.asarray(base, dtype=np.float64)
    idx = (t_next[:, None] + np.arange(h)[None, :]) % m
    s = np.take_along_axis(S, idx, axis=1)
    return np.asarray(base + s if season == "A" else base * s, dtype=np.float64)


def _search(
    Y: Array, ends: IntArray, m: int, specs: tuple[Spec, ...], force: Array | None = None
) -> tuple[Array, Init]:
    """Grid search of every form on Y[:, :ends]; per series the AICc-best (spec, params, x0).

    Returns ch (n, 7): spec index, alpha, beta, gamma, phi, l0, b0 (l0/b0 used by
    non-seasonal forms, which get least-squares initial states) and the heuristic init.
    With ``force`` (n,) spec indices, each series only fits its given form (backtest of the
    form chosen on the full history).
    """
    n, width = Y.shape
    init = initial_states(Y, ends, m)
    mask = time_mask(ends, width)
    pos = np.where(mask, Y, np.inf).min(axis=1) > 0
    season_ok = (ends >= 2 * m) & (m > 1)
    nobs = np.maximum(ends, 1).astype(np.float64)
    best = np.full(n, np.inf)
    ch = np.zeros((n, 7))
    ch[:, 0] = -1
    spec_index = {sp: i for i, sp in enumerate(ALL_SPECS)}
    combos = sorted({(sp.trend != "N", sp.season) for sp in specs}, key=lambda c: (c[1] != "N", c))
    if force is not None:
        forced = {ALL_SPECS[int(i)] for i in np.unique(force)}
        specs = tuple(sp for sp in specs if sp in forced)
        combos = sorted(
            {(sp.trend != "N", sp.season) for sp in specs}, key=lambda c: (c[1] != "N", c)
        )
    found: list[tuple[bool, str, bool, list[tuple[Spec, Array, Array, Array]]]] = []
    for trend, season in combos:
        if season != "N" and not season_ok.any():
            continue
        if season == "M" and not (pos & season_ok).any():
            continue
        grid = make_grid(trend, season != "N")
        a, b, g, ph = (x[None, :] for x in (grid.alpha, grid.beta, grid.gamma, grid.phi))
        mult = any(
            sp.error == "M" for sp in specs if (sp.trend != "N") == trend and sp.season == season
        ) and bool(pos.any())
        x0 = None
        if season == "N":
            l0g, b0g = ls_initial_level_trend(Y, ends, trend, a, b, ph)
            fb_l = init.l0[:, None]
            x0 = (
                np.where(np.isfinite(l0g), l0g, fb_l),
                np.where(np.isfinite(b0g), b0g, init.b0[:, None]),
            )
        acc = run(Y, ends, m, trend, season, a, b, g, ph, init, mult=mult, x0=x0)
        own = [
            sp
            for sp in specs
            if (sp.trend != "N") == trend and sp.season == season and (sp.error == "A" or mult)
        ]
        starts: list[tuple[Spec, Array, Array, Array]] = []
        for spec in own:
            sub = grid.phi == 1.0 if spec.trend in ("N", "A") else grid.phi < 1.0
            cols = np.nonzero(sub)[0]
            val = _neg2loglik(acc, spec.error, nobs)[:, cols]
            gi = cols[val.argmin(axis=1)]
            par = np.stack([grid.alpha[gi], grid.beta[gi], grid.gamma[gi], grid.phi[gi]], 1)
            lb = (
                np.stack([x0[0][np.arange(n), gi], x0[1][np.arange(n), gi]], axis=1)
                if x0 is not None
                else np.zeros((n, 2))
            )
            eligible = np.ones(n, dtype=bool) if force is None else force == spec_index[spec]
            if spec.error == "M" or spec.season == "M":
                eligible &= pos
            if spec.season != "N":
                eligible &= season_ok
            crit = val.min(axis=1) + (
                aicc_penalty(spec.n_params(m), nobs) if force is None else 0.0
            )
            starts.append((spec, np.where(eligible, crit, np.inf), par, lb))
        found.append((trend, season, mult, starts))
    # Refine the parameters of the forms that are competitive after the grid: within
    # REFINE_MARGIN AICc units of the series' best form (the others cannot win).
    gbest = np.min([st[1] for *_, sts in found for st in sts], axis=0, initial=np.inf)
    # The backtest (force) fit stays on the grid: it only ranks candidates, and the
    # refinement would double the cost of ETS.
    for trend, season, mult, starts in [] if force is not None else found:
        near = np.any([st[1] <= gbest + REFINE_MARGIN for st in starts], axis=0)
        idx = np.nonzero(near & np.isfinite(gbest))[0]
        if idx.size:
            sub_st = [(sp, c[idx], p[idx], lb[idx]) for sp, c, p, lb in starts]
            pen = [
                aicc_penalty(sp.n_params(m), nobs[idx]) if force is None else 0.0
                for sp, *_ in starts
            ]
            refined = _refine(
                Y[idx],
                ends[idx],
                m,
                trend,
                season,
                _subset_init(init, idx),
                nobs[idx],
                [(sp, c - pk, p, lb) for (sp, c, p, lb), pk in zip(sub_st, pen, strict=True)],
                mult,
            )
            for k, (v, par, lbr) in enumerate(refined):
                spec, crit, p0, lb0 = starts[k]
                new_c = np.where(np.isfinite(crit[idx]), v + pen[k], np.inf)
                upd = new_c <= crit[idx]
                crit[idx[upd]] = new_c[upd]
                p0[idx[upd]] = par[upd]
                lb0[idx[upd]] = lbr[upd]
    for *_, starts in found:
        for spec, crit, par, lb in starts:
            better = crit < best - 1e-9
            best[better] = crit[better]
            ch[better, 0] = spec_index[spec]
            ch[better, 1:5] = par[better]
            ch[better, 5:7] = lb[better]
    # Fallback when no form is admissible (e.g. < 5 points): ETS(A,N,N), alpha = 0.5.
    none = ch[:, 0] < 0
    ch[none] = (spec_index[Spec("A", "N", "N")], 0.5, 0.0, 0.0, 1.0, 0.0, 0.0)
    ch[none, 5] = init.l0[none]
    return ch, init


REFINE_ITER = 4
REFINE_MARGIN = 4.0
_LO, _HI = 1e-4, 0.9999
PHI_LO, PHI_HI = 0.8, 0.98


def _logit(x: Array) -> Array:
    c = np.clip(x, _LO, _HI)
    return np.asarray(np.log(c / (1 - c)), dtype=np.float64)


def _expit(u: Array) -> Array:
    return np.asarray(np.clip(1 / (1 + np.exp(-u)), _LO, _HI), dtype=np.float64)


def to_free(par: Array) -> Array:
    """(.., 4) alpha, beta, gamma, phi -> unbounded coordinates in which every point is
    admissible: logit alpha, logit beta/alpha, logit gamma/(1 - alpha), logit of phi
    rescaled from [0.8, 0.98]."""
    a = np.clip(par[..., 0], _LO, _HI)
    return np.stack(
        [
            _logit(a),
            _logit(par[..., 1] / a),
            _logit(par[..., 2] / (1 - a)),
            _logit((par[..., 3] - PHI_LO) / (PHI_HI - PHI_LO)),
        ],
        axis=-1,
    )


def from_free(u: Array) -> Array:
    a = _expit(u[..., 0])
    return np.stack(
        [
            a,
            a * _expit(u[..., 1]),
            (1 - a) * _expit(u[..., 2]),
            PHI_LO + (PHI_HI - PHI_LO) * _expit(u[..., 3]),
        ],
        axis=-1,
    )


def _refine(
    Y: Array,
    ends: IntArray,
    m: int,
    trend: bool,
    season: str,
    init: Init,
    nobs: Array,
    starts: list[tuple[Spec, Array, Array, Array]],
    mult: bool,
) -> list[tuple[Array, Array, Array]]:
    """Pattern search from each spec's grid optimum, all series and specs in one run per step.

    In the unbounded coordinates of :func:`to_free` every free parameter of a spec (alpha;
    beta with a trend; gamma with a season; phi when damped) is moved by +-s and +-s/3;
    a series keeps the best point, and its step s halves when nothing improves. Non-seasonal
    forms re-solve their least-squares initial level and trend at every point.
    Starts are per spec (-2 log L, parameters, initial level/trend) at the grid optimum.
    Returns per spec (-2 log L, parameters (n, 4), initial level/trend (n, 2)).
    """
    n = Y.shape[0]
    free_of = []
    for spec, *_ in starts:
        f = [0] + ([1] if spec.trend != "N" else []) + ([2] if spec.season != "N" else [])
        free_of.append(f + ([3] if spec.trend == "Ad" else []))
    cur = [(v.copy(), p.copy(), to_free(p)) for _, v, p, _ in starts]
    steps = [np.ones(n) for _ in starts]
    lb = [x.copy() for *_, x in starts]
    fixed_phi = [spec.trend != "Ad" for spec, *_ in starts]
    for _ in range(REFINE_ITER):
        blocks: list[Array] = []
        for k, (_spec, _v, p, _lb) in enumerate(starts):
            u = cur[k][2]
            cand = []
            for j in free_of[k]:
                for sgn in (1.0, -1.0, 1 / 3, -1 / 3):
                    w = u.copy()
                    w[:, j] += sgn * steps[k]
                    cand.append(w)
            par = from_free(np.stack(cand, axis=1))
            if fixed_phi[k]:
                par[..., 3] = p[:, None, 3]
            if not trend:
                par[..., 1] = 0.0
            if season == "N":
                par[..., 2] = 0.0
            blocks.append(par)
        P = np.concatenate(blocks, axis=1)
        a, b, g, ph = P[..., 0], P[..., 1], P[..., 2], P[..., 3]
        x0 = None
        if season == "N":
            l0g, b0g = ls_initial_level_trend(Y, ends, trend, a, b, ph)
            x0 = (
                np.where(np.isfinite(l0g), l0g, init.l0[:, None]),
                np.where(np.isfinite(b0g), b0g, init.b0[:, None]),
            )
        acc = run(Y, ends, m, trend, season, a, b, g, ph, init, mult=mult, x0=x0)
        c0 = 0
        for k, (spec, *_) in enumerate(starts):
            width = blocks[k].shape[1]
            sl = slice(c0, c0 + width)
            c0 += width
            val = _neg2loglik(acc, spec.error, nobs)[:, sl]
            gi = val.argmin(axis=1)
            v = val[np.arange(n), gi]
            pk = P[:, sl][np.arange(n), gi]
            lbk = (
                np.stack([x0[0][:, sl][np.arange(n), gi], x0[1][:, sl][np.arange(n), gi]], axis=1)
                if x0 is not None
                else np.zeros((n, 2))
            )
            better = v < cur[k][0] - 1e-9
            cur[k] = (
                np.where(better, v, cur[k][0]),
                np.where(better[:, None], pk, cur[k][1]),
                np.where(better[:, None], to_free(pk), cur[k][2]),
            )
            lb[k] = np.where(better[:, None], lbk, lb[k])
            steps[k] = np.where(better, steps[k], steps[k] / 2)
    return [(cur[k][0], cur[k][1], lb[k]) for k in range(len(starts))]


def _chosen_init(init: Init, ch: Array, idx: IntArray, spec: Spec) -> tuple[Init, Any]:
    sub = _subset_init(init, idx)
    if spec.season == "N":
        return sub, (ch[idx, 5:6], ch[idx, 6:7])
    return sub, None


def fit_ets(
    Y: Array,
    L: IntArray,
    h: int,
    m: int,
    origins: IntArray,
    hb: int,
    specs: tuple[Spec, ...] = ALL_SPECS,
) -> PanelFit:
    """AICc-selected ETS on every series; see the module docstring for the method."""
    n, width = Y.shape
    k_bt = origins.shape[1]
    has_bt = (origins > 0).any(axis=1)
    first_origin = np.where(has_bt, np.where(origins > 0, origins, width + 1).min(axis=1), L)
    TE = np.minimum(first_origin, L).astype(np.int64)
    nobs_f = np.maximum(L, 1).astype(np.float64)
    ch_f, init_f = _search(Y, L, m, specs)

    point = np.zeros((n, h))
    sigma = np.zeros((n, h))
    bt = np.full((n, k_bt, hb), np.nan)
    fitted = np.full((n, width), np.nan)
    names = np.empty(n, dtype=object)
    # Final pass per recursion (forms differing only in error type or damping share one run):
    # end states, fitted values, residual spread.
    for trend, season, idx in _recursion_groups(ch_f[:, 0]):
        spec0 = ALL_SPECS[int(ch_f[idx[0], 0])]
        sub_init, x0 = _chosen_init(init_f, ch_f, idx, spec0)
        p = ch_f[idx]
        acc = run(
            Y[idx],
            L[idx],
            m,
            trend,
            season,
            p[:, 1:2],
            p[:, 2:3],
            p[:, 3:4],
            p[:, 4:5],
            sub_init,
            mult=any(ALL_SPECS[int(si)].error == "M" for si in p[:, 0]),
            final=True,
            x0=x0,
        )
        assert acc.end_l is not None and acc.end_b is not None and acc.end_s is not None
        assert acc.fitted is not None
        pt = forecast_from_state(acc.end_l, acc.end_b, acc.end_s, p[:, 4], season, L[idx], h, m)
        point[idx] = pt
        fitted[idx, : acc.fitted.shape[1]] = acc.fitted
        for si in np.unique(p[:, 0]).astype(int):
            spec = ALL_SPECS[si]
            r = np.nonzero(p[:, 0] == si)[0]
            nob = nobs_f[idx[r]]
            den = np.maximum(nob - spec.n_params(m), 0.5 * nob)
            if spec.error == "A":
                sd = np.sqrt(acc.sse[r, 0] / den)[:, None] * np.ones((1, h))
            else:
                sd = np.sqrt(acc.rel[r, 0] / den)[:, None] * np.abs(pt[r])
            pr = p[r]
            sigma[idx[r]] = sd * _psi_factor(pr[:, 1], pr[:, 2], pr[:, 3], pr[:, 4], spec, h, m)
            names[idx[r]] = spec.name
    if not has_bt.any():
        return PanelFit(
            point=point,
            sigma=sigma,
            backtest=bt,
            fitted=fitted,
            names=names,
            ok=np.ones(n, dtype=bool),
        )
    # Backtest of the chosen form: its parameters and initial states are estimated on the
    # data before the first origin, then the states are filtered through later data and
    # recorded at each origin, so no forecast uses a value at or after its origin.
    bi = np.nonzero(has_bt)[0]
    Yb = Y[bi, : int(L[bi].max())]
    ch_t, init_t = _search(Yb, TE[bi], m, specs, force=ch_f[bi, 0])
    for trend, season, loc in _recursion_groups(ch_t[:, 0]):
        spec = ALL_SPECS[int(ch_t[loc[0], 0])]
        idx = bi[loc]
        p = ch_t[loc]
        o = origins[idx]
        sub_init, x0 = _chosen_init(init_t, ch_t, loc, spec)
        acc = run(
            Yb[loc],
            L[idx],
            m,
            trend,
            season,
            p[:, 1:2],
            p[:, 2:3],
            p[:, 3:4],
            p[:, 4:5],
            sub_init,
            mult=False,
            origins=o,
            x0=x0,
        )
        assert acc.rec_l is not None and acc.rec_b is not None and acc.rec_s is not None
        for s_ in range(k_bt):
            valid = o[:, s_] > 0
            fc = forecast_from_state(
                acc.rec_l[:, s_],
                acc.rec_b[:, s_],
                acc.rec_s[:, s_, :],
                p[:, 4],
                season,
                np.maximum(o[:, s_], 0),
                hb,
                m,
            )
            bt[idx, s_, :] = np.where(valid[:, None], fc, np.nan)
    return PanelFit(
        point=point, sigma=sigma, backtest=bt, fitted=fitted, names=names, ok=np.ones(n, dtype=bool)
    )


def _recursion_groups(spec_idx: Array) -> list[tuple[bool, str, IntArray]]:
    """Rows per recursion (has trend, season) of their chosen forms (spec indices)."""
    keys = [(ALL_SPECS[int(si)].trend != "N", ALL_SPECS[int(si)].season) for si in spec_idx]
    return [
        (tr, se, np.array([i for i, k in enumerate(keys) if k == (tr, se)], dtype=np.int64))
        for tr, se in sorted(set(keys), key=lambda k: (k[1], k[0]))
    ]


def _subset_init(init: Init, idx: IntArray) -> Init:
    return Init(
        init.l0[idx],
        init.b0[idx],
        init.s_add[:, idx],
        init.s_mul[:, idx],
        init.l0_season[idx],
        init.b0_season[idx],
    )


def _psi_factor(
    alpha: Array, beta: Array, gamma: Array, phi: Array, spec: Spec, h: int, m: int
) -> Array:
    """(n, h) sqrt(1 + sum_{j=1}^{h-1} c_j^2), the linear-class h-step multiplier."""
    n = alpha.size
    if h <= 1:
        return np.ones((n, max(h, 1)))[:, :h]
    j = np.arange(1, h)
    c = np.broadcast_to(alpha[:, None], (n, h - 1)).copy()
    if spec.trend != "N":
        c += beta[:, None] * damp_sum(phi, h - 1)
    if spec.season != "N":
        c += gamma[:, None] * (j % m == 0)[None, :]
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(c * c, axis=1)], axis=1)
    return np.asarray(np.sqrt(1.0 + cum), dtype=np.float64)
