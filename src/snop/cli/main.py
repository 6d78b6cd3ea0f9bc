"""The ``snop`` command. Each sub-command is a thin door onto the services in the packages."""

from __future__ import annotations

import sys

import typer

from snop.cli.common import DbOption
from snop.errors import SnopError

app = typer.Typer(
    name="snop",
    help="Sales & Operations Planning: forecast, demand review, supply plan, finance, exec pack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(ctx: typer.Context, db: DbOption = None) -> None:
    """Sales & Operations Planning: forecast, demand review, supply plan, finance, exec pack."""
    ctx.ensure_object(dict)["db"] = db


def _register() -> None:
    # Sub-command modules register themselves on ``app``; importing them here keeps one list.
    from snop.cli import (  # noqa: F401
        demand_cmd,
        demo_cmd,
        forecast_cmd,
        plan_cmd,
        workbook_cmd,
    )


def main() -> None:
    """Entry point: run the app, turning user errors into a message and exit code 1."""
    _register()
    try:
        app()  # standalone: usage errors and typer.Exit become exit codes
    except SnopError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    main()
