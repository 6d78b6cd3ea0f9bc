"""``snop demand``: the demand review of the store's current cycle."""

from __future__ import annotations

import getpass
import json
import os
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from snop.cli.common import console, err_console, esc, store
from snop.cli.main import app
from snop.errors import SnopError

demand = typer.Typer(help="Demand review: layers, overrides, consensus approval, forecast "
                          "value added.", no_args_is_help=True)
app.add_typer(demand, name="demand")

Author = Annotated[str | None, typer.Option(
    "--author", envvar="SNOP_USER", help="Who makes the change (default: your login).")]
Role = Annotated[str | None, typer.Option(
    "--role", envvar="SNOP_ROLE", help="Your role (default: the role the action needs, "
    "e.g. the layer's owner).")]
Cycle = Annotated[str | None, typer.Option(
    "--cycle", help="Cycle (its first planning period); default: the current one.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _author(author: str | None) -> str:
    if author:
        return author
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def _table(df: pd.DataFrame, title: str | None = None, digits: int = 0,
           no_wrap: tuple[str, ...] = ()) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for col in df.columns:
        numeric = df[col].dtype.kind in "fi"
        t.add_column(esc(col), justify="right" if numeric else "left",
                     no_wrap=col in no_wrap)
    for row in df.itertuples(index=False):
        t.add_row(*(_cell(v, digits) for v in row))
    return t


def _cell(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.{digits}f}"
    return esc(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))  # type: ignore[no-any-return]


def _header(plan: Any) -> str:
    based = f", started from approved cycle {esc(plan.based_on)}" if plan.based_on else ""
    extra = ""
    if plan.status == "approved":
        extra = (f", approved by {esc(plan.record.get('approved_by'))} "
                 f"({esc(plan.record.get('approved_role'))}) on "
                 f"{plan.record.get('approved_at')}")
    layers = esc(" -> ".join(plan.layer_names))
    return (f"demand plan of cycle [bold]{esc(plan.cycle)}[/]: {plan.status}{extra}{based}; "
            f"layers {layers}; {len(plan.overrides)} override(s)")


@demand.command("show")
def show_cmd(
    ctx: typer.Context,
    layer: Annotated[str | None, typer.Option(help="Only this layer (default: all).")] = None,
    level: Annotated[str, typer.Option(
        help="item, family, total or an items attribute.")] = "family",
    key: Annotated[str | None, typer.Option(help="Only this item, family or value.")] = None,
    period: Annotated[str | None, typer.Option(help="Only from this period.")] = None,
    to: Annotated[str | None, typer.Option(help="Only up to this period.")] = None,
    cycle: Cycle = None,
    as_json: Json = False,
) -> None:
    """The demand plan by LEVEL and period, one column per layer (each level is the sum of
    its items, so the views always add up)."""
    from snop.demand.review import open_plan

    plan = open_plan(store(ctx), cycle)
    view = plan.view(level, [layer] if layer else None).rename(columns={"key": level})
    if key is not None:
        view = view[view[level] == key]
        if view.empty:
            raise SnopError(f"{level} {key!r} has no demand plan rows")
    if period is not None:
        view = view[view["period"] >= period]
    if to is not None:
        view = view[view["period"] <= to]
    if as_json:
        print(json.dumps({"cycle": plan.cycle, "status": plan.status,
                          "layers": list(plan.layer_names), "level": level,
                          "rows": _records(view)}, indent=2))
        return
    console.print(_header(plan))
    for ov, msg in plan.replay.conflicts:
        err_console.print(f"[yellow]conflict[/]: {esc(ov.describe())}: {esc(msg)}")
    console.print(_table(view))


@demand.command("override")
def override_cmd(
    ctx: typer.Context,
    layer: Annotated[str, typer.Option(help="Layer to change (e.g. sales, marketing, "
                                            "consensus).")],
    level: Annotated[str, typer.Option(help="item, family, total or an items attribute.")],
    period: Annotated[str, typer.Option(help="Period (the first of a range).")],
    reason: Annotated[str, typer.Option(help="Reason code: promo, customer, price...")],
    key: Annotated[str, typer.Option(help="The item, family or attribute value "
                                          "(not for total).")] = "",
    to: Annotated[str | None, typer.Option("--to", help="Last period of a range.")] = None,
    qty: Annotated[float | None, typer.Option(help="New quantity in each period.")] = None,
    delta: Annotated[float | None, typer.Option(help="Change in units in each period.")] = None,
    pct: Annotated[float | None, typer.Option(help="Change in percent in each period.")] = None,
    split: Annotated[str, typer.Option(
        help="proportional, equal, history or layer:NAME.")] = "proportional",
    lock: Annotated[bool, typer.Option("--lock", help="Keep these values when later "
                                       "overrides change a level above.")] = False,
    comment: Annotated[str | None, typer.Option(help="The assumption behind it.")] = None,
    event: Annotated[str | None, typer.Option(help="Named event (promotion, tender...) it "
                                              "belongs to.")] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show the split; change "
                                          "nothing.")] = False,
    author: Author = None,
    role: Role = None,
    as_json: Json = False,
) -> None:
    """Change a layer at any level for a period or range; levels above item are split to
    items (whole units that add up; locked items keep their values)."""
    from snop.demand.replay import Override
    from snop.demand.review import add_override

    given = [(k, v) for k, v in (("qty", qty), ("delta", delta), ("pct", pct))
             if v is not None]
    if len(given) != 1:
        raise SnopError("give exactly one of --qty, --delta and --pct")
    kind, value = given[0]
    ov = Override(layer=layer, level=level, key=key, period=period, to_period=to or period,
                  kind=kind, value=float(value), split=split, locked=lock,
                  author=_author(author), role=role or "", reason=reason, comment=comment,
                  event=event, source="cli")
    result = add_override(store(ctx), ov, preview=preview)
    eff = result.effects.assign(change=lambda d: d["after"] - d["before"])
    if as_json:
        print(json.dumps({"override": result.override.describe(), "id": result.override.id,
                          "stored": result.stored, "effects": _records(eff)}, indent=2))
        return
    verb = "preview (nothing stored)" if preview else f"stored as override {result.override.id}"
    console.print(f"{esc(result.override.describe())}: {verb}")
    by_period = eff.groupby("period")[["before", "after"]].sum().reset_index()
    console.print(_table(by_period, "total of the items changed"))
    console.print(_table(eff, "by item"))


def _transition(ctx: typer.Context, action: str, author: str | None, role: str | None,
                note: str | None) -> None:
    from snop.demand import review

    fn = {"submit": review.submit, "approve": review.approve, "reject": review.reject}[action]
    plan = fn(store(ctx), author=_author(author), role=role, note=note)
    console.print(_header(plan))
    if plan.status == "approved":
        total = plan.view("total")[[plan.consensus]].sum().iloc[0]
        console.print(f"frozen as version {esc(plan.cycle)}: {total:,.0f} units of consensus "
                      f"demand over {len(plan.periods)} periods")


@demand.command("submit")
def submit_cmd(ctx: typer.Context, author: Author = None, role: Role = None,
               note: Annotated[str | None, typer.Option(help="Note.")] = None) -> None:
    """Submit the current cycle's consensus for approval (consensus owner)."""
    _transition(ctx, "submit", author, role, note)


@demand.command("approve")
def approve_cmd(ctx: typer.Context, author: Author = None, role: Role = None,
                note: Annotated[str | None, typer.Option(help="Note.")] = None) -> None:
    """Approve the submitted plan and freeze it as the cycle's version (approver role)."""
    _transition(ctx, "approve", author, role, note)


@demand.command("reject")
def reject_cmd(ctx: typer.Context, author: Author = None, role: Role = None,
               note: Annotated[str | None, typer.Option(help="Why.")] = None) -> None:
    """Send a submitted plan back to draft (approver role)."""
    _transition(ctx, "reject", author, role, note)


@demand.command("log")
def log_cmd(ctx: typer.Context, cycle: Cycle = None,
            event: Annotated[str | None, typer.Option(help="Only this event.")] = None,
            as_json: Json = False) -> None:
    """The override log: every change with author, role, reason, event and comment (the
    assumption log)."""
    from snop.demand.review import open_plan

    plan = open_plan(store(ctx), cycle)
    log = plan.log()
    if event is not None:
        log = log[log["event"] == event]
    if as_json:
        print(json.dumps({"cycle": plan.cycle, "status": plan.status,
                          "overrides": _records(log)}, indent=2))
        return
    console.print(_header(plan))
    # one line per override: what changed, then who, why and from where
    for ov, conflict in zip(plan.overrides, log["conflict"], strict=True):
        if event is not None and ov.event != event:
            continue
        why = ov.reason + (f": {ov.comment}" if ov.comment else "")
        origin = ov.source + (f" from {ov.carried_from}" if ov.carried_from else "")
        console.print(f"{ov.id if ov.id is not None else '-':>4}  {ov.describe()}", markup=False)
        console.print(f"      {ov.author} ({ov.role}), {why}; {origin}, {ov.created_at}",
                      markup=False)
        if isinstance(conflict, str):
            console.print(f"      [yellow]conflict[/]: {esc(conflict)}")


@demand.command("cycles")
def cycles_cmd(ctx: typer.Context, as_json: Json = False) -> None:
    """Every cycle's demand plan and its status."""
    from snop.demand.review import cycles

    df = cycles(store(ctx))
    if as_json:
        print(json.dumps(_records(df), indent=2))
        return
    console.print(_table(df[["cycle", "status", "based_on", "submitted_by", "approved_by",
                             "approved_at"]] if not df.empty else df))


@demand.command("fva")
def fva_cmd(
    ctx: typer.Context,
    cycle: Annotated[str | None, typer.Option(
        help="Approved cycle to judge (default: the latest one with actuals).")] = None,
    by: Annotated[str, typer.Option(help="layer, family, item, author or lag.")] = "layer",
    as_json: Json = False,
) -> None:
    """Forecast value added: each layer's error against actuals and what it added over the
    layer before and over a naive forecast; by family, item, author, or lag."""
    from snop.demand.accuracy import fva_report

    report = fva_report(store(ctx), cycle)
    table = report.table(by)
    if as_json:
        print(json.dumps({"cycle": report.cycle, "by": by, "periods": report.periods,
                          "rows": _records(table)}, indent=2))
        return
    console.print(report.title(by), markup=False)
    counts = [c for c in ("n", "overrides", "actual", "forecast") if c in table]
    shown = table.assign(**{c: table[c].round().astype("int64") for c in counts})
    console.print(_table(shown, digits=1, no_wrap=("layer", "author", "family", "item")))
