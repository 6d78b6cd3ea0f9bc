"""Gap-closure levers: what a change of one input is worth, and up to which amount.

A lever is one change of the plan's inputs, written as scenario deltas
(:class:`snop.scenario.deltas.Delta`), so a re-solve applies it exactly as a scenario
would. Its **value** is the change in the plan's contribution::

    value(a) = [R(a) - C(a)] - [R(0) - C(0)]

where ``a`` is the amount of the change (hours, workers, units, percent), ``R`` the revenue
of the plan (shipments x price) and ``C`` its cost as the optimiser weighs it (the plan's
total cost plus the valuation of going below the soft inventory targets, the objective the
LP duals are derivatives of).

Stated values, before any re-solve:

* **hours** on a resource ``r`` in a period ``t`` (where the capacity binds): the shadow
  price ``pi_rt = -dC/dcap_rt`` of the capacity row, so ``value(a) = pi_rt * a``;
* **price** of a family: ``value(p%) = p/100 * sum_t shipped_ft * price_ft`` (revenue
  arithmetic: no demand response is modelled, so the range is unbounded *by assumption*);
* **workers** in a pool, **subcontract** capacity of a family: the duals of the
  ``max_workers`` and ``subcontract_capacity`` bounds over the periods where the plan is
  at them, summed (a delta over a period range adds the unit in each), as the plan's
  explanations give them; where the explanations do not word a period (they keep only the
  largest values) the stated per-unit value is the re-solve at the first amount ``a0``:
  ``value(a0)/a0``;
* **moving a promotion** one period earlier or later is not a marginal change: its value
  is the re-solve with the promotion moved against the re-solve with it where it is.

**Range of validity.** The per-unit value ``v`` holds while ``|value(a) - v a| <= tol *
|v a|``. Starting at ``a0`` the amount is doubled until it fails (or ``MAX_DOUBLINGS``),
then the last amount that held and the first that failed are bisected ``BISECTIONS``
times; when it fails at ``a0`` already, ``a0`` is halved (at most ``MAX_DOUBLINGS`` times)
until it holds, bisected the same way, and the lever restated at that amount. At most
``1 + MAX_DOUBLINGS + BISECTIONS`` re-solves a lever. ``valid_up_to`` is the largest amount
found to hold; ``open_range`` says no tested amount failed.

**Ranking.** By value at the amount (money), then by value per unit; the checked levers
first (ranked at their checked amounts), then the others at their stated values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from snop.model.workbook import Workbook
from snop.scenario.deltas import Delta
from snop.supply.plan import SupplyPlan

TOLERANCE = 0.02  # relative drop of the per-unit value that ends its range
MAX_DOUBLINGS = 3
BISECTIONS = 2
HOURS_STEP = 0.10  # first amount of an hours lever: this share of the period's capacity
SUBCONTRACT_STEP = 0.10  # first amount of a subcontract lever: this share of its capacity
PRICE_STEP = 1.0  # percent
EPS = 1e-6
SCENARIO = "lever"
UNMET_NOTE = "restated by a re-solve: the plan leaves demand unmet, its duals do not price it"
UNPRICED_NOTE = "not restated: the plan leaves demand unmet, this dual does not price it"


class LeverKind(StrEnum):
    HOURS = "hours"
    WORKERS = "workers"
    SUBCONTRACT = "subcontract"
    PRICE = "price"
    PROMOTION = "promotion"


UNITS = {
    LeverKind.HOURS: "hour",
    LeverKind.WORKERS: "worker",
    LeverKind.SUBCONTRACT: "unit",
    LeverKind.PRICE: "%",
    LeverKind.PROMOTION: "period",
}


@dataclass(frozen=True)
class Outcome:
    """What a (re-)solved plan is worth: ``cost`` as the optimiser weighs it, ``revenue``,
    ``short`` the units demanded in a period and not shipped in it (the service gap)."""

    status: str
    cost: float
    revenue: float
    short: float

    @property
    def contribution(self) -> float:
        return self.revenue - self.cost

    @property
    def ok(self) -> bool:
        return self.status == "optimal"


Probe = Callable[[Sequence[Delta]], Outcome]  # re-solve the plan with these deltas


def outcome_of(plan: SupplyPlan, revenue: float) -> Outcome:
    """The outcome of a solved plan priced at ``revenue``."""
    if not plan.ok:
        return Outcome(plan.status, math.nan, math.nan, math.nan)
    short = float(plan.constrained_demand["short"].sum())
    return Outcome(plan.status, plan.total_cost + plan.target_penalty, revenue, short)


@dataclass
class Lever:
    """One candidate change. ``per_unit`` is the stated value of one unit of ``amount``;
    ``resolved_value`` the re-solved value at ``amount``; ``valid_up_to`` the amount up to
    which ``per_unit`` holds (None: not checked)."""

    kind: LeverKind
    target: str
    period: str | None
    to_period: str | None
    amount: float
    per_unit: float
    basis: str  # where per_unit comes from: dual, arithmetic, re-solve
    deltas_of: Callable[[float], list[Delta]] = field(repr=False, compare=False)
    resolved_value: float | None = None
    revenue_gained: float | None = None
    short_closed: float | None = None  # service-gap units the lever closes at ``amount``
    valid_up_to: float | None = None
    open_range: bool = False
    resolves: int = 0
    note: str = ""

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    @property
    def value(self) -> float:
        """The stated value at ``amount``."""
        return self.per_unit * self.amount

    @property
    def checked(self) -> bool:
        """The re-solved value at ``amount`` matches the stated one within the tolerance."""
        if self.resolved_value is None:
            return False
        return _holds(self.resolved_value, self.per_unit * self.amount)

    def describe(self) -> str:
        when = self.period or "every period"
        if self.to_period and self.to_period != self.period:
            when += f"..{self.to_period}"
        return f"{self.kind} {self.target} {when} +{self.amount:g} {self.unit}"


def _holds(value: float, stated: float) -> bool:
    return abs(value - stated) <= TOLERANCE * max(abs(stated), 1e-6) + 1e-6


# ---- candidates --------------------------------------------------------------------------


def hour_levers(plan: SupplyPlan) -> list[Lever]:
    """Extra hours on each resource and period whose capacity binds (shadow price > 0)."""
    cap = plan.capacity
    if cap.empty:
        return []
    rows = cap[(cap["kind"] == "resource") & (cap["shadow_price"] > EPS)]
    out = []
    for rec in rows.to_dict("records"):
        res, period = str(rec["resource"]), str(rec["period"])
        step = max(1.0, HOURS_STEP * float(rec["capacity"]))

        def deltas(a: float, res: str = res, period: str = period) -> list[Delta]:
            return [Delta(SCENARIO, "capacity", key=res, period=period, delta=a)]

        out.append(
            Lever(
                LeverKind.HOURS,
                res,
                period,
                period,
                step,
                float(rec["shadow_price"]),
                "dual",
                deltas,
            )
        )
    return out


def price_levers(
    plan: SupplyPlan, prices: pd.DataFrame, families: Sequence[str] | None = None
) -> list[Lever]:
    """+``PRICE_STEP`` % on each family's price in every period: revenue arithmetic on the
    plan's shipments (``prices``: family, period, price), no demand response."""
    rev = plan.plan[["family", "period", "shipped"]].merge(
        prices[["family", "period", "price"]], on=["family", "period"], how="inner"
    )
    rev["revenue"] = rev["shipped"] * rev["price"].fillna(0.0)
    by_family = rev.groupby("family")["revenue"].sum()
    out = []
    for fam, revenue in by_family.items():
        if families is not None and fam not in families:
            continue
        if revenue <= EPS:
            continue

        def deltas(a: float, fam: str = str(fam)) -> list[Delta]:
            return [Delta(SCENARIO, "price", level="family", key=fam, pct=a)]

        out.append(
            Lever(
                LeverKind.PRICE,
                str(fam),
                None,
                None,
                PRICE_STEP,
                float(revenue) / 100.0,
                "arithmetic",
                deltas,
                note="revenue arithmetic: no demand response",
            )
        )
    return out


def worker_levers(plan: SupplyPlan, max_workers: pd.DataFrame) -> list[Lever]:
    """+1 worker on each pool's ``max_workers`` over the periods where the plan is at it
    (``max_workers``: pool x period frame, NaN for no limit)."""
    wf = plan.workforce
    out = []
    for pool, g in wf.groupby("pool", sort=False):
        if pool not in max_workers.index:
            continue
        cap = max_workers.loc[pool].reindex(g["period"]).to_numpy(dtype=float)
        at = np.isfinite(cap) & (g["workers"].to_numpy(dtype=float) >= cap - 1e-6)
        if not at.any():
            continue
        periods = g["period"].to_numpy()[at]
        first, last = str(periods[0]), str(periods[-1])

        def deltas(a: float, pool: str = str(pool), f: str = first, la: str = last) -> list[Delta]:
            return [
                Delta(
                    SCENARIO, "workers", key=pool, column="max_workers", period=f, to_period=la,
                    delta=a,
                )
            ]  # fmt: skip

        dual = _explained(plan, "worker", "pool", str(pool), [str(p) for p in periods])
        basis = "re-solve" if dual is None else "dual"
        out.append(
            Lever(LeverKind.WORKERS, str(pool), first, last, 1.0, dual or 0.0, basis, deltas)
        )
    return out


def subcontract_levers(plan: SupplyPlan, capacity: pd.DataFrame) -> list[Lever]:
    """More subcontract capacity for each family over the periods where its subcontracting
    is at its limit (``capacity``: family x period frame of ``subcontract_capacity``)."""
    out = []
    for fam, g in plan.plan.groupby("family", sort=False):
        if fam not in capacity.index:
            continue
        cap = capacity.loc[fam].reindex(g["period"]).to_numpy(dtype=float)
        used = g["subcontract"].to_numpy(dtype=float)
        at = np.isfinite(cap) & (cap > EPS) & (used >= cap - 1e-6)
        if not at.any():
            continue
        periods = g["period"].to_numpy()[at]
        first, last = str(periods[0]), str(periods[-1])
        step = max(1.0, SUBCONTRACT_STEP * float(np.nanmax(cap[at])))

        def deltas(a: float, fam: str = str(fam), f: str = first, la: str = last) -> list[Delta]:
            return [Delta(SCENARIO, "subcontract", key=fam, period=f, to_period=la, delta=a)]

        dual = _explained(plan, "subcontract", "family", str(fam), [str(p) for p in periods])
        basis = "re-solve" if dual is None else "dual"
        out.append(
            Lever(LeverKind.SUBCONTRACT, str(fam), first, last, step, dual or 0.0, basis, deltas)
        )
    return out


def _explained(
    plan: SupplyPlan, kind: str, owner: str, name: str, periods: list[str]
) -> float | None:
    """The dual value of one more unit of a bound in each of ``periods``, summed (a delta
    over the range adds the unit in each), from the plan's explanations; None when a period
    has none (the explanations word only the largest values): then a re-solve states it."""
    values = {
        e.period: e.value
        for e in plan.explanations
        if e.kind == kind and getattr(e, owner) == name and e.period in periods
    }
    if set(values) != set(periods):
        return None
    return float(sum(values.values()))


def promotion_levers(promotions: Sequence[Delta], periods: list[str]) -> list[Lever]:
    """Each promotion (a ``promotion`` delta of one period) moved one period earlier and one
    later. Its value is against the promotion where it is: both sides are re-solved."""
    out = []
    for d in promotions:
        if d.period is None or d.period not in periods or (d.to_period or d.period) != d.period:
            continue
        t = periods.index(d.period)
        for shift in (-1, 1):
            if not 0 <= t + shift < len(periods):
                continue
            moved = periods[t + shift]

            def deltas(a: float, d: Delta = d, moved: str = moved) -> list[Delta]:
                # a = 0: the promotion where it is; a = 1: moved
                return [replace(d, scenario=SCENARIO, period=moved if a else d.period)]

            out.append(
                Lever(
                    LeverKind.PROMOTION,
                    f"{d.level or 'item'} {d.key}",
                    d.period,
                    moved,
                    1.0,
                    0.0,
                    "re-solve",
                    deltas,
                    note=f"{d.note or 'promotion'} moved {'earlier' if shift < 0 else 'later'}",
                )
            )
    return out


# ---- values, ranges, ranking -------------------------------------------------------------


def value_at(lever: Lever, amount: float, probe: Probe) -> Outcome:
    """The re-solved outcome with ``amount`` of the lever."""
    lever.resolves += 1
    return probe(lever.deltas_of(amount))


def _gain(new: Outcome, base: Outcome) -> float:
    return new.contribution - base.contribution if new.ok else -math.inf


def state(lever: Lever, probe: Probe, base: Outcome) -> Lever:
    """Fill in the per-unit value of a lever stated by a re-solve (workers or subcontract
    without a dual, promotion): one re-solve (two for a promotion: where it is, and
    moved)."""
    if lever.basis != "re-solve":
        return lever
    ref = value_at(lever, 0.0, probe) if lever.kind is LeverKind.PROMOTION else base
    new = value_at(lever, lever.amount, probe)
    gain = _gain(new, ref)
    lever.per_unit = gain / lever.amount if math.isfinite(gain) else 0.0
    _record(lever, new, ref)
    return lever


def _record(lever: Lever, new: Outcome, base: Outcome) -> None:
    lever.resolved_value = _gain(new, base)
    lever.revenue_gained = new.revenue - base.revenue if new.ok else None
    lever.short_closed = base.short - new.short if new.ok else None


def check(lever: Lever, probe: Probe, base: Outcome) -> Lever:
    """Re-solve the lever at its amount, then find its range of validity (see the module
    docstring). When the per-unit value fails at the first amount already, the amount is
    halved until it holds (then bisected), and the lever is restated at that amount. A
    promotion move has no range: it is moved one period or not."""
    if lever.kind is LeverKind.PROMOTION:
        if lever.resolved_value is None:
            state(lever, probe, base)
        lever.valid_up_to = 1.0
        return lever
    first = None
    if lever.resolved_value is None:
        first = value_at(lever, lever.amount, probe)
        _record(lever, first, base)
        if not first.ok:  # no plan with the change: no range to search
            lever.valid_up_to, lever.note = 0.0, f"re-solve {first.status}"
            return lever
    if lever.kind is LeverKind.PRICE:  # linear by assumption: one re-solve checks the plan
        lever.valid_up_to, lever.open_range = lever.amount, True  # does not move
        return lever

    def holds(a: float) -> tuple[bool, Outcome]:
        new = value_at(lever, a, probe)
        return _holds(_gain(new, base), lever.per_unit * a), new

    good, bad, at_good = lever.amount, None, first
    if lever.resolved_value is not None and _holds(lever.resolved_value, lever.value):
        for _ in range(MAX_DOUBLINGS):
            ok, _out = holds(2 * good)
            if not ok:
                bad = 2 * good
                break
            good = 2 * good
        if bad is None:
            lever.valid_up_to, lever.open_range = good, True
            return lever
    else:  # too much already: halve until it holds
        good, bad = 0.0, lever.amount
        for _ in range(MAX_DOUBLINGS):
            ok, out = holds(bad / 2)
            if ok:
                good, at_good = bad / 2, out
                break
            bad = bad / 2
        if good == 0.0:
            lever.valid_up_to = 0.0
            return lever
    for _ in range(BISECTIONS):
        mid = (good + bad) / 2
        ok, out = holds(mid)
        if ok:
            good, at_good = mid, out
        else:
            bad = mid
    lever.valid_up_to = good
    if good < lever.amount and at_good is not None:  # restated where it holds
        lever.amount = good
        _record(lever, at_good, base)
    return lever


def rank(levers: Sequence[Lever]) -> list[Lever]:
    """Largest stated value first (money at the tested amount), then per unit."""
    return sorted(levers, key=lambda lv: (-lv.value, -lv.per_unit, lv.kind, lv.target))


@dataclass
class Candidates:
    """The inputs candidates are found from, besides the plan."""

    prices: pd.DataFrame  # family, period, price
    max_workers: pd.DataFrame  # pool x period
    subcontract_capacity: pd.DataFrame  # family x period
    promotions: list[Delta]
    periods: list[str]


def find_levers(
    plan: SupplyPlan, inputs: Candidates, probe: Probe, base: Outcome, top: int = 5
) -> list[Lever]:
    """Every candidate lever with its stated value, ranked; the first ``top`` checked by
    re-solves (at most ``1 + MAX_DOUBLINGS + BISECTIONS`` each).

    A plan that leaves demand unmet takes its duals from the LP with the unmet demand
    fixed (:func:`snop.supply.plan.plan_from_data`): they price capacity without serving
    more demand, so the ``top`` dual levers are restated by a re-solve first. A lever is
    kept when it is worth money or closes part of the service gap."""
    levers = [
        *hour_levers(plan),
        *price_levers(plan, inputs.prices),
        *worker_levers(plan, inputs.max_workers),
        *subcontract_levers(plan, inputs.subcontract_capacity),
        *promotion_levers(inputs.promotions, inputs.periods),
    ]
    unpriced: list[Lever] = []
    if plan.unmet_units > EPS:
        duals = rank([lv for lv in levers if lv.basis == "dual"])
        for lv in duals[:top]:
            lv.basis, lv.note = "re-solve", UNMET_NOTE
        for lv in duals[top:]:  # listed last: their duals do not price the unmet demand
            lv.basis, lv.note = "dual, unmet demand fixed", UNPRICED_NOTE
        unpriced = duals[top:]
        levers = [lv for lv in levers if lv not in unpriced]
    for lv in levers:
        state(lv, probe, base)
    ranked = [lv for lv in rank(levers) if lv.value > EPS or (lv.short_closed or 0.0) > EPS]
    for lv in ranked[:top]:
        check(lv, probe, base)
    return rank(ranked[:top]) + ranked[top:] + unpriced


RevenueOf = Callable[[Workbook, pd.DataFrame, SupplyPlan], float]


@dataclass
class Replanner:
    """Re-plans ``workbook`` and ``item_demand`` (item, period, qty) with deltas applied
    (:func:`snop.scenario.deltas.apply_deltas`, the one way to change a plan's inputs),
    summed to family demand, with ``options`` as :func:`snop.supply.plan.plan_supply` takes
    them (strategy, frozen...). ``revenue_of(workbook, item_demand, plan)`` prices a plan
    on the changed inputs. Called with deltas it is a :data:`Probe`."""

    workbook: Workbook
    item_demand: pd.DataFrame
    periods: list[str]
    revenue_of: RevenueOf
    options: dict[str, Any] = field(default_factory=dict)
    solves: int = 0
    # the first re-plan's basis: the later ones (the same model, other bounds) start from it
    basis: Any = None

    def plan(self, deltas: Sequence[Delta]) -> tuple[SupplyPlan, Outcome]:
        from snop.scenario.deltas import apply_deltas
        from snop.supply.plan import plan_supply

        applied = apply_deltas(self.workbook, self.item_demand, deltas, self.periods)
        options = dict(self.options)
        if applied.strategy is not None:
            options["strategy"] = applied.strategy
        if applied.integer_workforce is not None:
            options["integer_workforce"] = applied.integer_workforce
        fam = applied.demand.merge(applied.workbook.items[["item", "family"]], on="item")
        demand = pd.DataFrame(fam.groupby(["family", "period"], as_index=False)["qty"].sum())
        plan = plan_supply(applied.workbook, demand, basis=self.basis, **options)
        if self.basis is None:
            self.basis = plan.basis
        self.solves += 1
        revenue = self.revenue_of(applied.workbook, applied.demand, plan) if plan.ok else math.nan
        return plan, outcome_of(plan, revenue)

    def __call__(self, deltas: Sequence[Delta]) -> Outcome:
        """The re-solved outcome; a change the inputs cannot take (an item of the family
        without a price to raise...) is an outcome ``refused: <why>``, not an error."""
        from snop.scenario.deltas import DeltaError

        try:
            return self.plan(deltas)[1]
        except DeltaError as exc:
            return Outcome(f"refused: {exc}", math.nan, math.nan, math.nan)
