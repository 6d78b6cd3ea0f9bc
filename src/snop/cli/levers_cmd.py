"""``snop levers``: what closes the budget or service gap, ranked, each checked by re-solving."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.errors import SnopError


@app.command("levers")
def levers_cmd(
    ctx: typer.Context,
    cycle: Annotated[
        str | None,
        typer.Option("--cycle", help="Cycle (first period); default: the current one."),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", help="How many of the ranked levers are checked by re-solves.")
    ] = 5,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Rank by value (money), budget (revenue the re-solve gains) or service "
            "(units it serves in their period).",
        ),
    ] = "value",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The gap-closure levers of a cycle's plan (extra hours, workers, subcontracting, a
    price change, moving a promotion): value, value per unit and range of validity from the
    plan's duals and a few re-solves (docs/levers.md)."""
    from snop.services.levers import gap_levers

    if not 0 <= top <= 50:
        raise SnopError(f"--top must be between 0 and 50 (got {top})")
    r = gap_levers(store(ctx), actor(ctx), cycle, top, by)
    data = r.to_json()
    if as_json:
        print_json(data)
        return
    gap = "no budget" if r.budget_gap is None else f"{r.budget_gap:+,.0f} {r.currency}"
    console.print(
        f"[bold]levers of cycle {esc(r.cycle)}[/] ({r.status}, {esc(r.strategy)}): plan cost "
        f"{r.base_cost:,.0f}, revenue {r.base_revenue:,.0f} {esc(r.currency)}; budget gap {gap}; "
        f"service gap {r.service_gap:,.0f} units"
    )
    if not r.levers:
        console.print("no lever found: no capacity binds and nothing is shipped at a price")
    else:
        console.print(_table(data["levers"]))
    for note in r.notes:
        err_console.print(f"note: {esc(note)}")
    err_console.print(f"{r.solves} re-solves in {r.seconds:.1f} s")


def _table(rows: list[dict[str, object]]) -> Table:
    """One line a lever: ``resolved`` the re-solved value with ``ok`` when it matches the
    stated one, ``holds to`` the range of validity, ``gap`` the share of the budget
    revenue gap it closes."""
    from snop.services.levers import lever_what

    t = Table(box=None, pad_edge=False, padding=(0, 1))
    for h in ("#", "lever", "per unit", "value", "resolved", "holds to", "gap"):
        t.add_column(h, justify="left" if h == "lever" else "right", no_wrap=True)
    for row in rows:
        what = lever_what(row, every="all")
        limit = "" if row["valid_up_to"] is None else f"{row['valid_up_to']:,.4g}"
        if row["open_range"]:
            limit = f">={limit}"
        closed = row["budget_gap_closed"]
        check = {True: " ok", False: " no", None: ""}[row["checked"]]  # type: ignore[index]
        resolved = row["resolved_value"]
        t.add_row(
            *(
                Text(str(v))
                for v in (
                    row["rank"],
                    what,
                    f"{row['per_unit']:,.4g}",
                    f"{row['value']:,.0f}",
                    "" if resolved is None else f"{resolved:,.0f}{check}",
                    limit,
                    "" if closed is None else f"{100 * closed:.0f}%",  # type: ignore[operator]
                )
            )
        )
    return t


def lever_lines(rows: list[dict[str, object]], currency: str) -> list[str]:
    """The levers as one sentence each (for narrow output such as the demo's)."""
    from snop.services.levers import lever_what

    out = []
    for row in rows:
        line = f"  {row['rank']}. {lever_what(row)}: worth {row['value']:,.0f} {currency}"
        if row["resolved_value"] is not None:
            ok = {True: "agrees", False: "differs", None: ""}[row["checked"]]  # type: ignore[index]
            line += f", re-solved {row['resolved_value']:,.0f} ({ok})"
        if row["valid_up_to"] is not None:
            line += f", holds {'beyond' if row['open_range'] else 'to'} {row['valid_up_to']:,.4g}"
        out.append(line)
    return out
