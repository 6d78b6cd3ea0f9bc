"""Statistical baseline of the cycle: forecast the stored history, save it as a layer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from snop.demand.lifecycle import apply_launch_curves
from snop.errors import NotFoundError, SnopError
from snop.forecasting import ForecastResult, forecast_panel
from snop.model.vocabulary import PlanStatus
from snop.model.workbook import Workbook
from snop.store.db import write_transaction
from snop.store.tables import demand_plan, forecast, forecast_interval, forecast_report
from snop.store.workbook_repo import load_workbook

BASELINE = "statistical"


def run_baseline(
    engine: Engine,
    *,
    method: str = "auto",
    levels: Sequence[float] = (80.0, 95.0),
    horizon: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Workbook, ForecastResult]:
    """Forecast every item's stored history over the planning horizon and save the baseline.

    Sales are summed over location, customer and channel. The forecast starts at the
    workbook's first planning period and covers the workbook's ``horizon`` setting (the
    plan reads every period of it); ``horizon``, when given, must agree with it. A rerun for
    the same cycle replaces the baseline.
    """
    wb = load_workbook(engine)
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    h = _horizon(wb, horizon)
    sales = wb.sales.groupby(["item", "period"])["qty"].sum().reset_index()
    # items with no history yet (launches) still get a forecast from their like item
    result = forecast_panel(
        sales,
        h + _gap(wb),
        method=method,
        levels=tuple(levels),
        items=wb.items,
        progress=progress,
        source="stored sales",
        items_source="stored items",
    )
    planning = {p.label for p in wb.planning_periods[:h]}
    fc = result.forecast[result.forecast["period"].isin(planning)].reset_index(drop=True)
    fc = apply_launch_curves(wb, fc)
    result.forecast = fc
    save_baseline(engine, wb.first_period.label, result)
    return wb, result


def _horizon(wb: Workbook, asked: int | None) -> int:
    """The workbook's horizon; a different one asked for is refused (the plan covers the
    workbook's horizon, so a shorter baseline would leave its last periods at zero)."""
    if asked is None:
        return wb.horizon
    if isinstance(asked, bool) or not isinstance(asked, int) or asked < 1:
        raise SnopError(f"--horizon must be a whole number of periods >= 1 (got {asked!r})")
    if asked != wb.horizon:
        raise SnopError(
            f"--horizon {asked} differs from the workbook's horizon setting "
            f"({wb.horizon} periods), which the demand and supply plans cover; "
            "change `horizon` in settings and import again, or omit --horizon"
        )
    return asked


def _gap(wb: Workbook) -> int:
    """Periods between the last actual and the first planning period (0 normally)."""
    last = wb.last_actual
    return 0 if last is None else max(0, wb.first_period - last - 1)


def save_baseline(engine: Engine, cycle: str, result: ForecastResult) -> None:
    fc = result.forecast
    level_cols = sorted({float(c[3:]) for c in fc.columns if c.startswith("lo_")})
    with write_transaction(engine) as conn:  # the status read holds until the commit
        status = conn.execute(
            sa.select(demand_plan.c.status).where(demand_plan.c.cycle == cycle)
        ).scalar()
        if status is not None and PlanStatus(status).frozen:
            # the demand plan stands on this baseline; changing it would change the plan
            raise SnopError(
                f"the demand plan of cycle {cycle} is {status}, so its baseline "
                "is frozen; the next cycle forecasts again"
            )
        for t in (forecast, forecast_interval):
            conn.execute(t.delete().where(t.c.cycle == cycle, t.c.layer == BASELINE))
        conn.execute(forecast_report.delete().where(forecast_report.c.cycle == cycle))
        conn.execute(
            forecast.insert(),
            [
                {
                    "cycle": cycle,
                    "layer": BASELINE,
                    "item": i,
                    "period": p,
                    "qty": float(q),
                    "model": m,
                }
                for i, p, q, m in zip(
                    fc["item"], fc["period"], fc["forecast"], fc["model"], strict=True
                )
            ],
        )
        for lv in level_cols:
            tag = f"{lv:g}"
            conn.execute(
                forecast_interval.insert(),
                [
                    {
                        "cycle": cycle,
                        "layer": BASELINE,
                        "item": i,
                        "period": p,
                        "level": lv,
                        "lo": float(lo),
                        "hi": float(hi),
                    }
                    for i, p, lo, hi in zip(
                        fc["item"], fc["period"], fc[f"lo_{tag}"], fc[f"hi_{tag}"], strict=True
                    )
                ],
            )
        rep = result.report
        conn.execute(
            forecast_report.insert(),
            [
                {
                    "cycle": cycle,
                    "item": r.item,
                    "demand_class": r.demand_class,
                    "model": r.model,
                    "runner_up": r.runner_up or None,
                    "mase": _num(r.mase),
                    "wape": _num(r.wape),
                    "naive_mase": _num(r.naive_mase),
                    "naive_wape": _num(r.naive_wape),
                    "outliers": int(str(r.outliers)),
                    "treatment": r.treatment or None,
                }
                for r in rep.itertuples(index=False)
            ],
        )


def _num(x: object) -> float | None:
    f = float(x)  # type: ignore[arg-type]
    return None if np.isnan(f) else f


def load_layer(engine: Engine, cycle: str, layer: str = BASELINE) -> pd.DataFrame:
    """A stored forecast layer: item, period, qty, model."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(forecast.c.item, forecast.c.period, forecast.c.qty, forecast.c.model)
            .where(forecast.c.cycle == cycle, forecast.c.layer == layer)
            .order_by(forecast.c.item, forecast.c.period)
        ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["item", "period", "qty", "model"])


def family_demand(wb: Workbook, layer: pd.DataFrame) -> pd.DataFrame:
    """A forecast layer summed to family and period: the demand the supply review plans."""
    fam = layer.merge(wb.items[["item", "family"]], on="item")
    return fam.groupby(["family", "period"])["qty"].sum().reset_index()
