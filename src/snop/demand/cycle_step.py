"""The demand review step of the S&OP cycle: layers, overrides, approval, and what the last
approved plan's layers added once its actuals came in."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy.engine import Engine

from snop.cycle.steps import DEMAND_REVIEW_ACTIONS, CycleContext, Step, register
from snop.demand.accuracy import FvaReport
from snop.demand.review import DemandPlan
from snop.errors import NotFoundError
from snop.model.vocabulary import PlanStatus

ReviewActions = Callable[[Engine], list[str]]


def _demand_step(ctx: CycleContext) -> list[str]:
    from snop.cycle.baseline import family_demand
    from snop.demand.accuracy import fva_report
    from snop.demand.review import open_plan
    from snop.store.workbook_repo import load_workbook

    plan = open_plan(ctx.engine)
    lines = []
    carried = [ov for ov in plan.overrides if ov.source == "carried"]
    if plan.based_on:
        lines.append(
            f"draft of cycle {plan.cycle} starts from the approved plan of "
            f"{plan.based_on}: {len(carried)} override(s) carried into this horizon"
        )
    actions: ReviewActions | None = ctx.results.get(DEMAND_REVIEW_ACTIONS)
    if actions is not None:
        lines += actions(ctx.engine)
        plan = open_plan(ctx.engine)
    lines += summary_lines(plan)
    try:
        report = fva_report(ctx.engine)
    except NotFoundError:
        lines.append("forecast value added: no approved plan has actuals yet")
    else:
        lines += fva_lines(report)
    wb = load_workbook(ctx.engine)
    assert wb is not None
    ctx.results["family_demand"] = family_demand(wb, plan.frame(plan.consensus))
    ctx.results["family_demand_source"] = f"the {plan.status} {plan.consensus} demand plan"
    return lines


def summary_lines(plan: DemandPlan) -> list[str]:
    """Overrides, events, layer totals and status of a demand plan, for people."""
    sources = pd.Series([ov.source for ov in plan.overrides]).value_counts()
    events = sorted({ov.event for ov in plan.overrides if ov.event})
    lines = [
        f"{len(plan.overrides)} override(s) ("
        + ", ".join(f"{n} {s}" for s, n in sources.items())
        + "); events: "
        + (", ".join(events) or "none")
    ]
    for ov, msg in plan.replay.conflicts:
        lines.append(f"conflict: {ov.describe()}: {msg}")
    totals = plan.view("total").drop(columns=["key", "period"]).sum()
    chain = " -> ".join(f"{name} {totals[name]:,.0f}" for name in plan.layer_names)
    lines.append(f"units over the horizon: {chain}")
    fam = plan.view("family").groupby("key")[[plan.layer_names[0], plan.consensus]].sum()
    base, cons = fam[plan.layer_names[0]], fam[plan.consensus]
    lines.append(
        "consensus vs statistical by family: "
        + ", ".join(
            f"{f} {c:,.0f} ({(c / b - 1) * 100:+.1f}%)" if b > 0 else f"{f} {c:,.0f}"
            for f, b, c in zip(fam.index, base, cons, strict=True)
        )
    )
    rec = plan.record
    if plan.status == PlanStatus.APPROVED:
        lines.append(
            f"approved by {rec.get('approved_by')} ({rec.get('approved_role')}): "
            f"frozen as the version of cycle {plan.cycle}"
        )
    else:
        lines.append(f"status: {plan.status}")
    return lines


def fva_lines(report: FvaReport) -> list[str]:
    """The FVA table of an approved cycle, lag accuracy and value added by author."""
    t = report.table("layer")
    lines = [
        report.title("layer"),
        f"  {'layer':<12} {'WAPE':>6} {'bias':>6} {'MAPE':>6} {'FVA vs prev':>12} "
        f"{'FVA vs naive':>13}",
    ]
    for r in t.itertuples(index=False):
        lines.append(
            f"  {r.layer:<12} {r.wape:>6.1f} {r.bias:>+6.1f} {r.mape:>6.1f} "
            f"{_pts(r.fva_prev):>12} {_pts(r.fva_naive):>13}"
        )
    lags = report.table("lag")
    if not lags.empty:
        chain = [n for n in report.layers if n in set(lags["layer"])]
        first, last = chain[0], chain[-1]
        cells = []
        for lag, part in lags.groupby("lag"):
            w = part.set_index("layer")["wape"]
            cells.append(f"lag {lag}: {last} {w[last]:.1f}% ({first} {w[first]:.1f}%)")
        lines.append("WAPE by lag: " + "; ".join(cells))
    by_author = report.table("author")
    if not by_author.empty:
        lines.append(
            "value added by author (WAPE points on the cells they changed): "
            + ", ".join(
                f"{r.author} in {r.layer} {_pts(r.fva)}" for r in by_author.itertuples(index=False)
            )
        )
    return lines


def _pts(x: object) -> str:
    v = float(x) if isinstance(x, (int, float)) else float("nan")
    return "" if pd.isna(v) else f"{v:+.1f}"


register(
    Step(
        "demand", "Demand review: overrides, consensus and approval", "demand planner", _demand_step
    )
)
