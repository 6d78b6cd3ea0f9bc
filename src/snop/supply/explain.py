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

from snop.supply.data import FloatArray, PlanningData
from snop.supply.model import LpModel, Row
from snop.supply.solve import LpSolution, SolveOptions, solve

TOL = 1e-7


@dataclass(frozen=True)
class Explanation:
    """One sentence for a manager, with what it is about and the money at stake."""

    kind: str  # shortage, worker, overtime, resource, storage, subcontract, capacity, backlog
    text: str
    value: float  # money saved (or, for a shortage, the units short)
    family: str | None = None
    pool: str | None = None
    resource: str | None = None
    period: str | None = None


def money(x: float, currency: str = "$") -> str:
    """``$12,345`` for ``$``, else ``12,345 EUR``."""
    if currency in ("$", "€", "£"):
        return f"{currency}{x:,.0f}"
    return f"{x:,.0f} {currency}"


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
                    out.append(f"capacity of {d.resources[r]}")
            k = int(d.pool_of[f])
            if k >= 0 and self.lab_tight[k, s]:
                if self.workers_full[k, s] and (self.ot_tight[k, s]
                                                or d.max_overtime_hours[k, s] <= 0):
                    out.append(f"workforce of pool {d.pools[k]} (max_workers, overtime cap)")
                elif self.workers_full[k, s]:
                    out.append(f"workforce of pool {d.pools[k]} (max_workers)")
            if k < 0 and self.reg_full[f, s] and (self.ot_full[f, s]
                                                  or d.overtime_capacity[f, s] <= 0):
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


def shortage_reason(b: Binding, f: int, t: int) -> str:
    lim = b.limits(f, t)
    if lim:
        return ", ".join(dict.fromkeys(lim))
    return "serving late is cheaper than building ahead or adding capacity"


def explain(model: LpModel, data: PlanningData, sol: LpSolution, *, short: FloatArray,
            currency: str = "$", top: int | None = None, max_money: int = 200
            ) -> list[Explanation]:
    """Sentences for a solved plan: every shortage first (what sales must hear), then the
    ``max_money`` binding limits whose relief is worth most (only those are worded: a large
    plan has thousands of binding period-level limits)."""
    out: list[Explanation] = []
    b = Binding(model, data, sol)
    d = data
    for f, t in zip(*np.nonzero(short > 1e-6), strict=True):
        out.append(Explanation(
            "shortage",
            f"family {d.families[f]} is short {units(short[f, t])} units in {d.periods[t]}: "
            f"{shortage_reason(b, int(f), int(t))}",
            float(short[f, t]), family=d.families[f], period=d.periods[t]))
    if not sol.has_duals:
        return out if top is None else out[:top]
    money_ex: list[Explanation] = []
    wd = b.col_dual("workers")
    gain = np.where(b.res_tight & (b.res_dual < -1e-9), -b.res_dual * 0.1 * np.where(
        np.isfinite(d.capacity), d.capacity, 0.0), 0.0)
    fam_bounds = {blk: (b.col_dual(blk), full) for blk, full in (
        ("inv", b.inv_full), ("sub", b.sub_full), ("reg", b.reg_full), ("ot", b.ot_full))}
    # the value the max_money-th sentence is worth: cheaper ones are not worded
    vals = np.concatenate([
        -wd[b.workers_full & (wd < -1e-6)], -b.ot_dual[b.ot_tight & (b.ot_dual < -1e-6)],
        gain[gain > 1e-6], gain.sum(axis=1),
        *(-cd[full & (cd < -1e-6)] for cd, full in fam_bounds.values())])
    thr = np.partition(vals, vals.size - max_money)[vals.size - max_money] \
        if vals.size > max_money else -np.inf
    # workforce bounds
    for k, t in zip(*np.nonzero(b.workers_full & (wd < -1e-6) & (-wd >= thr)), strict=True):
        money_ex.append(Explanation(
            "worker", f"one more worker in pool {d.pools[k]} in {d.periods[t]} (above "
            f"max_workers {units(d.max_workers[k, t])}) would save {money(-wd[k, t], currency)}",
            float(-wd[k, t]), pool=d.pools[k], period=d.periods[t]))
    for k, t in zip(*np.nonzero(b.ot_tight & (b.ot_dual < -1e-6) & (-b.ot_dual >= thr)),
                    strict=True):
        val = -b.ot_dual[k, t]
        money_ex.append(Explanation(
            "overtime", f"overtime in pool {d.pools[k]} is at its cap in {d.periods[t]}: "
            f"one more overtime hour would save {money(val, currency)}",
            float(val), pool=d.pools[k], period=d.periods[t]))
    # resources: per period and over the horizon, for +10% hours
    for r in np.flatnonzero(gain.sum(axis=1) > 1e-6):
        ts = np.flatnonzero(gain[r] > 1e-6)
        if ts.size > 1 and gain[r].sum() >= thr:
            span = f"{d.periods[ts[0]]}..{d.periods[ts[-1]]}"
            money_ex.append(Explanation(
                "resource", f"10% more hours on resource {d.resources[r]} in every period it "
                f"binds ({ts.size} periods, {span}) is worth about "
                f"{money(gain[r].sum(), currency)}", float(gain[r].sum()),
                resource=d.resources[r]))
        for t in ts[gain[r, ts] >= thr]:
            money_ex.append(Explanation(
                "resource", f"10% more hours on resource {d.resources[r]} in {d.periods[t]} "
                f"(+{units(0.1 * d.capacity[r, t])} h) is worth about "
                f"{money(gain[r, t], currency)}", float(gain[r, t]),
                resource=d.resources[r], period=d.periods[t]))
    # family bounds: storage, subcontract capacity, unit capacities
    for block, kind, what in (("inv", "storage", "storage (max_inventory)"),
                              ("sub", "subcontract", "subcontract capacity"),
                              ("reg", "capacity", "regular capacity"),
                              ("ot", "capacity", "overtime capacity")):
        cd, full = fam_bounds[block]
        for f, t in zip(*np.nonzero(full & (cd < -1e-6) & (-cd >= thr)), strict=True):
            money_ex.append(Explanation(
                kind, f"one more unit of {what} for family {d.families[f]} in {d.periods[t]} "
                f"would save {money(-cd[f, t], currency)}", float(-cd[f, t]),
                family=d.families[f], period=d.periods[t]))
    money_ex.sort(key=lambda e: -e.value)
    out.extend(money_ex[:max_money])
    return out if top is None else out[:top]


# ---- infeasibility --------------------------------------------------------------------------

_BOUND_TEXT = {
    "inv": "safety stock / ending inventory target {lb} is above max_inventory {ub}",
    "workers": "min_workers (or frozen workers) {lb} is above max_workers {ub}",
    "reg": "frozen regular production {lb} is above the regular capacity {ub}",
    "ot": "frozen overtime production {lb} is above the overtime capacity {ub}",
    "sub": "frozen subcontracting {lb} is above the subcontract capacity {ub}",
}


def diagnose(model: LpModel, data: PlanningData, options: SolveOptions | None = None
             ) -> list[str]:
    """Why a model has no feasible plan, as sentences naming family/pool, period, constraint.

    First bound conflicts (a lower bound above an upper bound). Otherwise an *elastic* model:
    every balance row gets a shortfall and a surplus column, every capacity row an overload
    column, the level sizing row a shortfall, each costing 1 while real costs are dropped;
    the elastic columns left non-zero say where the plan breaks, and the capacities binding
    in that solution say why.
    """
    d = model
    msgs: list[str] = []
    bad = np.flatnonzero(d.lb > d.ub + 1e-9)
    for j in bad[:20]:
        block = d.col_block[int(d.col_block_id[j])]
        f, t = (int(v[0]) for v in np.nonzero(d.cols[block] == j))
        owner = (f"pool {data.pools[f]}" if block in ("workers", "hire", "layoff", "othours")
                 else f"family {data.families[f]}")
        text = _BOUND_TEXT.get(block, "lower bound {lb} is above upper bound {ub}")
        msgs.append(f"{owner} in {data.periods[t]}: "
                    + text.format(lb=units(d.lb[j]), ub=units(d.ub[j])))
    if msgs:
        return msgs

    kinds = d.row_kind
    specs: list[tuple[np.ndarray, float]] = []
    for kind, sign in ((Row.BALANCE, 1.0), (Row.BALANCE, -1.0), (Row.LABOR, -1.0),
                       (Row.RESOURCE, -1.0), (Row.OVERTIME, -1.0), (Row.LEVEL_SIZE, 1.0)):
        specs.append((np.flatnonzero(kinds == int(kind)), sign))
    rows = np.concatenate([s[0] for s in specs])
    signs = np.concatenate([np.full(s[0].size, s[1]) for s in specs])
    k = rows.size
    extra = sp.csc_matrix((signs, (rows, np.arange(k))), shape=(d.num_row, k))
    elastic = LpModel(
        cost=np.concatenate([np.zeros(d.num_col), np.ones(k)]),
        lb=np.concatenate([d.lb, np.zeros(k)]), ub=np.concatenate([d.ub, np.full(k, np.inf)]),
        matrix=sp.hstack([d.matrix, extra], format="csc"), row_lo=d.row_lo, row_hi=d.row_hi,
        offset=0.0, integer=np.concatenate([np.zeros(d.num_col, np.int32),
                                            np.zeros(k, np.int32)]),
        cols=d.cols, col_block=d.col_block, col_block_id=d.col_block_id, row_kind=d.row_kind,
        row_entity=d.row_entity, row_period=d.row_period, true_cost=d.true_cost,
        strategy=d.strategy)
    sol = solve(elastic, options or SolveOptions())
    if sol.status != "optimal":
        return [f"the {d.strategy} model has no feasible plan and the elastic check failed "
                f"({sol.message}); check bounds such as min_workers, max_inventory and frozen "
                "values"]
    viol = sol.x[d.num_col:]
    # binding analysis on the original columns of the elastic solution
    core = LpSolution(status="optimal", objective=sol.objective, x=sol.x[:d.num_col],
                      row_value=sol.row_value - extra @ viol, row_dual=sol.row_dual,
                      col_dual=sol.col_dual[:d.num_col], has_duals=sol.has_duals,
                      seconds=0.0, iterations=0)
    b = Binding(d, data, core)
    for i in np.argsort(-viol):
        v = viol[i]
        if v <= 1e-6 or len(msgs) >= 20:
            break
        row, sign = int(rows[i]), signs[i]
        kind, e, t = Row(int(kinds[row])), int(d.row_entity[row]), int(d.row_period[row])
        per = data.periods[t]
        if kind is Row.BALANCE and sign > 0:
            msgs.append(f"family {data.families[e]} in {per}: short {units(v)} units of "
                        f"demand, backlog clearing or inventory target under the {d.strategy}"
                        f" strategy: {shortage_reason(b, e, t)}")
        elif kind is Row.BALANCE:
            msgs.append(f"family {data.families[e]} in {per}: {units(v)} units more than "
                        "demand and storage can take (max_inventory, frozen or level "
                        "production)")
        elif kind is Row.LABOR:
            msgs.append(f"pool {data.pools[e]} in {per}: the plan needs {units(v)} labor hours "
                        "more than the workforce can give (frozen plan or max_workers)")
        elif kind is Row.OVERTIME:
            msgs.append(f"pool {data.pools[e]} in {per}: {units(v)} overtime hours above the "
                        "cap (frozen plan)")
        elif kind is Row.RESOURCE:
            msgs.append(f"resource {data.resources[e]} in {per}: {units(v)} hours over "
                        "capacity (frozen plan)")
        else:
            msgs.append(f"family {data.families[e]}: the level rate cannot make the "
                        f"{units(v)} units still required over the horizon: "
                        f"{shortage_reason(b, e, t)}")
    return msgs or [f"the {d.strategy} model is infeasible (HiGHS: {sol.message})"]
