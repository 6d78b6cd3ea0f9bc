"""``snop plan``: the aggregate production plan of a workbook (level, chase, optimal)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import console, esc
from snop.cli.main import app
from snop.errors import SnopError
from snop.model.vocabulary import Strategy


@app.command("plan")
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
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Aggregate production plan per family and period: level, chase or optimal.

    Production, workforce, overtime, subcontracting, inventory and backlog; what each strategy
    costs and which constraints bind. Plans the store's current cycle (and stores the plans),
    or a workbook given with --workbook (nothing stored)."""
    from snop.supply.model import STRATEGIES
    from snop.supply.plan import compare_strategies
    from snop.supply.report import comparison_lines, demand_for, write_outputs

    chosen = list(STRATEGIES) if strategy == "all" else [strategy]
    if any(s not in STRATEGIES for s in chosen):
        raise SnopError(f"unknown strategy {strategy!r}; use level, chase, optimal or all")
    if workbook is None:  # the store's current cycle; plans and feedback are stored
        from snop.cli.common import store
        from snop.cycle.supply import plan_cycle

        wb, plans, source = plan_cycle(
            store(ctx),
            chosen,
            integer_workforce=integer_workforce,
            allow_ending_backlog=allow_ending_backlog,
            hard_safety_stock=hard_safety_stock,
        )
    else:
        from snop.io import read_workbook

        wb = read_workbook(workbook)
        demand, source = demand_for(wb)
        plans = compare_strategies(
            wb,
            demand,
            chosen,
            integer_workforce=integer_workforce,
            allow_ending_backlog=allow_ending_backlog,
            hard_safety_stock=hard_safety_stock,
        )
    written = write_outputs(plans, out) if out is not None else []
    if as_json:
        print(
            json.dumps(
                {"demand": source, "strategies": [p.to_json() for p in plans.values()]}, indent=2
            )
        )
        return
    currency = wb.setting("currency") or "$"
    console.print(f"[bold]supply plan[/] on {esc(source)}")
    for line in comparison_lines(plans, currency):
        console.print(line, markup=False)
    if written:
        console.print(f"wrote {len(written)} files to {esc(out)}")
