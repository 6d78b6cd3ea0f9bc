"""``snop demo``: the S&OP cycle on the built-in demo company, in a fresh folder."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from snop.cli.common import console, esc
from snop.cli.main import app
from snop.errors import SnopError

if TYPE_CHECKING:
    from snop.services.demo import MonthRun

# The demo's folder holds this marker, listing every entry the demo created there; a later
# demo removes those entries, and only those, and refuses a folder holding anything else.
MARKER = ".snop-demo"
_KNOWN = ("snop.db", "snop.db-journal", "snop.db-wal", "snop.db-shm", "workbook")


def _record(folder: Path) -> None:
    """Write the marker listing what the folder holds now (all of it made by the demo)."""
    names = sorted(p.name for p in folder.iterdir() if p.name != MARKER)
    (folder / MARKER).write_text(
        "created by `snop demo`; a new demo here removes these:\n"
        + "".join(f"{n}\n" for n in sorted({*_KNOWN, *names})),
        encoding="utf-8",
    )


def _own_entries(folder: Path) -> set[str] | None:
    """The entries a previous demo recorded in ``folder``, or None when it has no marker."""
    marker = folder / MARKER
    if not marker.is_file():
        return None
    lines = marker.read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    return {n for n in lines if n and "/" not in n and n not in (".", "..")} | {MARKER}


def _prepare(folder: Path) -> None:
    """Make ``folder`` ready for a fresh demo: create it, or empty a previous demo's folder of
    the demo's own entries. Anything else is refused; nothing the demo did not make is removed.
    """
    if folder.exists() and not folder.is_dir():
        raise SnopError(f"--dir {folder} is a file; give a new folder for the demo")
    if not folder.exists():
        folder.mkdir(parents=True)
        return
    present = {p.name for p in folder.iterdir()}
    own = _own_entries(folder)
    is_cwd = folder.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents)
    if own is None and (present or is_cwd):
        what = "the current folder (or one above it)" if is_cwd else "not empty"
        listed = ", ".join(sorted(present)[:5]) + (", ..." if len(present) > 5 else "")
        held = f" (it holds {listed})" if present else ""
        raise SnopError(
            f"--dir {folder} is {what} and not a previous snop demo{held}; give a "
            "new or empty folder, e.g. --dir snop-demo"
        )
    foreign = sorted(present - (own or set()))
    if foreign:
        raise SnopError(
            f"--dir {folder} holds a previous demo and also "
            f"{', '.join(foreign[:5])}, which the demo did not create; move "
            "them out or give another folder"
        )
    for name in sorted(present - {MARKER}):
        entry = folder / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@app.command("demo")
def demo_cmd(
    folder: Annotated[Path, typer.Option("--dir", help="Folder to create the demo in.")] = Path(
        "snop-demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the demo company's random history.")] = 7,
    months: Annotated[
        int, typer.Option(help="Monthly cycles to run (at least 1; the last ends approved).")
    ] = 4,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the web app on the demo's store.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="The web app's port (--serve).")] = 8000,
) -> None:
    """Create the demo company and run months of its S&OP cycle in a fresh folder.

    Each month: forecast, demand review, supply review, sign-offs and the executive
    approval; then the month's actuals arrive and the next cycle rolls forward."""
    from snop.services.context import UnitOfWork
    from snop.services.demo import DEMO_PASSWORD, DEMO_USERS, simulate

    if months < 1 or months > 12:
        raise SnopError(f"--months {months}: run 1 to 12 cycles")
    start = time.perf_counter()
    _prepare(folder)
    _record(folder)
    db = folder / "snop.db"
    uow = UnitOfWork.open(str(db))
    console.print(f"[bold]snop demo[/]: Alder Housewares, {months} monthly cycles, store {esc(db)}")
    clock = [time.perf_counter()]

    def show(run: MonthRun) -> None:
        took = time.perf_counter() - clock[0]
        clock[0] = time.perf_counter()
        console.rule(f"[bold]cycle {esc(run.cycle)}[/] ({took:.1f}s)")
        for line in month_lines(run):
            console.print(line, markup=False)

    try:
        result = simulate(uow, folder, seed=seed, months=months, on_month=show)
    finally:
        _record(folder)
        uow.dispose()
    if result.fva is not None:
        console.rule("[bold]learning from the actuals[/]")
        console.print(result.fva.title(), markup=False)
        for r in result.fva.table("layer").to_dict("records"):
            gain = float(r["fva_naive"])
            added = "" if math.isnan(gain) else f", {gain:+.1f} points over naive"
            wape, bias = float(r["wape"]), float(r["bias"])
            console.print(f"  {r['layer']}: WAPE {wape:.1f}%, bias {bias:+.1f}%{added}")
        for fam, layer, at_family, items in result.disagreements:
            console.print(
                f"  at family level (errors net within the family) the {layer} layer hurt "
                f"{fam} ({at_family:+.1f} points), which the mean of its items shows as "
                f"helped ({items:+.1f})",
                markup=False,
            )
    if result.kpis is not None:
        from snop.cli.cycle_cmd import kpi_lines

        k = result.kpis
        console.rule(f"[bold]KPI card of version {esc(k.cycle)}[/] (actuals {esc(k.periods[-1])})")
        for line in kpi_lines(k.card, k.judged):
            console.print(line, markup=False)
        owners: dict[str, int] = {}
        for o in k.exceptions["owner"]:
            owners[str(o)] = owners.get(str(o), 0) + 1
        console.print(
            f"open exceptions: {len(k.exceptions)}"
            + "".join(f", {n} for {o}" for o, n in owners.items()),
            markup=False,
        )
        for e in k.exceptions.head(5).to_dict("records"):
            where = e["family"] if isinstance(e["family"], str) else e["resource"]
            console.print(f"  {where}: {e['message']} ({e['owner']})", markup=False)
    if result.finance is not None:
        from snop.cli.finance_cmd import finance_headline

        f = result.finance
        console.rule(f"[bold]the plan in money: version {esc(f.cycle)}[/] ({esc(f.currency)})")
        for line in finance_headline(f):
            console.print(line, markup=False)
    if result.scenarios is not None:
        from snop.cli.scenario_cmd import comparison_lines
        from snop.learning.frames import TOTAL

        console.rule("[bold]scenarios[/]: upside, shift_freeze (a second shift, hiring frozen)")
        for line in comparison_lines(result.scenarios, TOTAL):
            console.print(line, markup=False)
    if result.levers is not None:
        from snop.cli.levers_cmd import lever_lines

        lv = result.levers
        console.rule(f"[bold]levers[/]: what closes the gaps (top {lv.top} checked by re-solves)")
        for line in lever_lines(lv.to_json()["levers"][:6], lv.currency):
            console.print(line, markup=False)
    console.rule()
    if result.pack is not None:
        pk = result.pack
        console.print(
            f"[bold]executive pack[/] of cycle {esc(pk.cycle)}: {esc(pk.path)} ({pk.sections} "
            f"sections, {pk.charts} charts; open it in a browser, it needs no network). As PDF or "
            f"Excel: snop --db {esc(db)} --user erin report --out pack.pdf (or pack.xlsx)"
        )
    last = result.months[-1].cycle
    run = f"snop --db {esc(db)} --user lee"  # the store has users: act as one
    console.print(
        f"done in {time.perf_counter() - start:.1f}s; versions "
        f"{', '.join(r.cycle for r in result.months)}. Try: {run} cycle status, "
        f"{run} plan show --version {esc(last)}, {run} sheet --family COOK, {run} finance, "
        f"{run} scenario compare upside shift_freeze; the web app: snop --db {esc(db)} serve"
    )
    users = ", ".join(f"{u.name} ({', '.join(sorted(u.roles))})" for u in DEMO_USERS)
    console.print(f"demo users, one per role, password {DEMO_PASSWORD}: {users}", markup=False)
    if serve:
        from snop.cli.serve_cmd import serve_store

        serve_store(UnitOfWork.open(str(db)), "127.0.0.1", port)


def month_lines(run: MonthRun) -> list[str]:
    """The demo's report of one cycle."""
    lines = []
    if run.openings:
        est = [o for o in run.openings if o.source != "actual"]
        lines.append(
            f"opened from the last version: {len(run.openings) - len(est)} opening values "
            f"from actuals, {len(est)} estimated"
            + (
                " (" + ", ".join(f"{o.measure} {o.key}: {o.source}" for o in est[:4]) + ")"
                if est
                else ""
            )
        )
    if run.fenced:
        lines.append(
            "frozen zone kept from the last version: "
            + ", ".join(f"{f} {n} period(s)" for f, n in run.fenced.items())
        )
    lines.append(
        f"forecast: {run.items} items, median backtest MASE {run.median_mase:.2f} "
        f"(naive {run.median_naive_mase:.2f})"
    )
    carried = f"; {run.carried} carried from the last version" if run.carried else ""
    lines.append(f"demand review: {len(run.overrides)} new override(s){carried}")
    lines += [f"  {o}" for o in run.overrides]
    lines.append(
        "consensus over the horizon: "
        + ", ".join(f"{f} {q:,.0f}" for f, q in run.consensus.items())
    )
    lines.append(
        "supply review: "
        + ", ".join(f"{s} {'-' if c is None else f'{c:,.0f}'}" for s, c in run.costs.items())
    )
    lines.append(f"signed off by every owner; approved by the executives ({run.strategy} plan)")
    if run.changes is not None:
        c = run.changes
        causes = c.demand.by_cause()
        bars = ", ".join(
            f"{cause} {change:+,.0f}"
            for cause, change in zip(causes["cause"], causes["change"], strict=True)
            if abs(change) >= 0.5
        )
        cost = c.supply["cost_total"].cells
        lines.append(f"what changed since version {c.base}: consensus demand {bars}")
        lines.append(
            f"  plan cost {cost['old'].sum():,.0f} -> {cost['new'].sum():,.0f} over the "
            f"{len(c.periods)} periods both plans cover"
        )
    if run.agenda is not None:
        a = run.agenda
        lines.append(
            f"decisions on the agenda: {len(a.open)} open"
            + (f", {len(a.closed)} closed this cycle" if a.closed else "")
        )
        lines += [f"  {d.id}. {d.what} ({d.owner}, due {d.due})" for d in a.open]
        lines += [f"  {d.id}. closed: {d.what} ({d.note})" for d in a.closed]
    return lines
