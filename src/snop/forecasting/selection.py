"""Rolling-origin backtest and per-series model selection.

Windows: with n observations, horizon h and k windows (default 3), the minimum training
length is ``min(2m, max(3, n // 2))``; the last origin is ``max(min_train, n - h)``; origins
step back by ``min(h // 2, (last - min_train) // (k - 1))`` (at least 1), and an origin
shorter than the minimum training length is dropped. Each window forecasts up to h periods
(fewer when the history ends first). A series with fewer than 4 points has no window.

Selection: every candidate's backtest MAE over all windows and horizons; the lowest wins
(ties go to the earlier, simpler candidate), the second is the runner-up. MASE divides by
the in-sample naive MAE of the data before the first origin (seasonal lag m when there is
more than a season of it), WAPE is sum|e| / sum|y| over the windows.
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import Array, IntArray, ObjArray, PanelFit

MIN_BACKTEST_LEN = 4


def backtest_origins(L: IntArray, h: int, m: int, windows: int = 3) -> IntArray:
    """(n, k) origins (first test index) per series; -1 where there is no window."""
    k = max(windows, 1)
    min_train = np.minimum(2 * m, np.maximum(3, L // 2))
    last = np.maximum(min_train, L - h)
    step = np.maximum(1, np.minimum(max(h // 2, 1), (last - min_train) // max(k - 1, 1)))
    j = np.arange(k)[None, :]
    o = last[:, None] - step[:, None] * (k - 1 - j)
    valid = (o >= min_train[:, None]) & (o < L[:, None]) & (L[:, None] >= MIN_BACKTEST_LEN)
    return np.asarray(np.where(valid, o, -1), dtype=np.int64)


def backtest_actuals(Y: Array, L: IntArray, origins: IntArray, hb: int) -> Array:
    """(n, k, hb) actual values of each window; NaN past the end or without window."""
    n, width = Y.shape
    idx = origins[:, :, None] + np.arange(hb)[None, None, :]
    valid = (origins[:, :, None] > 0) & (idx < L[:, None, None])
    vals = Y[np.arange(n)[:, None, None], np.clip(idx, 0, width - 1)]
    return np.asarray(np.where(valid, vals, np.nan), dtype=np.float64)


def mase_scale(Y: Array, origins: IntArray, L: IntArray, m: int) -> Array:
    """In-sample naive MAE before the first origin (seasonal when > m points), else lag 1."""
    n, width = Y.shape
    has = (origins > 0).any(axis=1)
    te = np.where(has, np.where(origins > 0, origins, width + 1).min(axis=1), L)
    out = np.full(n, np.nan)
    for lag in (1, m):
        if lag >= width:
            continue
        d = np.abs(Y[:, lag:] - Y[:, :-lag])
        valid = np.arange(lag, width)[None, :] < te[:, None]
        cnt = valid.sum(axis=1)
        sc = np.where(valid, d, 0.0).sum(axis=1) / np.maximum(cnt, 1)
        use = (cnt > 0) & ((te > lag) if lag == 1 else (te > 2 * lag))
        out = np.where(use, sc, out)
    return np.asarray(np.where(out > 0, out, np.nan), dtype=np.float64)


def window_errors(fit: PanelFit, actual: Array) -> tuple[Array, Array, Array]:
    """Per series: (sum|e|, sum|y|, count) over all backtest windows."""
    e = np.abs(actual - fit.backtest)
    valid = ~np.isnan(actual)
    bad = valid & np.isnan(fit.backtest)
    e = np.where(valid, np.nan_to_num(e, nan=np.inf), 0.0)
    s_e = e.sum(axis=(1, 2))
    s_y = np.where(valid, np.abs(np.nan_to_num(actual)), 0.0).sum(axis=(1, 2))
    cnt = valid.sum(axis=(1, 2)).astype(np.float64)
    s_e = np.where(bad.any(axis=(1, 2)), np.inf, s_e)
    return s_e, s_y, cnt


def combine(fits: list[PanelFit], label: str = "Ensemble") -> PanelFit:
    """Equal-weight combination: mean of point, backtest and fitted; mean of sigmas."""
    point = np.mean([f.point for f in fits], axis=0)
    sigma = np.mean([f.sigma for f in fits], axis=0)
    bt = np.mean([f.backtest for f in fits], axis=0)
    fitted = np.mean([f.fitted for f in fits], axis=0)
    n = point.shape[0]
    names = np.empty(n, dtype=object)
    parts = [f.names for f in fits]
    for i in range(n):
        names[i] = f"{label}(" + "+".join(str(p[i]) for p in parts) + ")"
    ok = np.logical_and.reduce([f.ok for f in fits])
    return PanelFit(point=point, sigma=sigma, backtest=bt, fitted=fitted, names=names, ok=ok)


def select(
    candidates: list[str],
    fits: dict[str, PanelFit],
    actual: Array,
    default: str,
    handicap: dict[str, float] | None = None,
) -> tuple[IntArray, IntArray, Array]:
    """Index of the chosen and runner-up candidate per series, and the MAE matrix (n, C).

    ``handicap`` multiplies a candidate's backtest MAE before ranking: a benchmark such as
    seasonal naive must beat the smoothing models by that margin to be chosen, because a
    few backtest windows are a noisy judge (selection noise otherwise costs accuracy).
    A series without any backtest window gets ``default`` (runner-up -1).
    """
    n = actual.shape[0]
    C = len(candidates)
    mae = np.full((n, C), np.inf)
    for c, name in enumerate(candidates):
        s_e, _, cnt = window_errors(fits[name], actual)
        val = np.where(cnt > 0, s_e / np.maximum(cnt, 1), np.inf)
        val = val * (handicap or {}).get(name, 1.0)
        mae[:, c] = np.where(fits[name].ok & np.isfinite(val), val, np.inf)
    order = np.argsort(mae, axis=1, kind="stable")
    chosen = order[:, 0].astype(np.int64)
    runner = order[:, 1].astype(np.int64) if C > 1 else np.full(n, -1, dtype=np.int64)
    none = ~np.isfinite(mae[np.arange(n), chosen])
    d = candidates.index(default) if default in candidates else 0
    chosen = np.where(none, d, chosen)
    runner = np.where(none | (C < 2), -1, runner)
    if C > 1:
        runner = np.where(np.isfinite(mae[np.arange(n), np.maximum(runner, 0)]), runner, -1)
    return chosen, runner, mae


def pick(values: list[Array], chosen: IntArray) -> Array:
    """Row i of the result is row i of ``values[chosen[i]]``."""
    stack = np.stack(values)
    return np.asarray(stack[chosen, np.arange(chosen.size)], dtype=np.float64)


def pick_names(names: list[ObjArray], chosen: IntArray) -> ObjArray:
    out = np.empty(chosen.size, dtype=object)
    for c in np.unique(chosen):
        sel = chosen == c
        out[sel] = names[int(c)][sel]
    return out
