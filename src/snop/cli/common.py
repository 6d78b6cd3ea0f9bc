"""What the sub-commands share: the store option and console output.

The consoles interpret rich markup (``[bold]...[/]``) in the strings the commands compose;
every value that comes from the user or the store (codes, reasons, authors, paths) goes
through :func:`esc` first, so ``GHOST[/]`` prints as typed and never breaks the output.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import Engine

from snop.store.db import open_store

# No highlighting and no :emoji: codes (user text prints as typed); when the output is not a
# terminal (a file, a pipe, a test), lines are never broken, so each message stays one line.
console = Console(highlight=False, emoji=False, soft_wrap=not sys.stdout.isatty())
err_console = Console(stderr=True, highlight=False, emoji=False, soft_wrap=not sys.stderr.isatty())


def esc(value: object) -> str:
    """``value`` as text that prints byte-exact in markup (``[`` escaped)."""
    return escape(str(value))


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="SNOP_DATABASE_URL",
        help="Store: a SQLite file path or a URL such as "
        "postgresql+psycopg://user:pw@host/db. Default: snop.db here.",
    ),
]


def store(ctx: typer.Context) -> Engine:
    """The store named by the global ``--db`` option, opened and migrated."""
    obj: dict[str, Any] = ctx.ensure_object(dict)
    if "engine" not in obj:
        obj["engine"] = open_store(obj.get("db"))
    engine: Engine = obj["engine"]
    return engine
