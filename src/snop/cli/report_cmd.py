"""``snop report``: the executive S&OP pack as HTML, PDF or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import actor, err_console, esc, print_json, store
from snop.cli.main import app
from snop.errors import SnopError
from snop.report import PACK_FORMATS as FORMATS


def pack_format(fmt: str | None, out: Path) -> str:
    """The format asked for, else the one ``out``'s suffix names."""
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise SnopError(
                f"--out {out}: say --format {'|'.join(FORMATS)} (or end the file name in "
                ".html, .pdf or .xlsx)"
            )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise SnopError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html, pdf or xlsx; default: the --out file's suffix."),
    ] = None,
    cycle: Annotated[
        str | None,
        typer.Option("--cycle", help="The cycle (first period); default: the current one."),
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="An approved version instead of a cycle.")
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", help="A scenario to compare (repeat); default: every one run."),
    ] = None,
    levers: Annotated[
        bool, typer.Option("--levers/--no-levers", help="Rank the levers (a few re-solves).")
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written as JSON.")
    ] = False,
) -> None:
    """The executive S&OP pack of a cycle: the cover, KPI card, a page per family, supply,
    finance, what changed with the scenarios and levers, exceptions and decisions."""
    from snop.services.pack import write_pack

    kind = pack_format(fmt, out)
    err_console.print(f"making the pack ({kind})...")
    done = write_pack(
        store(ctx),
        actor(ctx),
        out,
        kind,
        cycle=cycle,
        version=version,
        scenarios=scenario,
        levers=levers,
    )
    if as_json:
        print_json(done.to_json())
        return
    err_console.print(
        f"pack of cycle {esc(done.cycle)} ({done.status}): {done.sections} sections, "
        f"{done.charts} charts, {done.tables} tables"
    )
    typer.echo(str(out))
