"""``snop demo``: the S&OP cycle on the built-in demo company, in a fresh folder."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import console
from snop.cli.main import app
from snop.cycle.steps import DEMAND_REVIEW_ACTIONS, CycleContext, load_steps
from snop.demo import build_demo_workbook, demand_review, previous_cycle
from snop.io import write_workbook
from snop.store.db import open_store


@app.command("demo")
def demo_cmd(
    folder: Annotated[Path, typer.Option("--dir", help="Folder to create the demo in.")] = Path(
        "snop-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the demo company's random history.")] = 7,
) -> None:
    """Create the demo company, import it and run every step of the S&OP cycle."""
    start = time.perf_counter()
    if folder.exists():
        shutil.rmtree(folder)  # a fresh demo each time; the folder is the demo's own
    folder.mkdir(parents=True)
    workbook = folder / "workbook"
    wb = build_demo_workbook(seed)
    write_workbook(wb, workbook)
    db = folder / "snop.db"
    engine = open_store(str(db))
    console.print(f"[bold]snop demo[/]: Alder Housewares, workbook in {workbook}, store {db}")
    t0 = time.perf_counter()
    lines = previous_cycle(engine, wb, folder)
    console.rule(f"[bold]Last approved cycle[/] (replayed from history, "
                 f"{time.perf_counter() - t0:.1f}s)")
    for line in lines:
        console.print(line, markup=False)
    ctx = CycleContext(engine, workbook, {DEMAND_REVIEW_ACTIONS: demand_review})
    for n, step in enumerate(load_steps()):
        t0 = time.perf_counter()
        lines = step.run(ctx)
        console.rule(f"[bold]{n}. {step.title}[/] ({step.owner}, {time.perf_counter() - t0:.1f}s)")
        for line in lines:
            console.print(line, markup=False)
    console.rule()
    console.print(f"done in {time.perf_counter() - start:.1f}s. Try: snop --db {db} export "
                  f"{folder / 'export.xlsx'}")
