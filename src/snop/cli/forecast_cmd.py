"""``snop forecast``: the statistical baseline, from a sales file or from the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from snop.cli.common import print_json
from snop.cli.main import app
from snop.errors import SnopError

PROGRESS_MIN_SERIES = 2000
DEFAULT_HORIZON = 18  # file mode; the store uses the workbook's horizon setting
LIST_MAX = 20  # items named in a text listing (all of them are in --json and --report)


def _levels(level: list[str] | None, extra: list[str]) -> tuple[list[float], list[str]]:
    """Interval levels from ``--level 80 --level 95``, ``--level 80,95`` or ``--level 80 95``.

    Click options take one value, so in ``--level 80 95`` the 95 arrives as a positional
    argument: numbers among the positionals are read as further levels when --level is used.
    """
    raw: list[str] = []
    for v in level or []:
        raw += [x for x in str(v).replace(";", ",").split(",") if x.strip()]
    files: list[str] = []
    for a in extra:
        try:
            float(a)
        except ValueError:
            files.append(a)
            continue
        if level:
            raw.append(a)
        else:
            files.append(a)
    out = []
    for x in raw:
        try:
            out.append(float(x))
        except ValueError:
            raise SnopError(f"--level {x!r} is not a number; write e.g. --level 80 95") from None
    return out, files


@app.command("forecast")
def forecast_cmd(
    ctx: typer.Context,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="SALES.csv with columns item, period, qty (periods YYYY-MM, YYYY-Qn or "
            "YYYY-Www). Without it, the stored history is forecast.",
            show_default=False,
        ),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option(
            "--horizon",
            help="Periods to forecast (a file: default 18; the store: the "
            "workbook's horizon setting, and a different value is refused).",
            show_default=False,
        ),
    ] = None,
    freq: Annotated[
        str | None,
        typer.Option("--freq", help="M, Q or W; checked against the periods (default: detected)."),
    ] = None,
    decimal: Annotated[
        str | None,
        typer.Option(
            "--decimal",
            help="Decimal mark of the sales file's quantities: '.' (default; a "
            "comma is refused) or ',' (1234,5 or 1.234,5).",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method", help="auto|ets|arima|theta|croston|sba|tsb|mean|naive|snaive|drift|ensemble"
        ),
    ] = "auto",
    level: Annotated[
        list[str] | None,
        typer.Option("--level", help="Prediction interval levels in percent (default 80 95)."),
    ] = None,
    hierarchy: Annotated[
        Path | None,
        typer.Option(
            "--hierarchy",
            help="ITEMS.csv: item plus attributes (family, category...), "
            "launch_period, end_period, like_item.",
        ),
    ] = None,
    reconcile: Annotated[
        str | None,
        typer.Option("--reconcile", help="bottom_up|top_down|middle_out|mint (needs --hierarchy)."),
    ] = None,
    middle_level: Annotated[
        str | None,
        typer.Option("--middle-level", help="Level for middle_out (default: first attribute)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="FORECAST.csv to write (item, period, forecast, model, lo_/hi_)."
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the per-item backtest report CSV here."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print a JSON summary (per item: model, backtest metrics)."),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also write PAGE.html: per item the history, forecast, interval bands and "
            "outliers (one self-contained file that opens offline).",
            show_default=False,
        ),
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            help="An item to draw with --plot (repeat it for more; default: the 12 items "
            "of most volume).",
            show_default=False,
        ),
    ] = None,
    from_own_end: Annotated[
        bool,
        typer.Option(
            "--from-own-end",
            help="Forecast each series from its own last period (a panel of "
            "unrelated series); by default series that stopped early are "
            "forecast 0 and labelled Inactive.",
        ),
    ] = False,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Re-forecast from the models kept by the last run: only new, restated, "
            "out-of-band or aged series select a model again, the others refit theirs "
            "(the store: its last baseline run; a file: --previous REPORT.csv).",
        ),
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="With --incremental on a sales file: the per-series --report CSV of the last run.",
            show_default=False,
        ),
    ] = None,
    max_age: Annotated[
        int | None,
        typer.Option(
            "--max-age",
            help="With --incremental: periods after which a kept model is selected again "
            "(default: a season, 12 months).",
            show_default=False,
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="local|dask: forecast SALES (a CSV or Parquet file, or a folder of Parquet "
            "files) in partitions of whole series, in this process (local) or on Dask; "
            "--out is then a folder that receives forecast/ and report/ Parquet files. "
            "Series are item, or item x location when the sales have a location column.",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --engine dask: the address of a running Dask scheduler "
            "(tcp://HOST:PORT); default: a local cluster on this machine.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="With --engine dask and no --scheduler: worker processes of the local "
            "cluster (default 2, one thread each).",
            show_default=False,
        ),
    ] = None,
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            help="With --engine: partitions of whole series (default: one per 500,000 input rows).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Statistical baseline forecast: a model per item, chosen by backtest, with intervals."""
    levels, files = _levels(level, list(inputs or []))
    if not levels:
        levels = [80.0, 95.0]
    if len(files) > 1:
        raise SnopError(f"one sales file at a time (got {', '.join(files)})")
    if reconcile is not None and hierarchy is None:
        raise SnopError(
            "--reconcile needs --hierarchy ITEMS.csv (the items and their family/category columns)"
        )
    if method not in _methods():
        raise SnopError(f"--method {method!r} is not known; valid: {', '.join(_methods())}")
    if horizon is not None and horizon < 1:
        raise SnopError(f"--horizon {horizon}: forecast at least 1 period")
    if not files and decimal is not None:
        raise SnopError(
            "--decimal applies to a sales file (snop forecast SALES.csv "
            "--decimal ,); the stored history holds numbers already"
        )
    if item and plot is None:
        raise SnopError("--item chooses the items drawn by --plot PAGE.html; add --plot")
    _check_incremental(incremental, previous, max_age, bool(files))
    if engine or scheduler is not None or workers is not None or partitions is not None:
        _forecast_partitioned(
            files,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            partitions=partitions,
            unsupported={
                "--hierarchy": hierarchy,
                "--reconcile": reconcile,
                "--middle-level": middle_level,
                "--report": report,
                "--plot": plot,
                "--item": item,
                "--incremental": incremental,
            },
            horizon=horizon or DEFAULT_HORIZON,
            freq=freq,
            decimal=decimal,
            method=method,
            levels=levels,
            from_own_end=from_own_end,
            out=out,
            as_json=as_json,
        )
        return
    draw = Drawing(plot, list(item or [])) if plot is not None else None
    if draw is not None:
        from snop.services.forecast import check_plot_path

        check_plot_path(draw.path)
    if not files:
        if from_own_end:
            raise SnopError(
                "--from-own-end works on a sales file; the stored history is "
                "forecast from the cycle's first planning period"
            )
        _forecast_store(
            ctx,
            horizon=horizon,
            method=method,
            levels=levels,
            reconcile=reconcile,
            as_json=as_json,
            draw=draw,
            incremental=incremental,
            max_age=max_age,
        )
        return
    if out is None and not as_json and draw is None:
        raise SnopError(
            "say where to write the forecast: --out FORECAST.csv (or --plot PAGE.html, --json)"
        )
    _forecast_file(
        Path(files[0]),
        horizon=horizon or DEFAULT_HORIZON,
        freq=freq,
        decimal=decimal,
        method=method,
        levels=levels,
        hierarchy=hierarchy,
        reconcile=reconcile,
        middle_level=middle_level,
        out=out,
        report=report,
        as_json=as_json,
        from_own_end=from_own_end,
        draw=draw,
        previous=previous,
        max_age=max_age,
    )


def _check_incremental(
    incremental: bool, previous: Path | None, max_age: int | None, file: bool
) -> None:
    """--previous and --max-age belong to --incremental; a file needs --previous."""
    if not incremental:
        for given, name in ((previous, "--previous"), (max_age, "--max-age")):
            if given is not None:
                raise SnopError(f"{name} applies to an incremental run; add --incremental")
        return
    if file and previous is None:
        raise SnopError(
            "--incremental on a sales file needs --previous REPORT.csv: the per-series "
            "--report of the last run"
        )
    if not file and previous is not None:
        raise SnopError(
            "--previous reads a file run's report; the store starts from its own last "
            "baseline run (drop --previous)"
        )
    if max_age is not None and max_age < 1:
        raise SnopError(f"--max-age {max_age}: keep a model at least 1 period")


def _paths_line(summary: dict[str, Any]) -> str | None:
    """``paths: reselect 12 (new 2, out_of_band 10), refit 88`` for an incremental run."""
    counts = summary.get("paths") or {}
    paths, reasons = counts.get("paths", {}), counts.get("reasons", {})
    if "full" in reasons or not paths:
        return None
    why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()) if k != "kept")
    parts = [f"reselect {paths.get('reselect', 0)}" + (f" ({why})" if why else "")]
    parts.append(f"refit {paths.get('refit', 0)}")
    return "paths: " + ", ".join(parts)


def _forecast_partitioned(
    files: list[str],
    *,
    engine: str | None,
    scheduler: str | None,
    workers: int | None,
    partitions: int | None,
    unsupported: dict[str, Any],
    horizon: int,
    freq: str | None,
    decimal: str | None,
    method: str,
    levels: list[float],
    from_own_end: bool,
    out: Path | None,
    as_json: bool,
) -> None:
    """``--engine local|dask``: a partitioned forecast written to the folder ``--out``."""
    from snop.cli.common import console, err_console, esc
    from snop.services.forecast import forecast_file_partitioned

    if engine is None:
        raise SnopError("--scheduler, --workers and --partitions need --engine local|dask")
    if not files:
        raise SnopError("--engine forecasts a sales file: snop forecast SALES --engine dask")
    given = [name for name, value in unsupported.items() if value]
    if given:
        raise SnopError(
            f"{', '.join(given)} work on a forecast in one piece; drop --engine, or drop "
            f"{', '.join(given)} (the per-series report is written to --out DIR/report)"
        )
    if out is None:
        raise SnopError("--engine needs --out DIR: the folder for the forecast's partitions")
    if partitions is not None and partitions < 1:
        raise SnopError(f"--partitions {partitions}: give at least 1")

    def say(text: str) -> None:
        err_console.print(text, markup=False)

    done = forecast_file_partitioned(
        Path(files[0]),
        out,
        horizon,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        freq=freq,
        decimal=decimal,
        method=method,
        levels=levels,
        from_own_end=from_own_end,
        partitions=partitions,
        message=say,
    )
    if as_json:
        print_json(done.summary())
        return
    models = ", ".join(f"{k} {v}" for k, v in done.models.items())
    console.print(
        f"Forecast {done.series:,} series x {done.horizon} periods in {done.partitions} "
        f"partition(s) on {done.engine.value} in {done.seconds:.1f} s -> {esc(done.out)} "
        "(forecast/ and report/ Parquet files)"
    )
    console.print(f"  models: {esc(models)}")
    if done.inactive:
        console.print(
            f"  {done.inactive:,} inactive (no sales rows in their last periods; forecast 0)"
        )


@dataclass
class Drawing:
    """``--plot PATH`` and its ``--item`` codes."""

    path: Path
    items: list[str]


def _draw(draw: Drawing | None, result: Any, sales: Any, title: str, source: str) -> str | None:
    """Write the page of ``--plot`` (say on stderr which items it shows); its path."""
    if draw is None:
        return None
    from snop.cli.common import err_console, esc
    from snop.services.forecast import write_forecast_plot

    done = write_forecast_plot(
        draw.path, result, sales, items=draw.items, title=title, source=source
    )
    shown = ", ".join(done.items[:LIST_MAX]) + (" ..." if len(done.items) > LIST_MAX else "")
    err_console.print(f"plot: {len(done.items)} item(s) drawn -> {esc(done.path)}: {esc(shown)}")
    if done.by_volume and done.total > len(done.items):
        err_console.print(
            f"  the {len(done.items)} of most volume of {done.total}; --item CODE draws others"
        )
    return str(done.path)


def _methods() -> tuple[str, ...]:
    from snop.forecasting import METHODS

    return METHODS


def _forecast_file(
    path: Path,
    *,
    horizon: int,
    freq: str | None,
    decimal: str | None,
    method: str,
    levels: list[float],
    hierarchy: Path | None,
    reconcile: str | None,
    middle_level: str | None,
    out: Path | None,
    report: Path | None,
    as_json: bool,
    from_own_end: bool = False,
    draw: Drawing | None = None,
    previous: Path | None = None,
    max_age: int | None = None,
) -> None:
    from snop.services.forecast import forecast_file

    progress_cb, stop = _progress()
    try:
        done = forecast_file(
            path,
            horizon,
            freq=freq,
            decimal=decimal,
            method=method,
            levels=levels,
            hierarchy=hierarchy,
            reconcile=reconcile,
            middle_level=middle_level,
            from_own_end=from_own_end,
            progress=progress_cb,
            previous=previous,
            max_age=max_age,
        )
    finally:
        stop()
    result, frame = done.result, done.frame
    if out is not None:
        _write(frame, out)
    if report is not None:
        _write(result.report, report)
    page = _draw(draw, result, done.sales, f"Forecast of {path.name}", path.name)
    if as_json:
        summary: dict[str, Any] = result.summary()
        if out is not None:
            summary["out"] = str(out)
        if page is not None:
            summary["plot"] = page
        print_json(summary)
    else:
        from snop.cli.common import console, esc

        s = result.summary()
        bt = s["backtest"]
        models = ", ".join(f"{k} {v}" for k, v in s["models"].items())
        dest = f" -> {esc(out)}" if out is not None else ""
        console.print(f"Forecast {s['items']} items x {horizon} periods{dest}")
        console.print(f"  models: {esc(models)}")
        if bt["mase"] is not None:
            console.print(
                f"  backtest mean MASE {bt['mase']:.3f} (naive {bt['naive_mase']:.3f}),"
                f" mean WAPE {bt['wape']:.3f} (naive {bt['naive_wape']:.3f})"
            )
        if s["outliers_flagged"]:
            console.print(f"  {s['outliers_flagged']} outlier(s) flagged and cleansed")
        if (line := _paths_line(s)) is not None:
            console.print("  " + line, markup=False)
        for line in _listings(s):
            console.print("  " + line, markup=False)


def _listings(summary: dict[str, Any]) -> list[str]:
    """Text lines naming the inactive items and the items to review."""

    def names(items: list[str]) -> str:
        more = len(items) - LIST_MAX
        return ", ".join(items[:LIST_MAX]) + (f" and {more} more" if more > 0 else "")

    out = []
    if summary["inactive"]:
        out.append(
            f"{len(summary['inactive'])} inactive (no sales rows in their last "
            "periods; forecast 0, model Inactive; --from-own-end forecasts them from "
            f"their own end): {names(summary['inactive'])}"
        )
    if summary["review"]:
        out.append(
            f"{len(summary['review'])} to review (the chosen model did worse than "
            f"naive in the backtest): {names(summary['review'])}"
        )
    return out


def _write(frame: Any, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, float_format="%.10g")
    except OSError as exc:
        raise SnopError(f"{path}: cannot write ({exc.strerror})") from None


def _progress() -> tuple[Any, Any]:
    """A rich progress bar on stderr, shown once a run turns out long; (callback, stop)."""
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    from snop.cli.common import err_console

    bar: list[Progress] = []

    def cb(done: int, total: int) -> None:
        if total < PROGRESS_MIN_SERIES:
            return
        if not bar:
            bar.append(
                Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    "{task.completed}/{task.total} series",
                    TimeElapsedColumn(),
                    console=err_console,
                    transient=True,
                )
            )
            bar[0].add_task("forecasting", total=total)
            bar[0].start()
        bar[0].update(bar[0].task_ids[0], completed=done, total=total)

    def stop() -> None:
        if bar:
            bar[0].stop()

    return cb, stop


def _forecast_store(
    ctx: typer.Context,
    *,
    horizon: int | None,
    method: str,
    levels: list[float],
    reconcile: str | None,
    as_json: bool,
    draw: Drawing | None = None,
    incremental: bool = False,
    max_age: int | None = None,
) -> None:
    """Store mode (no file): forecast the current cycle's history, save the baseline."""
    from snop.cli.common import actor, store
    from snop.services.forecast import run_baseline

    if reconcile is not None:
        raise SnopError(
            "--reconcile works with --hierarchy ITEMS.csv on a sales file; the "
            "stored baseline is forecast per item"
        )
    done = run_baseline(
        store(ctx),
        actor(ctx),
        method=method,
        levels=levels,
        horizon=horizon,
        incremental=incremental,
        max_age=max_age,
    )
    result = done.result
    title = f"Statistical baseline of cycle {done.cycle}"
    try:
        page = _draw(draw, result, done.sales, title, "stored sales")
    except SnopError as exc:  # the baseline is saved by then: say so
        raise SnopError(f"{exc} (the baseline of cycle {done.cycle} is saved; no page)") from None
    if as_json:
        summary = result.summary()
        if page is not None:
            summary["plot"] = page
        print_json(summary)
        return
    typer.echo(
        f"saved the statistical baseline of cycle {done.cycle}: "
        f"{result.forecast['item'].nunique()} items x {result.forecast['period'].nunique()}"
        " periods"
    )
    if (line := _paths_line(result.summary())) is not None:
        typer.echo("  " + line)
    for line in _listings(result.summary()):
        typer.echo("  " + line)
    if done.stale:
        typer.echo(f"  now stale, to run again: {', '.join(done.stale)}")
