"""Forecast value added of approved demand plans, once their periods have actuals.

Approved versions are frozen, so what each layer said one, three or six periods ahead can
be set against what then sold, however often the plan was re-done since. Pure: the
service :func:`snop.services.demand_review.fva_report` reads the plans it judges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from snop.demand.config import STATISTICAL
from snop.demand.fva import NAIVE, author_fva, fva_table, lag_table
from snop.demand.review import DemandPlan, layer_order, plan_layers
from snop.errors import NotFoundError, SnopError
from snop.model.periods import Period, parse_period
from snop.model.workbook import Workbook

BY = ("layer", "family", "item", "author", "lag")


@dataclass
class FvaReport:
    """Accuracy and value added of one approved cycle's layers (lags: every approved cycle)."""

    cycle: str
    periods: list[str]  # the cycle's periods that have actuals
    layers: list[str]  # the chain, statistical first
    tables: dict[str, pd.DataFrame]

    def table(self, by: str = "layer") -> pd.DataFrame:
        if by not in self.tables:
            raise SnopError(f"cannot break FVA down by {by!r}; use one of " + ", ".join(BY))
        return self.tables[by]

    def title(self, by: str = "layer") -> str:
        span = f"{self.periods[0]}..{self.periods[-1]}" if self.periods else "no periods"
        if by == "lag":
            return (
                "forecast accuracy by lag (periods ahead) over every approved cycle with "
                "actuals; WAPE, bias and FVA in %"
            )
        return (
            f"forecast value added of cycle {self.cycle}, actuals {span}, by {by}; MAPE, "
            "WAPE, bias in %, FVA in WAPE points (positive: the layer helped)"
        )


def judged_cycle(
    approved: Sequence[str], last: Period | None, cycle: str | None
) -> tuple[str, list[str]]:
    """The approved cycle to judge (``cycle``, default the latest approved one whose
    periods have actuals up to ``last``) and every approved cycle with actuals (the lags).
    NotFoundError says why when there is none."""
    judged = [c for c in approved if last is not None and parse_period(c).ordinal <= last.ordinal]
    if cycle is None:
        if not judged:
            raise NotFoundError(
                "no approved demand plan has actuals yet: FVA needs a cycle "
                "approved earlier whose periods have since been sold"
            )
        return judged[-1], judged
    if cycle not in approved:
        raise NotFoundError(
            f"cycle {cycle} has no approved demand plan; approved: "
            + (", ".join(approved) or "none")
        )
    if cycle not in judged:
        raise NotFoundError(f"cycle {cycle} has no actuals yet (last actual {last})")
    return cycle, judged


def fva_of(wb: Workbook, plans: Mapping[str, DemandPlan], cycle: str) -> FvaReport:
    """FVA of the approved plan of ``cycle`` against the sales of ``wb``; ``plans`` are the
    approved plans with actuals (``cycle`` among them), whose lags are pooled."""
    last = wb.last_actual
    assert last is not None  # a judged cycle has actuals
    sales = wb.sales.groupby(["item", "period"])["qty"].sum()
    family = wb.items.set_index("item")["family"]
    fc = pd.concat(
        [_forecasts(plan, last.ordinal, sales) for plan in plans.values()], ignore_index=True
    )
    fc["family"] = fc["item"].map(family).fillna("")
    layers = layer_order(plan_layers(wb), [n for n in fc["layer"].unique() if n != NAIVE])
    actual_keys = fc[["item", "period"]].drop_duplicates()
    actuals = actual_keys.assign(
        qty=[
            float(sales.get((i, p), 0.0))
            for i, p in zip(actual_keys["item"], actual_keys["period"], strict=True)
        ]
    )
    mine = fc[fc["cycle"] == cycle]
    tables = {
        "layer": fva_table(mine, actuals, layers),
        "family": fva_table(mine, actuals, layers, by=["family"]),
        "item": fva_table(mine, actuals, layers, by=["item"]),
        "lag": lag_table(fc, actuals, layers),
        "author": author_fva(plans[cycle].effects(), actuals, by=("layer", "author")),
    }
    periods = sorted(mine["period"].unique(), key=lambda p: parse_period(p).ordinal)
    return FvaReport(cycle, periods, layers, tables)


def _forecasts(plan: DemandPlan, last: int, sales: pd.Series) -> pd.DataFrame:
    """The frozen layers of an approved plan for periods with actuals, plus the naive
    forecast (each item's last actual before the cycle, repeated)."""
    df = pd.concat(
        [plan.frame(name).assign(layer=name) for name in plan.layer_names], ignore_index=True
    )
    start = parse_period(plan.cycle).ordinal
    ords = pd.Series([parse_period(p).ordinal for p in df["period"]], index=df.index, dtype="int64")
    df = df[ords <= last].assign(lag=ords[ords <= last] - start + 1, cycle=plan.cycle)
    before = (parse_period(plan.cycle) + -1).label
    base = df[df["layer"] == STATISTICAL]
    naive = base.assign(layer=NAIVE, qty=[float(sales.get((i, before), 0.0)) for i in base["item"]])
    return pd.concat([df, naive], ignore_index=True)
