"""Safety stock from forecast error (docs/inventory.md).

The stock a family keeps against the error of its forecast over the time it takes to
replenish, at a target service level (the probability of not running out in a
replenishment cycle, "cycle service level")::

    ss_f = z(service_level_f) * sigma_f * sqrt(lead_time_f)

* ``z(p)`` is the standard normal quantile: ``z(0.95) = 1.6449``;
* ``sigma_f`` is the standard deviation of the family's one-period-ahead (lag-1) forecast
  error, in units per period;
* ``lead_time_f`` is the replenishment lead time in periods; the errors of successive
  periods are taken as independent, so their variances add up: ``sigma * sqrt(L)``.

Two sources of ``sigma_f``, best first (:func:`family_sigma`):

* *versions*: the errors of past approved versions at lag 1 (each version's family
  consensus for its first period against the family's sales there), when at least
  ``MIN_VERSIONS`` versions have actuals for the family: ``sigma = sqrt(mean(e^2))``, the
  root mean square error. It is not centred on the mean error: a biased forecast runs out
  (or piles up) as surely as a noisy one, so its bias counts in the stock;
* *forecast*: the current baseline's one-step-ahead prediction interval of each item, whose
  upper bound is ``point + z((1 + level) / 2) * sigma_i`` (the lower one is floored at 0, so
  it does not give sigma back): ``sigma_i = (hi - point) / z((1 + level) / 2)``; the items'
  errors are taken as independent, so the family's is ``sqrt(sum_i sigma_i^2)``.

A family with neither has no sigma (NaN): its safety stock stays the one given.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import norm

from snop.errors import SnopError
from snop.model.workbook import Workbook

FloatArray = npt.NDArray[np.float64]

# past versions with actuals a family needs before their errors size its stock: fewer
# errors say little about their spread
MIN_VERSIONS = 3

SIGMA_COLUMNS = ["family", "sigma", "source", "observations"]


class SigmaSource(StrEnum):
    """Where a family's lag-1 forecast error comes from (module docstring)."""

    VERSIONS = "versions"  # the RMSE of past approved versions against actuals
    FORECAST = "forecast"  # the current baseline's one-step prediction intervals
    NONE = "none"  # neither: the given safety stock stays


def service_z(service_level: npt.ArrayLike) -> FloatArray:
    """The standard normal quantile ``z(p)`` of each service level ``p`` (0 < p < 1)."""
    p = np.asarray(service_level, dtype=np.float64)
    if not np.all((p > 0) & (p < 1)):
        bad = p[~((p > 0) & (p < 1))].ravel()[0]
        raise SnopError(f"service level {bad:g} is out of range; it must be > 0 and < 1")
    return np.asarray(norm.ppf(p), dtype=np.float64)


def safety_stock(
    sigma: npt.ArrayLike, service_level: npt.ArrayLike, lead_time: npt.ArrayLike
) -> FloatArray:
    """``z(service_level) * sigma * sqrt(lead_time)``, element-wise over families.

    ``sigma`` >= 0 (units per period; NaN gives NaN: no error known), ``lead_time`` > 0
    (periods). A service level below 0.5 gives ``z < 0``, a stock below zero: it is floored
    at 0 (no stock is kept to be short on purpose).
    """
    s = np.asarray(sigma, dtype=np.float64)
    lt = np.asarray(lead_time, dtype=np.float64)
    if np.any(lt <= 0):
        raise SnopError("replenishment lead time must be > 0 periods")
    if np.any(s < 0):
        raise SnopError("a forecast error's standard deviation cannot be negative")
    # np.maximum keeps NaN: a family without sigma stays without a stock
    return np.asarray(np.maximum(service_z(service_level) * s * np.sqrt(lt), 0.0), dtype=np.float64)


def rmse(errors: npt.ArrayLike) -> float:
    """Root mean square of ``errors``: ``sqrt(mean(e^2))`` (NaN for no errors)."""
    e = np.asarray(errors, dtype=np.float64)
    return float(np.sqrt(np.mean(e**2))) if e.size else float("nan")


def interval_sigma(point: npt.ArrayLike, hi: npt.ArrayLike, level: npt.ArrayLike) -> FloatArray:
    """The standard deviation behind a normal prediction interval's upper bound:
    ``(hi - point) / z(0.5 + level / 200)``, ``level`` in percent (80, 95)."""
    lv = np.asarray(level, dtype=np.float64)
    z = service_z(0.5 + lv / 200.0)
    width = np.asarray(hi, dtype=np.float64) - np.asarray(point, dtype=np.float64)
    return np.asarray(np.maximum(width, 0.0) / z, dtype=np.float64)


def family_sigma(
    lag1_errors: pd.DataFrame, item_sigma: pd.DataFrame, families: list[str]
) -> pd.DataFrame:
    """Each family's lag-1 error standard deviation and where it comes from.

    ``lag1_errors``: family, period, error (forecast - actual), one row per version with
    actuals for the family. ``item_sigma``: family, item, sigma (the baseline's one-step
    sigma of each item). Returns ``SIGMA_COLUMNS``, one row per family of ``families``:
    ``observations`` counts the versions (source versions) or the items (source forecast).
    """
    rows = []
    errors = lag1_errors.groupby("family")["error"]
    items = item_sigma.groupby("family")["sigma"]
    by_version = {str(f): e.to_numpy(dtype=np.float64) for f, e in errors}
    by_item = {str(f): s.to_numpy(dtype=np.float64) for f, s in items}
    for fam in families:
        e = by_version.get(fam, np.zeros(0))
        s = by_item.get(fam, np.zeros(0))
        if e.size >= MIN_VERSIONS:
            rows.append((fam, rmse(e), SigmaSource.VERSIONS.value, int(e.size)))
        elif s.size:
            rows.append((fam, float(np.sqrt(np.sum(s**2))), SigmaSource.FORECAST.value, s.size))
        else:
            rows.append((fam, float("nan"), SigmaSource.NONE.value, 0))
    return pd.DataFrame(rows, columns=SIGMA_COLUMNS)


def with_safety_stock(wb: Workbook, values: dict[str, float]) -> Workbook:
    """``wb`` with ``values`` as the families' safety stock in every period (a copy: the
    ``families`` rows get the value, ``family_periods`` loses its safety_stock for them, so
    no period keeps the old one). Families not in ``values`` keep theirs."""
    if not values:
        return wb
    tables = dict(wb.tables)
    fam = wb.table("families").copy()
    missing = [f for f in values if f not in set(fam["family"])]
    if missing:
        extra = pd.DataFrame({"family": missing})
        fam = pd.concat([fam, extra.reindex(columns=fam.columns)], ignore_index=True)
    fam["safety_stock"] = [
        values.get(f, v) for f, v in zip(fam["family"], fam["safety_stock"], strict=True)
    ]
    tables["families"] = fam
    if wb.has("family_periods"):
        fp = wb.table("family_periods").copy()
        fp.loc[fp["family"].isin(list(values)), "safety_stock"] = np.nan
        tables["family_periods"] = fp
    return Workbook(wb.granularity, tables, list(wb.attributes))


def family_band(
    forecast: pd.DataFrame, intervals: pd.DataFrame, families: pd.DataFrame, level: float
) -> pd.DataFrame:
    """The family's forecast and its ``level`` % interval, from its items' (the picture of
    the forecast's uncertainty at family level).

    ``forecast``: item, period, qty; ``intervals``: item, period, level, lo, hi;
    ``families``: item, family. Per family and period the forecast is the sum of the items'
    and, the items' errors taken as independent as in :func:`family_sigma`,
    ``sigma_f = sqrt(sum_i sigma_i^2)`` with ``sigma_i`` from each item's upper bound
    (:func:`interval_sigma`); the band is ``forecast -/+ z((1 + level) / 2) * sigma_f``,
    floored at 0. Items without an interval at ``level`` add their forecast and no spread.
    Returns family, period, forecast, lo, hi.
    """
    band = intervals[intervals["level"] == level][["item", "period", "hi"]]
    rows = forecast[["item", "period", "qty"]].merge(band, on=["item", "period"], how="left")
    rows = rows.merge(families[["item", "family"]], on="item")
    sigma = interval_sigma(rows["qty"], rows["hi"].fillna(rows["qty"]), np.full(len(rows), level))
    rows = rows.assign(var=sigma**2)
    out = rows.groupby(["family", "period"], as_index=False).agg(
        forecast=("qty", "sum"), var=("var", "sum")
    )
    half = float(service_z(0.5 + level / 200.0)) * np.sqrt(out["var"].to_numpy(dtype=float))
    out["lo"] = np.maximum(out["forecast"].to_numpy(dtype=float) - half, 0.0)
    out["hi"] = out["forecast"].to_numpy(dtype=float) + half
    return out.drop(columns="var")
