"""The monthly S&OP cycle as an ordered list of small steps.

Each step reads what the steps before it left in the store and returns a few summary lines
for the person running it. ``snop demo`` runs them all; later steps register themselves as
the capabilities behind them exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine


@dataclass
class CycleContext:
    """What a step needs: the store, the workbook it was loaded from, and shared results."""

    engine: Engine
    workbook_path: Path
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    owner: str
    run: Callable[[CycleContext], list[str]]


STEPS: list[Step] = []

# ctx.results key: a callable(engine) -> lines that acts for the people of the demand review
# (``snop demo`` scripts its planners' overrides and approval with it)
DEMAND_REVIEW_ACTIONS = "demand_review"


def register(step: Step) -> Step:
    """Add a step at the end of the cycle (steps register in cycle order)."""
    if any(s.name == step.name for s in STEPS):
        raise ValueError(f"step {step.name!r} is registered twice")
    STEPS.append(step)
    return step


def _data_step(ctx: CycleContext) -> list[str]:
    from snop.cycle.data import import_workbook
    from snop.store.workbook_repo import load_workbook

    result = import_workbook(ctx.engine, ctx.workbook_path)
    wb = load_workbook(ctx.engine)
    assert wb is not None  # just imported
    ctx.results["workbook"] = wb
    first = wb.first_period
    return [
        f"{len(wb.items)} items in {len(wb.family_names)} families, "
        f"{result.rows.get('sales', 0)} sales rows up to {wb.last_actual}",
        f"planning {wb.horizon} {wb.granularity.noun}s from {first} "
        f"to {first + (wb.horizon - 1)}; {len(result.warnings)} warning(s)",
    ]


register(
    Step("data", "Data gathering: validate and import the workbook", "demand planner", _data_step)
)


def load_steps() -> list[Step]:
    """Every registered step, importing the modules that register the later ones."""
    import importlib

    for module in (
        "snop.forecasting.cycle_step",
        "snop.demand.cycle_step",
        "snop.supply.cycle_step",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but something it needs is missing
                raise
    return list(STEPS)
