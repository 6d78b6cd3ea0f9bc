"""The supply review step of the S&OP cycle (``snop demo``): the three strategies side by side."""

from __future__ import annotations

from snop.cycle.steps import CycleContext, Step, register
from snop.model.vocabulary import Strategy


def _supply_step(ctx: CycleContext) -> list[str]:
    from snop.cycle.supply import plan_cycle
    from snop.supply.report import comparison_lines

    wb, plans, source = plan_cycle(ctx.engine)
    ctx.results["supply_plans"] = plans
    gap = plans[Strategy.OPTIMAL].constrained_demand
    currency = wb.setting("currency") or "$"
    lines = [f"planned on {source}", *comparison_lines(plans, currency, top=2)]
    if gap.empty:  # no feasible plan: the comparison lines say why
        return lines
    short = gap[gap["gap"] > 0.5]
    unmet = float(gap["unmet"].sum()) if "unmet" in gap.columns else 0.0
    lines.append(
        f"feedback to the demand review (optimal plan): {len(short)} family-periods "
        f"served late, lost or not served, {short['gap'].sum():,.0f} units in all "
        f"({unmet:,.0f} never served within the horizon); stored as the constrained "
        "demand plan"
    )
    return lines


register(
    Step("supply", "Supply review: level, chase and optimal plans", "supply planner", _supply_step)
)
