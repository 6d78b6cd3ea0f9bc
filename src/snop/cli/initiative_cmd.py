"""``snop initiative``: strategic initiatives, tracked with an owner, dates, a status and an
effect on the plan."""

from __future__ import annotations

from typing import Annotated

import typer

from snop.cli.common import actor, console, esc, print_json, store
from snop.cli.main import app

initiative_app = typer.Typer(help="Strategic initiatives: owner, dates, status, effect.")
app.add_typer(initiative_app, name="initiative")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@initiative_app.command("add")
def add_cmd(
    ctx: typer.Context,
    code: str,
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    start: Annotated[str, typer.Option(help="First period of its effect.")],
    effect: Annotated[
        list[str],
        typer.Option(help="A change: KIND then its words, e.g. 'demand family=COOK +10%'."),
    ],
    end: Annotated[str | None, typer.Option(help="Last period; default: no end.")] = None,
    description: Annotated[str | None, typer.Option(help="What it is.")] = None,
    as_json: Json = False,
) -> None:
    """Propose an initiative and its effect (docs/scenarios.md for the words of a change)."""
    from snop.scenario.parse import parse_delta
    from snop.services.initiatives import add_initiative

    deltas = []
    for text in effect:
        kind, _, rest = text.strip().partition(" ")
        deltas.append(parse_delta(code, kind, rest))
    i = add_initiative(
        store(ctx), actor(ctx), code, owner=owner, start=start, end=end,
        description=description, effects=deltas,
    )  # fmt: skip
    if as_json:
        print_json(i)
        return
    console.print(f"initiative [bold]{esc(i.code)}[/] proposed, owner {esc(i.owner)}")
    for line in i.effects:
        console.print(f"  {esc(line)}")


@initiative_app.command("list")
def list_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """The initiatives, their status and effect."""
    from snop.services.initiatives import list_initiatives

    found = list_initiatives(store(ctx), actor(ctx))
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("no initiatives yet (`snop initiative add`)")
    for i in found:
        span = f"{i.start}..{i.end or ''}"
        console.print(f"[bold]{esc(i.code)}[/] ({i.status}), {esc(i.owner)}, {esc(span)}: "
                      f"{esc(i.description or '')}")  # fmt: skip
        for line in i.effects:
            console.print(f"  {esc(line)}")


def _decide(ctx: typer.Context, code: str, approve: bool, as_json: bool) -> None:
    from snop.services.initiatives import decide_initiative

    i = decide_initiative(store(ctx), actor(ctx, "executive"), code, approve=approve)
    if as_json:
        print_json(i)
        return
    then = "it applies from the next supply review (`snop cycle run`)" if approve else "it waits"
    console.print(f"initiative {esc(i.code)} {i.status}; {then}")


@initiative_app.command("approve")
def approve_cmd(ctx: typer.Context, code: str, as_json: Json = False) -> None:
    """The executives accept an initiative: its effect applies to the plan."""
    _decide(ctx, code, True, as_json)


@initiative_app.command("defer")
def defer_cmd(ctx: typer.Context, code: str, as_json: Json = False) -> None:
    """The executives defer an initiative: its effect leaves the plan."""
    _decide(ctx, code, False, as_json)
