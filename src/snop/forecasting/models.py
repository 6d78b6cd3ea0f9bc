"""One-series models with a scikit-learn style contract.

Configuration goes in ``__init__``, ``fit(y)`` returns ``self`` and learned state ends in an
underscore (``model_``, ``fitted_``, ``residual_sd_``); ``predict(h, levels)`` returns a dict
with ``mean`` and ``lo-<level>`` / ``hi-<level>`` arrays (the statsforecast layout). Each
class is a thin door onto the vectorized panel kernel the engine uses, so a single series and
ten thousand series are forecast by the same code::

    ETS(season_length=12).fit(y).predict(18)["mean"]
    ETS(season_length=12, model="MAdM").fit(y).model_   # 'ETS(M,Ad,M)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from snop.forecasting.arima import fit_arima
from snop.forecasting.common import Array, PanelFit
from snop.forecasting.ets import ALL_SPECS, fit_ets, parse_spec
from snop.forecasting.intermittent import fit_intermittent
from snop.forecasting.selection import combine
from snop.forecasting.simple import fit_simple
from snop.forecasting.theta import fit_theta

NO_BACKTEST = np.full((1, 1), -1, dtype=np.int64)


class BaseModel:
    """Shared fit/predict plumbing; subclasses implement ``_kernel(Y, L, h)``."""

    season_length: int = 1

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        raise NotImplementedError

    def fit(self, y: npt.ArrayLike) -> BaseModel:
        """Fit on a 1-D history (oldest first); NaN are not allowed, zeros are fine."""
        arr = np.asarray(y, dtype=np.float64).ravel()
        if arr.size == 0 or not np.isfinite(arr).all():
            raise ValueError("y must be a non-empty series of finite numbers")
        self.y_ = arr
        fit = self._kernel(arr[None, :], np.array([arr.size], dtype=np.int64), 1)
        self.model_ = str(fit.names[0])
        self.fitted_ = fit.fitted[0, : arr.size]
        self.residual_sd_ = float(fit.sigma[0, 0])
        return self

    def predict(self, h: int, levels: Sequence[float] = (80, 95)) -> dict[str, Array]:
        """Point forecast and normal prediction intervals for the next h periods."""
        if not hasattr(self, "y_"):
            raise RuntimeError("call fit(y) first")
        fit = self._kernel(self.y_[None, :], np.array([self.y_.size], dtype=np.int64), h)
        mean, sd = fit.point[0], fit.sigma[0]
        out: dict[str, Array] = {"mean": mean}
        for lv in levels:
            z = float(norm.ppf(0.5 + float(lv) / 200.0))
            out[f"lo-{lv:g}"] = mean - z * sd
            out[f"hi-{lv:g}"] = mean + z * sd
        return out

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}


class _Simple(BaseModel):
    method = "mean"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        return fit_simple(self.method, Y, L, h, self.season_length, NO_BACKTEST, 1)


class Mean(_Simple):
    """Forecast = mean of the history."""

    method = "mean"


class Naive(_Simple):
    """Forecast = last value."""

    method = "naive"


class SeasonalNaive(_Simple):
    """Forecast = value one season earlier."""

    method = "snaive"


class Drift(_Simple):
    """Forecast = last value + h x average change."""

    method = "drift"


class ETS(BaseModel):
    """Exponential smoothing; ``model`` "ZZZ" (default) picks the form by AICc, else a form
    such as "AAdN" or "MAM" (error, trend, season)."""

    def __init__(self, season_length: int = 1, model: str = "ZZZ") -> None:
        self.season_length = season_length
        self.model = model

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        specs = ALL_SPECS if self.model.upper() == "ZZZ" else (parse_spec(self.model),)
        return fit_ets(Y, L, h, max(self.season_length, 1), NO_BACKTEST, 1, specs)


class Theta(BaseModel):
    """Standard Theta (SES with drift), seasonally adjusted when the ACF test says so."""

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        return fit_theta(Y, L, h, self.season_length, NO_BACKTEST, 1)


class ARIMA(BaseModel):
    """Automatic seasonal ARIMA (orders by tests and AICc, see :mod:`snop.forecasting.arima`)."""

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        return fit_arima(Y, L, h, self.season_length, NO_BACKTEST, 1)


class Croston(BaseModel):
    """Croston's method; ``variant`` "croston" (classic), "sba" or "tsb"."""

    def __init__(self, variant: str = "croston") -> None:
        if variant not in ("croston", "sba", "tsb"):
            raise ValueError("variant must be croston, sba or tsb")
        self.variant = variant

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        return fit_intermittent(self.variant, Y, L, h, NO_BACKTEST, 1)


class Ensemble(BaseModel):
    """Equal-weight combination of ETS (AICc), ARIMA (AICc) and Theta."""

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def _kernel(self, Y: Array, L: npt.NDArray[np.int64], h: int) -> PanelFit:
        return combine(
            [
                ETS(self.season_length)._kernel(Y, L, h),
                ARIMA(self.season_length)._kernel(Y, L, h),
                Theta(self.season_length)._kernel(Y, L, h),
            ]
        )
