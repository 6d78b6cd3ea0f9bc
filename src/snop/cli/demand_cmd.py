"""``snop demand``: the demand review of the store's current cycle."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from snop.cli.common import actor, console, err_console, esc, store
from snop.cli.main import app
from snop.errors import SnopError
from snop.io.jsonable import dumps
from snop.model.periods import PERIOD_FORMATS, PeriodError, parse_period
from snop.model.vocabulary import PlanStatus

if TYPE_CHECKING:  # the services load the store and the forecasting engine: on first use
    from snop.demand.review import DemandPlan, OverrideResult
    from snop.services.context import Actor

demand = typer.Typer(
    help="Demand review: layers, overrides, consensus approval, forecast value added.",
    no_args_is_help=True,
)
app.add_typer(demand, name="demand")

Author = Annotated[
    str | None,
    typer.Option(
        "--author", envvar="SNOP_USER", help="Who makes the change (default: your login)."
    ),
]
Role = Annotated[
    str | None,
    typer.Option(
        "--role",
        envvar="SNOP_ROLE",
        help="Your role (default: the role the action needs, e.g. the layer's owner).",
    ),
]
Cycle = Annotated[
    str | None,
    typer.Option("--cycle", help="Cycle (its first planning period); default: the current one."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
# User values (codes, reasons, comments, authors, events) are printed as plain text, never as
# console markup: a reason "[/]" or "[bold]" is shown as typed. Markup of our own wraps
# escape()d values only.
LOCK_MARK = "*"


def _cycle(value: str | None, option: str = "--cycle") -> str | None:
    """The --cycle option as a period label (2026-5 -> 2026-05); None for the current one."""
    if value is None:
        return None
    try:
        return parse_period(value).label
    except PeriodError:
        raise SnopError(
            f"{option} {value!r} is not a period; write {PERIOD_FORMATS} (a cycle "
            "is named by its first planning period; `snop demand cycles` lists "
            "them)"
        ) from None


def _actor(ctx: typer.Context, author: str | None, role: str | None = None) -> Actor:
    """Who acts: --author (default: the global --user, else your login) in --role (default:
    the role the action needs)."""
    return actor(ctx, role, name=author)


def _table(
    df: pd.DataFrame, title: str | None = None, digits: int = 0, no_wrap: tuple[str, ...] = ()
) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for col in df.columns:
        numeric = df[col].dtype.kind in "fi"
        t.add_column(Text(str(col)), justify="right" if numeric else "left", no_wrap=col in no_wrap)
    for row in df.itertuples(index=False):
        t.add_row(*(Text(_cell(v, digits)) for v in row))
    return t


def _cell(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.{digits}f}"
    return str(v)  # shown through rich Text: never read as markup


def _header(plan: DemandPlan) -> str:
    based = f", started from approved cycle {plan.based_on}" if plan.based_on else ""
    extra = ""
    if plan.status == PlanStatus.APPROVED:
        extra = (
            f", approved by {plan.record.get('approved_by')} "
            f"({plan.record.get('approved_role')}) on {plan.record.get('approved_at')}"
        )
    layers = " -> ".join(plan.layer_names)
    log = plan.log()
    withdrawn = int(log["withdrawn_by"].notna().sum())
    count = int((log["kind"] != "withdraw").sum()) - withdrawn
    gone = f" ({withdrawn} withdrawn)" if withdrawn else ""
    return f"demand plan of cycle [bold]{escape(plan.cycle)}[/]: " + escape(
        f"{plan.status}{extra}{based}; layers {layers}; {count} override(s){gone}"
    )


def _conflicts(plan: DemandPlan) -> None:
    for ov, msg in plan.replay.conflicts:
        err_console.print(f"[yellow]conflict[/]: {escape(ov.describe())}: {escape(msg)}")


@demand.command("show")
def show_cmd(
    ctx: typer.Context,
    layer: Annotated[str | None, typer.Option(help="Only this layer (default: all).")] = None,
    level: Annotated[
        str, typer.Option(help="item, family, total or an items attribute.")
    ] = "family",
    key: Annotated[str | None, typer.Option(help="Only this item, family or value.")] = None,
    period: Annotated[str | None, typer.Option(help="Only from this period.")] = None,
    to: Annotated[str | None, typer.Option(help="Only up to this period.")] = None,
    cycle: Cycle = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="An approved cycle: its frozen version, as approved (refused for any "
            "other cycle).",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """The demand plan by LEVEL and period, one column per layer (each level is the sum of
    its items, so the views always add up). A value marked * holds locked items: overrides
    above item level, in its layer and the later ones, leave them as they are."""
    from snop.services.demand_review import demand_plan, demand_version

    if version is not None and cycle is not None:
        raise SnopError("give --cycle or --version, not both")
    uow = store(ctx)  # first: who acts is checked against the store's users
    actor = _actor(ctx, None)
    if version is not None:
        plan = demand_version(uow, actor, _cycle(version, "--version") or version)
    else:
        plan = demand_plan(uow, actor, _cycle(cycle))
    h = plan.replay.hierarchy
    lo = h.period_index(period, "--period") if period is not None else 0
    hi = h.period_index(to, "--to") if to is not None else len(h.periods) - 1
    if hi < lo:
        raise SnopError(f"--to {to} is before --period {period}; give a range forwards")
    names = [layer] if layer else list(plan.layer_names)
    view = plan.view(level, names, locks=True).rename(columns={"key": level})
    if key is not None:
        view = view[view[level] == key]
        if view.empty:
            raise SnopError(f"{level} {key!r} has no demand plan rows")
    view = view[view["period"].isin(h.periods[lo : hi + 1])]
    if as_json:
        print(
            dumps(
                {
                    "cycle": plan.cycle,
                    "status": plan.status,
                    "layers": plan.layer_names,
                    "level": level,
                    "rows": view,
                }
            )
        )
        return
    console.print(_header(plan))
    _conflicts(plan)
    shown = view[[level, "period"]].copy()
    for name in names:
        held = view[f"{name}_locked"] > 0
        shown[name] = [
            _cell(v, 0) + (LOCK_MARK if lk else "") for v, lk in zip(view[name], held, strict=True)
        ]
    t = Table(show_edge=False, pad_edge=False)
    for col in shown.columns:
        t.add_column(Text(str(col)), justify="right" if col in names else "left")
    for row in shown.itertuples(index=False):
        t.add_row(*(Text(str(v)) for v in row))
    console.print(t)
    if (view[[f"{n}_locked" for n in names]] > 0).any().any():
        console.print(
            f"{LOCK_MARK} locked"
            + ("" if level == "item" else " (some or all of its items)")
            + ": kept by later changes above item level; `snop demand override "
            "--unlock` frees them",
            markup=False,
        )


override_app = typer.Typer(
    help="Change a layer at any level for a period or range (`snop demand override --layer "
    "... --period ... --qty|--delta|--pct|--unlock ... --reason ...`), or withdraw a "
    "change (`snop demand override delete ID`).",
    invoke_without_command=True,
)
demand.add_typer(override_app, name="override")


@override_app.callback()
def override_cmd(
    ctx: typer.Context,
    layer: Annotated[
        str | None,
        typer.Option(help="Layer to change (e.g. sales, marketing, consensus). Required."),
    ] = None,
    level: Annotated[
        str | None, typer.Option(help="item, family, total or an items attribute. Required.")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Period (the first of a range). Required.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Reason code: promo, customer, price... Required.")
    ] = None,
    key: Annotated[
        str, typer.Option(help="The item, family or attribute value (not for total).")
    ] = "",
    to: Annotated[str | None, typer.Option("--to", help="Last period of a range.")] = None,
    qty: Annotated[float | None, typer.Option(help="New quantity in each period.")] = None,
    delta: Annotated[float | None, typer.Option(help="Change in units in each period.")] = None,
    pct: Annotated[
        float | None, typer.Option(help="Change in percent in each period (-100 to +1000).")
    ] = None,
    unlock: Annotated[
        bool,
        typer.Option(
            "--unlock", help="Free the locked cells of the scope from this layer on (values stay)."
        ),
    ] = False,
    split: Annotated[
        str, typer.Option(help="proportional, equal, history or layer:NAME.")
    ] = "proportional",
    lock: Annotated[
        bool,
        typer.Option(
            "--lock",
            help="Keep these values when later "
            "overrides, in this layer or a later one, change a "
            "level above.",
        ),
    ] = False,
    comment: Annotated[str | None, typer.Option(help="The assumption behind it.")] = None,
    event: Annotated[
        str | None, typer.Option(help="Named event (promotion, tender...) it belongs to.")
    ] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Show the split; change nothing.")
    ] = False,
    author: Author = None,
    role: Role = None,
    as_json: Json = False,
) -> None:
    """Change a layer at any level for a period or range; levels above item are split to
    items (whole units that add up; locked items keep their values)."""
    if ctx.invoked_subcommand is not None:
        return
    from snop.demand.config import UNLOCK
    from snop.services.demand_review import add_override, override_of

    if layer is None or level is None or period is None or reason is None:
        missing = next(
            n
            for n, v in (
                ("--layer", layer),
                ("--level", level),
                ("--period", period),
                ("--reason", reason),
            )
            if v is None
        )
        raise SnopError(
            f"missing option {missing}; see `snop demand override --help` (or "
            "`snop demand override delete ID` to withdraw an override)"
        )
    amounts = (("qty", qty), ("delta", delta), ("pct", pct), (UNLOCK, 0.0 if unlock else None))
    given = [(k, v) for k, v in amounts if v is not None]
    if len(given) != 1:
        raise SnopError("give exactly one of --qty, --delta, --pct and --unlock")
    kind, value = given[0]
    ov = override_of(
        layer=layer,
        level=level,
        key=key,
        period=period,
        to_period=to,
        kind=kind,
        value=value,
        split=split,
        locked=lock,
        reason=reason,
        comment=comment,
        event=event,
        source="cli",
    )
    result = add_override(store(ctx), _actor(ctx, author, role), ov, preview=preview)
    verb = "preview (nothing stored)" if preview else f"stored as override {result.override.id}"
    _effects(result, verb, as_json)


def _effects(result: OverrideResult, verb: str, as_json: bool) -> None:
    eff = result.effects.assign(change=lambda d: d["after"] - d["before"])
    if as_json:
        print(
            dumps(
                {
                    "override": result.override.describe(),
                    "id": result.override.id,
                    "stored": result.stored,
                    "effects": eff,
                }
            )
        )
        return
    console.print(f"{result.override.describe()}: {verb}", markup=False)
    if eff.empty:
        return
    by_period = eff.groupby("period")[["before", "after"]].sum().reset_index()
    console.print(_table(by_period, "total of the items changed"))
    console.print(_table(eff, "by item"))


@override_app.command("delete")
def delete_cmd(
    ctx: typer.Context,
    override_id: Annotated[
        int, typer.Argument(metavar="ID", help="The override's id (`snop demand log` shows them).")
    ],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")] = "withdrawn",
    comment: Annotated[str | None, typer.Option(help="More about why.")] = None,
    author: Author = None,
    role: Role = None,
    as_json: Json = False,
) -> None:
    """Withdraw override ID from the current draft (its layer's owner role or the approver
    role). The withdrawal is logged; the override stays in the log, marked withdrawn."""
    from snop.services.demand_review import delete_override

    result = delete_override(
        store(ctx),
        _actor(ctx, author, role),
        override_id,
        reason=reason,
        comment=comment,
        source="cli",
    )
    _effects(result, f"logged as entry {result.override.id}", as_json)


def _transition(
    ctx: typer.Context, action: str, author: str | None, role: str | None, note: str | None
) -> None:
    from snop.services import demand_review as review

    fn = {"submit": review.submit, "approve": review.approve, "reject": review.reject}[action]
    plan = fn(store(ctx), _actor(ctx, author, role), note=note)
    console.print(_header(plan))
    if plan.status == PlanStatus.APPROVED:
        total = plan.view("total")[[plan.consensus]].sum().iloc[0]
        console.print(
            f"frozen as version {esc(plan.cycle)}: {total:,.0f} units of consensus "
            f"demand over {len(plan.periods)} periods"
        )


@demand.command("submit")
def submit_cmd(
    ctx: typer.Context,
    author: Author = None,
    role: Role = None,
    note: Annotated[str | None, typer.Option(help="Note.")] = None,
) -> None:
    """Submit the current cycle's consensus for approval (consensus owner)."""
    _transition(ctx, "submit", author, role, note)


@demand.command("approve")
def approve_cmd(
    ctx: typer.Context,
    author: Author = None,
    role: Role = None,
    note: Annotated[str | None, typer.Option(help="Note.")] = None,
) -> None:
    """Approve the submitted plan and freeze it as the cycle's version (approver role)."""
    _transition(ctx, "approve", author, role, note)


@demand.command("reject")
def reject_cmd(
    ctx: typer.Context,
    author: Author = None,
    role: Role = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Send a submitted plan back to draft (approver role)."""
    _transition(ctx, "reject", author, role, note)


@demand.command("log")
def log_cmd(
    ctx: typer.Context,
    cycle: Cycle = None,
    event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
    as_json: Json = False,
) -> None:
    """The override log: every change with its id, author, role, reason, event and comment
    (the assumption log), withdrawals included."""
    from snop.demand.config import WITHDRAW
    from snop.demand.replay import withdrawals
    from snop.services.demand_review import demand_plan

    plan = demand_plan(store(ctx), _actor(ctx, None), _cycle(cycle))
    log = plan.log()
    if event is not None:
        events = sorted({e for e in log["event"] if isinstance(e, str)})
        if event not in events:
            raise SnopError(
                f"no such event {event!r}; events are: "
                + (
                    ", ".join(repr(e) for e in events)
                    if events
                    else "none (no override of this cycle names an event)"
                )
            )
    keep = [event is None or ov.event == event for ov in plan.overrides]
    log = log[keep]
    if as_json:
        print(dumps({"cycle": plan.cycle, "status": plan.status, "overrides": log}))
        return
    console.print(_header(plan))
    # one line per entry: its id and what changed, then who, why and from where
    conflicts = {id(ov): msg for ov, msg in plan.replay.conflicts}
    gone = withdrawals(plan.overrides)
    for ov in (o for o, k in zip(plan.overrides, keep, strict=True) if k):
        why = ov.reason + (f": {ov.comment}" if ov.comment else "")
        origin = ov.source + (f" from {ov.carried_from}" if ov.carried_from else "")
        ident = f"#{ov.id}" if ov.id is not None else "wb"
        mark = f"  (withdrawn by #{gone[ov.id]})" if ov.id in gone and ov.kind != WITHDRAW else ""
        console.print(f"{ident:>5}  {ov.describe()}{mark}", markup=False)
        console.print(
            f"       {ov.author} ({ov.role}), {why}; {origin}, {ov.created_at}", markup=False
        )
        if id(ov) in conflicts:
            console.print(f"       [yellow]conflict[/]: {escape(conflicts[id(ov)])}")
    if not plan.overrides:
        console.print("no overrides yet")
    elif any(ov.id is None for ov in plan.overrides):
        console.print(
            "wb: a row of the workbook's overrides table (it gets an id when the "
            "plan is submitted)",
            markup=False,
        )


@demand.command("cycles")
def cycles_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """Every cycle's demand plan and its status."""
    from snop.demand.review import PlanRecord
    from snop.services.demand_review import plans

    records = plans(store(ctx), _actor(ctx, None))
    if as_json:
        print(dumps(records))
        return
    columns = [f.name for f in fields(PlanRecord)]
    df = pd.DataFrame([r.as_dict() for r in records], columns=columns)
    console.print(
        _table(
            df[["cycle", "status", "based_on", "submitted_by", "approved_by", "approved_at"]]
            if not df.empty
            else df
        )
    )


@demand.command("fva")
def fva_cmd(
    ctx: typer.Context,
    cycle: Annotated[
        str | None,
        typer.Option(help="Approved cycle to judge (default: the latest one with actuals)."),
    ] = None,
    by: Annotated[str, typer.Option(help="layer, family, item, author or lag.")] = "layer",
    as_json: Json = False,
) -> None:
    """Forecast value added: each layer's error against actuals and what it added over the
    layer before and over a naive forecast; by family, item, author, or lag."""
    from snop.services.demand_review import fva_report

    report = fva_report(store(ctx), _actor(ctx, None), _cycle(cycle))
    table = report.table(by)
    if as_json:
        print(dumps({"cycle": report.cycle, "by": by, "periods": report.periods, "rows": table}))
        return
    console.print(report.title(by), markup=False)
    counts = [c for c in ("n", "overrides", "actual", "forecast") if c in table]
    shown = table.assign(**{c: table[c].round().astype("int64") for c in counts})
    console.print(_table(shown, digits=1, no_wrap=("layer", "author", "family", "item")))
