"""The supply review as one read: the current cycle's strategies side by side (cost,
service, inventory), the family sheet of the plan the cycle goes with, and what its
charts draw (capacity, workforce, each family's sales and band)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.learning.frames import TOTAL
from snop.services.context import Actor, UnitOfWork
from snop.services.pack_pages import PlanData, plan_data
from snop.services.sheet import SheetReport, family_sheet
from snop.services.supply import current_plans
from snop.supply.plan import SupplyPlan

# the measures compared across strategies, each with its unit (snop.report.fmt)
MEASURES = (
    ("total_cost", "Total cost", "money"),
    ("fill_rate", "Fill rate (shipped / demand)", "ratio"),
    ("average_inventory", "Inventory, average (units)", "units"),
    ("ending_inventory", "Inventory at the end (units)", "units"),
    ("ending_backlog", "Backlog at the end (units)", "units"),
    ("unmet_units", "Demand never served (units)", "units"),
)


@dataclass
class SupplyReview:
    cycle: str
    currency: str
    plans: dict[str, SupplyPlan]
    strategies: pd.DataFrame  # measure, label, unit, one column per strategy (NaN: no plan)
    sheet: SheetReport
    data: PlanData


def supply_review(uow: UnitOfWork, actor: Actor) -> SupplyReview:
    """The current cycle's supply drafts compared, and the sheet of the one it plans on."""
    result = current_plans(uow, actor)
    sheet = family_sheet(uow, actor, cycle=result.cycle)
    families = [f for f in sheet.shown if f != TOTAL]
    data = plan_data(uow, result.cycle, families)
    return SupplyReview(
        result.cycle,
        result.currency,
        result.plans,
        strategy_measures(result.plans),
        sheet,
        data,
    )


def strategy_measures(plans: dict[str, SupplyPlan]) -> pd.DataFrame:
    """Per strategy: its cost, the units shipped over the units demanded across the horizon
    (fill rate), the
    stock it holds on average over the horizon and at its end (units, all families), the
    backlog left at its end and the demand it never serves."""
    cols: dict[str, list[float]] = {}
    for name, p in plans.items():
        cols[str(name)] = _measures(p) if p.ok else [np.nan] * len(MEASURES)
    frame = pd.DataFrame(cols)
    frame.insert(0, "measure", [m for m, _, _ in MEASURES])
    frame.insert(1, "label", [label for _, label, _ in MEASURES])
    frame.insert(2, "unit", [u for _, _, u in MEASURES])
    return frame


def _measures(p: SupplyPlan) -> list[float]:
    per = p.plan.groupby("period", sort=True)[["demand", "inventory", "backlog", "shipped"]].sum()
    demand = float(per["demand"].sum())
    fill = float(per["shipped"].sum()) / demand if demand > 0 else np.nan
    return [
        float(p.total_cost),
        fill,
        float(per["inventory"].mean()),
        float(per["inventory"].iloc[-1]),
        float(per["backlog"].iloc[-1]),
        p.unmet_units,
    ]
