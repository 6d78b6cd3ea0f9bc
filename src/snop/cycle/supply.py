"""Supply review of the stored cycle: plan the cycle's demand, store plans and feedback."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from snop.cycle.baseline import BASELINE, family_demand, load_layer
from snop.errors import NotFoundError, SnopError
from snop.model.vocabulary import PlanStatus, Strategy
from snop.model.workbook import Workbook
from snop.store.tables import constrained_demand, supply_plan
from snop.store.workbook_repo import load_workbook
from snop.supply import STRATEGIES, SupplyPlan, compare_strategies, workbook_demand


def cycle_demand(engine: Engine, wb: Workbook) -> tuple[pd.DataFrame, str]:
    """The demand to plan, by family and period, and where it comes from.

    The consensus of the cycle's demand plan (approved, or the draft as it stands) when the
    cycle has a baseline forecast, else the workbook's demand table.
    """
    from snop.demand.review import open_plan

    cycle = wb.first_period.label
    layer = load_layer(engine, cycle, BASELINE)
    if not layer.empty:
        plan = open_plan(engine, cycle)
        consensus = plan.frame(plan.consensus)
        what = (
            "approved" if plan.status == PlanStatus.APPROVED else f"{plan.status}, not yet approved"
        )
        return (
            family_demand(wb, consensus),
            f"the {plan.consensus} demand plan of cycle {cycle} ({what})",
        )
    if wb.has("demand"):
        return workbook_demand(wb), "the workbook's demand table"
    raise SnopError(
        f"cycle {cycle} has no demand to plan: run `snop forecast` for a baseline "
        "or import a demand table"
    )


def plan_cycle(
    engine: Engine,
    strategies: Sequence[str] = STRATEGIES,
    *,
    integer_workforce: bool = False,
    allow_ending_backlog: bool | None = None,
    hard_safety_stock: bool | None = None,
) -> tuple[Workbook, dict[str, SupplyPlan], str]:
    """Plan the stored cycle with each strategy and store the plans and constrained demand
    (``allow_ending_backlog``, ``hard_safety_stock``: None keeps the workbook's settings)."""
    wb = load_workbook(engine)
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    demand, source = cycle_demand(engine, wb)
    plans = compare_strategies(
        wb,
        demand,
        tuple(strategies),
        integer_workforce=integer_workforce,
        allow_ending_backlog=allow_ending_backlog,
        hard_safety_stock=hard_safety_stock,
    )
    save_plans(engine, wb.first_period.label, plans)
    return wb, plans, source


def save_plans(engine: Engine, cycle: str, plans: dict[str, SupplyPlan]) -> None:
    """Replace the cycle's stored plans of these strategies (one transaction)."""
    with engine.begin() as conn:
        for strategy, plan in plans.items():
            for t in (supply_plan, constrained_demand):
                conn.execute(t.delete().where(t.c.cycle == cycle, t.c.strategy == strategy))
            if plan.plan.empty:
                continue
            numeric = [
                c
                for c in plan.plan.columns
                if c not in ("family", "period") and plan.plan[c].dtype.kind == "f"
            ]
            long = plan.plan.melt(
                id_vars=["family", "period"], value_vars=numeric, var_name="measure"
            )
            long = long[np.isfinite(long["value"].to_numpy(dtype=float))]
            conn.execute(
                supply_plan.insert(),
                [
                    {
                        "cycle": cycle,
                        "strategy": strategy,
                        "family": f,
                        "period": p,
                        "measure": m,
                        "value": float(v),
                    }
                    for f, p, m, v in zip(
                        long["family"], long["period"], long["measure"], long["value"], strict=True
                    )
                ],
            )
            cd = plan.constrained_demand
            cols = ["demand", "constrained", "gap", "backlog", "lost_sales", "lead_time_periods"]
            conn.execute(
                constrained_demand.insert(),
                [
                    {
                        "cycle": cycle,
                        "strategy": strategy,
                        "family": r["family"],
                        "period": r["period"],
                        **{c: float(r[c]) for c in cols},
                        "reason": r["reason"] or None,
                    }
                    for r in cd.to_dict("records")
                ],
            )


def load_constrained_demand(
    engine: Engine, cycle: str, strategy: str = Strategy.OPTIMAL
) -> pd.DataFrame:
    """The stored constrained demand plan of a cycle (what the demand review sees)."""
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(constrained_demand)
                .where(
                    constrained_demand.c.cycle == cycle, constrained_demand.c.strategy == strategy
                )
                .order_by(constrained_demand.c.family, constrained_demand.c.period)
            )
            .mappings()
            .all()
        )
    return pd.DataFrame([dict(r) for r in rows])
