"""The forecasting engine: sales history in, baseline forecast with intervals and a report out.

Pipeline (all steps vectorized over series, in chunks of a few thousand series so memory
stays flat):

1. validate and clean the sales (see :mod:`snop.forecasting.data` for documented treatments);
2. classify demand (smooth / erratic / intermittent / lumpy / zero) from ADI and CV^2;
3. flag outliers on smooth and erratic series and fit on the cleansed values;
4. per series, fit the candidates of its class, backtest them on rolling origins, keep the
   lowest backtest MAE (smooth/erratic) or MSE (intermittent/lumpy: rate forecasts)
   (``method="auto"``), or fit the one method asked for;
5. intervals from the chosen model's h-step sd, floored at 0 (demand is not negative);
6. special cases: all zeros -> 0 (``Zero``); ended (``end_period``) -> 0 after the end;
   stopped early -> 0 (``Inactive``, listed) unless ``from_own_end``; new/short (< 4
   periods) -> the ``like_item``'s forecast, else the mean; young (< a season) -> damped
   trend blended with the like item (:mod:`snop.forecasting.launch`);
7. optionally forecast every level of an item hierarchy and reconcile.

Auto candidates: smooth/erratic: Naive, SeasonalNaive, ETS (AICc), ARIMA (AICc),
Ensemble(ETS + ARIMA + Theta); intermittent/lumpy: Mean, Croston, SBA, TSB, ADIDA.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from snop.errors import SnopError
from snop.forecasting.arima import fit_arima
from snop.forecasting.common import Array, BoolArray, IntArray, ObjArray, PanelFit
from snop.forecasting.data import (
    RESERVED,
    SalesPanel,
    classify,
    detect_outliers,
    inactive_series,
    item_info,
    left_align,
    prepare_items,
    prepare_sales,
)
from snop.forecasting.ets import fit_ets
from snop.forecasting.incremental import (
    BAND_LEVEL,
    Paths,
    decide,
    fit_models,
    full_paths,
    record,
)
from snop.forecasting.intermittent import fit_adida, fit_intermittent, select_rate
from snop.forecasting.launch import (
    SHORT_LEN,
    blend_len,
    blend_with_like,
    damp_trend,
    history_length,
    is_new,
)
from snop.forecasting.reconciliation import (
    RECONCILE_METHODS,
    Aggregation,
    build_aggregation,
    reconcile,
)
from snop.forecasting.selection import (
    backtest_actuals,
    backtest_origins,
    combine,
    mase_scale,
    pick,
    pick_names,
    select,
    window_errors,
)
from snop.forecasting.simple import SIMPLE_METHODS, fit_simple
from snop.forecasting.theta import fit_theta
from snop.model.limits import MAX_QUANTITY, quantity_problem
from snop.model.periods import Granularity, labels

METHODS = (
    "auto",
    "ets",
    "arima",
    "theta",
    "croston",
    "sba",
    "tsb",
    "adida",
    "mean",
    "naive",
    "snaive",
    "drift",
    "ensemble",
)
CONTINUOUS = ("smooth", "erratic")
AUTO_CONTINUOUS = ["ets", "arima", "ensemble", "snaive", "naive"]
# rate forecasts only, chosen by MSE (intermittent.select_rate): never a naive zero
AUTO_INTERMITTENT = ["tsb", "sba", "croston", "adida", "mean"]
# Members of the equal-weight ensemble (the combination of ETS, ARIMA and Theta forecasts is
# more accurate on real series than each of them; see docs/forecasting.md).
ENSEMBLE = ("ets", "arima", "theta")
# Backtest-MAE multipliers: benchmarks must win clearly to replace a smoothing model.
HANDICAP = {"naive": 1.25, "snaive": 1.25, "mean": 1.1, "croston": 1.0}
# Models see at most the last 10 seasons (and never fewer than 120 periods) of a series;
# measured on the real-data benchmark: monthly accuracy unchanged, quarterly needs > 40.
FIT_SEASONS = 10
FIT_MIN = 120
MAX_HORIZON = 520
INACTIVE = "Inactive"
NOT_LEVELS = RESERVED | {"unit", "price", "cost", "unit_price", "unit_cost"}
# cleansing on by default: it helps on real data (bench/cleansing_bench.py, docs/forecasting.md)
CLEANSE_DEFAULT = True

Progress = Callable[[int, int], None]


def level_label(level: float) -> str:
    """80 -> '80', 97.5 -> '97.5' (column suffix of lo_/hi_)."""
    return f"{level:g}"


@dataclass
class ForecastResult:
    """Everything one forecast run produces.

    forecast: item, period, forecast, model, lo_<L>, hi_<L> per level (reconciled at item
      level when reconciliation was asked).
    report: one row per item: demand_class, n_obs, model, runner_up, backtest MASE/WAPE of
      the chosen model and of the naive benchmark, windows, outliers, loses_to_naive (the
      chosen model's backtest MASE is worse than naive's: review it), forecast_from (first
      forecast period), treatment.
    outliers: item, period, qty, cleansed (flagged values and what was used instead).
    levels: with a hierarchy: level, node, period, forecast, model, lo/hi (reconciled).
    """

    forecast: pd.DataFrame
    report: pd.DataFrame
    outliers: pd.DataFrame
    levels: pd.DataFrame | None
    granularity: Granularity
    horizon: int
    method: str
    level_values: tuple[float, ...]
    reconcile: str | None = None
    notes: list[str] = field(default_factory=list)
    paths: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: counts, mean accuracy, per-item model and backtest metrics."""
        rep = self.report

        def mean(col: str) -> float | None:
            v = pd.to_numeric(rep[col], errors="coerce")
            v = v[np.isfinite(v)]
            return None if v.empty else round(float(v.mean()), 4)

        per_item = []
        for d in rep.to_dict("records"):
            per_item.append(
                {
                    k: (
                        None
                        if isinstance(v, float) and not np.isfinite(v)
                        else (round(v, 4) if isinstance(v, float) else v)
                    )
                    for k, v in d.items()
                }
            )
        return {
            "items": len(rep),
            "horizon": self.horizon,
            "granularity": self.granularity.value,
            "method": self.method,
            "levels": list(self.level_values),
            "reconcile": self.reconcile,
            "models": {str(k): int(v) for k, v in rep["model"].map(_family).value_counts().items()},
            "demand_classes": {
                str(k): int(v) for k, v in rep["demand_class"].value_counts().items()
            },
            "backtest": {
                "mase": mean("mase"),
                "wape": mean("wape"),
                "naive_mase": mean("naive_mase"),
                "naive_wape": mean("naive_wape"),
            },
            "outliers_flagged": len(self.outliers),
            "paths": self.paths,
            "inactive": self.inactive(),
            "review": self.review(),
            "series": per_item,
        }

    def inactive(self) -> list[str]:
        """Items that stopped selling before the last period (forecast 0, model Inactive)."""
        rep = self.report
        return [str(x) for x in rep.loc[rep["model"] == INACTIVE, "item"]]

    def review(self) -> list[str]:
        """Items whose chosen model did worse than naive in the backtest: for a planner."""
        rep = self.report
        return [str(x) for x in rep.loc[rep["loses_to_naive"].astype(bool), "item"]]


def _family(name: str) -> str:
    return str(name).split("(")[0] if not str(name).startswith("ETS") else "ETS"


@dataclass
class PanelOutput:
    point: Array
    sigma: Array
    names: ObjArray
    runner: ObjArray
    mase: Array
    wape: Array
    naive_mase: Array
    naive_wape: Array
    windows: IntArray
    fitted: Array


def _kernel(
    name: str, Y: Array, L: IntArray, h: int, m: int, origins: IntArray, cache: dict[str, PanelFit]
) -> PanelFit:
    if name in cache:
        return cache[name]
    if name in SIMPLE_METHODS:
        fit = fit_simple(name, Y, L, h, m, origins, h)
    elif name == "ets":
        fit = fit_ets(Y, L, h, m, origins, h)
    elif name == "theta":
        fit = fit_theta(Y, L, h, m, origins, h)
    elif name in ("croston", "sba", "tsb"):
        fit = fit_intermittent(name, Y, L, h, origins, h)
    elif name == "adida":
        fit = fit_adida(Y, L, h, origins, h)
    elif name == "arima":
        fit = fit_arima(Y, L, h, m, origins, h)
    elif name == "ensemble":
        fit = combine([_kernel(c, Y, L, h, m, origins, cache) for c in ENSEMBLE])
    else:
        raise SnopError(f"unknown method {name!r}; valid: {', '.join(METHODS)}")
    cache[name] = fit
    return fit


def _candidates(method: str, continuous: bool) -> tuple[list[str], str]:
    if method == "auto":
        return (AUTO_CONTINUOUS, "ensemble") if continuous else (AUTO_INTERMITTENT, "tsb")
    return [method], method


def _chunk_size(m: int) -> int:
    return 4096 if m <= 12 else 1024


def run_panel(
    Y: Array,
    L: IntArray,
    classes: ObjArray,
    h: int,
    m: int,
    method: str,
    windows: int = 3,
    progress: Progress | None = None,
    progress_offset: int = 0,
    progress_total: int | None = None,
    models: ObjArray | None = None,
) -> PanelOutput:
    """Fit, backtest and select for left-aligned series (all with L >= 1).

    Models are fitted on the last ``max(FIT_SEASONS * m, FIT_MIN)`` periods of each series
    at most: older data says little about the next periods, and every kernel loops over
    time, so a few long series would otherwise set the run time of the whole panel.
    ``models`` (one name per series): refit those models instead of selecting one
    (:func:`snop.forecasting.incremental.fit_models`; no backtest figures).
    """
    cap = max(FIT_SEASONS * max(m, 1), FIT_MIN)
    skip = np.maximum(L - cap, 0)

    def inner(Yx: Array, Lx: IntArray) -> PanelOutput:
        if models is not None:
            return _refit_panel(Yx, Lx, models, h, m)
        return _run_panel(
            Yx, Lx, classes, h, m, method, windows, progress, progress_offset, progress_total
        )

    if not skip.any():
        return inner(Y, L)
    n, width = Y.shape
    cols = np.minimum(skip[:, None] + np.arange(min(cap, width))[None, :], width - 1)
    Yc = Y[np.arange(n)[:, None], cols]
    Lc = L - skip
    Yc = np.where(np.arange(Yc.shape[1])[None, :] < Lc[:, None], Yc, 0.0)
    out = inner(Yc, Lc)
    fitted = np.full((n, width), np.nan)
    fitted[np.arange(n)[:, None], cols] = out.fitted
    fitted[~(np.arange(width)[None, :] < L[:, None])] = np.nan
    out.fitted = fitted
    return out


def _output(n: int, h: int, width: int) -> PanelOutput:
    return PanelOutput(
        point=np.zeros((n, h)),
        sigma=np.zeros((n, h)),
        names=np.empty(n, dtype=object),
        runner=np.full(n, "", dtype=object),
        mase=np.full(n, np.nan),
        wape=np.full(n, np.nan),
        naive_mase=np.full(n, np.nan),
        naive_wape=np.full(n, np.nan),
        windows=np.zeros(n, dtype=np.int64),
        fitted=np.full((n, width), np.nan),
    )


def _refit_panel(Y: Array, L: IntArray, models: ObjArray, h: int, m: int) -> PanelOutput:
    """Each series' given model fitted again (grouped by model, in chunks)."""
    out = _output(Y.shape[0], h, Y.shape[1])
    fit = fit_models(Y, L, [str(x) for x in models], h, m, chunk=_chunk_size(m))
    out.point, out.sigma, out.names, out.fitted = fit.point, fit.sigma, fit.names, fit.fitted
    return out


def _run_paths(
    Y: Array,
    L: IntArray,
    classes: ObjArray,
    h: int,
    m: int,
    method: str,
    windows: int,
    progress: Progress | None,
    paths: Paths,
) -> PanelOutput:
    """Reselect series through the tournament, refit series through their kept model."""
    refit = paths.refit
    if not refit.any():
        return run_panel(Y, L, classes, h, m, method, windows, progress)
    n, width = Y.shape
    out = _output(n, h, width)
    for ix, models in ((np.nonzero(~refit)[0], None), (np.nonzero(refit)[0], paths.model)):
        if ix.size == 0:
            continue
        w = int(L[ix].max())
        po = run_panel(
            Y[ix, :w],
            L[ix],
            classes[ix],
            h,
            m,
            method,
            windows,
            progress,
            progress_total=n,
            models=None if models is None else models[ix],
        )
        for f in ("point", "sigma", "names", "runner", "mase", "wape", "naive_mase"):
            getattr(out, f)[ix] = getattr(po, f)
        out.naive_wape[ix], out.windows[ix] = po.naive_wape, po.windows
        out.fitted[ix, :w] = po.fitted
    if progress is not None:
        progress(n, n)
    return out


def _run_panel(
    Y: Array,
    L: IntArray,
    classes: ObjArray,
    h: int,
    m: int,
    method: str,
    windows: int,
    progress: Progress | None,
    progress_offset: int,
    progress_total: int | None,
) -> PanelOutput:
    n, width = Y.shape
    out = _output(n, h, width)
    order = np.argsort(L, kind="stable")
    cs = _chunk_size(m)
    total = progress_total if progress_total is not None else n
    for c0 in range(0, n, cs):
        idx_all = order[c0 : c0 + cs]
        cont = np.isin(classes[idx_all], CONTINUOUS)
        for group in (True, False):
            idx = idx_all[cont == group]
            if idx.size == 0:
                continue
            w = int(L[idx].max())
            Yc, Lc = Y[idx, :w], L[idx]
            origins = backtest_origins(Lc, h, m, windows)
            cands, default = _candidates(method, group)
            cache: dict[str, PanelFit] = {}
            fits = {c: _kernel(c, Yc, Lc, h, m, origins, cache) for c in cands}
            naive = _kernel("naive", Yc, Lc, h, m, origins, cache)
            actual = backtest_actuals(Yc, Lc, origins, h)
            chooser = select if group else select_rate
            chosen, runner, _ = chooser(
                cands, fits, actual, default, HANDICAP if method == "auto" else None
            )
            fl = [fits[c] for c in cands]
            out.point[idx] = pick([f.point for f in fl], chosen)
            out.sigma[idx] = pick([f.sigma for f in fl], chosen)
            out.fitted[idx, :w] = pick([f.fitted for f in fl], chosen)
            out.names[idx] = pick_names([f.names for f in fl], chosen)
            rn = pick_names([f.names for f in fl], np.maximum(runner, 0))
            rn[runner < 0] = ""
            out.runner[idx] = rn
            scale = mase_scale(Yc, origins, Lc, m)
            se = pick([window_errors(f, actual)[0] for f in fl], chosen)
            _, sy, cnt = window_errors(naive, actual)
            ne = window_errors(naive, actual)[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                out.mase[idx] = np.where(cnt > 0, se / np.maximum(cnt, 1) / scale, np.nan)
                out.wape[idx] = np.where((cnt > 0) & (sy > 0), se / sy, np.nan)
                out.naive_mase[idx] = np.where(cnt > 0, ne / np.maximum(cnt, 1) / scale, np.nan)
                out.naive_wape[idx] = np.where((cnt > 0) & (sy > 0), ne / sy, np.nan)
            out.windows[idx] = (origins > 0).sum(axis=1)
        if progress is not None:
            progress(progress_offset + min(c0 + cs, n), total)
    return out


def _validate_args(
    horizon: int, method: str, levels: Sequence[float], reconcile_: str | None, windows: int
) -> tuple[float, ...]:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise SnopError(f"horizon must be a whole number of periods >= 1 (got {horizon!r})")
    if horizon > MAX_HORIZON:
        raise SnopError(f"horizon {horizon} is too long; at most {MAX_HORIZON} periods")
    if method not in METHODS:
        raise SnopError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    lv = []
    for x in levels:
        try:
            v = float(x)
        except (TypeError, ValueError):
            raise SnopError(f"interval level {x!r} is not a number; write e.g. 80 95") from None
        if not 0 < v < 100:
            raise SnopError(f"interval level {x!r} must be between 0 and 100 (e.g. 80 95)")
        lv.append(v)
    if reconcile_ is not None and reconcile_ not in RECONCILE_METHODS:
        raise SnopError(
            f"unknown reconciliation {reconcile_!r}; valid: {', '.join(RECONCILE_METHODS)}"
        )
    if windows < 1:
        raise SnopError("backtest windows must be >= 1")
    return tuple(sorted(set(lv)))


def _add_new_items(panel: SalesPanel, items_df: pd.DataFrame | None) -> SalesPanel:
    """Items in the items table without sales rows join the panel with no history."""
    if items_df is None:
        return panel
    known = set(panel.items)
    new = [str(x) for x in items_df.index if str(x) not in known]
    if not new:
        return panel
    k = len(new)
    T = panel.values.shape[1]
    zi = np.zeros(k, dtype=np.int64)
    return SalesPanel(
        items=panel.items + new,
        granularity=panel.granularity,
        first=panel.first,
        values=np.vstack([panel.values, np.zeros((k, T))]),
        start=np.concatenate([panel.start, np.full(k, T, dtype=np.int64)]),
        duplicates=np.concatenate([panel.duplicates, zi]),
        negatives=np.concatenate([panel.negatives, zi]),
        blanks=np.concatenate([panel.blanks, zi]),
        notes=panel.notes,
    )


def forecast_panel(
    sales: pd.DataFrame,
    horizon: int,
    *,
    method: str = "auto",
    levels: Sequence[float] = (80, 95),
    items: pd.DataFrame | None = None,
    reconcile: str | None = None,
    hierarchy_levels: Sequence[str] | None = None,
    middle_level: str | None = None,
    freq: str | None = None,
    windows: int = 3,
    cleanse_outliers: bool = CLEANSE_DEFAULT,
    progress: Progress | None = None,
    source: str = "sales",
    items_source: str = "items",
    from_own_end: bool = False,
    previous: pd.DataFrame | None = None,
    max_age: int | None = None,
    calendar: tuple[int, int] | None = None,
) -> ForecastResult:
    """Forecast every item of a sales history ``horizon`` periods past its last period.

    sales: columns item, period (``YYYY-MM`` / ``YYYY-Qn`` / ``YYYY-Www``), qty.
    items: optional items table (item, attribute columns such as family, launch_period,
      end_period, like_item); enables new items, phase-outs and the hierarchy.
    reconcile: bottom_up | top_down | middle_out | mint (needs ``items``); hierarchy levels
      default to every attribute column of ``items``.
    progress: called as ``progress(done, total)`` after each chunk of series.
    from_own_end: forecast each series from its own last period (a panel of unrelated series
      ending at different dates) instead of from the panel's last period; series that
      stopped early are otherwise forecast 0 and labelled ``Inactive``.
    previous: the per-series record of an earlier run (checked by
      :func:`snop.forecasting.incremental.read_previous`): an incremental run, where only
      the series that need it select a model again and the others refit their kept model;
      ``max_age`` periods (default one season) after its selection a model is selected again.
    The report says per series which path it took (``path``, ``why``) and holds the record
    the next incremental run reads.
    calendar: (first, last) period ordinals of the whole panel when ``sales`` is a part of it.
    Raises SnopError for input the user can fix.
    """
    lv = _validate_args(horizon, method, levels, reconcile, windows)
    if max_age is not None and max_age < 1:
        raise SnopError(f"max age {max_age}: a model is kept at least 1 period")
    h = int(horizon)
    panel = prepare_sales(sales, source=source, freq=freq, calendar=calendar)
    _check_magnitude(panel, source)
    if from_own_end and (reconcile is not None or hierarchy_levels):
        raise SnopError(
            "--from-own-end forecasts each series from its own end, so their "
            "periods differ and cannot be added up into a hierarchy; drop one of "
            "--from-own-end and --reconcile/--hierarchy levels"
        )
    gran = panel.granularity
    m = gran.season_length
    items_df = prepare_items(items, gran, source=items_source) if items is not None else None
    panel = _add_new_items(panel, items_df)
    info = item_info(items_df, panel.items)
    n, T = panel.values.shape
    has_launch = info.launch >= 0
    start = T - history_length(panel.first + panel.start, info.launch, panel.first, panel.last)
    inactive, last_row = inactive_series(panel)
    Y, L = left_align(panel.values, start)
    fc_first = np.full(n, panel.last + 1, dtype=np.int64)
    if from_own_end:
        own = (last_row >= start) & (last_row < T - 1)
        L = np.where(own, last_row - start + 1, L)
        Y = np.where(np.arange(T)[None, :] < L[:, None], Y, 0.0)
        fc_first = np.where(own, panel.first + last_row + 1, fc_first)
        inactive = np.zeros(n, dtype=bool)
    classes = classify(Y, L)
    flags, Yc = detect_outliers(Y, L, m, np.isin(classes, CONTINUOUS) & cleanse_outliers)
    ended = (info.end >= 0) & (info.end < fc_first)
    inactive &= ~ended & (classes != "zero")
    treat: list[list[str]] = [[] for _ in range(n)]
    new = is_new(L)  # the one new-item rule (snop.forecasting.launch)
    regular = ~new & (classes != "zero") & ~ended & ~inactive
    short = (L >= 1) & new & (classes != "zero") & ~ended & ~inactive
    point = np.zeros((n, h))
    sigma = np.zeros((n, h))
    names = np.empty(n, dtype=object)
    names[:] = "Zero"
    runner = np.empty(n, dtype=object)
    runner[:] = ""
    mase = np.full(n, np.nan)
    wape = np.full(n, np.nan)
    nmase = np.full(n, np.nan)
    nwape = np.full(n, np.nan)
    nwin = np.zeros(n, dtype=np.int64)
    ridx = np.nonzero(regular)[0]
    paths = _paths(previous, panel, fc_first, Yc, L, regular, classes, method, max_age or m)
    resid_items = np.full((n, T), np.nan) if reconcile == "mint" else np.zeros((0, T))
    if ridx.size:
        w = int(L[ridx].max())
        po = _run_paths(
            Yc[ridx, :w], L[ridx], classes[ridx], h, m, method, windows, progress, paths.at(ridx)
        )
        point[ridx], sigma[ridx], names[ridx], runner[ridx] = (
            po.point,
            po.sigma,
            po.names,
            po.runner,
        )
        mase[ridx], wape[ridx], nmase[ridx], nwape[ridx] = (
            po.mase,
            po.wape,
            po.naive_mase,
            po.naive_wape,
        )
        nwin[ridx] = po.windows
        if reconcile == "mint":
            for r, i in enumerate(ridx.tolist()):
                resid_items[i, T - L[i] :] = Yc[i, : L[i]] - po.fitted[r, : L[i]]
    sidx = np.nonzero(short)[0]
    if sidx.size:
        Ys, Ls = Yc[sidx, :SHORT_LEN], L[sidx]
        f = fit_simple("mean", Ys, Ls, h, m, np.full((sidx.size, 1), -1, dtype=np.int64), h)
        point[sidx], sigma[sidx] = f.point, f.sigma
        names[sidx] = "Mean"
        for i in sidx.tolist():
            treat[i].append(f"short history ({L[i]} periods): mean")
    # like items: new or short items borrow the forecast of an existing item
    pos = {it: i for i, it in enumerate(panel.items)}
    for i in range(n):
        like = info.like[i]
        if not like or ended[i] or inactive[i] or regular[i]:
            continue
        j = pos.get(like)
        if j is None or not (regular[j] or short[j]):
            treat[i].append(
                f"like item {like!r} has no history; "
                + ("mean of own history" if short[i] else "forecast 0")
            )
            continue
        point[i], sigma[i] = point[j] * info.factor[i], sigma[j] * info.factor[i]
        names[i] = f"LikeItem({like})"
        treat[i] = [t for t in treat[i] if not t.startswith("short")]
        treat[i].append(
            f"new/short item: forecast of like item {like!r}"
            + (f" x{info.factor[i]:g}" if info.factor[i] != 1 else "")
        )
    _young_items(point, sigma, names, treat, regular, short, L, m, info.like, info.factor, pos)
    for i in np.nonzero(classes == "zero")[0].tolist():
        if names[i] == "Zero":
            treat[i].append("no demand in history: forecast 0")
    # launch in the future: nothing before launch; end_period: nothing after the end
    hor = fc_first[:, None] + np.arange(h)[None, :]
    before = has_launch[:, None] & (hor < info.launch[:, None])
    after = (info.end[:, None] >= 0) & (hor > info.end[:, None])
    kill = before | after
    point = np.where(kill, 0.0, point)
    sigma = np.where(kill, 0.0, sigma)
    for i in np.nonzero(inactive)[0].tolist():
        names[i] = INACTIVE
        stop = labels(gran, [panel.first + int(last_row[i])])[0]
        treat[i].append(
            f"inactive: no sales rows after {stop} ({T - 1 - int(last_row[i])} "
            "periods, longer than any gap before): forecast 0; --from-own-end "
            "forecasts it from its own last period"
        )
    for i in np.nonzero(ended)[0].tolist():
        names[i] = "Ended"
        treat[i].append(f"ended ({labels(gran, [int(info.end[i])])[0]}): forecast 0")
    for i in np.nonzero(after.any(axis=1) & ~ended)[0].tolist():
        treat[i].append(f"ends {labels(gran, [int(info.end[i])])[0]}: 0 after the end")
    for i in np.nonzero(before.any(axis=1))[0].tolist():
        treat[i].append(f"launches {labels(gran, [int(info.launch[i])])[0]}: 0 before launch")
    # never a NaN: a non-finite forecast falls back to the last value
    bad = ~np.isfinite(point).all(axis=1)
    if bad.any():
        last = Yc[np.arange(n), np.maximum(L, 1) - 1]
        point[bad] = last[bad, None]
        names[bad] = "Naive"
        for i in np.nonzero(bad)[0].tolist():
            treat[i].append("model failed numerically: naive")
    sigma = np.where(np.isfinite(sigma), np.maximum(sigma, 0.0), 0.0)
    point = np.maximum(point, 0.0)
    for i in range(n):
        if panel.duplicates[i]:
            treat[i].append(
                f"summed rows per period ({panel.duplicates[i]} more than one "
                "per period): rows of several channels, customers, locations or "
                "order lines add up to the item's demand"
            )
        if panel.negatives[i]:
            treat[i].append(f"{panel.negatives[i]} negative qty set to 0")
        if panel.blanks[i]:
            treat[i].append(f"{panel.blanks[i]} blank qty read as 0")
    n_out = flags.sum(axis=1)
    for i in np.nonzero(n_out)[0].tolist():
        treat[i].append(f"{n_out[i]} outlier(s) cleansed")

    band = _bands(point[:, :1], sigma[:, :1], (BAND_LEVEL,))
    rec = record(
        paths,
        panel,
        fc_first - 1,
        regular,
        (band[f"lo_{BAND_LEVEL:g}"][:, 0], band[f"hi_{BAND_LEVEL:g}"][:, 0]),
    )
    paths.carry(runner, mase, wape, nmase, nwape, nwin)
    period_labels = labels(gran, range(panel.last + 1, panel.last + 1 + h))
    levels_df = None
    if items_df is not None and (reconcile is not None or hierarchy_levels):
        attr_cols = list(hierarchy_levels) if hierarchy_levels else _attribute_columns(items_df)
        if not attr_cols and reconcile is not None:
            raise SnopError(
                f"{items_source}: no attribute column (such as family) to build a hierarchy from"
            )
        hier = build_aggregation(info.attributes, panel.items, attr_cols, items_source)
        recon = reconcile or "bottom_up"
        point, levels_df = _hierarchy(
            hier,
            recon,
            middle_level,
            panel,
            point,
            Yc,
            L,
            h,
            m,
            method,
            windows,
            lv,
            period_labels,
            resid_items if recon == "mint" else None,
        )
    forecast = _frame(panel.items, _item_periods(gran, fc_first, h), point, sigma, names, lv)
    report = pd.DataFrame(
        {
            "item": panel.items,
            "demand_class": classes.astype(str),
            "n_obs": L,
            "model": names.astype(str),
            "runner_up": runner.astype(str),
            "mase": mase,
            "wape": wape,
            "naive_mase": nmase,
            "naive_wape": nwape,
            "windows": nwin,
            "outliers": n_out.astype(np.int64),
            "loses_to_naive": _loses_to_naive(mase, nmase, classes),
            "forecast_from": labels(gran, fc_first.tolist()),
            "treatment": ["; ".join(t) for t in treat],
            **rec,
        }
    )
    oi, ot = np.nonzero(flags)
    outl = pd.DataFrame(
        {
            "item": [panel.items[i] for i in oi],
            "period": labels(gran, (panel.first + start[oi] + ot).tolist()),
            "qty": Y[oi, ot],
            "cleansed": Yc[oi, ot],
        }
    )
    return ForecastResult(
        forecast=forecast,
        report=report,
        outliers=outl,
        levels=levels_df,
        granularity=gran,
        horizon=h,
        method=method,
        level_values=lv,
        reconcile=reconcile if levels_df is not None else None,
        paths=paths.counts(),
    )


def _paths(
    previous: pd.DataFrame | None,
    panel: SalesPanel,
    fc_first: IntArray,
    Yc: Array,
    L: IntArray,
    regular: BoolArray,
    classes: ObjArray,
    method: str,
    max_age: int,
) -> Paths:
    """The path of every series: all reselect without a previous record (a full run)."""
    young = regular & (blend_len(panel.granularity.season_length) > L)
    if previous is None:
        return full_paths(len(panel.items), regular, young)
    T = Yc.shape[1]
    positive = np.where(np.arange(T)[None, :] < L[:, None], Yc, np.inf).min(axis=1) > 0
    cands = (frozenset(_candidates(method, True)[0]), frozenset(_candidates(method, False)[0]))
    return decide(
        previous,
        panel,
        fc_first - 1,
        L,
        regular,
        young,
        np.isin(classes, CONTINUOUS),
        cands,
        positive,
        max_age,
    )


def _attribute_columns(items_df: pd.DataFrame) -> list[str]:
    """Hierarchy levels of an items table: its text attribute columns.

    Master-data columns (launch/end periods, like item and factor, prices, descriptions) and
    numeric columns (every non-blank value a number, such as ``like_factor`` or a weight)
    are not levels; neither is a column that is blank everywhere.
    """
    out = []
    for c in items_df.columns:
        if c in NOT_LEVELS or c.endswith("_ord"):
            continue
        text = items_df[c].astype(str).str.strip()
        given = items_df[c].notna() & ~text.isin(["", "nan", "None"])
        if not given.any():
            continue
        numeric = pd.to_numeric(text[given], errors="coerce").notna().all()
        if not numeric:
            out.append(str(c))
    return out


def _bands(point: Array, sigma: Array, levels: tuple[float, ...]) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for lvl in levels:
        z = float(norm.ppf(0.5 + lvl / 200.0))
        out[f"lo_{level_label(lvl)}"] = np.maximum(point - z * sigma, 0.0)
        out[f"hi_{level_label(lvl)}"] = np.maximum(point + z * sigma, point)
    return out


def _young_items(
    point: Array,
    sigma: Array,
    names: ObjArray,
    treat: list[list[str]],
    regular: BoolArray,
    short: BoolArray,
    L: IntArray,
    m: int,
    like: list[str | None],
    factor: Array,
    pos: dict[str, int],
) -> None:
    """Damp the trend of items with short histories and blend them with their like item
    (rules and weights in :mod:`snop.forecasting.launch`); in place."""
    young = np.nonzero(regular & np.less(L, blend_len(m)))[0]
    if young.size == 0:
        return
    own = point.copy()
    point[young] = np.maximum(damp_trend(own[young]), 0.0)
    for i in young.tolist():
        if not np.allclose(point[i], own[i]):
            treat[i].append(f"short history ({L[i]} periods): trend damped")
        j = pos.get(like[i] or "")
        if j is None or not (regular[j] or short[j]):
            continue
        curve = own[j] * factor[i]
        point[i] = blend_with_like(point[i][None, :], curve[None, :], L[i : i + 1], m)[0]
        w = min(L[i] / blend_len(m), 1.0)
        sigma[i] = w * sigma[i] + (1 - w) * sigma[j] * factor[i]
        names[i] = f"Blend({names[i]}+LikeItem({like[i]}))"
        treat[i].append(
            f"young item: {w:.0%} own forecast, {1 - w:.0%} like item "
            f"{like[i]!r}"
            + (f" x{factor[i]:g}" if factor[i] != 1 else "")
            + ", at most 2x the like item"
        )


def _check_magnitude(panel: SalesPanel, source: str) -> None:
    """Refuse quantities the store and the arithmetic of the models cannot hold."""
    big = np.abs(panel.values) > MAX_QUANTITY
    if not big.any():
        return
    i, t = (int(x[0]) for x in np.nonzero(big))
    period = labels(panel.granularity, [panel.first + t])[0]
    problem = quantity_problem(float(panel.values[i, t])) or "is too large"
    raise SnopError(
        f"{source}: item {panel.items[i]!r}, period {period}: the quantity "
        f"{panel.values[i, t]:.6g} (its rows summed) {problem}; check the qty column"
    )


def _loses_to_naive(mase: Array, naive_mase: Array, classes: ObjArray) -> BoolArray:
    """Chosen model's backtest MASE worse than naive's: the item deserves a planner's look.

    Only smooth and erratic series: on intermittent data the MAE is smallest for a forecast
    of zero, so naive "winning" there says nothing against a rate forecast.
    """
    ok = np.isfinite(mase) & np.isfinite(naive_mase) & np.isin(classes, CONTINUOUS)
    return np.asarray(ok & (mase > naive_mase * (1 + 1e-9)), dtype=bool)


def _item_periods(gran: Granularity, fc_first: IntArray, h: int) -> ObjArray:
    """(n, h) period labels of each item's forecast (they differ with --from-own-end)."""
    out = np.empty((fc_first.size, h), dtype=object)
    for f in np.unique(fc_first).tolist():
        out[fc_first == f] = np.asarray(labels(gran, range(f, f + h)), dtype=object)
    return out


def _frame(
    keys: list[str],
    periods: list[str] | ObjArray,
    point: Array,
    sigma: Array,
    names: ObjArray,
    levels: tuple[float, ...],
    key_col: str = "item",
) -> pd.DataFrame:
    n, h = point.shape
    per = np.asarray(periods, dtype=object)
    data: dict[str, Any] = {
        key_col: np.repeat(np.asarray(keys, dtype=object), h),
        "period": per.ravel() if per.ndim == 2 else np.tile(per, n),
        "forecast": point.ravel(),
        "model": np.repeat(names.astype(str), h),
    }
    for k, v in _bands(point, sigma, levels).items():
        data[k] = v.ravel()
    return pd.DataFrame(data)


def _hierarchy(
    hier: Aggregation,
    recon: str,
    middle_level: str | None,
    panel: SalesPanel,
    point: Array,
    Yc: Array,
    L: IntArray,
    h: int,
    m: int,
    method: str,
    windows: int,
    lv: tuple[float, ...],
    period_labels: list[str],
    res_items: Array | None,
) -> tuple[Array, pd.DataFrame]:
    """Base forecasts for every node, reconciled item forecasts, level frame."""
    n, T = panel.values.shape
    # cleansed history on the common calendar (right-aligned)
    hist = np.zeros((n, T))
    for i in range(n):
        if L[i]:
            hist[i, T - L[i] :] = Yc[i, : L[i]]
    node_hist = hier.aggregate(hist)
    base_lv, sig_lv, name_lv, res_lv = [], [], [], []
    for H in node_hist:
        nz = H != 0
        st = np.where(nz.any(axis=1), nz.argmax(axis=1), T).astype(np.int64)
        Yn, Ln = left_align(H, st)
        cls = classify(Yn, Ln)
        pt = np.zeros((H.shape[0], h))
        sg = np.zeros((H.shape[0], h))
        nm = np.empty(H.shape[0], dtype=object)
        nm[:] = "Zero"
        res = np.full((H.shape[0], T), np.nan)
        ok = Ln >= 1
        if ok.any():
            oi = np.nonzero(ok)[0]
            w = int(Ln[oi].max())
            po = run_panel(Yn[oi, :w], Ln[oi], cls[oi], h, m, method, windows)
            pt[oi], sg[oi], nm[oi] = po.point, po.sigma, po.names
            for r, i in enumerate(oi.tolist()):
                res[i, T - Ln[i] :] = Yn[i, : Ln[i]] - po.fitted[r, : Ln[i]]
        base_lv.append(np.maximum(pt, 0.0))
        sig_lv.append(sg)
        name_lv.append(nm)
        res_lv.append(res)
    rec = reconcile(
        recon,
        hier,
        point,
        base_lv,
        hist,
        middle_level=middle_level,
        residuals_items=res_items,
        residuals_levels=res_lv if recon == "mint" else None,
    )
    rec = np.maximum(rec, 0.0)
    agg = hier.aggregate(rec)
    frames = []
    for li, (lvl_name, keys) in enumerate(zip(hier.levels, hier.keys, strict=True)):
        f = _frame(
            [str(k) for k in keys],
            period_labels,
            agg[li],
            sig_lv[li],
            name_lv[li],
            lv,
            key_col="node",
        )
        f.insert(0, "level", lvl_name)
        frames.append(f)
    levels_df = pd.concat(frames, ignore_index=True)
    return rec, levels_df
