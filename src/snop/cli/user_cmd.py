"""``snop user``: the users of the store, their roles, passwords and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.errors import SnopError

user_app = typer.Typer(
    help="Users of the store: add, passwd, token, list (docs/security.md).",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (for scripts)."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise SnopError("--password-stdin: standard input is empty")
        return line.rstrip("\r\n")
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def add_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[
        list[str], typer.Option("--role", help="A role (repeat): demand_planner, sales, ...")
    ],
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="A user who signs in with API tokens only.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the user as JSON.")] = False,
) -> None:
    """Add a user (an admin does, once the store has users; the first user is an admin)."""
    from snop.services.users import add_user

    uow = store(ctx)
    who = actor(ctx)
    password = None if no_password else _password(password_stdin)
    user = add_user(uow, who, name, role, password)
    if as_json:
        print_json(user)
        return
    err_console.print(f"added user {esc(user.name)} ({esc(', '.join(user.roles))})")


@user_app.command("passwd")
def passwd_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user whose password changes.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Change a password (your own, or anyone's as an admin); their sessions end."""
    from snop.services.users import set_password

    uow = store(ctx)
    who = actor(ctx)
    set_password(uow, who, name, _password(password_stdin))
    err_console.print(f"password of {esc(name)} changed")


@user_app.command("token")
def token_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "api",
    revoke: Annotated[
        int | None, typer.Option("--revoke", help="Revoke the token with this id instead.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the token as JSON.")] = False,
) -> None:
    """Make an API token (shown once: keep it), or revoke one."""
    from snop.services.users import create_token, revoke_token

    uow = store(ctx)
    who = actor(ctx)
    if revoke is not None:
        revoke_token(uow, who, name, revoke)
        err_console.print(f"token {revoke} of {esc(name)} revoked")
        return
    made = create_token(uow, who, name, label)
    if as_json:
        print_json(made)
        return
    err_console.print(
        f"token {made.id} of {esc(made.user)} ({esc(made.label)}); it is shown once. Use it "
        "as 'Authorization: Bearer TOKEN' or in SNOP_TOKEN:"
    )
    typer.echo(made.token)


@user_app.command("list")
def list_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The users, their roles, and which are the demo company's."""
    from snop.services.users import list_users

    users = list_users(store(ctx), actor(ctx))
    if as_json:
        print_json(users)
        return
    if not users:
        console.print("no users: the store is a single planner's (snop user add NAME --role admin)")
    for u in users:
        flags = ", ".join(
            f for f, on in (("demo", u.demo), ("no password", not u.has_password)) if on
        )
        console.print(
            f"{esc(u.name)}: {esc(', '.join(u.roles))}" + (f" ({flags})" if flags else "")
        )
