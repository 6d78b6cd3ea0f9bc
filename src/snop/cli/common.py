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

from snop.io.jsonable import dumps
from snop.services.context import Actor, UnitOfWork

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


TOKEN_ENV = "SNOP_TOKEN"  # an API token: the CLI acts as its user

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="SNOP_USER",
        help="Who acts (recorded in the audit trail, sign-offs and approvals). "
        "Default: the login name.",
    ),
]


def store(ctx: typer.Context) -> UnitOfWork:
    """The store named by the global ``--db`` option, opened and migrated."""
    obj: dict[str, Any] = ctx.ensure_object(dict)
    if "uow" not in obj:
        obj["uow"] = UnitOfWork.open(obj.get("db"))
    uow: UnitOfWork = obj["uow"]
    return uow


def actor(ctx: typer.Context, *roles: str | None, name: str | None = None) -> Actor:
    """Who runs this command: ``name`` (a command's --author), else the global --user,
    else the login name; acting in ``roles`` (none given: the action's owner role).

    Once the store has users, that is a user of the store, acting only in roles they hold:
    the user named, or the one whose token is in ``SNOP_TOKEN`` (docs/security.md)."""
    import getpass

    obj: dict[str, Any] = ctx.ensure_object(dict)
    asked = [r for r in roles if r]
    who = name or obj.get("user")
    uow: UnitOfWork | None = obj.get("uow")  # set when the command uses the store
    if uow is not None:
        from snop.services.users import users_exist

        if users_exist(uow):
            return _store_user(uow, who, asked)
    if not who:
        try:
            who = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container): still someone
            who = "local"
    return Actor.of(str(who), *asked)


def _store_user(uow: UnitOfWork, who: str | None, roles: list[str]) -> Actor:
    import getpass
    import os

    from snop.errors import NotAllowed
    from snop.services.users import actor_of_token, actor_of_user

    token = os.environ.get(TOKEN_ENV)
    if token:
        by_token = actor_of_token(uow, token)
        if who and who != by_token.name:
            raise NotAllowed(f"{TOKEN_ENV} is a token of {by_token.name}, not of {who}")
        who = by_token.name
    if not who:
        try:
            who = getpass.getuser()
        except (OSError, KeyError):
            who = "local"
    return actor_of_user(uow, str(who), roles)


def print_json(value: Any) -> None:
    """``value`` as JSON on stdout (the one JSON form: :mod:`snop.io.jsonable`)."""
    sys.stdout.write(dumps(value) + "\n")
