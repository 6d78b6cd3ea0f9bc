"""``snop plan``: the aggregate production plan (level, chase, optimal), and its versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import actor, console, esc, print_json, store
from snop.cli.main import app
from snop.errors import SnopError
from snop.model.vocabulary import Strategy

plan_app = typer.Typer(
    help="Aggregate production plan per family and period: level, chase or optimal.",
    no_args_is_help=False,
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@plan_app.callback()
def plan_cmd(
    ctx: typer.Context,
    workbook: Annotated[
        Path | None,
        typer.Option("--workbook", help="A CSV folder or .xlsx to plan on directly (no store)."),
    ] = None,
    strategy: Annotated[
        str, typer.Option(help="level, chase, optimal, or all (the three side by side).")
    ] = Strategy.OPTIMAL.value,
    integer_workforce: Annotated[
        bool, typer.Option("--integer-workforce", help="Whole workers (a MIP).")
    ] = False,
    allow_ending_backlog: Annotated[
        bool | None,
        typer.Option(
            "--allow-ending-backlog/--no-ending-backlog",
            help="Let backlog remain at the horizon end (default: the workbook setting "
            "allow_ending_backlog, else no: what is owed then is unmet demand).",
        ),
    ] = None,
    hard_safety_stock: Annotated[
        bool | None,
        typer.Option(
            "--hard-safety-stock/--soft-safety-stock",
            help="Never go below safety stock, even while customers wait (default: the workbook "
            "setting safety_stock, else soft).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the plan, capacity and explanation CSVs."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Aggregate production plan per family and period: level, chase or optimal.

    Production, workforce, overtime, subcontracting, inventory and backlog; what each strategy
    costs and which constraints bind. Plans the store's current cycle (and keeps the plans as
    its supply drafts), or a workbook given with --workbook (nothing stored). `snop plan show
    --version CYCLE` reads an approved version."""
    if ctx.invoked_subcommand is not None:
        return
    from snop.services.supply import plan_cycle_supply, plan_workbook_file
    from snop.supply.report import comparison_lines, write_outputs

    chosen = list(Strategy) if strategy == "all" else [strategy]
    if any(s not in Strategy._value2member_map_ for s in chosen):
        raise SnopError(f"unknown strategy {strategy!r}; use level, chase, optimal or all")
    if workbook is None:
        result = plan_cycle_supply(
            store(ctx),
            actor(ctx),
            chosen,
            integer_workforce=integer_workforce,
            allow_ending_backlog=allow_ending_backlog,
            hard_safety_stock=hard_safety_stock,
        )
    else:
        result = plan_workbook_file(
            workbook,
            chosen,
            integer_workforce=integer_workforce,
            allow_ending_backlog=allow_ending_backlog,
            hard_safety_stock=hard_safety_stock,
        )
    written = write_outputs(result.plans, out) if out is not None else []
    if as_json:
        print_json(
            {"demand": result.source, "strategies": [p.to_json() for p in result.plans.values()]}
        )
        return
    console.print(f"[bold]supply plan[/] on {esc(result.source)}")
    if result.fenced:
        fence = ", ".join(f"{f} {n}" for f, n in result.fenced.items())
        console.print(f"frozen zone kept from the last approved plan (periods): {esc(fence)}")
    for line in comparison_lines(result.plans, result.currency):
        console.print(line, markup=False)
    if written:
        console.print(f"wrote {len(written)} files to {esc(out)}")


@plan_app.command("show")
def show_cmd(
    ctx: typer.Context,
    version: Annotated[
        str | None,
        typer.Option("--version", help="An approved cycle (e.g. 2026-11): read its version."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Show the current cycle's supply plans, or an approved version (--version CYCLE)."""
    from snop.services.supply import current_plans
    from snop.services.versions import read_version
    from snop.supply.report import comparison_lines

    if version is not None:
        v = read_version(store(ctx), actor(ctx), version)
        if as_json:
            print_json(v.summary())
            return
        h = v.header
        console.print(
            f"[bold]version {esc(v.cycle)}[/]: approved by {esc(h['approved_by'])} at "
            f"{esc(h['approved_at'])}, strategy {esc(h['strategy'])}, "
            f"{h['horizon']} periods from {esc(v.cycle)}"
        )
        plans = {s: v.plan(s) for s in v.supply}
        for line in comparison_lines(plans, h["currency"]):
            console.print(line, markup=False)
        return
    result = current_plans(store(ctx), actor(ctx))
    if as_json:
        print_json(
            {"cycle": result.cycle, "strategies": [p.to_json() for p in result.plans.values()]}
        )
        return
    if not result.plans:
        console.print(f"cycle {esc(result.cycle)} has no supply plan yet (`snop plan`)")
        return
    console.print(f"[bold]supply plans of cycle {esc(result.cycle)}[/]")
    for line in comparison_lines(result.plans, result.currency):
        console.print(line, markup=False)
