"""The ``snop`` command. Each sub-command is a thin door onto the services in the packages."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from snop.cli.common import DbOption, UserOption
from snop.errors import user_message


class SnopGroup(TyperGroup):
    """The root command. A user mistake or a machine limit (disk full, no permission) ends as
    an ``error: ...`` message on stderr and exit code 1, never a traceback; the same in
    ``snop`` and in an in-process ``CliRunner``. Bugs keep their traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = user_message(exc)
            if message is None:
                raise
            typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="snop",
    cls=SnopGroup,
    help="Sales & Operations Planning: forecast, demand review and supply plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: docstrings are re-wrapped (not printed with their line breaks) and
    # nothing in them is read as rich markup
    rich_markup_mode="markdown",
)


@app.callback()
def _root(ctx: typer.Context, db: DbOption = None, user: UserOption = None) -> None:
    """Sales & Operations Planning: forecast, demand review and supply plan."""
    ctx.ensure_object(dict).update(db=db, user=user)


def _register() -> None:
    # Sub-command modules register themselves on ``app``; importing them here keeps one list.
    from snop.cli import (  # noqa: F401
        collab_cmd,
        cycle_cmd,
        demand_cmd,
        demo_cmd,
        finance_cmd,
        forecast_cmd,
        history_cmd,
        initiative_cmd,
        inventory_cmd,
        levers_cmd,
        plan_cmd,
        report_cmd,
        scenario_cmd,
        serve_cmd,
        user_cmd,
        workbook_cmd,
    )


def command() -> Any:
    """The complete ``snop`` command (every sub-command registered), for ``CliRunner``."""
    _register()
    return typer.main.get_command(app)


def main() -> None:
    """Entry point: run the app; user errors become a message and exit code 1."""
    command()(prog_name="snop")


if __name__ == "__main__":
    main()
