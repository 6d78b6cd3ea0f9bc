"""``snop validate``, ``snop import``, ``snop export``: the planning workbook in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.io import Severity
from snop.services.plan_export import export_plan
from snop.services.workbook import export_store, import_workbook, validate_workbook

WorkbookArg = Annotated[Path, typer.Argument(help="A folder of CSV files or an .xlsx file.")]


@app.command("validate")
def validate_cmd(
    workbook: WorkbookArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check a workbook and list every problem (exit code 1 when there are errors)."""
    result = validate_workbook(workbook)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "problems": [
                    {
                        "severity": p.severity.value,
                        "source": p.source,
                        "row": p.row,
                        "column": p.column,
                        "value": None if p.value is None else str(p.value),
                        "message": p.message,
                    }
                    for p in result.problems
                ],
            },
        )
    else:
        for p in result.problems:
            style = "red" if p.severity is Severity.ERROR else "yellow"
            console.print(f"[{style}]{p.severity.value}[/]: {esc(p)}")
        n_err, n_warn = len(result.errors), len(result.warnings)
        if result.ok and result.workbook is not None:
            wb = result.workbook
            console.print(
                f"[green]ok[/]: {esc(workbook)}: {len(wb.items)} items in "
                f"{len(wb.family_names)} families, {len(wb.sales)} sales rows "
                f"({wb.granularity.noun}s), {n_warn} warning(s)"
            )
        else:
            console.print(f"{esc(workbook)}: {n_err} error(s), {n_warn} warning(s)")
    if not result.ok:
        raise typer.Exit(1)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    workbook: WorkbookArg,
    replace_sales: Annotated[
        bool,
        typer.Option(
            "--replace-sales", help="Replace the whole sales history instead of merging rows."
        ),
    ] = False,
) -> None:
    """Load a workbook into the store: all of it or nothing (tables left out are kept)."""
    result = import_workbook(store(ctx), actor(ctx), workbook, replace_sales=replace_sales)
    for p in result.warnings:
        err_console.print(f"[yellow]warning[/]: {esc(p)}")
    summary = ", ".join(f"{n} {t}" for t, n in result.rows.items() if n)
    console.print(f"[green]imported[/] {esc(workbook)}: {summary}")
    c = result.cycle
    if result.opened:
        console.print(
            f"opened cycle {c.period}: {c.horizon} periods from {c.period}, actuals up to "
            f"{c.actuals_cutoff or 'none'}"
        )
    for la in result.late_actuals:
        console.print(
            f"late actuals for {la.period} (at or before the cut-off of cycle {c.period}): "
            f"{la.rows} row(s) changed, {la.before:,.0f} -> {la.after:,.0f} units; recorded "
            "in the audit trail, approved versions unchanged"
        )
    if result.stale:
        console.print(f"cycle {c.period}: now stale, to run again: {', '.join(result.stale)}")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="A folder (CSV files) or a file ending .xlsx.")],
) -> None:
    """Write the stored workbook in the format `snop import` reads.

    Into a folder (CSV files) or a .xlsx file, replacing the old files only once the new ones
    are complete. In a folder, the CSV files of workbook tables the store does not hold are
    removed; other files are kept. An .xlsx file also gets the current cycle's plan in
    sheets named plan_... (its approved version, else its drafts), which import ignores."""
    if dest.suffix.lower() == ".xlsx":
        exported = export_plan(store(ctx), actor(ctx), dest)
        result = exported.written
        if exported.plan is None:
            err_console.print("no current cycle: only the input tables were written")
        else:
            err_console.print(
                f"exported {esc(exported.plan.what)} in {len(exported.sheets)} plan sheet(s): "
                f"{esc(', '.join(exported.sheets))}; input tables: "
                f"{esc(', '.join(exported.inputs))}"
            )
    else:
        result = export_store(store(ctx), actor(ctx), dest)
    console.print(f"wrote {len(result.written)} file(s) to {esc(dest)}")
    if result.removed:
        names = ", ".join(p.name for p in result.removed)
        console.print(
            f"removed {len(result.removed)} stale file(s) of tables the store does "
            f"not hold: {esc(names)}"
        )
