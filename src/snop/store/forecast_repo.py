"""Forecast layers, their intervals and the backtest report of a cycle in the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.forecasting import ForecastResult
from snop.forecasting.incremental import RECORD_COLUMNS
from snop.store.tables import (
    demand_plan,
    forecast,
    forecast_interval,
    forecast_report,
    series_model,
)

BASELINE = "statistical"
REPORT_COLUMNS = [
    "item",
    "demand_class",
    "model",
    "runner_up",
    "mase",
    "wape",
    "naive_mase",
    "naive_wape",
    "outliers",
    "treatment",
]


class ForecastRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def demand_status(self, cycle: str) -> str | None:
        """The status of the cycle's demand plan (None when it has none)."""
        return self.conn.execute(
            sa.select(demand_plan.c.status).where(demand_plan.c.cycle == cycle)
        ).scalar()

    def save_baseline(self, cycle: str, result: ForecastResult) -> None:
        """Replace the cycle's baseline layer, its intervals and its backtest report."""
        fc = result.forecast
        for t in (forecast, forecast_interval):
            self.conn.execute(t.delete().where(t.c.cycle == cycle, t.c.layer == BASELINE))
        self.conn.execute(forecast_report.delete().where(forecast_report.c.cycle == cycle))
        self.conn.execute(
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
        for lv in sorted({float(c[3:]) for c in fc.columns if c.startswith("lo_")}):
            tag = f"{lv:g}"
            self.conn.execute(
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
        if not rep.empty:
            self.conn.execute(
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
        self.save_series_models(cycle, rep)

    def save_series_models(self, cycle: str, report: pd.DataFrame) -> None:
        """Replace the record each series keeps for the next incremental run with the one
        of this run (``report``: the run's per-series report)."""
        self.conn.execute(series_model.delete())
        if report.empty:
            return
        self.conn.execute(
            series_model.insert(),
            [
                {
                    "item": r.item,
                    "cycle": cycle,
                    "model": r.model,
                    "selected": r.selected or None,
                    "forecast_from": r.forecast_from,
                    "band_lo": _num(r.band_lo),
                    "band_hi": _num(r.band_hi),
                    "fingerprint": r.fingerprint,
                    "runner_up": r.runner_up or None,
                    "mase": _num(r.mase),
                    "wape": _num(r.wape),
                    "naive_mase": _num(r.naive_mase),
                    "naive_wape": _num(r.naive_wape),
                    "windows": int(str(r.windows)),
                    "path": r.path,
                    "why": r.why,
                }
                for r in report.itertuples(index=False)
            ],
        )

    def series_models(self) -> pd.DataFrame:
        """The record of the last baseline run per series (RECORD_COLUMNS, then cycle,
        path and why); empty when no run saved one yet."""
        t = series_model
        cols = [*RECORD_COLUMNS, "cycle", "path", "why"]
        rows = self.conn.execute(sa.select(*(t.c[c] for c in cols)).order_by(t.c.item)).all()
        df = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        for c in ("selected", "runner_up"):
            df[c] = df[c].fillna("")
        return df

    def layer(self, cycle: str, layer: str = BASELINE) -> pd.DataFrame:
        """A stored forecast layer: item, period, qty, model."""
        rows = self.conn.execute(
            sa.select(forecast.c.item, forecast.c.period, forecast.c.qty, forecast.c.model)
            .where(forecast.c.cycle == cycle, forecast.c.layer == layer)
            .order_by(forecast.c.item, forecast.c.period)
        ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["item", "period", "qty", "model"])

    def intervals(self, cycle: str, layer: str = BASELINE) -> pd.DataFrame:
        """The layer's prediction intervals: item, period, level, lo, hi."""
        t = forecast_interval
        rows = self.conn.execute(
            sa.select(t.c.item, t.c.period, t.c.level, t.c.lo, t.c.hi)
            .where(t.c.cycle == cycle, t.c.layer == layer)
            .order_by(t.c.item, t.c.period, t.c.level)
        ).all()
        return pd.DataFrame(
            [tuple(r) for r in rows], columns=["item", "period", "level", "lo", "hi"]
        )

    def report(self, cycle: str) -> pd.DataFrame:
        """The backtest report the baseline's models were chosen by."""
        t = forecast_report
        rows = self.conn.execute(
            sa.select(*(t.c[c] for c in REPORT_COLUMNS))
            .where(t.c.cycle == cycle)
            .order_by(t.c.item)
        ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=REPORT_COLUMNS)


def _num(x: object) -> float | None:
    f = float(x)  # type: ignore[arg-type]
    return None if np.isnan(f) else f
