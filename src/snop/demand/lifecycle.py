"""New products: a launch curve taken from a like item, scaled by the user's factor.

A new item sells like its ``like_item`` did after that item's own launch: month k of the
new item is month k of the like item's history (its ramp-up), times ``like_factor``. Past
the end of the like item's recorded history, or when the like item's launch is unknown
(it sold before the history starts), the like item's forecast for the same period takes
over, times the same factor. A like item that is being phased out (the usual case for a
successor) keeps its last forecast level after its own end. Periods before the launch or
after the new item's ``end_period`` get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.forecasting.launch import SHORT_LEN, history_length, is_new
from snop.model.periods import parse_period
from snop.model.workbook import Workbook

# one rule with the forecast (snop.forecasting.launch.is_new): items with fewer periods of
# sales than this follow their like item; older young items get the forecast's blend
SHORT_HISTORY = SHORT_LEN


@dataclass(frozen=True)
class Launch:
    item: str
    like_item: str
    launch: int  # period ordinal
    factor: float


def launch_curve(
    launch: int,
    factor: float,
    periods: np.ndarray,
    like_sales: pd.Series,
    like_forecast: np.ndarray,
    like_launch: int | None,
) -> np.ndarray:
    """The new item's demand in ``periods`` (ordinals).

    ``like_sales`` is the like item's history by period ordinal (zeros included),
    ``like_forecast`` its forecast for ``periods``, ``like_launch`` the ordinal it started
    selling (None when it sold before the history starts).
    """
    out = np.zeros(len(periods))
    for n, p in enumerate(periods):
        if p < launch:
            continue
        k = int(p - launch)
        if like_launch is not None and (like_launch + k) in like_sales.index:
            out[n] = float(like_sales.loc[like_launch + k])
        else:
            out[n] = float(like_forecast[n])
    return np.maximum(out * factor, 0.0)


def launches(wb: Workbook) -> list[Launch]:
    """Items that follow a like item now: those with a like_item and a launch_period that
    are new by the forecast's rule (fewer than SHORT_LEN periods of history, see
    snop.forecasting.launch.history_length and is_new)."""
    items = wb.with_defaults("items")
    given = [
        r
        for r in items.itertuples(index=False)
        if isinstance(r.like_item, str) and isinstance(r.launch_period, str)
    ]
    if not given:
        return []
    launch = np.array([parse_period(r.launch_period).ordinal for r in given], dtype=np.int64)
    last = wb.last_actual
    if last is None:  # no history at all: every launch is new
        new = np.ones(len(given), dtype=bool)
    else:
        cells = wb.sales.groupby(["item", "period"])["qty"].sum()
        sold = cells[cells != 0].reset_index()
        first_sale = (
            sold.assign(ord=[parse_period(p).ordinal for p in sold["period"]])
            .groupby("item")["ord"]
            .min()
        )
        first = min(parse_period(p).ordinal for p in wb.sales["period"].unique())
        firsts = np.array(
            [int(first_sale.get(str(r.item), last.ordinal + 1)) for r in given], dtype=np.int64
        )
        new = is_new(history_length(firsts, launch, first, last.ordinal))
    return [
        Launch(str(r.item), str(r.like_item), int(start), float(r.like_factor))  # type: ignore[arg-type]
        for r, start, young in zip(given, launch, new, strict=True)
        if young
    ]


def apply_launch_curves(wb: Workbook, fc: pd.DataFrame) -> pd.DataFrame:
    """The forecast with each new item's rows replaced by its launch curve.

    ``fc`` has item, period, forecast, model and optional lo_*/hi_* interval columns;
    intervals are scaled with the forecast.
    """
    found = launches(wb)
    if not found:
        return fc
    fc = fc.copy()
    sales = wb.sales.groupby(["item", "period"])["qty"].sum().reset_index()
    sales["ord"] = [parse_period(p).ordinal for p in sales["period"]]
    items = wb.items.set_index("item")
    bounds = [c for c in fc.columns if c.startswith(("lo_", "hi_"))]
    for la in found:
        mine = fc["item"] == la.item
        if not mine.any():
            continue
        periods = np.array([parse_period(p).ordinal for p in fc.loc[mine, "period"]])
        like_rows = fc[fc["item"] == la.like_item].set_index("period")["forecast"]
        like_fc = like_rows.reindex(fc.loc[mine, "period"]).fillna(0.0).to_numpy(dtype=float)
        hist = sales[sales["item"] == la.like_item].set_index("ord")["qty"]
        like_fc = _past_its_end(items, la.like_item, periods, like_fc, hist)
        like_launch = _known_launch(items, la.like_item, hist, sales["ord"].min())
        if like_launch is not None and not hist.empty:
            full = range(like_launch, int(hist.index.max()) + 1)
            hist = hist.reindex(full).fillna(0.0)  # months with no sales sold nothing
        curve = launch_curve(la.launch, la.factor, periods, hist, like_fc, like_launch)
        old = fc.loc[mine, "forecast"].to_numpy(dtype=float)
        ratio = np.divide(curve, old, out=np.ones_like(curve), where=old > 0)
        for c in bounds:
            b = fc.loc[mine, c].to_numpy(dtype=float)
            fc.loc[mine, c] = np.where(old > 0, b * ratio, curve)
        fc.loc[mine, "forecast"] = curve
        fc.loc[mine, "model"] = f"launch curve of {la.like_item} x{la.factor:g}"
    return fc


def _past_its_end(
    items: pd.DataFrame, like: str, periods: np.ndarray, like_fc: np.ndarray, hist: pd.Series
) -> np.ndarray:
    """The like item's forecast, carried at its last level past its own end_period."""
    end = items.loc[like, "end_period"] if like in items.index else None
    if not isinstance(end, str):
        return like_fc
    end_ord = parse_period(end).ordinal
    after = periods > end_ord
    if not after.any():
        return like_fc
    before = np.flatnonzero(~after)
    level = (
        float(like_fc[before[-1]])
        if before.size
        else float(hist.sort_index().tail(3).mean())
        if not hist.empty
        else 0.0
    )
    return np.where(after, level, like_fc)


def _known_launch(items: pd.DataFrame, like: str, hist: pd.Series, first: float) -> int | None:
    """When the like item started selling, if the history shows it."""
    given = items.loc[like, "launch_period"] if like in items.index else None
    if isinstance(given, str):
        return parse_period(given).ordinal
    sold = hist[hist > 0]
    if sold.empty or int(sold.index.min()) <= int(first):
        return None  # it sold from the start of the history: launch unknown
    return int(sold.index.min())
