"""What changed: the current cycle's plan against the last approved version.

Demand: the consensus by family and period, as a waterfall of causes that adds up exactly
(new actuals and re-forecast, each override layer's own effect, new products; see
:func:`snop.learning.waterfall.demand_waterfall`). Supply: production, inventory, backlog
and cost of the approved strategy per family and period, old against new. Both over the
periods the two plans share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from snop.cycle.model import Cycle
from snop.cycle.rollforward import apply_openings
from snop.errors import NotFoundError, SnopError
from snop.io.jsonable import jsonable
from snop.learning.waterfall import Waterfall, as_snapshot, demand_waterfall, waterfall
from snop.model.periods import PeriodError, parse_period
from snop.model.vocabulary import CycleStatus, Strategy
from snop.model.workbook import Workbook
from snop.services.context import Actor, Tx, UnitOfWork, current_cycle, cycle_workbook
from snop.services.versions import PlanVersion, version_in
from snop.supply.plan import plan_supply

SUPPLY_MEASURES = ("production", "inventory", "backlog", "cost_total")


@dataclass
class Comparison:
    cycle: str  # the plan compared: the current cycle's (draft or version)
    base: str  # the approved version it is compared with
    periods: list[str]  # the periods both plans cover
    demand: Waterfall  # consensus demand by cause
    supply: dict[str, Waterfall]  # measure -> old plan -> new plan, per family and period
    strategy: str

    def to_json(self) -> dict[str, Any]:
        """The waterfalls as records: each one's bars by cause (a TOTAL row last, the sum of
        the bars), by family and cause, and its cells (old, new, change)."""

        def bars(w: Waterfall) -> dict[str, Any]:
            return {
                "causes": w.causes,
                "by_cause": w.by_cause(),
                "by_family": w.by_family(),
                "cells": w.cells,
            }

        out = {
            "cycle": self.cycle,
            "base": self.base,
            "periods": self.periods,
            "strategy": self.strategy,
            "demand": bars(self.demand),
            "supply": {m: bars(w) for m, w in self.supply.items()},
        }
        return jsonable(out)  # type: ignore[no-any-return]


def compare(
    uow: UnitOfWork, actor: Actor, with_version: str | None = None, cycle: str | None = None
) -> Comparison:
    """The plan of ``cycle`` (default: the current one) against ``with_version`` (default:
    the last approved version before it)."""
    with uow.read() as tx:
        chosen = current_cycle(tx) if cycle is None else _cycle(tx, cycle)
        base = _base(tx, chosen, with_version)
        old = version_in(tx, base)
        if chosen.status is CycleStatus.OPEN:
            new = _draft(tx, chosen)
            inputs = cycle_workbook(tx, chosen)
        else:
            mine = version_in(tx, chosen.period)
            new = _version(mine)
            inputs = mine.inputs_workbook(cycle_workbook(tx, chosen))
        steps = _replans(tx, chosen, old, inputs, new)
    periods = [p for p in chosen.periods if p in set(old.header["periods"])]
    known = pd.concat([new.items, old.items()]).drop_duplicates("item")
    demand = demand_waterfall(
        _within(old.demand_layers(), periods), _within(new.layers, periods), new.chain, known
    )
    chain = [(f"version {base}", old.plan().plan), *steps, (STRATEGY, new.plan)]
    supply = {
        m: waterfall([(cause, as_snapshot(_within(p, periods), m)) for cause, p in chain])
        for m in SUPPLY_MEASURES
    }
    return Comparison(chosen.period, base, periods, demand, supply, new.strategy)


DEMAND_AND_ACTUALS = "demand and actuals"
CAPACITY_AND_COSTS = "capacity and costs"
STRATEGY = "strategy"


def _replans(
    tx: Tx, cycle: Cycle, old: PlanVersion, inputs: Workbook, new: _Plan
) -> list[tuple[str, pd.DataFrame]]:
    """The plans between the old and the new one, one cause at a time, each solved with the
    old strategy over the new cycle's periods and frozen zone:

    * demand and actuals: the old master data, the new demand and openings;
    * capacity and costs: the new master data too.

    The new strategy then makes the new plan. A re-plan that has no optimal solution is
    left out: its change shows in the cause after it.
    """
    from snop.services.supply import frozen_zone

    openings = tx.cycles.openings(cycle.period)
    then = apply_openings(
        old.inputs_workbook(inputs).for_cycle(cycle.first, cycle.horizon), openings
    )
    demand = new.plan[["family", "period", "demand"]].rename(columns={"demand": "qty"})
    frozen = frozen_zone(tx, cycle, inputs)
    strategy = old.header["strategy"]
    out = []
    for cause, wb in ((DEMAND_AND_ACTUALS, then), (CAPACITY_AND_COSTS, inputs)):
        try:
            plan = plan_supply(wb, demand, strategy, frozen=frozen)
        except SnopError:  # inputs one plan accepts and the other refuses
            continue
        if plan.ok:
            out.append((cause, plan.plan))
    return out


@dataclass
class _Plan:
    layers: pd.DataFrame  # layer, item, period, qty
    chain: list[str]
    plan: pd.DataFrame  # the supply plan frame of the strategy
    strategy: str
    items: pd.DataFrame  # item, family


def _version(v: PlanVersion) -> _Plan:
    return _Plan(
        v.demand_layers(), list(v.demand["layers"]), v.plan().plan, v.header["strategy"], v.items()
    )


def _label(period: str) -> str:
    """``period``'s label; SnopError saying how to write one."""
    try:
        return parse_period(period).label
    except PeriodError as e:
        raise SnopError(f"cycle {period!r}: {e}") from None


def _cycle(tx: Tx, period: str) -> Cycle:
    found = tx.cycles.get(_label(period))
    if found is None:
        raise NotFoundError(f"cycle {period} does not exist")
    return found


def _base(tx: Tx, cycle: Cycle, asked: str | None) -> str:
    approved = [c.period for c in tx.cycles.all() if c.approved_at is not None]
    if asked is not None:
        label = _label(asked)
        if label not in approved:
            raise NotFoundError(
                f"cycle {asked} has no approved version to compare with; the versions are "
                + (", ".join(approved) or "none yet")
            )
        return label
    before = [c for c in approved if parse_period(c).ordinal < cycle.first.ordinal]
    if not before:
        raise NotFoundError(
            f"cycle {cycle.period} has no approved version before it to compare with; "
            "the first cycle compares once the next one opens"
        )
    return before[-1]


def _draft(tx: Tx, cycle: Cycle) -> _Plan:
    from snop.services.demand_review import read_plan
    from snop.services.supply import draft_plans

    wb = cycle_workbook(tx, cycle)
    plan = read_plan(tx, cycle, wb)
    layers = pd.concat(
        [plan.frame(name).assign(layer=name) for name in plan.layer_names], ignore_index=True
    )
    chosen = draft_plans(tx, cycle.period).get(Strategy.OPTIMAL.value)
    if chosen is None:
        raise NotFoundError(
            f"cycle {cycle.period} has no optimal supply plan yet to compare; run `snop plan`"
        )
    return _Plan(
        layers,
        list(plan.layer_names),
        chosen.plan,
        Strategy.OPTIMAL.value,
        wb.items[["item", "family"]],
    )


def _within(frame: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    return frame[frame["period"].isin(periods)].reset_index(drop=True)
