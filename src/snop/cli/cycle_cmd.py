"""``snop cycle``: the monthly S&OP cycle: open, status, run, sign off, approve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.model.vocabulary import Kpi

cycle_app = typer.Typer(help="The monthly S&OP cycle: open, status, run, signoff, approve.")
app.add_typer(cycle_app, name="cycle")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
RoleOption = Annotated[
    list[str] | None,
    typer.Option("--role", help="The role you act in (e.g. demand_planner, executive)."),
]
Note = Annotated[str | None, typer.Option("--note", help="A note kept with the action.")]
CycleOption = Annotated[
    str | None, typer.Option("--cycle", help="A cycle (default: the current one).")
]


@cycle_app.command("open")
def open_cmd(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Argument(help="The cycle to open (default: the one after the current cycle)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Open the next cycle: roll forward from the current cycle's approved version.

    Takes the new actuals (sales; actual production, inventory and workers when imported)
    as the opening inventory, backlog and workers, or the version's projection where an
    actual is missing (flagged); moves the horizon; keeps each family's frozen zone; and
    carries the demand overrides that still apply."""
    from snop.services.cycles import open_cycle

    r = open_cycle(store(ctx), actor(ctx), period)
    if as_json:
        print_json(r)
        return
    c = r.cycle
    based = f", rolled on from the approved version of {r.previous}" if r.previous else ""
    console.print(
        f"[bold]opened cycle {esc(c.period)}[/]: {c.horizon} periods, actuals up to "
        f"{esc(c.actuals_cutoff or 'none')}{esc(based)}"
    )
    if r.missing_sales and r.previous:
        console.print(
            f"no sales of {esc(c.actuals_cutoff)} in the store yet: import them before the "
            "forecast (`snop import`)"
        )
    for o in r.openings:
        flag = "" if o.source == "actual" else f" ({o.source}: no actual)"
        console.print(f"  opening {o.measure} {esc(o.key)}: {o.value:,.1f}{esc(flag)}")
    if r.carried:
        console.print(f"carried {len(r.carried)} demand override(s) into the new horizon")
    for ov, why in r.expired:
        console.print(f"  expired: {esc(ov.describe())}: {esc(why)}")


@cycle_app.command("status")
def status_cmd(
    ctx: typer.Context,
    cycle: CycleOption = None,
    as_json: Json = False,
) -> None:
    """Where the cycle stands: each step's owner, status, due date and sign-off."""
    from snop.services.cycles import cycle_status

    v = cycle_status(store(ctx), actor(ctx), cycle)
    if as_json:
        print_json(v)
        return
    c = v.cycle
    console.print(
        f"[bold]cycle {esc(c.period)}[/] ({c.status.value}): {c.horizon} periods, actuals up "
        f"to {esc(c.actuals_cutoff or 'none')}; demand plan {esc(v.demand_status or 'none')}; "
        f"supply plans: {esc(', '.join(v.supply_strategies) or 'none')}"
    )
    for s in v.steps:
        st = s.state
        signed = f", signed off by {st.signed_by}" if st.signed_by else ""
        late = " OVERDUE" if s.overdue else ""
        console.print(
            f"  {st.position + 1}. {esc(st.step):<17} {esc(st.owner):<15} "
            f"{st.status.value:<8} due {esc(st.due or '-')}{esc(signed)}{late}"
        )
    if v.next_step and c.status.value == "open":
        console.print(f"next: {esc(v.next_step)}")


@cycle_app.command("run")
def run_cmd(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Run the steps done already too.")] = False,
    as_json: Json = False,
) -> None:
    """Run the automatic steps that are pending or stale: forecast, then supply plans."""
    from snop.services.cycles import run_cycle
    from snop.services.forecast import BaselineResult
    from snop.services.supply import SupplyResult
    from snop.supply.report import comparison_lines

    runs = run_cycle(store(ctx), actor(ctx), force=force)
    if as_json:
        print_json([{"step": r.step, "summary": _summary(r.result)} for r in runs])
        return
    if not runs:
        console.print("nothing to run: every automatic step is done (--force runs them again)")
    for r in runs:
        if isinstance(r.result, BaselineResult):
            res = r.result.result
            console.print(
                f"[bold]forecast[/]: {res.forecast['item'].nunique()} items, cycle "
                f"{esc(r.result.cycle)}"
            )
        elif isinstance(r.result, SupplyResult):
            console.print(f"[bold]supply review[/] on {esc(r.result.source)}")
            for line in comparison_lines(r.result.plans, r.result.currency, top=2):
                console.print(line, markup=False)


def _summary(result: Any) -> Any:
    from snop.services.forecast import BaselineResult
    from snop.services.supply import SupplyResult

    if isinstance(result, BaselineResult):
        return {"cycle": result.cycle, **result.result.summary(), "stale": result.stale}
    if isinstance(result, SupplyResult):
        return {
            "cycle": result.cycle,
            "demand": result.source,
            "strategies": [p.to_json() for p in result.plans.values()],
        }
    return None


@cycle_app.command("signoff")
def signoff_cmd(
    ctx: typer.Context,
    step: Annotated[str, typer.Argument(help="The step to sign off (see `snop cycle status`).")],
    role: RoleOption = None,
    note: Note = None,
    as_json: Json = False,
) -> None:
    """Sign off a step of the current cycle, as its owner role."""
    from snop.services.cycles import signoff

    s = signoff(store(ctx), actor(ctx, *(role or [])), step, note)
    if as_json:
        print_json(s)
        return
    console.print(f"signed off {esc(s.step)} of cycle {esc(s.cycle)} as {esc(s.signed_by)}")


@cycle_app.command("approve")
def approve_cmd(
    ctx: typer.Context,
    strategy: Annotated[str, typer.Option(help="The supply strategy approved.")] = "optimal",
    role: RoleOption = None,
    note: Note = None,
    as_json: Json = False,
) -> None:
    """Approve the current cycle: freeze the whole plan as the cycle's version."""
    from snop.services.cycles import approve_cycle

    c = approve_cycle(store(ctx), actor(ctx, *(role or [])), strategy=strategy, note=note)
    if as_json:
        print_json(c)
        return
    console.print(
        f"[bold]approved cycle {esc(c.period)}[/] ({esc(c.strategy)} plan) by "
        f"{esc(c.approved_by)}: its version is frozen (`snop plan show --version {esc(c.period)}`)"
    )


@cycle_app.command("list")
def list_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """Every cycle of the store, oldest first."""
    from snop.services.cycles import cycles

    rows = cycles(store(ctx), actor(ctx))
    if as_json:
        print_json(rows)
        return
    for c in rows:
        approved = f", approved by {c.approved_by} ({c.strategy})" if c.approved_by else ""
        console.print(f"{esc(c.period)}  {c.status.value:<8} {c.horizon} periods{esc(approved)}")


@cycle_app.command("audit")
def audit_cmd(
    ctx: typer.Context,
    cycle: CycleOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Only what this user did.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action (e.g. 'demand override').")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date or time (UTC), included.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Up to this date or time (UTC), included.")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the entries to this CSV file.")
    ] = None,
    as_json: Json = False,
) -> None:
    """The audit trail: who changed what and when, with the value before and after (opened,
    imported, overrides, submissions, sign-offs, approvals, users)."""
    from snop.io.atomic import atomic_file
    from snop.services.audit import MAX_PAGE, audit_csv, audit_log

    page = audit_log(
        store(ctx),
        actor(ctx),
        actor_name=by,
        action=action,
        cycle=cycle,
        since=since,
        until=until,
        limit=MAX_PAGE,
    )
    if csv_path is not None:
        with atomic_file(csv_path) as tmp:
            Path(tmp).write_text(audit_csv(page), encoding="utf-8")
        err_console.print(f"{len(page.entries)} entries written to {esc(str(csv_path))}")
        return
    rows = page.entries
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(
            f"{esc(r['at'])}  {esc(r['cycle'] or '-'):<8} {esc(r['action']):<14} "
            f"{esc(r['actor'])}  {esc(r['detail'])}",
        )


decisions_app = typer.Typer(help="Decisions and actions of the executive meeting.")
cycle_app.add_typer(decisions_app, name="decisions")


@decisions_app.command("add")
def decision_add_cmd(
    ctx: typer.Context,
    what: Annotated[str, typer.Option("--what", help="What was decided or is to be done.")] = "",
    owner: Annotated[str, typer.Option("--owner", help="The role that carries it out.")] = "",
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")] = "",
    note: Note = None,
    as_json: Json = False,
) -> None:
    """Record a decision of the current cycle; it stays on the agenda until closed."""
    from snop.services.decisions import add_decision

    d = add_decision(store(ctx), actor(ctx), what=what, owner=owner, due=due, note=note)
    if as_json:
        print_json(d)
        return
    console.print(
        f"decision {d.id} of cycle {esc(d.cycle)}: {esc(d.what)} ({esc(d.owner)}, due {d.due})"
    )


@decisions_app.command("list")
def decision_list_cmd(
    ctx: typer.Context,
    cycle: CycleOption = None,
    as_json: Json = False,
) -> None:
    """The agenda: decisions still open (taken in this cycle or before), and those closed in
    this cycle."""
    from snop.services.decisions import agenda

    a = agenda(store(ctx), actor(ctx), cycle)
    if as_json:
        print_json(a)
        return
    console.print(f"[bold]decisions on the agenda of cycle {esc(a.cycle)}[/]")
    if not a.open and not a.closed:
        console.print("none")
    for d in a.open:
        late = " OVERDUE" if d.id in a.overdue else ""
        console.print(
            f"  {d.id}. {esc(d.what)} - {esc(d.owner)}, due {d.due} (taken in {esc(d.cycle)}){late}"
        )
    for d in a.closed:
        console.print(f"  {d.id}. closed by {esc(d.closed_by)}: {esc(d.what)}")


@decisions_app.command("close")
def decision_close_cmd(
    ctx: typer.Context,
    decision_id: Annotated[int, typer.Argument(help="The decision's number.")],
    note: Note = None,
    as_json: Json = False,
) -> None:
    """Close a decision (done, or dropped: say which with --note)."""
    from snop.services.decisions import close_decision

    d = close_decision(store(ctx), actor(ctx), decision_id, note)
    if as_json:
        print_json(d)
        return
    console.print(f"closed decision {d.id}: {esc(d.what)}")


@cycle_app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    with_version: Annotated[
        str | None,
        typer.Option("--with", help="The approved version to compare with (default: the last)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """What changed since the last approved plan: demand by cause, and the supply plan."""
    from snop.services.compare import compare

    c = compare(store(ctx), actor(ctx), with_version)
    if as_json:
        print_json(c)
        return
    span = f"{c.periods[0]}..{c.periods[-1]}" if c.periods else "no common periods"
    console.print(f"[bold]cycle {esc(c.cycle)} against version {esc(c.base)}[/] ({span})")
    cells = c.demand.cells
    console.print(
        f"consensus demand {cells['old'].sum():,.0f} -> {cells['new'].sum():,.0f} units, by cause:"
    )
    for r in c.demand.by_cause().itertuples(index=False):
        console.print(f"  {esc(r.cause)}: {r.change:+,.0f}")
    fam = c.demand.by_family()
    for f, part in fam.groupby("family", sort=False):
        bars = ", ".join(
            f"{cause} {change:+,.0f}"
            for cause, change in zip(part["cause"], part["change"], strict=True)
            if change
        )
        console.print(f"  {esc(f)}: {esc(bars or 'no change')}")
    console.print(f"supply ({esc(c.strategy)} plan):")
    for measure, w in c.supply.items():
        old, new = w.cells["old"].sum(), w.cells["new"].sum()
        causes = w.by_cause()
        bars = ", ".join(
            f"{cause} {change:+,.0f}"
            for cause, change in zip(causes["cause"][:-1], causes["change"][:-1], strict=True)
        )
        console.print(f"  {measure}: {old:,.0f} -> {new:,.0f} ({new - old:+,.0f}): {esc(bars)}")


@cycle_app.command("kpis")
def kpis_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """Plan against actual: the KPI card, its trend over cycles, and the exceptions."""
    from snop.learning.frames import TOTAL
    from snop.services.kpis import kpi_report

    r = kpi_report(store(ctx), actor(ctx))
    if as_json:
        print_json(r)
        return
    span = f"{r.periods[0]}..{r.periods[-1]}"
    console.print(f"[bold]KPIs of version {esc(r.cycle)}[/] against the actuals of {span}")
    for line in kpi_lines(r.card, r.judged):
        console.print(line, markup=False)
    judged = [d for d in r.judged.to_dict("records") if d["on_target"] is not None]
    if judged:
        missed = [f"{d['family']} {d['kpi']}" for d in judged if d["on_target"] is False]
        console.print(
            f"off target: {len(missed)} of {len(judged)} KPIs with a target and a value"
            + (": " + ", ".join(missed) if missed else ""),
            markup=False,
        )
    total = r.by_lag[r.by_lag["family"] == TOTAL]
    if not total.empty:
        console.print(
            "accuracy by lag (periods ahead the plan was made): "
            + ", ".join(
                f"lag {int(lag)} {100 * acc:.0f}% ({int(n)} cells)"
                for lag, acc, n in zip(
                    total["lag"], total["accuracy"], total["periods"], strict=True
                )
            )
        )
    pva = r.plan_vs_actual
    if not pva.empty:
        last = pva["period"].max()
        console.print(
            f"plan against actual in {esc(last)} (cumulative difference since the first):"
        )
        for m in pva[pva["period"] == last].to_dict("records"):
            console.print(
                f"  {esc(m['family'])} {m['measure']}: plan {m['plan']:,.0f}, actual "
                f"{m['actual']:,.0f}, difference {m['difference']:+,.0f} (cumulative "
                f"{m['cumulative']:+,.0f})"
            )
    console.print(f"exceptions: {len(r.exceptions)}")
    for e in r.exceptions.head(10).itertuples(index=False):
        where = e.family if isinstance(e.family, str) else e.resource
        console.print(f"  {esc(f'[{e.owner}]')} {esc(where)}: {esc(e.message)}")
    for m in r.missing:
        console.print(f"not measured, no {esc(m)}")


# the KPIs of a card line, with their labels; the second set only when it has a target
_CARD_KPIS = {
    Kpi.BIAS: "bias",
    Kpi.TRACKING_SIGNAL: "tracking",
    Kpi.ADHERENCE: "adherence",
    Kpi.DAYS_OF_SUPPLY: "days of supply",
    Kpi.TURNS: "turns",
    Kpi.FILL_RATE: "fill",
}
_TARGETED_KPIS = {Kpi.ITEM_BIAS: "item bias", Kpi.WAPE: "WAPE", Kpi.MAPE: "MAPE"}
Goal = tuple[float, float, bool | None]  # min, max (NaN: open), on target


def kpi_lines(card: Any, judged: Any = None) -> list[str]:
    """The KPI card as text lines, one per family (the total last); with the judged card
    (snop.learning.targets.judge), each KPI that has a target shows it, and a miss."""
    goals: dict[tuple[str, str], Goal] = {}
    if judged is not None:
        for r in judged.to_dict("records"):
            if r["min"] == r["min"] or r["max"] == r["max"]:  # a bound: not NaN
                goals[(str(r["family"]), str(r["kpi"]))] = (r["min"], r["max"], r["on_target"])
    lines = []
    for r in card.to_dict("records"):
        fam = str(r["family"])

        def part(kpi: Kpi, label: str, fam: str = fam, r: dict[str, Any] = r) -> str:
            return (
                f"{label} {_kpi_value(kpi, r[kpi.value])}{_goal(kpi, goals.get((fam, kpi.value)))}"
            )

        items = part(Kpi.ITEM_ACCURACY, "items")
        parts = [f"{part(Kpi.ACCURACY, 'accuracy')} ({items})"]
        parts += [part(kpi, label) for kpi, label in _CARD_KPIS.items()]
        parts += [part(k, label) for k, label in _TARGETED_KPIS.items() if (fam, k.value) in goals]
        lines.append(f"  {fam}: " + ", ".join(parts))
    return lines


def _kpi_value(kpi: Kpi, x: float) -> str:
    if x != x:
        return "-"
    return f"{100 * x:.0f}%" if kpi.is_ratio else f"{x:.1f}"


def _goal(kpi: Kpi, goal: Goal | None) -> str:
    """`` (target >= 80%: missed)``; empty without a target."""
    if goal is None:
        return ""
    low, high, ok = goal

    def bound(x: float) -> str:
        return f"{100 * x:g}%" if kpi.is_ratio else f"{x:g}"

    if low != low:
        what = f"≤ {bound(high)}"
    elif high != high:
        what = f"≥ {bound(low)}"
    else:
        what = f"{bound(low)}..{bound(high)}"
    return f" (target {what}{': missed' if ok is False else ''})"
