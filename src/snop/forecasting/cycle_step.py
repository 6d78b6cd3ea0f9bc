"""The baseline step of the S&OP cycle: forecast every item, save the statistical layer."""

from __future__ import annotations

from snop.cycle.steps import CycleContext, Step, register


def _forecast_step(ctx: CycleContext) -> list[str]:
    from snop.cycle.baseline import family_demand, load_layer, run_baseline

    wb, result = run_baseline(ctx.engine)
    layer = load_layer(ctx.engine, wb.first_period.label)
    ctx.results["baseline"] = result
    ctx.results["family_demand"] = family_demand(wb, layer)
    ctx.results["family_demand_source"] = "the statistical baseline (no demand review yet)"
    rep = result.report
    models = rep["model"].str.replace(r"\(.*", "", regex=True).value_counts()
    classes = rep["demand_class"].value_counts()
    beat = (rep["mase"] < rep["naive_mase"]).mean() * 100
    totals = ctx.results["family_demand"].groupby("family")["qty"].sum()
    notes = []
    if result.inactive():
        notes.append(
            f"inactive (no sales in their last periods, forecast 0): {', '.join(result.inactive())}"
        )
    if result.review():
        notes.append(
            f"to review (the chosen model did worse than naive in the backtest): "
            f"{', '.join(result.review())}"
        )
    return [
        f"{len(rep)} items forecast {wb.horizon} {wb.granularity.noun}s ahead; demand classes: "
        + ", ".join(f"{k} {v}" for k, v in classes.items()),
        "models chosen: " + ", ".join(f"{k} {v}" for k, v in models.items()),
        f"backtest: median MASE {rep['mase'].median():.2f} vs naive "
        f"{rep['naive_mase'].median():.2f}; the chosen model beats naive on {beat:.0f}% "
        "of items",
        "baseline by family (units over the horizon): "
        + ", ".join(f"{f} {q:,.0f}" for f, q in totals.items()),
        *notes,
    ]


register(Step("forecast", "Statistical baseline forecast", "demand planner", _forecast_step))
