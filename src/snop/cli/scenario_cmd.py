"""``snop scenario``: what-if scenarios as deltas on the cycle's plan; run, compare, promote."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from snop.cli.common import actor, console, esc, print_json, store
from snop.cli.main import app

if TYPE_CHECKING:  # the services load when a command runs, not at start-up
    from snop.services.scenarios import ScenarioComparison

scenario_app = typer.Typer(help="What-if scenarios: deltas on the plan, run and compared.")
app.add_typer(scenario_app, name="scenario")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Change = Annotated[
    list[str] | None, typer.Option(help="A change, e.g. 'family=COOK 2027-03..2027-05 +20%'.")
]


@scenario_app.command("create")
def create_cmd(
    ctx: typer.Context,
    name: str,
    demand: Change = None,
    promotion: Change = None,
    price: Change = None,
    capacity: Change = None,
    shift: Change = None,
    workers: Change = None,
    cost: Change = None,
    subcontract: Change = None,
    strategy: Annotated[str | None, typer.Option(help="level, chase or optimal.")] = None,
    integer_workforce: Annotated[
        bool | None, typer.Option("--integer-workforce/--lp-workforce", help="Whole workers.")
    ] = None,
    deltas: Annotated[
        Path | None, typer.Option("--deltas", help="A CSV file with scenario_deltas columns.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a scenario of that name.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Create scenario NAME from changes given as options (see docs/scenarios.md) or a file.

    Each change: `snop scenario create upside --demand "family=COOK 2027-03..2027-05 +20%"
    --capacity "N-PRESS 2027-02.. +160" --workers "NORTH max =45"`."""
    from snop.scenario.deltas import Delta
    from snop.scenario.parse import deltas_from_file, parse_delta
    from snop.services.scenarios import create_scenario

    given = {
        "demand": demand,
        "promotion": promotion,
        "price": price,
        "capacity": capacity,
        "shift": shift,
        "workers": workers,
        "cost": cost,
        "subcontract": subcontract,
    }
    rows = [parse_delta(name, kind, text) for kind, texts in given.items() for text in texts or []]
    if strategy is not None or integer_workforce is not None:
        flag = None if integer_workforce is None else ("yes" if integer_workforce else "no")
        rows.append(Delta(name, "strategy", strategy=strategy, integer_workforce=flag))
    if deltas is not None:
        rows += deltas_from_file(deltas, name)
    if not rows:
        raise typer.BadParameter("give at least one change (see --help)")
    made = create_scenario(store(ctx), actor(ctx), name, rows, replace=replace)
    if as_json:
        print_json({"scenario": name, "deltas": made})
        return
    console.print(f"scenario [bold]{esc(name)}[/]: {len(made)} change(s)")
    for line in made:
        console.print(f"  {esc(line)}")


@scenario_app.command("run")
def run_cmd(
    ctx: typer.Context,
    names: list[str],
    cycle: Annotated[
        str | None, typer.Option("--cycle", help="Base cycle; default current.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Run scenarios: re-plan supply and finance with their changes, beside the base."""
    from snop.services.scenarios import run_scenarios

    runs = run_scenarios(store(ctx), actor(ctx), names, cycle)
    if as_json:
        print_json([
            {"scenario": r.name, "cycle": r.cycle, "base": r.base, "status": r.plan.status,
             "strategy": r.strategy, "total_cost": r.plan.total_cost if r.ok else None,
             "revenue": r.money.total()["revenue"] if r.money else None,
             "diagnosis": r.plan.diagnosis}
            for r in runs
        ])  # fmt: skip
        return
    for r in runs:
        if r.ok and r.money is not None:
            t = r.money.total()
            console.print(
                f"scenario {esc(r.name)} on cycle {esc(r.cycle)} ({r.base}, {r.strategy}): "
                f"revenue {t['revenue']:,.0f}, gross margin {t['gross_margin']:,.0f}, "
                f"plan cost {t['plan_cost']:,.0f}"
            )
        else:
            console.print(f"scenario {esc(r.name)}: plan {r.plan.status}: "
                          + esc("; ".join(r.plan.diagnosis[:3])))  # fmt: skip


@scenario_app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    names: list[str],
    cycle: Annotated[
        str | None, typer.Option("--cycle", help="Base cycle; default current.")
    ] = None,
    family: Annotated[
        str | None, typer.Option("--family", help="One family; default the total.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Compare scenarios with the base, the last approved version and the budget."""
    from snop.learning.frames import TOTAL
    from snop.services.scenarios import compare_scenarios

    r = compare_scenarios(store(ctx), actor(ctx), names, cycle)
    if as_json:
        print_json(r)
        return
    for line in comparison_lines(r, family or TOTAL):
        console.print(line, markup=False)


def comparison_lines(r: ScenarioComparison, family: str) -> list[str]:
    """The comparison as a table: one row per measure, one column per plan (differences to
    the base in brackets), and the budget revenue."""
    from snop.services.scenarios import COMPARE_MEASURES

    t = r.table[r.table["family"] == family]
    width = max(14, *(len(p) + 2 for p in r.plans))
    out = [f"cycle {r.cycle}, {family}, money in {r.currency}"]
    out.append("".ljust(18) + "".join(p.rjust(width + 10) for p in r.plans))
    for m in COMPARE_MEASURES:
        rows = t[t["measure"] == m]
        if rows.empty:
            continue
        value = dict(zip(rows["plan"], rows["value"].astype(float), strict=True))
        diff = dict(zip(rows["plan"], rows["vs_base"].astype(float), strict=True))
        ratio = m in ("fill_rate", "utilisation")
        cells = []
        for p in r.plans:
            if p not in value:
                cells.append("".rjust(width + 10))
                continue
            v, d = value[p], diff[p]
            shown = f"{100 * v:.1f}%" if ratio else f"{v:,.0f}"
            if p != "base" and d == d and abs(d) >= 1e-9:
                shown += f" ({100 * d:+.1f})" if ratio else f" ({d:+,.0f})"
            cells.append(shown.rjust(width + 10))
        out.append(m.ljust(18) + "".join(cells))
    if family in r.budget:
        out.append(
            f"budget revenue in the plan's budgeted periods: {r.budget[family]:,.0f} "
            "(gap_to_budget: each plan's revenue in those periods less it)"
        )
    for name, why in r.infeasible.items():
        out.append(f"scenario {name}: no feasible plan: {'; '.join(why[:2])}")
    return out


@scenario_app.command("list")
def list_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """The scenarios, their changes and their last run."""
    from snop.services.scenarios import list_scenarios

    found = list_scenarios(store(ctx), actor(ctx))
    if as_json:
        print_json(found)
        return
    if not found:
        console.print("no scenarios yet (`snop scenario create NAME ...`)")
    for s in found:
        ran = f"ran {s.ran_at} ({s.status})" if s.ran_at else "not run"
        console.print(f"[bold]{esc(s.name)}[/]: {len(s.deltas)} change(s), {esc(ran)}")
        for line in s.deltas:
            console.print(f"  {esc(line)}")


@scenario_app.command("promote")
def promote_cmd(ctx: typer.Context, name: str, as_json: Json = False) -> None:
    """Make a scenario's plan the cycle's draft supply plan (its changes become the master
    data); refused when the base moved since it ran."""
    from snop.services.scenarios import promote_scenario

    r = promote_scenario(store(ctx), actor(ctx, "supply_planner"), name)
    if as_json:
        print_json(r)
        return
    console.print(
        f"scenario {esc(r.name)} promoted: its {r.strategy} plan is the draft of cycle "
        f"{esc(r.cycle)}; the later steps are to be redone"
    )


@scenario_app.command("delete")
def delete_cmd(ctx: typer.Context, name: str) -> None:
    """Delete a scenario and its run."""
    from snop.services.scenarios import delete_scenario

    n = delete_scenario(store(ctx), actor(ctx), name)
    console.print(f"scenario {esc(name)} deleted ({n} change(s))")
