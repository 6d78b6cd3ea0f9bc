"""Forecast value added of approved demand plans, once their periods have actuals.

Approved versions are frozen, so what each layer said one, three or six periods ahead can
be set against what then sold, however often the plan was re-done since.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from snop.demand.config import STATISTICAL
from snop.demand.fva import NAIVE, author_fva, fva_table, lag_table
from snop.demand.review import APPROVED, cycles, layer_order
from snop.errors import NotFoundError, SnopError
from snop.model.periods import parse_period
from snop.store.tables import demand_effect, demand_override, demand_version
from snop.store.workbook_repo import load_workbook

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
            return ("forecast accuracy by lag (periods ahead) over every approved cycle with "
                    "actuals; WAPE, bias and FVA in %")
        return (f"forecast value added of cycle {self.cycle}, actuals {span}, by {by}; MAPE, "
                "WAPE, bias in %, FVA in WAPE points (positive: the layer helped)")


def fva_report(engine: Engine, cycle: str | None = None) -> FvaReport:
    """FVA of ``cycle`` (default: the latest approved cycle whose periods have actuals)."""
    wb = load_workbook(engine)
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    last = wb.last_actual
    plans = cycles(engine)
    approved = [] if plans.empty else list(plans.loc[plans["status"] == APPROVED, "cycle"])
    judged = [c for c in approved
              if last is not None and parse_period(c).ordinal <= last.ordinal]
    if cycle is None:
        if not judged:
            raise NotFoundError("no approved demand plan has actuals yet: FVA needs a cycle "
                                "approved earlier whose periods have since been sold")
        cycle = judged[-1]
    elif cycle not in approved:
        raise NotFoundError(f"cycle {cycle} has no approved demand plan; approved: "
                            + (", ".join(approved) or "none"))
    elif cycle not in judged:
        raise NotFoundError(f"cycle {cycle} has no actuals yet (last actual {last})")
    assert last is not None
    sales = wb.sales.groupby(["item", "period"])["qty"].sum()
    family = wb.items.set_index("item")["family"]
    frames = [_forecasts(engine, c, last.ordinal, sales) for c in judged]
    fc = pd.concat(frames, ignore_index=True)
    fc["family"] = fc["item"].map(family).fillna("")
    layers = layer_order(wb, [n for n in fc["layer"].unique() if n != NAIVE])
    actual_keys = fc[["item", "period"]].drop_duplicates()
    actuals = actual_keys.assign(qty=[float(sales.get((i, p), 0.0)) for i, p in zip(
        actual_keys["item"], actual_keys["period"], strict=True)])
    mine = fc[fc["cycle"] == cycle]
    tables = {
        "layer": fva_table(mine, actuals, layers),
        "family": fva_table(mine, actuals, layers, by=["family"]),
        "item": fva_table(mine, actuals, layers, by=["item"]),
        "lag": lag_table(fc, actuals, layers),
        "author": author_fva(_effects(engine, cycle), actuals, by=("layer", "author")),
    }
    periods = sorted(mine["period"].unique(), key=lambda p: parse_period(p).ordinal)
    return FvaReport(cycle, periods, layers, tables)


def _forecasts(engine: Engine, cycle: str, last: int, sales: pd.Series) -> pd.DataFrame:
    """The frozen layers of an approved cycle for periods with actuals, plus the naive
    forecast (each item's last actual before the cycle, repeated)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(demand_version.c.layer, demand_version.c.item,
                                      demand_version.c.period, demand_version.c.qty)
                            .where(demand_version.c.cycle == cycle)).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=["layer", "item", "period", "qty"])
    start = parse_period(cycle).ordinal
    ords = pd.Series([parse_period(p).ordinal for p in df["period"]], index=df.index,
                     dtype="int64")
    df = df[ords <= last].assign(lag=ords[ords <= last] - start + 1, cycle=cycle)
    before = (parse_period(cycle) + -1).label
    base = df[df["layer"] == STATISTICAL]
    naive = base.assign(layer=NAIVE, qty=[float(sales.get((i, before), 0.0))
                                          for i in base["item"]])
    return pd.concat([df, naive], ignore_index=True)


def _effects(engine: Engine, cycle: str) -> pd.DataFrame:
    e, o = demand_effect, demand_override
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.c.cycle, e.c.override_id, o.c.layer, o.c.author, o.c.reason,
                      o.c.event, e.c.item, e.c.period, e.c.before, e.c.after)
            .join(o, o.c.id == e.c.override_id).where(e.c.cycle == cycle)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[
        "cycle", "override_id", "layer", "author", "reason", "event", "item", "period",
        "before", "after"])
