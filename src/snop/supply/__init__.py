"""Supply review: aggregate production planning (level, chase, optimal), rough-cut capacity,
explanations and feasibility feedback. See ``docs/supply.md``."""

from snop.supply.data import PlanningData, planning_data, workbook_demand
from snop.supply.explain import Explanation
from snop.supply.fence import frozen_zone
from snop.supply.model import STRATEGIES
from snop.supply.plan import (
    COST_COMPONENTS,
    FrozenPlan,
    SupplyPlan,
    compare_strategies,
    comparison_table,
    plan_from_data,
    plan_supply,
)
from snop.supply.solve import SolveOptions

__all__ = [
    "COST_COMPONENTS",
    "STRATEGIES",
    "Explanation",
    "FrozenPlan",
    "PlanningData",
    "SolveOptions",
    "SupplyPlan",
    "compare_strategies",
    "comparison_table",
    "frozen_zone",
    "plan_from_data",
    "plan_supply",
    "planning_data",
    "workbook_demand",
]
