"""Rolling the plan forward one cycle: where the new cycle starts from.

Pure functions over the workbook and the last approved version; the cycle service stores
what they return. See docs/decisions.md for the treatment of missing and late actuals.
"""

from __future__ import annotations

import pandas as pd

from snop.cycle.model import Opening
from snop.model.schema import TABLES
from snop.model.workbook import Workbook
from snop.supply.plan import SupplyPlan

# opening measure -> (workbook table, key column, column it replaces)
OPENING_COLUMNS = {
    "inventory": ("families", "family", "initial_inventory"),
    "backlog": ("families", "family", "initial_backlog"),
    "workers": ("workforce", "pool", "initial_workers"),
}


def apply_openings(wb: Workbook, openings: list[Opening]) -> Workbook:
    """``wb`` with the cycle's opening inventory, backlog and workers in place of the
    workbook's initial values (families or pools missing from a table get a row)."""
    if not openings:
        return wb
    tables = dict(wb.tables)
    for measure, (table, key, column) in OPENING_COLUMNS.items():
        given = {o.key: o.value for o in openings if o.measure == measure}
        if not given:
            continue
        df = (tables[table] if table in tables else wb.table(table)).copy()
        missing = [k for k in given if k not in set(df[key])]
        if missing:
            extra = pd.DataFrame({key: missing})
            df = pd.concat([df, extra.reindex(columns=df.columns)], ignore_index=True)
        df[column] = [given.get(k, v) for k, v in zip(df[key], df[column], strict=True)]
        tables[table] = df
    return Workbook(wb.granularity, tables, list(wb.attributes))


# where an opening value came from, best first
ACTUAL, DERIVED, PROJECTED, WORKBOOK = "actual", "derived", "projected", "workbook"


def roll_openings(
    wb: Workbook, cutoff: str, start: Workbook, plan: SupplyPlan | None
) -> list[Opening]:
    """What a cycle whose last actual period is ``cutoff`` opens with, per family and pool.

    ``start`` is the previous cycle's workbook (its openings applied): what the period
    ``cutoff`` started with. ``plan`` is the last approved version's plan, which covered
    ``cutoff`` as its first period. Per family, inventory and backlog at the end of
    ``cutoff`` are, best first:

    * *actual*: the ``actual_inventory`` table's on_hand / backlog;
    * *derived* from the actual production and sales of the period: the net position
      ``n = I0 - B0 + P - S`` (start inventory less start backlog, plus production, less
      sales) gives inventory ``max(n, 0)`` and backlog ``max(-n, 0)``;
    * *projected*: the version's planned inventory / backlog of ``cutoff``;
    * *workbook*: the workbook's initial values (nothing else known).

    Workers per pool: ``actual_workers``, else the version's planned workers, else the
    workbook's.
    """
    out: list[Opening] = []
    fams = start.families_with_defaults()
    sold = _family_sales(wb, cutoff)
    made = _at(wb, "actual_production", "family", cutoff, "qty")
    on_hand = _at(wb, "actual_inventory", "family", cutoff, "on_hand")
    owed = _at(wb, "actual_inventory", "family", cutoff, "backlog")
    planned = _plan_at(plan, cutoff)
    for f in wb.family_names:
        i0 = _num(fams["initial_inventory"].get(f, 0.0))
        b0 = _num(fams["initial_backlog"].get(f, 0.0))
        derived = None
        if f in made and f in sold:
            net = i0 - b0 + made[f] - sold[f]
            derived = (max(net, 0.0), max(-net, 0.0))
        for k, measure, actual in ((0, "inventory", on_hand), (1, "backlog", owed)):
            if f in actual:
                out.append(Opening(measure, f, actual[f], ACTUAL))
            elif derived is not None:
                out.append(Opening(measure, f, derived[k], DERIVED))
            elif (f, measure) in planned:
                out.append(Opening(measure, f, planned[(f, measure)], PROJECTED))
            else:
                out.append(Opening(measure, f, i0 if k == 0 else b0, WORKBOOK))
    workers = _at(wb, "actual_workers", "pool", cutoff, "workers")
    staffed = _workers_at(plan, cutoff)
    pools = start.with_defaults("workforce")
    for p, w0 in zip(pools["pool"], pools["initial_workers"], strict=True):
        if p in workers:
            out.append(Opening("workers", str(p), workers[p], ACTUAL))
        elif p in staffed:
            out.append(Opening("workers", str(p), staffed[p], PROJECTED))
        else:
            out.append(Opening("workers", str(p), _num(w0), WORKBOOK))
    return out


def _num(v: object) -> float:
    f = float(v)  # type: ignore[arg-type]
    return 0.0 if f != f else f


def _at(wb: Workbook, table: str, key: str, period: str, column: str) -> dict[str, float]:
    """``column`` of ``table`` at ``period`` by key (blank values left out)."""
    if table not in TABLES or not wb.has(table):
        return {}
    df = wb.table(table)
    df = df[(df["period"] == period) & df[column].notna()]
    return {str(k): float(v) for k, v in zip(df[key], df[column], strict=True)}


def _family_sales(wb: Workbook, period: str) -> dict[str, float]:
    s = wb.sales
    if s.empty:
        return {}
    s = s[s["period"] == period].merge(wb.items[["item", "family"]], on="item")
    return {str(f): float(q) for f, q in s.groupby("family")["qty"].sum().items()}


def _plan_at(plan: SupplyPlan | None, period: str) -> dict[tuple[str, str], float]:
    if plan is None or plan.plan.empty:
        return {}
    rows = plan.plan[plan.plan["period"] == period]
    out = {}
    for measure in ("inventory", "backlog"):
        for f, v in zip(rows["family"], rows[measure], strict=True):
            out[(str(f), measure)] = float(v)
    return out


def _workers_at(plan: SupplyPlan | None, period: str) -> dict[str, float]:
    if plan is None or plan.workforce.empty:
        return {}
    rows = plan.workforce[plan.workforce["period"] == period]
    return {str(p): float(w) for p, w in zip(rows["pool"], rows["workers"], strict=True)}
