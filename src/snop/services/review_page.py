"""The demand review grid as the web page shows it: one level's keys, the plan's layers as
rows under each key, the horizon's periods as columns, the sales of a year earlier
aligned under them, which cells are locked, and what the reader may do (edit which layers, submit,
approve, send back)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from snop.demand.review import APPROVED, DRAFT, SUBMITTED, DemandPlan
from snop.model.periods import parse_period
from snop.model.vocabulary import Level
from snop.services.context import Actor, UnitOfWork, cycle_workbook
from snop.services.demand_review import _cycle, live_plan

# keys a page: 50 keys x (4 layers + the sales row) x 24 periods stays near 6,000 cells
PAGE_SIZE = 50


@dataclass
class GridRow:
    key: str
    layer: str
    values: list[float]  # one per period of the horizon
    locked: list[bool]  # the cell holds locked items (some or all of them)
    editable: bool  # the reader may change this row's cells


@dataclass
class ReviewPage:
    cycle: str
    status: str
    level: str
    levels: list[str]
    periods: list[str]
    layers: list[str]  # statistical first, consensus last
    rows: list[GridRow]
    # per period of the horizon, the period a year before it (None: not past yet), and per
    # key the sales then: the last year of sales, aligned with the plan
    history_periods: list[str | None]
    history: dict[str, list[float | None]]
    approver_role: str
    consensus_role: str
    can_submit: bool
    can_approve: bool  # approve or send back
    record: dict[str, object] = field(default_factory=dict)
    page: int = 1  # the page of keys shown (``size`` keys a page)
    pages: int = 1
    total_keys: int = 0

    def keys(self) -> list[str]:
        return list(dict.fromkeys(r.key for r in self.rows))


def review_page(
    uow: UnitOfWork,
    actor: Actor,
    level: str = Level.FAMILY,
    cycle: str | None = None,
    *,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> ReviewPage:
    """The grid of ``cycle`` (default: the current one) at ``level`` (item, family, total or
    an items attribute), for ``actor``: the ``page``-th ``size`` keys in key order."""
    with uow.read() as tx:
        c = _cycle(tx, cycle)
        wb = cycle_workbook(tx, c)
        plan = live_plan(tx, c)
    view = plan.view(level, locks=True)
    keys = sorted(view["key"].unique())
    pages = max(1, -(-len(keys) // size))
    page = min(max(1, page), pages)
    shown = set(keys[(page - 1) * size : page * size])
    view = view[view["key"].isin(shown)]
    mine = set(actor.roles)
    draft = plan.status == DRAFT
    editable = {lay.name for lay in plan.layers if draft and lay.role in mine}
    rows = _rows(plan, view, editable)
    hist_periods, hist = year_ago(wb.sales, wb.items, level, list(plan.periods))
    consensus_role = plan.layers[-1].role
    return ReviewPage(
        cycle=plan.cycle,
        status=str(plan.status),
        level=level,
        levels=[str(x) for x in plan.replay.hierarchy.levels],
        periods=list(plan.periods),
        layers=list(plan.layer_names),
        rows=rows,
        history_periods=hist_periods,
        history=hist,
        approver_role=plan.approver_role,
        consensus_role=consensus_role,
        can_submit=draft and bool({consensus_role, plan.approver_role} & mine),
        can_approve=plan.status == SUBMITTED and plan.approver_role in mine,
        record=dict(plan.record),
        page=page,
        pages=pages,
        total_keys=len(keys),
    )


def _rows(plan: DemandPlan, view: pd.DataFrame, editable: set[str]) -> list[GridRow]:
    out = []
    for key, block in view.groupby("key", sort=True):
        block = block.set_index("period").reindex(list(plan.periods))
        for layer in plan.layer_names:
            out.append(
                GridRow(
                    str(key),
                    layer,
                    [float(v) for v in block[layer].fillna(0.0)],
                    [bool(v > 0) for v in block[f"{layer}_locked"].fillna(0)],
                    layer in editable and plan.status != APPROVED,
                )
            )
    return out


def year_ago(
    sales: pd.DataFrame, items: pd.DataFrame, level: str, periods: list[str]
) -> tuple[list[str | None], dict[str, list[float | None]]]:
    """Sales a year before each period of the horizon, summed to ``level``: the period a
    year earlier per period (None where that is not past yet), and per key its sales then
    (None: no sales recorded)."""
    first = parse_period(periods[0])
    season = first.granularity.season_length
    before = [parse_period(p) + (-season) for p in periods]
    labels = [b.label if b < first else None for b in before]
    wanted = [b for b in labels if b is not None]
    sold = sales[sales["period"].isin(wanted)]
    if level == Level.TOTAL:
        keyed = sold.assign(key=Level.TOTAL.value)
    elif level == Level.ITEM:
        keyed = sold.assign(key=sold["item"].astype(str))
    else:
        by = items[["item", level]].rename(columns={level: "key"})
        keyed = sold.merge(by.assign(key=by["key"].fillna("").astype(str)), on="item")
    sums = keyed.groupby(["key", "period"])["qty"].sum()
    out: dict[str, list[float | None]] = {}
    for key in sorted({str(k) for k, _ in sums.index}):
        mine = sums.xs(key, level="key")
        out[key] = [None if b is None or b not in mine.index else float(mine[b]) for b in labels]
    return labels, out
