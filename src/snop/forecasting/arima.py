"""ARIMA with automatic orders, from statsforecast's AutoARIMA (Hyndman-Khandakar search).

ARIMA is the one model not re-implemented: the order search is intricate and statsforecast's
C++ implementation is the reference. It runs series by series, so it is offered as
``--method arima`` and is not part of ``auto`` (where it would dominate the run time).
The backtest refits at each origin, so its scores are honest out-of-sample numbers.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from snop.forecasting.common import Array, IntArray, PanelFit

Z95 = 1.959963984540054


def arima_name(model: dict[str, Any]) -> str:
    """``ARIMA(p,d,q)(P,D,Q)[m]`` from a fitted statsforecast model (seasonal part if any)."""
    p, q, P, Q, m, d, D = (int(x) for x in model["arma"])
    name = f"ARIMA({p},{d},{q})"
    if m > 1 and (P or D or Q):
        name += f"({P},{D},{Q})[{m}]"
    return name


def _fit_one(y: Array, h: int, m: int) -> tuple[Array, Array, Array, str]:
    from statsforecast.models import AutoARIMA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mdl = AutoARIMA(season_length=m if y.size >= 2 * m else 1).fit(y)
        out = mdl.predict(h, level=[95])
        fitted = mdl.predict_in_sample()["fitted"]
    mean = np.asarray(out["mean"], dtype=np.float64)
    hi = np.asarray(out["hi-95"], dtype=np.float64)
    sigma = np.maximum((hi - mean) / Z95, 0.0)
    return mean, sigma, np.asarray(fitted, dtype=np.float64), arima_name(mdl.model_)


def fit_arima(Y: Array, L: IntArray, h: int, m: int, origins: IntArray, hb: int) -> PanelFit:
    """AutoARIMA on each series (loop), backtest by refitting at every origin."""
    n, width = Y.shape
    k = origins.shape[1]
    point = np.zeros((n, h))
    sigma = np.zeros((n, h))
    fitted = np.full((n, width), np.nan)
    bt = np.full((n, k, hb), np.nan)
    names = np.empty(n, dtype=object)
    for i in range(n):
        y = Y[i, : L[i]]
        if y.size < 3 or np.all(y == y[0]):
            point[i] = y[-1]
            sigma[i] = 0.0 if y.size < 2 else np.std(np.diff(y)) * np.sqrt(np.arange(1, h + 1))
            names[i] = "ARIMA(0,1,0)"
            fitted[i, 1 : y.size] = y[:-1]
            for s in range(k):
                if origins[i, s] > 0:
                    bt[i, s] = y[origins[i, s] - 1]
            continue
        point[i], sigma[i], f, names[i] = _fit_one(y, h, m)
        fitted[i, : y.size] = f
        for s in range(k):
            o = int(origins[i, s])
            if o >= 3:
                bt[i, s] = _fit_one(y[:o], hb, m)[0]
            elif o > 0:
                bt[i, s] = y[o - 1]
    point = np.nan_to_num(point)
    sigma = np.nan_to_num(sigma)
    return PanelFit(point=point, sigma=sigma, backtest=bt, fitted=fitted, names=names,
                    ok=np.ones(n, dtype=bool))
