"""Text views of supply plans (CLI, cycle step) and the demand to plan on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.model.workbook import Workbook
from snop.supply.data import workbook_demand
from snop.supply.explain import money
from snop.supply.plan import COST_COMPONENTS, SupplyPlan, comparison_table


def naive_family_demand(workbook: Workbook) -> pd.DataFrame:
    """Seasonal-naive family demand (same period last year's family sales) when there is no
    demand table and no forecast: a stand-in so a bare workbook can be planned."""
    s = workbook.sales
    if s.empty:
        raise SnopError("no demand table and no sales history to plan on")
    fam = s.merge(workbook.items[["item", "family"]], on="item")
    hist = fam.groupby(["family", "period"], as_index=False).agg(qty=("qty", "sum"))
    season = workbook.granularity.season_length
    periods = workbook.planning_periods
    labels = {p.label for p in periods}
    rows = []
    last = workbook.last_actual
    if last is None:
        raise SnopError("no demand table and no sales history to plan on")
    for p in periods:
        k = -(-(p - last) // season)  # whole seasons back to reach the history
        rows.append((p.label, (p + (-season * max(k, 1))).label))
    m = pd.DataFrame(rows, columns=["period", "source"])
    out = m.merge(hist, left_on="source", right_on="period", suffixes=("", "_h"))
    out = out[out["period"].isin(labels)]
    return out[["family", "period", "qty"]].reset_index(drop=True)


def demand_for(
    workbook: Workbook, consensus: pd.DataFrame | None = None, consensus_source: str = ""
) -> tuple[pd.DataFrame, str]:
    """The demand to plan on, by family and period, and where it comes from: the one rule.

    The consensus demand plan when the cycle has one (``consensus``: family, period, qty),
    else the workbook's demand table, else seasonal-naive demand from the sales history.
    """
    if consensus is not None:
        return consensus, consensus_source or "the consensus demand plan"
    if workbook.has("demand"):
        return workbook_demand(workbook), "the workbook's demand table"
    return naive_family_demand(workbook), "seasonal-naive demand (no demand table)"


def comparison_lines(plans: dict[str, SupplyPlan], currency: str = "$", top: int = 5) -> list[str]:
    """Strategies side by side (costs by component), then per plan its ``top`` largest
    shortages and ``top`` most valuable reliefs."""
    table = comparison_table(plans)
    names = list(plans)
    body: list[tuple[str, list[str]]] = []
    for row in ["status", "total_cost", *COST_COMPONENTS]:
        vals: list[Any] = list(table.loc[row].to_numpy())
        if row != "status" and all(
            (isinstance(v, float) and (np.isnan(v) or abs(v) < 0.5)) for v in vals
        ):
            continue  # a component no strategy uses
        cells = [
            str(v)
            if row == "status"
            else (
                "-"
                if isinstance(v, float) and np.isnan(v)
                else money(float(round(float(v))) + 0.0 if abs(float(v)) >= 0.5 else 0.0, currency)
            )
            for v in vals
        ]
        body.append((row, cells))
    width = 2 + max(len(c) for _, cells in body for c in [*cells, *names])
    out = ["component".ljust(20) + "".join(n.rjust(width) for n in names)]
    out += [row.ljust(20) + "".join(c.rjust(width) for c in cells) for row, cells in body]
    for n, p in plans.items():
        if not p.ok:
            out.append(f"{n}: no plan: " + "; ".join(p.diagnosis[:3]))
            continue
        # demand never served, the largest shortages, safety stock, the most valuable reliefs
        unmet = [e for e in p.explanations if e.kind == "unmet"]
        short = sorted((e for e in p.explanations if e.kind == "shortage"), key=lambda e: -e.value)
        stock = sorted(
            (e for e in p.explanations if e.kind == "safety_stock"), key=lambda e: -e.value
        )
        relief = [e for e in p.explanations if e.kind not in _PEOPLE_FIRST]
        out += [f"{n}: {e.text}" for e in [*unmet, *short[:top], *stock[:1], *relief[:top]]]
        if head := headcount_line(p):
            out.append(f"{n}: {head}")
    return out


_PEOPLE_FIRST = ("unmet", "shortage", "safety_stock")


def headcount_line(plan: SupplyPlan) -> str:
    """Each pool's headcount at the start and the end of the horizon, its range, and
    whether it is whole workers or the LP's value rounded up."""
    wf = plan.workforce
    if wf.empty:
        return ""
    parts = []
    for pool, g in wf.groupby("pool", sort=False):
        h = g["headcount"].to_numpy()
        parts.append(f"{pool} {h[0]:,.0f} -> {h[-1]:,.0f} (range {h.min():,.0f}-{h.max():,.0f})")
    return f"headcount {', '.join(parts)}; {wf['headcount_basis'].iloc[0]}"


# decimals kept in the CSV files (quantities, hours and money to the cent; ratios finer)
_DECIMALS = {"utilization": 4, "shadow_price": 4, "workers": 4, "lead_time_periods": 0}


def csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as a person reads them: a column whose values are all whole is written in
    whole units, others to 2 decimals (ratios, shadow prices and the LP's workers to 4; a
    column with blanks or "unlimited" stays decimal), and never ``-0.0`` (solver noise
    around zero)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype.kind != "f":
            continue
        v = out[c].to_numpy(dtype=float)
        finite = np.isfinite(v)
        r = np.round(v, _DECIMALS.get(c, 2)) + 0.0  # + 0.0 turns -0.0 into 0.0
        whole = finite.all() and bool(np.all(np.abs(r - np.round(r)) < 1e-9))
        out[c] = np.round(r).astype(np.int64) if whole and c not in _DECIMALS else r
    return out


def write_outputs(plans: dict[str, SupplyPlan], out: Path) -> list[Path]:
    """CSV files per strategy: plan, workforce, costs, capacity, constrained demand,
    explanations (and diagnosis when infeasible); plus ``comparison.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, p in plans.items():
        frames = {
            "plan": p.plan,
            "workforce": p.workforce,
            "costs": p.costs,
            "capacity": p.capacity,
            "constrained_demand": p.constrained_demand,
            "explanations": p.explanations_frame(),
        }
        if p.diagnosis:
            frames["diagnosis"] = pd.DataFrame({"diagnosis": p.diagnosis})
        for kind, df in frames.items():
            path = out / f"{name}_{kind}.csv"
            csv_ready(df).to_csv(path, index=False)
            written.append(path)
    path = out / "comparison.csv"
    table = comparison_table(plans)
    costs: pd.DataFrame = table.drop(index="status").astype(float).round(2) + 0.0
    pd.concat([table.loc[["status"]], costs.astype(object)]).to_csv(path, index_label="component")
    written.append(path)
    return written
