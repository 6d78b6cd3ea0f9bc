"""The supply review step of the S&OP cycle (``snop demo``): the three strategies side by side."""

from __future__ import annotations

from snop.cycle.steps import CycleContext, Step, register


def _supply_step(ctx: CycleContext) -> list[str]:
    from snop.supply.plan import compare_strategies
    from snop.supply.report import comparison_lines, demand_for

    wb = ctx.results["workbook"]
    given = ctx.results.get("family_demand")  # consensus / forecast, when a step left one
    source = ctx.results.get("family_demand_source", "consensus demand")
    demand, source = (given, source) if given is not None else demand_for(wb)
    plans = compare_strategies(wb, demand)
    ctx.results["supply_plans"] = plans
    currency = wb.setting("currency") or "$"
    return [f"planned on {source}", *comparison_lines(plans, currency, top=2)]


register(Step("supply", "Supply review: level, chase and optimal plans", "supply planner",
              _supply_step))
