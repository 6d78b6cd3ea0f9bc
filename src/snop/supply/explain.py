"""Turning a solved model into sentences: binding constraints, shadow prices, shortages, and
the diagnosis of an infeasible model.

A shadow price (HiGHS row dual) is the change of the optimal cost per unit of a constraint's
right-hand side: for a ``<=`` capacity row of a minimisation it is <= 0, and ``-dual`` is what
one more unit of capacity saves. A column's reduced cost plays the same role for a bound
(``max_workers``, ``subcontract_capacity``, ``max_inventory``). Values are marginal: they hold
for small changes (within the LP's ranging interval), so "10% more" is stated as "about".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from snop.supply.data import SUPPLIER_PREFIX, FloatArray, PlanningData, SafetyStock, is_supplier
from snop.supply.model import LpModel, Row
from snop.supply.solve import LpSolution, SolveOptions, solve

TOL = 1e-7


@dataclass(frozen=True)
class Explanation:
    """One sentence for a manager, with what it is about and the money at stake."""

    # shortage, unmet, safety_stock, worker, overtime, resource, storage, subcontract, capacity
    kind: str
    text: str
    value: float  # money saved (or, for a shortage, the units short)
    family: str | None = None
    pool: str | None = None
    resource: str | None = None
    period: str | None = None


def money(x: float, currency: str = "$") -> str:
    """``$12,345`` for ``$``, else ``12,345 EUR``; cents below 100."""
    v = f"{x:,.2f}" if abs(x) < 100 and x != round(x) else f"{x:,.0f}"
    if currency in ("$", "€", "£"):
        return f"{currency}{v}"
    return f"{v} {currency}"


def units(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2f}".rstrip("0").rstrip(".")


class Binding:
    """Which constraints and bounds bind in a solution, indexed like the model's grids."""

    def __init__(self, model: LpModel, data: PlanningData, sol: LpSolution) -> None:
        self.model, self.data, self.sol = model, data, sol
        n_f, n_t = data.shape
        hi = model.row_hi
        slack = np.where(np.isfinite(hi), hi - sol.row_value, np.inf)
        tight_row = slack <= 1e-6 * (1 + np.abs(np.where(np.isfinite(hi), hi, 0)))
        kinds = model.row_kind
        ent, per = model.row_entity, model.row_period

        def grid(kind: Row, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
            m = kinds == int(kind)
            tight = np.zeros(shape, dtype=bool)
            dual = np.zeros(shape)
            tight[ent[m], per[m]] = tight_row[m]
            dual[ent[m], per[m]] = sol.row_dual[m]
            return tight, dual

        self.res_tight, self.res_dual = grid(Row.RESOURCE, (len(data.resources), n_t))
        self.lab_tight, self.lab_dual = grid(Row.LABOR, (len(data.pools), n_t))
        self.ot_tight, self.ot_dual = grid(Row.OVERTIME, (len(data.pools), n_t))

        def at_ub(block: str) -> np.ndarray:
            idx = model.cols[block]
            out = np.zeros(idx.shape, dtype=bool)
            m = idx >= 0
            ub = model.ub[idx[m]]
            fin = np.isfinite(ub)
            ubf = np.where(fin, ub, 0.0)
            out[m] = fin & (sol.x[idx[m]] >= ubf - 1e-6 * (1 + np.abs(ubf)))
            return out

        self.reg_full = at_ub("reg")
        self.ot_full = at_ub("ot")
        self.sub_full = at_ub("sub")
        self.inv_full = at_ub("inv")
        self.workers_full = at_ub("workers")
        # resources each family uses
        self.fam_res: list[list[int]] = [[] for _ in range(n_f)]
        for f, r in zip(data.routing_family, data.routing_resource, strict=True):
            self.fam_res[int(f)].append(int(r))

    def col_dual(self, block: str) -> FloatArray:
        idx = self.model.cols[block]
        out = np.zeros(idx.shape)
        m = idx >= 0
        out[m] = self.sol.col_dual[idx[m]]
        return out

    def limits(self, f: int, t: int) -> list[str]:
        """What limits family ``f``'s supply in period ``t``: the binding capacities in ``t``,
        else in the latest earlier period where one binds (earlier stock could have helped)."""
        d = self.data
        for s in range(t, -1, -1):
            out: list[str] = []
            for r in self.fam_res[f]:
                if self.res_tight[r, s]:
                    out.append(f"capacity of {_what(d.resources[r])}")
            k = int(d.pool_of[f])
            if k >= 0 and self.lab_tight[k, s]:
                if self.workers_full[k, s] and (
                    self.ot_tight[k, s] or d.max_overtime_hours[k, s] <= 0
                ):
                    out.append(f"workforce of pool {d.pools[k]} (max_workers, overtime cap)")
                elif self.workers_full[k, s]:
                    out.append(f"workforce of pool {d.pools[k]} (max_workers)")
            if (
                k < 0
                and self.reg_full[f, s]
                and (self.ot_full[f, s] or d.overtime_capacity[f, s] <= 0)
            ):
                out.append(f"regular/overtime capacity of {d.families[f]}")
            if out:
                if self.sub_full[f, s]:
                    out.append("subcontract capacity")
                if s < t:
                    out = [f"{o} in {d.periods[s]}" for o in out]
                return out
            if s < t and self.inv_full[f, s]:
                return [f"storage (max_inventory) in {d.periods[s]}"]
        return []


def _what(resource: str) -> str:
    """How a sentence names a resource: ``supplier NAME for family F`` for a supplier's limit,
    else the resource's name."""
    if not is_supplier(resource):
        return resource
    supplier, family = resource.removeprefix(SUPPLIER_PREFIX).rsplit("/", 1)
    return f"supplier {supplier} for family {family}"


def shortage_reason(b: Binding, f: int, t: int) -> str:
    lim = b.limits(f, t)
    if lim:
        return ", ".join(dict.fromkeys(lim))
    return "serving late is cheaper than building ahead or adding capacity"


def explain(
    model: LpModel,
    data: PlanningData,
    sol: LpSolution,
    *,
    short: FloatArray,
    currency: str = "$",
    top: int | None = None,
    max_money: int = 200,
    inventory: FloatArray | None = None,
    backlog: FloatArray | None = None,
    unmet: FloatArray | None = None,
) -> list[Explanation]:
    """Sentences for a solved plan: demand never served and every shortage first (what sales
    must hear), then how safety stock was treated, then the ``max_money`` binding limits
    whose relief is worth most (only those are worded: a large plan has thousands of binding
    period-level limits)."""
    out: list[Explanation] = []
    b = Binding(model, data, sol)
    d = data
    if unmet is not None:
        out += unmet_sentences(b, unmet)
    for f, t in zip(*np.nonzero(short > 1e-6), strict=True):
        out.append(
            Explanation(
                "shortage",
                f"family {d.families[f]} is short {units(short[f, t])} units in {d.periods[t]}: "
                f"{shortage_reason(b, int(f), int(t))}",
                float(short[f, t]),
                family=d.families[f],
                period=d.periods[t],
            )
        )
    if inventory is not None and backlog is not None:
        out += safety_stock_sentences(model, data, inventory, backlog, short, currency)
    if not sol.has_duals:
        return out if top is None else out[:top]
    money_ex: list[Explanation] = []
    wd = b.col_dual("workers")
    gain = np.where(
        b.res_tight & (b.res_dual < -1e-9),
        -b.res_dual * 0.1 * np.where(np.isfinite(d.capacity), d.capacity, 0.0),
        0.0,
    )
    fam_bounds = {
        blk: (b.col_dual(blk), full)
        for blk, full in (
            ("inv", b.inv_full),
            ("sub", b.sub_full),
            ("reg", b.reg_full),
            ("ot", b.ot_full),
        )
    }
    # the value the max_money-th sentence is worth: cheaper ones are not worded
    vals = np.concatenate(
        [
            -wd[b.workers_full & (wd < -1e-6)],
            -b.ot_dual[b.ot_tight & (b.ot_dual < -1e-6)],
            gain[gain > 1e-6],
            gain.sum(axis=1),
            *(-cd[full & (cd < -1e-6)] for cd, full in fam_bounds.values()),
        ]
    )
    thr = (
        np.partition(vals, vals.size - max_money)[vals.size - max_money]
        if vals.size > max_money
        else -np.inf
    )
    # workforce bounds
    for k, t in zip(*np.nonzero(b.workers_full & (wd < -1e-6) & (-wd >= thr)), strict=True):
        money_ex.append(
            Explanation(
                "worker",
                f"one more worker in pool {d.pools[k]} in {d.periods[t]} (above "
                f"max_workers {units(d.max_workers[k, t])}) would save "
                f"{money(-wd[k, t], currency)}",
                float(-wd[k, t]),
                pool=d.pools[k],
                period=d.periods[t],
            )
        )
    for k, t in zip(
        *np.nonzero(b.ot_tight & (b.ot_dual < -1e-6) & (-b.ot_dual >= thr)), strict=True
    ):
        val = -b.ot_dual[k, t]
        money_ex.append(
            Explanation(
                "overtime",
                f"overtime in pool {d.pools[k]} is at its cap in {d.periods[t]}: "
                f"one more overtime hour would save {money(val, currency)}",
                float(val),
                pool=d.pools[k],
                period=d.periods[t],
            )
        )
    # suppliers: one more unit (a resource loaded 1 hour per unit, snop.supply.data)
    for r in np.flatnonzero(gain.sum(axis=1) > 1e-6):
        if not is_supplier(d.resources[r]):
            continue
        for t in np.flatnonzero((gain[r] > 1e-6) & (gain[r] >= thr)):
            money_ex.append(
                Explanation(
                    "supplier",
                    f"{_what(d.resources[r])} is at its limit of "
                    f"{units(d.capacity[r, t])} units in {d.periods[t]}: one more unit from "
                    f"it would save {money(-b.res_dual[r, t], currency)} (10% more, "
                    f"+{units(0.1 * d.capacity[r, t])} units: about "
                    f"{money(gain[r, t], currency)})",
                    float(gain[r, t]),
                    family=d.resources[r].rsplit("/", 1)[1],
                    resource=d.resources[r],
                    period=d.periods[t],
                )
            )
        gain[r] = 0.0
    # resources: per period and over the horizon, for +10% hours
    for r in np.flatnonzero(gain.sum(axis=1) > 1e-6):
        ts = np.flatnonzero(gain[r] > 1e-6)
        if ts.size > 1 and gain[r].sum() >= thr:
            span = f"{d.periods[ts[0]]}..{d.periods[ts[-1]]}"
            money_ex.append(
                Explanation(
                    "resource",
                    f"10% more hours on resource {d.resources[r]} in every period it "
                    f"binds ({ts.size} periods, {span}) is worth about "
                    f"{money(gain[r].sum(), currency)}",
                    float(gain[r].sum()),
                    resource=d.resources[r],
                )
            )
        for t in ts[gain[r, ts] >= thr]:
            money_ex.append(
                Explanation(
                    "resource",
                    f"10% more hours on resource {d.resources[r]} in {d.periods[t]} "
                    f"(+{units(0.1 * d.capacity[r, t])} h) is worth about "
                    f"{money(gain[r, t], currency)}",
                    float(gain[r, t]),
                    resource=d.resources[r],
                    period=d.periods[t],
                )
            )
    # family bounds: storage, subcontract capacity, unit capacities
    for block, kind, what in (
        ("inv", "storage", "storage (max_inventory)"),
        ("sub", "subcontract", "subcontract capacity"),
        ("reg", "capacity", "regular capacity"),
        ("ot", "capacity", "overtime capacity"),
    ):
        cd, full = fam_bounds[block]
        for f, t in zip(*np.nonzero(full & (cd < -1e-6) & (-cd >= thr)), strict=True):
            money_ex.append(
                Explanation(
                    kind,
                    f"one more unit of {what} for family {d.families[f]} in {d.periods[t]} "
                    f"would save {money(-cd[f, t], currency)}",
                    float(-cd[f, t]),
                    family=d.families[f],
                    period=d.periods[t],
                )
            )
    money_ex.sort(key=lambda e: -e.value)
    out.extend(money_ex[:max_money])
    return out if top is None else out[:top]


def unmet_sentences(b: Binding, unmet: FloatArray) -> list[Explanation]:
    """Per family whose demand is not all served: what it needs over the horizon, what can be
    supplied, and the limit that binds where most is left unserved."""
    d = b.data
    out: list[Explanation] = []
    need = d.demand.sum(axis=1) + d.initial_backlog
    total = unmet.sum(axis=1)
    for f in np.flatnonzero(total > 1e-6):
        t = int(np.argmax(unmet[f]))
        out.append(
            Explanation(
                "unmet",
                f"family {d.families[f]} needs {units(need[f])} units over the horizon; at "
                f"most {units(need[f] - total[f])} can be supplied: {units(total[f])} are not "
                f"served (most in {d.periods[t]}: {shortage_reason(b, int(f), t)})",
                float(total[f]),
                family=d.families[f],
                period=d.periods[t],
            )
        )
    return out


def safety_stock_sentences(
    model: LpModel,
    data: PlanningData,
    inventory: FloatArray,
    backlog: FloatArray,
    short: FloatArray,
    currency: str,
) -> list[Explanation]:
    """How safety stock was treated, per family where the choice shows: a soft target the
    plan goes below (to serve customers, or because keeping it costs more than its penalty),
    or a hard one held while customers wait."""
    d = data
    out: list[Explanation] = []
    target = d.ending_target()
    tol = 1e-6 * (1 + target)
    if model.policy.safety_stock is SafetyStock.HARD:
        waiting = (backlog > 1e-6) & (inventory > 1e-6)
        for f in np.flatnonzero(waiting.any(axis=1)):
            t = int(np.argmax(np.where(waiting[f], backlog[f], 0.0)))
            out.append(
                Explanation(
                    "safety_stock",
                    f"safety stock of family {d.families[f]} is hard: the plan "
                    f"holds {units(inventory[f, t])} units while customers wait for "
                    f"{units(backlog[f, t])} in {d.periods[t]} (setting safety_stock=soft serves "
                    "them from the stock first)",
                    float(backlog[f, t]),
                    family=d.families[f],
                    period=d.periods[t],
                )
            )
        return out
    below = np.maximum(target - inventory, 0.0)
    below[below <= tol] = 0.0
    pen = model.penalties
    for f in np.flatnonzero(below.any(axis=1)):
        t = int(np.argmax(below[f]))
        n = int((below[f] > 0).sum())
        why = (
            "to serve customers sooner"
            if (short[f] > 1e-6)[below[f] > 0].any()
            else "keeping it costs more than its penalty"
        )
        p = float(pen.safety[f, t]) if pen is not None else float("nan")
        out.append(
            Explanation(
                "safety_stock",
                f"safety stock of family {d.families[f]} is soft: the plan goes "
                f"{units(below[f, t])} units below its target of {units(target[f, t])} in "
                f"{d.periods[t]} ({n} period{'s' if n > 1 else ''}) {why}; the penalty "
                f"{money(p, currency)} per unit and period ranks below a customer served late "
                "(setting safety_stock=hard or --hard-safety-stock keeps it)",
                float(below[f, t]),
                family=d.families[f],
                period=d.periods[t],
            )
        )
    return out


# ---- infeasibility --------------------------------------------------------------------------

_BOUND_TEXT = {
    "workers": "min_workers {lb} is above max_workers {ub}",
    "reg": "frozen regular production {lb} is above the regular capacity {ub}",
    "ot": "frozen overtime production {lb} is above the overtime capacity {ub}",
    "sub": "frozen subcontracting {lb} is above the subcontract capacity {ub}",
}


def conflicts(model: LpModel, data: PlanningData) -> list[str]:
    """Limits that exclude each other whatever the demand, as sentences naming the family or
    pool, the period, the quantities and the rules: an inventory target above
    ``max_inventory``, ``min_workers`` above ``max_workers``, a frozen value outside its
    limits (any lower bound above its upper bound)."""
    msgs: list[str] = []
    target = data.ending_target()
    over = target > data.max_inventory + 1e-9
    for f, t in np.argwhere(over)[:20]:
        rule = (
            "min_ending_inventory"
            if t == data.shape[1] - 1 and data.min_ending_inventory[f] > data.safety_stock[f, t]
            else "safety stock"
        )
        cap = units(data.max_inventory[f, t])
        msgs.append(
            f"family {data.families[f]} in {data.periods[t]}: {rule} "
            f"{units(target[f, t])} is above max_inventory {cap}"
        )
    d = model
    bad = np.flatnonzero(d.lb > d.ub + 1e-9)
    for j in bad[:20]:
        block = d.col_block[int(d.col_block_id[j])]
        f, t = (int(v[0]) for v in np.nonzero(d.cols[block] == j))
        if block == "inv":
            continue  # a hard target above max_inventory: said above
        pool = block in ("workers", "hire", "layoff", "othours")
        owner = f"pool {data.pools[f]}" if pool else f"family {data.families[f]}"
        text = _BOUND_TEXT.get(block, "lower bound {lb} is above upper bound {ub}")
        if (
            block == "workers"
            and t < d.frozen_periods
            and data.min_workers[f, t] <= data.max_workers[f, t]
        ):
            text = (
                f"frozen workers {{fz}} are outside min_workers "
                f"{units(data.min_workers[f, t])} .. max_workers "
                f"{units(data.max_workers[f, t])}"
            )
            fz = d.ub[j] if d.ub[j] < data.min_workers[f, t] else d.lb[j]
            msgs.append(f"{owner} in {data.periods[t]}: " + text.format(fz=units(fz)))
            continue
        msgs.append(
            f"{owner} in {data.periods[t]}: " + text.format(lb=units(d.lb[j]), ub=units(d.ub[j]))
        )
    return msgs


def diagnose(model: LpModel, data: PlanningData, options: SolveOptions | None = None) -> list[str]:
    """Why a model has no feasible plan, as sentences naming family/pool, period, quantity
    and rule.

    First :func:`conflicts`. Otherwise an *elastic* model: every balance row gets a
    shortfall and a surplus column, every capacity row an overload column, the level sizing
    row a shortfall, each costing 1 while real costs are dropped; the elastic columns left
    non-zero say where the plan breaks, and the frozen plan or the capacities binding in
    that solution say why. (A shortage of supply is not infeasible: the model plans it as
    unmet demand.)
    """
    msgs = conflicts(model, data)
    if msgs:
        return msgs
    d = model

    kinds = d.row_kind
    specs: list[tuple[np.ndarray, float]] = []
    for kind, sign in (
        (Row.BALANCE, 1.0),
        (Row.BALANCE, -1.0),
        (Row.LABOR, -1.0),
        (Row.RESOURCE, -1.0),
        (Row.OVERTIME, -1.0),
        (Row.LEVEL_SIZE, 1.0),
    ):
        specs.append((np.flatnonzero(kinds == int(kind)), sign))
    rows = np.concatenate([s[0] for s in specs])
    signs = np.concatenate([np.full(s[0].size, s[1]) for s in specs])
    k = rows.size
    extra = sp.csc_matrix((signs, (rows, np.arange(k))), shape=(d.num_row, k))
    elastic = LpModel(
        cost=np.concatenate([np.zeros(d.num_col), np.ones(k)]),
        lb=np.concatenate([d.lb, np.zeros(k)]),
        ub=np.concatenate([d.ub, np.full(k, np.inf)]),
        matrix=sp.hstack([d.matrix, extra], format="csc"),
        row_lo=d.row_lo,
        row_hi=d.row_hi,
        offset=0.0,
        integer=np.concatenate([np.zeros(d.num_col, np.int32), np.zeros(k, np.int32)]),
        cols=d.cols,
        col_block=d.col_block,
        col_block_id=d.col_block_id,
        row_kind=d.row_kind,
        row_entity=d.row_entity,
        row_period=d.row_period,
        true_cost=d.true_cost,
        strategy=d.strategy,
        policy=d.policy,
        frozen_periods=d.frozen_periods,
        penalties=d.penalties,
    )
    sol = solve(elastic, options or SolveOptions())
    if sol.status != "optimal":
        return [
            f"the {d.strategy} model has no feasible plan and the elastic check failed "
            f"({sol.message}); check bounds such as min_workers, max_inventory and frozen "
            "values"
        ]
    viol = sol.x[d.num_col :]
    # binding analysis on the original columns of the elastic solution
    core = LpSolution(
        status="optimal",
        objective=sol.objective,
        x=sol.x[: d.num_col],
        row_value=sol.row_value - extra @ viol,
        row_dual=sol.row_dual,
        col_dual=sol.col_dual[: d.num_col],
        has_duals=sol.has_duals,
        seconds=0.0,
        iterations=0,
    )
    b = Binding(d, data, core)
    for i in np.argsort(-viol):
        v = viol[i]
        if v <= 1e-6 or len(msgs) >= 20:
            break
        row, sign = int(rows[i]), signs[i]
        kind, e, t = Row(int(kinds[row])), int(d.row_entity[row]), int(d.row_period[row])
        per = data.periods[t]
        fence = t < d.frozen_periods
        why = "the frozen plan" if fence else f"the {d.strategy} strategy"
        if kind is Row.BALANCE and sign > 0:
            msgs.append(
                f"family {data.families[e]} in {per}: {units(v)} units short of the "
                f"hard inventory target {units(data.ending_target()[e, t])} "
                f"(setting safety_stock=hard) under {why}: "
                f"{shortage_reason(b, e, t)}"
            )
        elif kind is Row.BALANCE:
            msgs.append(
                f"family {data.families[e]} in {per}: {units(v)} units more than "
                f"demand and storage (max_inventory "
                f"{units(data.max_inventory[e, t])}) can take, from "
                + (
                    "the frozen production"
                    if fence
                    else f"an initial inventory of {units(data.initial_inventory[e])}"
                    if t == 0
                    else f"{why}'s production"
                )
            )
        elif kind is Row.LABOR:
            msgs.append(
                f"pool {data.pools[e]} in {per}: {why} needs {units(v)} labor hours "
                f"more than the workforce gives ({units(b.sol.x[d.cols['workers'][e, t]])}"
                f" workers x {units(data.regular_hours[e, t])} h, max_workers "
                f"{units(data.max_workers[e, t])}, overtime cap "
                f"{units(data.max_overtime_hours[e, t])} h per worker)"
            )
        elif kind is Row.OVERTIME:
            msgs.append(
                f"pool {data.pools[e]} in {per}: {why} needs {units(v)} overtime hours "
                f"above the cap of {units(data.max_overtime_hours[e, t])} h per worker "
                "(max_overtime_hours_per_worker)"
            )
        elif kind is Row.RESOURCE and is_supplier(data.resources[e]):
            msgs.append(
                f"{_what(data.resources[e])} in {per}: {why} needs {units(v)} units "
                f"more than it supports ({units(data.capacity[e, t])} units)"
            )
        elif kind is Row.RESOURCE:
            msgs.append(
                f"resource {data.resources[e]} in {per}: {why} needs {units(v)} hours "
                f"more than its capacity of {units(data.capacity[e, t])} h"
            )
        else:
            msgs.append(
                f"family {data.families[e]}: the level rate cannot make the "
                f"{units(v)} units still required over the horizon: "
                f"{shortage_reason(b, e, t)}"
            )
    return msgs or [f"the {d.strategy} model is infeasible (HiGHS: {sol.message})"]
