"""``snop demo``: the S&OP cycle on the built-in demo company, in a fresh folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import console, esc
from snop.cli.main import app
from snop.cycle.steps import DEMAND_REVIEW_ACTIONS, CycleContext, load_steps
from snop.demo import build_demo_workbook, demand_review, previous_cycle
from snop.errors import SnopError
from snop.io import write_workbook
from snop.store.db import open_store

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
) -> None:
    """Create the demo company, import it and run every step of the S&OP cycle."""
    start = time.perf_counter()
    _prepare(folder)
    _record(folder)
    workbook = folder / "workbook"
    wb = build_demo_workbook(seed)
    write_workbook(wb, workbook)
    db = folder / "snop.db"
    engine = open_store(str(db))
    console.print(
        f"[bold]snop demo[/]: Alder Housewares, workbook in {esc(workbook)}, store {esc(db)}"
    )
    t0 = time.perf_counter()
    lines = previous_cycle(engine, wb, folder)
    _record(folder)
    console.rule(
        f"[bold]Last approved cycle[/] (replayed from history, {time.perf_counter() - t0:.1f}s)"
    )
    for line in lines:
        console.print(line, markup=False)
    ctx = CycleContext(engine, workbook, {DEMAND_REVIEW_ACTIONS: demand_review})
    for n, step in enumerate(load_steps()):
        t0 = time.perf_counter()
        lines = step.run(ctx)
        console.rule(f"[bold]{n}. {step.title}[/] ({step.owner}, {time.perf_counter() - t0:.1f}s)")
        for line in lines:
            console.print(line, markup=False)
    _record(folder)
    console.rule()
    console.print(
        f"done in {time.perf_counter() - start:.1f}s. Try: snop --db {esc(db)} export alder.xlsx"
    )
