"""``snop validate``, ``snop import``, ``snop export``: the planning workbook in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import console, err_console, store
from snop.cli.main import app
from snop.cycle.data import export_store, import_workbook
from snop.io import Severity, check_workbook

WorkbookArg = Annotated[Path, typer.Argument(help="A folder of CSV files or an .xlsx file.")]


@app.command("validate")
def validate_cmd(
    workbook: WorkbookArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check a workbook and list every problem (exit code 1 when there are errors)."""
    result = check_workbook(workbook)
    if as_json:
        console.print_json(json.dumps({
            "ok": result.ok,
            "problems": [{"severity": p.severity.value, "source": p.source, "row": p.row,
                          "column": p.column, "value": p.value, "message": p.message}
                         for p in result.problems]}))
    else:
        for p in result.problems:
            style = "red" if p.severity is Severity.ERROR else "yellow"
            console.print(f"[{style}]{p.severity.value}[/]: {p}")
        n_err, n_warn = len(result.errors), len(result.warnings)
        if result.ok and result.workbook is not None:
            wb = result.workbook
            console.print(f"[green]ok[/]: {workbook}: {len(wb.items)} items in "
                          f"{len(wb.family_names)} families, {len(wb.sales)} sales rows "
                          f"({wb.granularity.noun}s), {n_warn} warning(s)")
        else:
            console.print(f"{workbook}: {n_err} error(s), {n_warn} warning(s)")
    if not result.ok:
        raise typer.Exit(1)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    workbook: WorkbookArg,
    replace_sales: Annotated[bool, typer.Option(
        "--replace-sales", help="Replace the whole sales history instead of merging rows."
    )] = False,
) -> None:
    """Load a workbook into the store: all of it or nothing (tables left out are kept)."""
    result = import_workbook(store(ctx), workbook, replace_sales)
    for p in result.warnings:
        err_console.print(f"[yellow]warning[/]: {p}")
    summary = ", ".join(f"{n} {t}" for t, n in result.rows.items() if n)
    console.print(f"[green]imported[/] {workbook}: {summary}")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="A folder (CSV files) or a file ending .xlsx.")],
) -> None:
    """Write the stored workbook in the format `snop import` reads."""
    files = export_store(store(ctx), dest)
    console.print(f"wrote {len(files)} file(s) to {dest}")
