"""Build small Workbooks for supply tests straight from dicts (no reader involved)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from snop.model.periods import Granularity
from snop.model.schema import TABLES, Kind
from snop.model.workbook import Workbook


def table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed table with every schema column (extra numeric columns kept for *_periods)."""
    spec = TABLES[name]
    df = pd.DataFrame(rows)
    for c in spec.columns:
        if c.name not in df.columns:
            df[c.name] = np.nan if c.kind is Kind.NUMBER else None
        if c.kind is Kind.NUMBER:
            df[c.name] = df[c.name].astype(float)
        else:
            df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None)
    extra = [c for c in df.columns if c not in spec.names]
    for c in extra:
        df[c] = df[c].astype(float)
    return df[[*spec.names, *extra]]


def make_workbook(
    families: dict[str, dict[str, Any]],
    demand: dict[str, list[float]] | None = None,
    *,
    workforce: dict[str, dict[str, Any]] | None = None,
    resources: list[dict[str, Any]] | None = None,
    routings: list[dict[str, Any]] | None = None,
    family_periods: list[dict[str, Any]] | None = None,
    workforce_periods: list[dict[str, Any]] | None = None,
    calendar: dict[str, float] | None = None,
    first: str = "2027-01",
    horizon: int | None = None,
    settings: dict[str, str] | None = None,
) -> tuple[Workbook, pd.DataFrame]:
    """A monthly workbook with one item per family, and the family demand frame
    (``settings``: more name/value rows, e.g. ``{"ending_workforce": "none"}``)."""
    demand = demand or {}
    h = horizon or max((len(v) for v in demand.values()), default=1)
    tables = {
        "items": table("items", [{"item": f"{f}-1", "family": f} for f in families]),
        "families": table("families", [{"family": f, **v} for f, v in families.items()]),
        "settings": table(
            "settings",
            [
                {"name": "first_period", "value": first},
                {"name": "horizon", "value": str(h)},
                *({"name": k, "value": v} for k, v in (settings or {}).items()),
            ],
        ),
    }
    if workforce:
        tables["workforce"] = table("workforce", [{"pool": k, **v} for k, v in workforce.items()])
    if resources:
        tables["resources"] = table("resources", resources)
    if routings:
        tables["routings"] = table("routings", routings)
    if family_periods:
        tables["family_periods"] = table("family_periods", family_periods)
    if workforce_periods:
        tables["workforce_periods"] = table("workforce_periods", workforce_periods)
    if calendar:
        tables["calendar"] = table(
            "calendar", [{"period": p, "working_days": d} for p, d in calendar.items()]
        )
    wb = Workbook(granularity=Granularity.MONTH, tables=tables)
    labels = [p.label for p in wb.planning_periods]
    rows = [
        {"family": f, "period": labels[t], "qty": float(q)}
        for f, qs in demand.items()
        for t, q in enumerate(qs)
    ]
    dem = pd.DataFrame(rows, columns=["family", "period", "qty"])
    tables["demand"] = table(
        "demand", [{"family": r["family"], "period": r["period"], "qty": r["qty"]} for r in rows]
    )
    return wb, dem


def col(plan: pd.DataFrame, family: str, name: str) -> list[float]:
    """One plan column of one family, rounded for hand-computed comparisons."""
    return [round(float(v), 6) for v in plan.loc[plan["family"] == family, name]]
