"""``snop history``: import sales history at volume (CSV or Parquet) and show its sums."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.errors import SnopError

history_app = typer.Typer(
    help="Sales history at volume: import a CSV or Parquet file, show its sums (docs/scale.md).",
    no_args_is_help=True,
)
app.add_typer(history_app, name="history")

LEVELS = ("total", "family", "item", "series")


@history_app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Sales file: .csv or .parquet.")],
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows read and checked at a time.")
    ] = 500_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import sales rows (item, period, qty; optionally location, customer, channel) into
    the store's history of item x location series, in chunks of bounded memory.

    All or nothing: a bad row anywhere stores nothing, and the error names its row and
    column. Re-importing replaces the periods the file covers (for every series) and keeps
    the others. Rows are summed over customer and channel into their series."""
    from snop.services.history import import_sales

    uow = store(ctx)
    who = actor(ctx)
    update, stop = _progress(file.name)
    try:
        r = import_sales(uow, who, file, chunk_rows=chunk_rows, progress=update)
    finally:
        stop()
    if as_json:
        print_json(r)
        return
    console.print(
        f"[bold]{esc(r.file)}[/]: {r.rows:,} rows in {r.chunks} chunk(s), "
        f"{r.seconds:.1f}s ({r.rows / max(r.seconds, 1e-9):,.0f} rows/s)"
    )
    console.print(
        f"  periods {esc(r.first_period)} to {esc(r.last_period)} ({r.periods}) replaced: "
        f"{r.removed:,} stored series-periods before, {r.written:,} now; "
        f"{r.new_series:,} new series"
    )


@history_app.command("show")
def show_cmd(
    ctx: typer.Context,
    level: Annotated[str, typer.Option("--level", help="total, family, item or series.")] = "total",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The stored history summed per node of a level and period (summed in the database):
    series -> item -> family (from the workbook's items table; '(none)' without one) ->
    total."""
    from snop.model.vocabulary import Level
    from snop.services.history import history_sums

    if level not in LEVELS:
        raise SnopError(f"--level {level!r} is not a level; valid: {', '.join(LEVELS)}")
    uow = store(ctx)
    r = history_sums(uow, actor(ctx), None if level == "series" else Level(level))
    if as_json:
        print_json(r)
        return
    console.print(f"[bold]sales history[/]: {r.series:,} series, {r.rows:,} series-periods")
    if r.sums.empty:
        console.print("  nothing stored yet: snop history import FILE")
        return
    keys = [c for c in r.sums.columns if c not in ("period", "qty")]
    wide = (
        r.sums.pivot_table(
            index=keys or None, columns="period", values="qty", aggfunc="sum", sort=False
        )
        if keys
        else r.sums.set_index("period")[["qty"]].T
    )
    console.print(esc(wide.to_string(float_format=lambda v: f"{v:,.0f}")))


def _progress(name: str) -> tuple[Callable[[int, float], None], Callable[[], None]]:
    """A progress bar on stderr (rows read, share of the file); (update, stop)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        "{task.fields[rows]} rows",
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = bar.add_task(f"importing {esc(name)}", total=1.0, rows="0")
    started: list[bool] = []

    def update(rows: int, fraction: float) -> None:
        if not started:
            bar.start()
            started.append(True)
        bar.update(task, completed=fraction, rows=f"{rows:,}")

    def stop() -> None:
        if started:
            bar.stop()

    return update, stop
