"""Use cases of the forecast step: the statistical baseline of the current cycle, and the
forecast of a sales file (nothing stored)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from snop.cycle.model import Cycle
from snop.demand.lifecycle import apply_launch_curves
from snop.errors import NotFoundError, SnopError
from snop.forecasting import ForecastResult, forecast_panel
from snop.forecasting.partitioned import PartitionedForecast
from snop.model.periods import PeriodError, parse_period
from snop.model.vocabulary import PlanStatus
from snop.model.workbook import Workbook
from snop.services.context import (
    Actor,
    Tx,
    UnitOfWork,
    current_cycle,
    cycle_workbook,
    stored_workbook,
)
from snop.services.steps import open_cycle_for_work, record_run

Progress = Callable[[int, int], None]


@dataclass
class BaselineResult:
    cycle: str
    result: ForecastResult
    family_totals: dict[str, float]  # units over the horizon per family
    stale: list[str]  # later steps this run made stale
    sales: pd.DataFrame  # the history forecast: item, period, qty


def run_baseline(
    uow: UnitOfWork,
    actor: Actor,
    *,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    horizon: int | None = None,
    progress: Progress | None = None,
    incremental: bool = False,
    max_age: int | None = None,
) -> BaselineResult:
    """Forecast every item's history up to the current cycle's cut-off over its horizon,
    and save it as the cycle's statistical layer (a rerun replaces it).

    ``incremental``: start from the model each item kept in the store's last baseline run
    (any cycle): only items that need it select a model again, the others refit theirs
    (:mod:`snop.forecasting.incremental`; ``max_age`` periods between selections, default
    a season). Every run saves the record the next incremental run starts from.

    Sales are summed over location, customer and channel; items with no history yet
    (launches) get a forecast from their like item. ``horizon``, when given, must be the
    cycle's. Refused once the cycle's demand plan is submitted or approved.
    """
    with uow.write() as tx:
        cycle = open_cycle_for_work(tx, "a new baseline")
        wb = cycle_workbook(tx, cycle)
        _check_horizon(cycle.horizon, horizon)
        status = tx.forecasts.demand_status(cycle.period)
        if status is not None and PlanStatus(status).frozen:
            raise SnopError(
                f"the demand plan of cycle {cycle.period} is {status}, so its baseline is "
                "frozen; an approver can send it back to draft (`snop demand reject`)"
            )
        previous = tx.forecasts.series_models() if incremental else None
        result = forecast_baseline(
            wb,
            method=method,
            levels=levels,
            progress=progress,
            previous=previous,
            max_age=max_age,
        )
        tx.forecasts.save_baseline(cycle.period, result)
        totals = family_demand(wb, result.forecast.rename(columns={"forecast": "qty"}))
        by_family = {str(f): float(q) for f, q in totals.groupby("family")["qty"].sum().items()}
        summary = result.summary()
        stale = record_run(tx, actor, cycle.period, "forecast", summary)
    return BaselineResult(cycle.period, result, by_family, stale, item_sales(wb))


def forecast_baseline(
    wb: Workbook,
    *,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    progress: Progress | None = None,
    previous: pd.DataFrame | None = None,
    max_age: int | None = None,
) -> ForecastResult:
    """The baseline of ``wb`` (a cycle's workbook) over its planning periods (pure);
    incremental from ``previous`` (a per-series record) when given."""
    from snop.forecasting.incremental import read_previous

    h = wb.horizon
    sales = item_sales(wb)
    last = wb.last_actual
    gap = 0 if last is None else max(0, wb.first_period - last - 1)
    result = forecast_panel(
        sales,
        h + gap,
        method=method,
        levels=tuple(levels),
        items=wb.items,
        progress=progress,
        source="stored sales",
        items_source="stored items",
        previous=None if previous is None else read_previous(previous, "stored series models"),
        max_age=max_age,
    )
    planning = {p.label for p in wb.planning_periods[:h]}
    fc = result.forecast[result.forecast["period"].isin(planning)].reset_index(drop=True)
    result.forecast = apply_launch_curves(wb, fc)
    return result


def item_sales(wb: Workbook) -> pd.DataFrame:
    """The sales of ``wb`` per item and period (summed over location, customer, channel)."""
    return wb.sales.groupby(["item", "period"])["qty"].sum().reset_index()


def _check_horizon(cycle_horizon: int, asked: int | None) -> None:
    if asked is None:
        return
    if isinstance(asked, bool) or not isinstance(asked, int) or asked < 1:
        raise SnopError(f"--horizon must be a whole number of periods >= 1 (got {asked!r})")
    if asked != cycle_horizon:
        raise SnopError(
            f"--horizon {asked} differs from the current cycle's horizon ({cycle_horizon} "
            "periods), which the demand and supply plans cover; omit --horizon"
        )


def family_demand(wb: Workbook, layer: pd.DataFrame) -> pd.DataFrame:
    """A forecast layer (item, period, qty) summed to family and period."""
    fam = layer.merge(wb.items[["item", "family"]], on="item")
    return fam.groupby(["family", "period"])["qty"].sum().reset_index()


@dataclass
class FileForecast:
    result: ForecastResult
    frame: pd.DataFrame  # the forecast, with the reconciled levels when asked
    sales: pd.DataFrame  # the sales file as read


def forecast_file(
    path: Path,
    horizon: int,
    *,
    freq: str | None = None,
    decimal: str | None = None,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    hierarchy: Path | None = None,
    reconcile: str | None = None,
    middle_level: str | None = None,
    from_own_end: bool = False,
    progress: Progress | None = None,
    previous: Path | None = None,
    max_age: int | None = None,
) -> FileForecast:
    """Forecast a sales file (item, period, qty) ``horizon`` periods ahead; nothing stored.

    ``previous``: the per-series report (``--report``, CSV or Parquet) of the run on the
    last month: an incremental run from the models it kept
    (:mod:`snop.forecasting.incremental`).
    """
    from snop.forecasting.data import frequency, read_table
    from snop.forecasting.incremental import read_previous
    from snop.io.numbers import decimal_mark

    if freq is not None:
        frequency(freq)  # a wrong option before any reading
    record = None
    if previous is not None:
        record = read_previous(read_report(previous), Path(previous).name)
    sales = read_table(str(path), "sales", numbers=("qty",), decimal=decimal_mark(decimal or "."))
    items = read_table(str(hierarchy), "items") if hierarchy is not None else None
    result = forecast_panel(
        sales,
        horizon,
        method=method,
        levels=list(levels),
        items=items,
        reconcile=reconcile,
        middle_level=middle_level,
        freq=freq,
        progress=progress,
        source=Path(path).name,
        items_source=hierarchy.name if hierarchy is not None else "items",
        from_own_end=from_own_end,
        previous=record,
        max_age=max_age,
    )
    frame = result.forecast
    if result.levels is not None:
        lv = result.levels.rename(columns={"node": "item"})
        frame = frame.assign(level="item")
        frame = pd.concat([frame, lv[frame.columns]], ignore_index=True)
    return FileForecast(result, frame, sales)


def read_report(path: Path) -> pd.DataFrame:
    """A per-series report written by ``--report``: CSV, or Parquet by its suffix."""
    from snop.forecasting.data import read_table

    if Path(path).suffix.lower() == ".parquet":
        try:
            return pd.read_parquet(path)
        except FileNotFoundError:
            raise SnopError(f"{path}: file not found (previous report)") from None
        except (ValueError, OSError) as exc:
            raise SnopError(f"{path}: not a readable Parquet file ({exc})") from None
    return read_table(str(path), "previous report")


def forecast_file_partitioned(
    path: Path,
    out: Path,
    horizon: int,
    *,
    engine: str,
    scheduler: str | None = None,
    workers: int | None = None,
    freq: str | None = None,
    decimal: str | None = None,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    from_own_end: bool = False,
    partitions: int | None = None,
    message: Callable[[str], None] | None = None,
) -> PartitionedForecast:
    """Forecast a sales file or folder of Parquet files in partitions of whole series on
    ``engine`` (local or dask), writing Parquet partitions of the forecast and report under
    the folder ``out``; results equal :func:`forecast_file`'s (see
    :mod:`snop.forecasting.partitioned`). Nothing stored."""
    import time

    from snop.forecasting.partitioned import Cluster, forecast_partitioned
    from snop.io.numbers import decimal_mark
    from snop.model.vocabulary import Engine

    try:
        eng = Engine(engine)
    except ValueError:
        raise SnopError(
            f"--engine {engine!r} is not an engine; valid: {', '.join(e.value for e in Engine)}"
        ) from None
    if eng is not Engine.DASK and (scheduler is not None or workers is not None):
        raise SnopError("--scheduler and --workers choose where --engine dask runs; add it")
    if scheduler is not None and workers is not None:
        raise SnopError("--workers sizes a local cluster; a --scheduler has its own workers")
    cluster = Cluster(scheduler=scheduler, workers=2 if workers is None else workers)
    t0 = time.perf_counter()
    done = forecast_partitioned(
        path,
        out,
        horizon,
        engine=eng,
        cluster=cluster,
        method=method,
        levels=levels,
        freq=freq,
        decimal=decimal_mark(decimal or "."),
        from_own_end=from_own_end,
        partitions=partitions,
        message=message,
    )
    done.seconds = time.perf_counter() - t0
    return done


@dataclass
class ForecastPlot:
    """A page of forecast charts written: where, which items, and how they were chosen."""

    path: Path
    items: list[str]
    by_volume: bool  # no item named: the items of most volume
    total: int  # items in the forecast


def check_plot_path(path: Path) -> None:
    """Refuse a page path in a folder that does not exist (before any long forecast)."""
    folder = Path(path).parent
    if Path(path).is_dir():
        raise SnopError(f"--plot {path}: is a folder; give a file name such as forecast.html")
    if not folder.is_dir():
        raise SnopError(f"--plot {path}: the folder {folder} does not exist; create it first")


def write_forecast_plot(
    path: Path,
    result: ForecastResult,
    sales: pd.DataFrame,
    *,
    items: Sequence[str] = (),
    title: str = "Statistical forecast",
    source: str = "sales",
) -> ForecastPlot:
    """Write an HTML page charting the forecast of ``items`` (default: the items of most
    volume, see :func:`snop.report.forecast_chart.choose_items`) against their ``sales``.

    The page is written under a temporary name in its folder and renamed into place, so a
    failure leaves no partial file.
    """
    from snop.io.atomic import atomic_file
    from snop.report.forecast_chart import choose_items, forecast_page_body, sales_history
    from snop.report.page import write_page

    check_plot_path(path)
    history = sales_history(sales, source=source)
    choice = choose_items(history, result.forecast, items)
    note = (
        f"The {len(choice.items)} item(s) of most volume of {choice.total}."
        if choice.by_volume
        else ""
    )
    body = forecast_page_body(
        choice.items,
        history,
        result.forecast,
        result.outliers,
        result.report,
        result.level_values,
        title=title,
        note=note,
    )
    with atomic_file(path) as tmp:
        write_page(tmp, title, body)
    return ForecastPlot(Path(path), choice.items, choice.by_volume, choice.total)


# --- reading the stored baseline ------------------------------------------------------


def baseline(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item: str | None = None,
    family: str | None = None,
    cycle: str | None = None,
) -> pd.DataFrame:
    """``cycle``'s statistical baseline (default: the current cycle's): item, period, qty,
    model; of ``item`` or the items of ``family`` when given."""
    with uow.read() as tx:
        c = _cycle(tx, cycle)
        rows = tx.forecasts.layer(c.period)
        return _of(rows, stored_workbook(tx), item, family)


def intervals(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item: str | None = None,
    family: str | None = None,
    cycle: str | None = None,
) -> pd.DataFrame:
    """The baseline's prediction intervals: item, period, level (percent), lo, hi."""
    with uow.read() as tx:
        c = _cycle(tx, cycle)
        rows = tx.forecasts.intervals(c.period)
        return _of(rows, stored_workbook(tx), item, family)


def backtest_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item: str | None = None,
    family: str | None = None,
    cycle: str | None = None,
) -> pd.DataFrame:
    """The backtest report the baseline's models were chosen by: per item its demand
    class, model, runner-up, MASE and WAPE (and the naive forecast's), outliers."""
    with uow.read() as tx:
        c = _cycle(tx, cycle)
        rows = tx.forecasts.report(c.period)
        return _of(rows, stored_workbook(tx), item, family)


def _cycle(tx: Tx, period: str | None) -> Cycle:
    if period is None:
        return current_cycle(tx)
    try:
        label = parse_period(period).label
    except PeriodError as e:
        raise SnopError(f"cycle: {e}") from None
    found = tx.cycles.get(label)
    if found is None:
        known = ", ".join(x.period for x in tx.cycles.all()) or "none yet"
        raise NotFoundError(f"cycle {period} does not exist; the cycles are {known}")
    return found


def _of(rows: pd.DataFrame, wb: Workbook, item: str | None, family: str | None) -> pd.DataFrame:
    """The rows of ``item``, or of the items of ``family``."""
    if item is not None:
        if item not in set(wb.items["item"]):
            raise NotFoundError(f"item {item!r} is not in the store's items")
        rows = rows[rows["item"] == item]
    if family is not None:
        members = wb.items.loc[wb.items["family"] == family, "item"]
        if members.empty:
            raise NotFoundError(
                f"family {family!r} is not in the store; the families: "
                + ", ".join(wb.family_names[:20])
            )
        rows = rows[rows["item"].isin(set(members))]
    return rows.reset_index(drop=True)
