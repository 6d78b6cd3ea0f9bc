"""The aggregate planning LP, built as arrays: costs, bounds and a sparse constraint matrix.

No per-variable Python objects: each kind of variable is a *block* over a (family|pool, period)
grid with an index array (``-1`` where the variable does not exist, e.g. no subcontracting),
and each kind of constraint is a block of rows whose coefficients are produced by numpy index
arithmetic into COO triplets, assembled once into CSC for HiGHS.

Variables (all >= 0), per family f and period t unless noted:

* ``reg[f,t]`` units made on regular time (for a family of a workforce pool: every unit made
  in house, regular or overtime; the pool's labor constraint pays for them),
* ``ot[f,t]`` units made on overtime (families without a pool),
* ``sub[f,t]`` units subcontracted, ``back[f,t]`` ending backlog, ``lost[f,t]`` lost sales,
* ``inv[f,t]`` ending inventory; with a soft inventory target ``S[f,t]`` (safety stock, the
  ending target in the last period) it is split in two: ``inv_ss[f,t] <= S`` (stock inside
  the target) and ``inv[f,t]`` (stock above it), inventory being ``inv_ss + inv``,
* ``unmet[f,t]`` demand the plan never serves (families without lost sales), at the penalty
  ``U``: it keeps every shortage plannable,
* ``workers[k,t]``, ``hire[k,t]``, ``layoff[k,t]``, ``othours[k,t]`` per pool k.

Constraints:

* balance  ``inv[t-1] - back[t-1] + reg + ot + sub + lost + unmet = D + inv[t] - back[t]``
  (``inv`` meaning ``inv_ss + inv`` where split)
* workforce ``workers[t] - workers[t-1] - hire + layoff = 0`` (``workers[-1]`` = initial)
* labor    ``sum_{f in k} lhpu[f,t] * reg[f,t] - hours[k,t] * workers - othours <= 0``
* overtime ``othours - max_ot[k,t] * workers <= 0``
* resource ``sum_f hpu[f,r] * (reg + ot)[f,t] <= capacity[r,t]``
* level    ``(reg+ot)[f,t] + dip[f,t] = rate[f]``, ``T * rate[f] >= requirement[f]``,
  ``workers[k,t] = workers[k,t+1]`` (the level strategy only; ``dip`` is penalised)
* ending   ``workers[k,T] - workers[k,r] >= -drop[k]`` (:func:`ending_workforce`)

The soft target needs no row: its penalty ``p * (S - inv_ss)`` is the constant ``p * S``
(an objective offset) minus ``p`` per unit of ``inv_ss``, so ``inv_ss`` costs
``holding - p < 0`` and fills before any stock above the target, and the storage limit
``inv_ss + inv <= max_inventory`` holds through the bounds ``inv_ss <= min(S, max)``,
``inv <= max - min(S, max)``.

Objective: see :func:`build_model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from snop.model.vocabulary import Strategy
from snop.supply.data import (
    ENDING_WORKFORCE_PERIODS,
    EndingWorkforce,
    FloatArray,
    IntArray,
    PlanningData,
    Policy,
    SafetyStock,
)

STRATEGIES = tuple(Strategy)


class Row(IntEnum):
    """Kinds of constraint rows (stored per row so results can name them)."""

    BALANCE = 0
    WORKFORCE = 1
    LABOR = 2
    OVERTIME = 3
    RESOURCE = 4
    LEVEL_RATE = 5
    LEVEL_SIZE = 6
    LEVEL_WORKERS = 7
    ENDING_WORKFORCE = 8


@dataclass
class FrozenArrays:
    """The first ``periods`` periods fixed to an approved plan (NaN = not given, left free)."""

    periods: int
    regular: FloatArray  # (F, T)
    overtime: FloatArray
    subcontract: FloatArray
    workers: FloatArray  # (K, T)


@dataclass(frozen=True)
class Penalties:
    """What the model charges beyond real costs (see :func:`penalties`)."""

    shape: float  # ``M``: chase's stock/backlog and level's dips, above any unit cost
    unmet: FloatArray  # (T,) ``U_t`` per unit of period t's demand never served
    safety: FloatArray  # (F, T) ``p`` per unit below the inventory target per period
    ending_backlog: FloatArray  # (F,) extra per unit owed at the horizon end (when allowed)


def penalties(data: PlanningData, holding: FloatArray | None = None) -> Penalties:
    """The penalties, from the workbook's own costs.

    * ``M = 1,000 + 10 x`` the largest cost a unit of supply can carry (:func:`_largest_unit_cost`).
    * ``U_t = s x (T + 2 + T - 1 - t)`` with ``s = M +`` the largest backlog cost: above a unit
      carried in chase backlog for the whole horizon, so a unit of demand goes unmet only
      when no lever, at any cost, can serve it; a step ``s`` per period earlier, so what
      cannot be served is the latest demand (first come, first served), not the earliest.
    * ``p = h + b/2`` for a family that backlogs (``b`` its backlog cost per period), ``h +
      L/(2T)`` for one that loses sales (``L`` once), ``h + U_0/(2T)`` for one that must meet
      demand; ``h`` is the holding cost. ``p > h``, so the target is kept when nothing is at
      stake, and ``p < h + b`` (the cost of keeping a unit one period while a customer waits
      for it), so a waiting customer is served from the stock first. The ending target's
      ``p`` adds ``V``, the dearest way to supply a unit (:func:`dearest_supply`): a unit
      missing at the end must be supplied after it, so the target is reached by any lever.
    * a unit owed at the horizon end (``allow_ending_backlog``) costs its backlog cost plus
      ``V``, so deferring the last periods' production saves nothing, and a customer waiting
      at the end still outranks the ending target.
    """
    n_t = data.shape[1]
    big = 1e3 + 10.0 * _largest_unit_cost(data)
    back = data.backlog_cost[~np.isnan(data.backlog_cost)]
    step = big + (float(back.max()) if back.size else 0.0)
    unmet = step * (n_t + 2 + (n_t - 1 - np.arange(n_t, dtype=float)))
    h = data.holding_cost if holding is None else holding
    top = float(unmet[0]) if n_t else 0.0
    late = np.where(
        ~np.isnan(data.lost_sales_cost),
        data.lost_sales_cost / (2 * max(n_t, 1)),
        np.where(~np.isnan(data.backlog_cost), data.backlog_cost / 2, top / (2 * max(n_t, 1))),
    )
    make = dearest_supply(data)
    safety = h + late
    if n_t:
        safety[:, -1] += make
    return Penalties(shape=big, unmet=unmet, safety=safety, ending_backlog=make)


def dearest_supply(data: PlanningData) -> FloatArray:
    """``V[f]``: the dearest way to supply one unit of family f in the last period: material
    plus regular or overtime cost, labor hours at the regular or overtime wage, or the
    subcontract cost (levers the family has)."""
    n_f, n_t = data.shape
    if not n_t:
        return np.zeros(n_f)
    mat = data.material_cost[:, -1]
    ways = [
        mat + data.regular_cost[:, -1],
        np.where(data.overtime_capacity[:, -1] > 0, mat + data.overtime_cost[:, -1], 0.0),
        np.nan_to_num(data.subcontract_cost[:, -1]),
    ]
    if data.pools and data.has_pool.any():
        k = np.where(data.has_pool, data.pool_of, 0)
        wage = np.maximum(
            data.regular_wage[k, -1],
            np.where(data.max_overtime_hours[k, -1] > 0, data.overtime_wage[k, -1], 0.0),
        )
        ways.append(np.where(data.has_pool, mat + data.labor_hours_per_unit[:, -1] * wage, 0.0))
    out: FloatArray = np.max(np.stack(ways), axis=0)
    return out


def pool_need(data: PlanningData) -> FloatArray:
    """Workers each pool's families' demand needs per period on regular time:
    ``need[k,t] = sum_{f in k} lhpu[f,t] D[f,t] / hours[k,t]`` (K, T)."""
    n_k, n_t = len(data.pools), data.shape[1]
    hours = np.zeros((n_k, n_t))
    pf = np.flatnonzero(data.has_pool)
    np.add.at(hours, data.pool_of[pf], data.labor_hours_per_unit[pf] * data.demand[pf])
    per = data.regular_hours
    need: FloatArray = np.where(per > 0, hours / np.where(per > 0, per, 1.0), 0.0)
    return need


def ending_workforce(data: PlanningData) -> tuple[int, FloatArray, FloatArray]:
    """The terminal condition on each pool's workforce: ``workers[T] >= workers[r] - drop``,
    ``r = T - n`` the period before the last ``n = ENDING_WORKFORCE_PERIODS`` (the initial
    workforce, ``r = -1``, when the horizon is that short). ``drop`` is what the last periods
    may shed: the fall of the need (:func:`pool_need`) from period ``r`` to the average of
    the last ``n`` periods, plus any fall of ``max_workers``; 0 when demand does not fall.
    Returns ``(r, reference workers when r = -1, drop)``."""
    n_t = data.shape[1]
    n = min(ENDING_WORKFORCE_PERIODS, n_t)
    r = n_t - 1 - n
    need = pool_need(data)
    end = need[:, n_t - n :].mean(axis=1) if n else np.zeros(len(data.pools))
    ref_need = need[:, max(r, 0)]
    ref_cap = data.max_workers[:, r] if r >= 0 else data.initial_workers
    cap_end = data.max_workers[:, -1]
    with np.errstate(invalid="ignore"):
        cap_fall = np.where(np.isfinite(cap_end), np.maximum(ref_cap - cap_end, 0.0), 0.0)
    drop: FloatArray = np.maximum(ref_need - end, 0.0) + np.nan_to_num(cap_fall, nan=0.0)
    return r, data.initial_workers.copy(), drop


@dataclass
class LpModel:
    """A built model: ``min c.x + offset`` s.t. ``row_lo <= A x <= row_hi``, ``lb <= x <= ub``."""

    cost: FloatArray
    lb: FloatArray
    ub: FloatArray
    matrix: sp.csc_matrix
    row_lo: FloatArray
    row_hi: FloatArray
    offset: float
    integer: npt.NDArray[np.int32]  # 1 = integer column
    cols: dict[str, IntArray]  # block -> index grid (-1 = absent)
    col_block: list[str]  # block name per column, via col_block_id
    col_block_id: npt.NDArray[np.int8]
    row_kind: npt.NDArray[np.int8]
    row_entity: IntArray
    row_period: IntArray
    true_cost: FloatArray  # objective without the strategies' shape penalties
    strategy: str = Strategy.OPTIMAL
    notes: list[str] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)
    frozen_periods: int = 0
    penalties: Penalties | None = None

    @property
    def num_col(self) -> int:
        return int(self.cost.size)

    @property
    def num_row(self) -> int:
        return int(self.row_lo.size)

    def values(self, x: FloatArray, block: str) -> FloatArray:
        """The solution of one block on its grid (0 where the variable does not exist)."""
        idx = self.cols[block]
        out = np.zeros(idx.shape)
        m = idx >= 0
        out[m] = x[idx[m]]
        return out


class _Cols:
    """Allocates column blocks and their bounds and costs."""

    def __init__(self) -> None:
        self.n = 0
        self.grids: dict[str, IntArray] = {}
        self.lb: list[FloatArray] = []
        self.ub: list[FloatArray] = []
        self.cost: list[FloatArray] = []
        self.names: list[str] = []
        self.block_id: list[npt.NDArray[np.int8]] = []

    def add(
        self,
        name: str,
        mask: npt.NDArray[np.bool_],
        lb: FloatArray | float,
        ub: FloatArray | float,
        cost: FloatArray | float,
    ) -> IntArray:
        grid = np.full(mask.shape, -1, dtype=np.int64)
        k = int(mask.sum())
        grid[mask] = np.arange(self.n, self.n + k)
        self.n += k
        self.grids[name] = grid
        for store, v in ((self.lb, lb), (self.ub, ub), (self.cost, cost)):
            store.append(np.broadcast_to(np.asarray(v, dtype=float), mask.shape)[mask])
        self.block_id.append(np.full(k, len(self.names), dtype=np.int8))
        self.names.append(name)
        return grid


class _Rows:
    """Collects constraint rows and their COO coefficients."""

    def __init__(self) -> None:
        self.m = 0
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.kind: list[npt.NDArray[np.int8]] = []
        self.entity: list[IntArray] = []
        self.period: list[IntArray] = []
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []

    def add(
        self,
        kind: Row,
        entity: IntArray,
        period: IntArray,
        lo: FloatArray | float,
        hi: FloatArray | float,
    ) -> IntArray:
        """Add one row per (entity, period) pair given as flat arrays; return row numbers."""
        k = entity.size
        rows = np.arange(self.m, self.m + k, dtype=np.int64)
        self.m += k
        self.lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (k,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (k,)).copy())
        self.kind.append(np.full(k, int(kind), dtype=np.int8))
        self.entity.append(entity.astype(np.int64))
        self.period.append(period.astype(np.int64))
        return rows

    def terms(self, rows: IntArray, cols: IntArray, vals: FloatArray | float) -> None:
        """Add coefficients; pairs whose column does not exist (-1) or whose value is 0 drop."""
        rows, cols, v = np.broadcast_arrays(rows, cols, np.asarray(vals, dtype=float))
        m = (cols >= 0) & (rows >= 0) & (v != 0)
        self.r.append(rows[m].ravel())
        self.c.append(cols[m].ravel())
        self.v.append(v[m].ravel())


def _cat(parts: Sequence[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def level_requirement(data: PlanningData, frozen: FrozenArrays | None = None) -> FloatArray:
    """Units the level rate must make over the free periods of each family:
    ``sum_t D + initial_backlog + ending_target - initial_inventory - frozen supply`` (>= 0)."""
    req = (
        data.demand.sum(axis=1)
        + data.initial_backlog
        + data.ending_target()[:, -1]
        - data.initial_inventory
    )
    if frozen is not None and frozen.periods > 0:
        n = frozen.periods
        req -= (
            np.nan_to_num(frozen.regular[:, :n])
            + np.nan_to_num(frozen.overtime[:, :n])
            + np.nan_to_num(frozen.subcontract[:, :n])
        ).sum(axis=1)
    out: FloatArray = np.maximum(req, 0.0)
    return out


def build_model(
    data: PlanningData,
    strategy: str = Strategy.OPTIMAL,
    *,
    integer_workforce: bool = False,
    frozen: FrozenArrays | None = None,
    policy: Policy | None = None,
) -> LpModel:
    """Build the LP (MIP with ``integer_workforce``) of one strategy under ``policy``.

    Objective (every term summed over families f or pools k, and periods t)::

        material*(reg+ot) + regular_cost*reg + overtime_cost*ot + subcontract_cost*sub
        + holding*inv                      (holding_basis ending)
        + holding*(inv[t-1]+inv[t])/2      (holding_basis average; inv[-1] = initial)
        + backlog_cost*back + lost_sales_cost*lost
        + regular_wage*hours*workers + overtime_wage*othours + hiring*hire + layoff*layoff
        + U*unmet + p*(S - inv_ss)         (penalties, see :func:`penalties`)
        + ending_backlog*back[T]           (when allow_ending_backlog)

    Terminal conditions: the inventory target of the last period is
    ``max(safety_stock_T, min_ending_inventory)``, valued at the dearest way to supply a
    unit; backlog left at the end is unmet demand unless ``allow_ending_backlog``; with
    ``ending_workforce = demand`` the last periods lay off only as far as their demand falls
    (:func:`ending_workforce`).

    Strategies restrict the same model: ``level`` makes in-house production a constant
    ``rate`` per family (``reg + ot + dip = rate``) with ``rate * free periods >=``
    :func:`level_requirement`, penalises ``dip`` (production below the rate where capacity
    dips) with ``M``, and keeps each pool's workforce constant; ``chase`` adds ``M`` per
    unit and period to stock above the target, backlog and lost sales, so supply follows
    demand (and the inventory target) exactly wherever capacity allows, and builds ahead or
    serves late only where it must; ``M`` exceeds any unit cost of supply, making this
    lexicographic: first follow demand, then cheapest. Reported costs use the real costs;
    ``true_cost`` is the objective without the strategies' ``M``.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    policy = policy or Policy()
    n_f, n_t = data.shape
    n_k = len(data.pools)
    fam_mask = np.ones((n_f, n_t), dtype=bool)
    pool_mask = np.ones((n_k, n_t), dtype=bool)
    has_pool = data.has_pool
    cols = _Cols()
    target = data.ending_target()
    hard = policy.safety_stock is SafetyStock.HARD

    # ---- columns -------------------------------------------------------------------------
    reg_lb = np.zeros((n_f, n_t))
    reg_ub = data.regular_capacity.copy()
    ot_lb = np.zeros((n_f, n_t))
    ot_ub = data.overtime_capacity.copy()
    sub_lb = np.zeros((n_f, n_t))
    sub_ub = data.subcontract_capacity.copy()
    w_lb = data.min_workers.copy()
    w_ub = data.max_workers.copy()
    n_frozen = min(frozen.periods, n_t) if frozen is not None else 0
    ending = policy.ending_workforce is EndingWorkforce.DEMAND and n_k > 0 and n_t > n_frozen
    ref, w0, drop = ending_workforce(data) if ending else (0, np.zeros(0), np.zeros(0))
    if ending and ref < 0:  # a short horizon: against the initial workforce, as a bound
        w_lb[:, -1] = np.maximum(w_lb[:, -1], np.minimum(w0 - drop, w_ub[:, -1]))
    if frozen is not None and n_frozen > 0:
        n = n_frozen
        for lo_a, hi_a, given in (
            (reg_lb, reg_ub, frozen.regular),
            (ot_lb, ot_ub, frozen.overtime),
            (sub_lb, sub_ub, frozen.subcontract),
            (w_lb, w_ub, frozen.workers),
        ):
            g = given[:, :n]
            m = ~np.isnan(g)
            # a frozen value outside its limits leaves lower bound > upper bound, which
            # explain.conflicts reports; basic slices are views: this writes into hi_a, lo_a
            lo_old, hi_old = lo_a[:, :n].copy(), hi_a[:, :n].copy()
            hi_a[:, :n][m] = np.where(g <= hi_old, g, hi_old)[m]
            lo_a[:, :n][m] = np.where(g >= lo_old, g, lo_old)[m]
            lo_a[:, :n][m & (g > hi_old)] = g[m & (g > hi_old)]
            hi_a[:, :n][m & (g < lo_old)] = g[m & (g < lo_old)]

    make_cost = data.material_cost + data.regular_cost
    reg = cols.add("reg", fam_mask, reg_lb, reg_ub, make_cost)
    ot = cols.add(
        "ot",
        ~has_pool[:, None] & (data.overtime_capacity > 0),
        ot_lb,
        ot_ub,
        data.material_cost + data.overtime_cost,
    )
    sub = cols.add(
        "sub",
        ~np.isnan(data.subcontract_cost),
        sub_lb,
        sub_ub,
        np.nan_to_num(data.subcontract_cost),
    )

    hold = data.holding_cost
    hold_coef = hold.copy()
    offset = 0.0
    avg = data.average_holding
    if avg.any():
        # average basis: h_t*(I_{t-1}+I_t)/2 -> I_t carries (h_t + h_{t+1})/2, I_T carries h_T/2
        nxt = np.concatenate([hold[:, 1:], np.zeros((n_f, 1))], axis=1)
        hold_coef[avg] = (hold[avg] + nxt[avg]) / 2
        if n_t:
            offset = float((hold[avg, 0] * data.initial_inventory[avg]).sum() / 2)
    pen = penalties(data, hold_coef)

    back_cost = data.backlog_cost.copy()
    lost_cost = data.lost_sales_cost.copy()
    back_mask = ~np.isnan(back_cost)
    lost_mask = ~np.isnan(lost_cost)
    back_ub = data.max_backlog.copy()
    if n_t:
        if policy.allow_ending_backlog:
            back_cost[:, -1] += pen.ending_backlog
        else:
            back_ub[:, -1] = 0.0
    lost_ub = data.demand.copy()
    if n_t:
        lost_ub[:, 0] += data.initial_backlog
    # all demand to date (a backlog that max_backlog forces down becomes unmet)
    unmet_ub = np.cumsum(lost_ub, axis=1)
    true_back, true_lost = np.nan_to_num(back_cost), np.nan_to_num(lost_cost)
    inv_cost = hold_coef
    if strategy == Strategy.CHASE:
        inv_cost = hold_coef + pen.shape
        back_cost = back_cost + pen.shape
        lost_cost = lost_cost + pen.shape

    if hard:
        inv = cols.add("inv", fam_mask, target, data.max_inventory, inv_cost)
        inv_ss = cols.add("inv_ss", np.zeros((n_f, n_t), dtype=bool), 0.0, 0.0, 0.0)
    else:
        in_target = np.minimum(target, data.max_inventory)
        inv_ss = cols.add("inv_ss", target > 0, 0.0, in_target, hold_coef - pen.safety)
        inv = cols.add("inv", fam_mask, 0.0, data.max_inventory - in_target, inv_cost)
        offset += float((pen.safety * in_target).sum())
    back = cols.add("back", back_mask, 0.0, back_ub, np.nan_to_num(back_cost))
    lost = cols.add("lost", lost_mask, 0.0, lost_ub, np.nan_to_num(lost_cost))
    unmet = cols.add("unmet", ~lost_mask, 0.0, unmet_ub, pen.unmet)

    workers = cols.add("workers", pool_mask, w_lb, w_ub, data.regular_wage * data.regular_hours)
    hire = cols.add("hire", pool_mask, 0.0, np.inf, data.hiring_cost)
    layoff = cols.add("layoff", pool_mask, 0.0, np.inf, data.layoff_cost)
    othours = cols.add("othours", data.max_overtime_hours > 0, 0.0, np.inf, data.overtime_wage)

    # ---- rows ----------------------------------------------------------------------------
    rows = _Rows()
    ff, tt = np.indices((n_f, n_t)).reshape(2, -1)
    rhs = data.demand.copy()
    if n_t:
        rhs[:, 0] += data.initial_backlog - data.initial_inventory
    bal = rows.add(Row.BALANCE, ff, tt, rhs.ravel(), rhs.ravel()).reshape(n_f, n_t)
    for grid, sign in (
        (reg, 1.0),
        (ot, 1.0),
        (sub, 1.0),
        (lost, 1.0),
        (unmet, 1.0),
        (inv, -1.0),
        (inv_ss, -1.0),
        (back, 1.0),
    ):
        rows.terms(bal, grid, sign)
    rows.terms(bal[:, 1:], inv[:, :-1], 1.0)  # inv[t-1]
    rows.terms(bal[:, 1:], inv_ss[:, :-1], 1.0)
    rows.terms(bal[:, 1:], back[:, :-1], -1.0)  # back[t-1]

    if n_k:
        kk, kt = np.indices((n_k, n_t)).reshape(2, -1)
        w0 = np.zeros((n_k, n_t))
        if n_t:
            w0[:, 0] = data.initial_workers
        wrow = rows.add(Row.WORKFORCE, kk, kt, w0.ravel(), w0.ravel()).reshape(n_k, n_t)
        rows.terms(wrow, workers, 1.0)
        rows.terms(wrow[:, 1:], workers[:, :-1], -1.0)
        rows.terms(wrow, hire, -1.0)
        rows.terms(wrow, layoff, 1.0)

        if ending and ref >= 0:
            erow = rows.add(
                Row.ENDING_WORKFORCE, np.arange(n_k), np.full(n_k, n_t - 1), -drop, np.inf
            )
            rows.terms(erow, workers[:, -1], 1.0)
            rows.terms(erow, workers[:, ref], -1.0)

        lab = rows.add(Row.LABOR, kk, kt, -np.inf, 0.0).reshape(n_k, n_t)
        pf = np.flatnonzero(has_pool)
        rows.terms(lab[data.pool_of[pf]], reg[pf], data.labor_hours_per_unit[pf])
        rows.terms(lab, workers, -data.regular_hours)
        rows.terms(lab, othours, -1.0)

        om = othours >= 0
        okk, okt = np.nonzero(om)
        orow = np.full((n_k, n_t), -1, dtype=np.int64)
        orow[om] = rows.add(Row.OVERTIME, okk, okt, -np.inf, 0.0)
        rows.terms(orow, othours, 1.0)
        rows.terms(orow, workers, -data.max_overtime_hours)

    if data.routing_family.size:
        used = np.zeros(len(data.resources), dtype=bool)
        used[data.routing_resource] = True
        rmask = used[:, None] & np.isfinite(data.capacity)
        rrow = np.full(rmask.shape, -1, dtype=np.int64)
        rr, rt = np.nonzero(rmask)
        rrow[rmask] = rows.add(Row.RESOURCE, rr, rt, -np.inf, data.capacity[rmask])
        # one routing entry e gives T coefficients: row (r_e, t), columns reg/ot (f_e, t)
        fe, re, he = data.routing_family, data.routing_resource, data.routing_hours
        rows.terms(rrow[re], reg[fe], he[:, None])
        rows.terms(rrow[re], ot[fe], he[:, None])

    level_cols: list[IntArray] = []
    if strategy == Strategy.LEVEL:
        # in-house production = rate - dip; rate * free periods >= requirement; dips (a
        # capacity dip below the rate) cost the penalty, so the rate holds wherever it can
        start = n_frozen
        n_free = n_t - start
        if n_free >= 1:
            free = np.zeros((n_f, n_t), dtype=bool)
            free[:, start:] = True
            dip = cols.add("dip", free, 0.0, np.inf, pen.shape)
            rate = cols.add("rate", np.ones((n_f, 1), dtype=bool), 0.0, np.inf, 0.0)
            level_cols.append(dip)
            lf, lt = np.nonzero(free)
            lrow = rows.add(Row.LEVEL_RATE, lf, lt, 0.0, 0.0)
            for grid in (reg, ot, dip):
                rows.terms(lrow, grid[lf, lt], 1.0)
            rows.terms(lrow, rate[lf, 0], -1.0)
            req = level_requirement(data, frozen)
            srow = rows.add(Row.LEVEL_SIZE, np.arange(n_f), np.full(n_f, n_t - 1), req, np.inf)
            rows.terms(srow, rate[:, 0], float(n_free))
        if n_free >= 2 and n_k:
            wk, wt = np.indices((n_k, n_free - 1)).reshape(2, -1)
            wt = wt + start
            wl = rows.add(Row.LEVEL_WORKERS, wk, wt, 0.0, 0.0)
            rows.terms(wl, workers[wk, wt], 1.0)
            rows.terms(wl, workers[wk, wt + 1], -1.0)

    # ---- assemble ------------------------------------------------------------------------
    n = cols.n
    matrix = sp.csc_matrix(
        (_cat(rows.v, float), (_cat(rows.r, np.int64), _cat(rows.c, np.int64))), shape=(rows.m, n)
    )
    matrix.sum_duplicates()
    cost = _cat(cols.cost, float)
    true_cost = cost.copy()
    for grid in level_cols:
        true_cost[grid[grid >= 0]] = 0.0
    if strategy == Strategy.CHASE:
        true_cost[inv.ravel()] = hold_coef.ravel()
        true_cost[back[back_mask]] = true_back[back_mask]
        true_cost[lost[lost_mask]] = true_lost[lost_mask]
    integer = np.zeros(n, dtype=np.int32)
    if integer_workforce and n_k:
        integer[workers.ravel()] = 1
    return LpModel(
        cost=cost,
        lb=_cat(cols.lb, float),
        ub=_cat(cols.ub, float),
        matrix=matrix,
        row_lo=_cat(rows.lo, float),
        row_hi=_cat(rows.hi, float),
        offset=offset,
        integer=integer,
        cols=cols.grids,
        col_block=cols.names,
        col_block_id=_cat(cols.block_id, np.int8),
        row_kind=_cat(rows.kind, np.int8),
        row_entity=_cat(rows.entity, np.int64),
        row_period=_cat(rows.period, np.int64),
        true_cost=true_cost,
        strategy=strategy,
        policy=policy,
        frozen_periods=n_frozen,
        penalties=pen,
    )


def _largest_unit_cost(data: PlanningData) -> float:
    """A cost no unit of supply exceeds: chase stock and backlog are then a last resort."""
    labor = 0.0
    if data.pools and data.has_pool.any():
        per_hour = data.regular_wage + data.overtime_wage
        labor = float(
            np.nanmax(per_hour) * np.nanmax(data.labor_hours_per_unit)
            + np.nanmax(data.hiring_cost + data.layoff_cost)
        )
    parts = [
        data.material_cost,
        data.regular_cost,
        data.overtime_cost,
        np.nan_to_num(data.subcontract_cost),
        data.holding_cost * max(len(data.periods), 1),
    ]
    return labor + sum(float(np.max(p)) if p.size else 0.0 for p in parts)
