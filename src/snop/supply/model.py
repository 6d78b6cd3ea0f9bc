"""The aggregate planning LP, built as arrays: costs, bounds and a sparse constraint matrix.

No per-variable Python objects: each kind of variable is a *block* over a (family|pool, period)
grid with an index array (``-1`` where the variable does not exist, e.g. no subcontracting),
and each kind of constraint is a block of rows whose coefficients are produced by numpy index
arithmetic into COO triplets, assembled once into CSC for HiGHS.

Variables (all >= 0), per family f and period t unless noted:

* ``reg[f,t]`` units made on regular time (for a family of a workforce pool: every unit made
  in house, regular or overtime; the pool's labor constraint pays for them),
* ``ot[f,t]`` units made on overtime (families without a pool),
* ``sub[f,t]`` units subcontracted, ``inv[f,t]`` ending inventory, ``back[f,t]`` ending
  backlog, ``lost[f,t]`` lost sales,
* ``workers[k,t]``, ``hire[k,t]``, ``layoff[k,t]``, ``othours[k,t]`` per pool k.

Constraints:

* balance  ``inv[t-1] - back[t-1] + reg + ot + sub + lost = D + inv[t] - back[t]``
* workforce ``workers[t] - workers[t-1] - hire + layoff = 0`` (``workers[-1]`` = initial)
* labor    ``sum_{f in k} lhpu[f,t] * reg[f,t] - hours[k,t] * workers - othours <= 0``
* overtime ``othours - max_ot[k,t] * workers <= 0``
* resource ``sum_f hpu[f,r] * (reg + ot)[f,t] <= capacity[r,t]``
* level    ``(reg+ot)[f,t] + dip[f,t] = rate[f]``, ``T * rate[f] >= requirement[f]``,
  ``workers[k,t] = workers[k,t+1]`` (the level strategy only; ``dip`` is penalised)

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

from snop.supply.data import FloatArray, IntArray, PlanningData

STRATEGIES = ("level", "chase", "optimal")


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


@dataclass
class FrozenArrays:
    """The first ``periods`` periods fixed to an approved plan (NaN = not given, left free)."""

    periods: int
    regular: FloatArray  # (F, T)
    overtime: FloatArray
    subcontract: FloatArray
    workers: FloatArray  # (K, T)


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
    true_cost: FloatArray  # objective without the chase penalties
    strategy: str = "optimal"
    notes: list[str] = field(default_factory=list)

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

    def add(self, name: str, mask: npt.NDArray[np.bool_], lb: FloatArray | float,
            ub: FloatArray | float, cost: FloatArray | float) -> IntArray:
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

    def add(self, kind: Row, entity: IntArray, period: IntArray, lo: FloatArray | float,
            hi: FloatArray | float) -> IntArray:
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
    req = (data.demand.sum(axis=1) + data.initial_backlog + data.ending_target()[:, -1]
           - data.initial_inventory)
    if frozen is not None and frozen.periods > 0:
        n = frozen.periods
        req -= (np.nan_to_num(frozen.regular[:, :n]) + np.nan_to_num(frozen.overtime[:, :n])
                + np.nan_to_num(frozen.subcontract[:, :n])).sum(axis=1)
    out: FloatArray = np.maximum(req, 0.0)
    return out


def build_model(data: PlanningData, strategy: str = "optimal", *,
                integer_workforce: bool = False, frozen: FrozenArrays | None = None,
                allow_ending_backlog: bool = False) -> LpModel:
    """Build the LP (MIP with ``integer_workforce``) of one strategy.

    Objective (every term summed over families f or pools k, and periods t)::

        material*(reg+ot) + regular_cost*reg + overtime_cost*ot + subcontract_cost*sub
        + holding*inv                      (holding_basis ending)
        + holding*(inv[t-1]+inv[t])/2      (holding_basis average; inv[-1] = initial)
        + backlog_cost*back + lost_sales_cost*lost
        + regular_wage*hours*workers + overtime_wage*othours + hiring*hire + layoff*layoff

    Strategies restrict the same model: ``level`` makes in-house production a constant
    ``rate`` per family (``reg + ot + dip = rate``) with ``rate * free periods >=``
    :func:`level_requirement`, penalises ``dip`` (production below the rate where capacity
    dips) with ``M``, and keeps each pool's workforce constant; ``chase`` adds a large
    penalty ``M`` per unit and period to inventory, backlog and lost sales, so supply
    follows demand (and the inventory target) exactly wherever capacity allows, and builds
    ahead or serves late only where it must; ``M`` exceeds any unit cost of supply, making
    this lexicographic: first follow demand, then cheapest. Reported costs use the true
    costs (``true_cost``).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    n_f, n_t = data.shape
    n_k = len(data.pools)
    fam_mask = np.ones((n_f, n_t), dtype=bool)
    pool_mask = np.ones((n_k, n_t), dtype=bool)
    has_pool = data.has_pool
    cols = _Cols()
    lo_inv = data.ending_target()
    hi_inv = data.max_inventory.copy()

    # ---- columns -------------------------------------------------------------------------
    reg_lb = np.zeros((n_f, n_t))
    reg_ub = data.regular_capacity.copy()
    ot_lb = np.zeros((n_f, n_t))
    ot_ub = data.overtime_capacity.copy()
    sub_lb = np.zeros((n_f, n_t))
    sub_ub = data.subcontract_capacity.copy()
    w_lb = data.min_workers.copy()
    w_ub = data.max_workers.copy()
    if frozen is not None and frozen.periods > 0:
        n = min(frozen.periods, n_t)
        for lo_a, hi_a, given in ((reg_lb, reg_ub, frozen.regular),
                                  (ot_lb, ot_ub, frozen.overtime),
                                  (sub_lb, sub_ub, frozen.subcontract),
                                  (w_lb, w_ub, frozen.workers)):
            g = given[:, :n]
            m = ~np.isnan(g)
            hi_a[:, :n][m] = g[m]  # basic slices are views: this writes into hi_a
            lo_a[:, :n][m] = g[m]

    make_cost = data.material_cost + data.regular_cost
    reg = cols.add("reg", fam_mask, reg_lb, reg_ub, make_cost)
    ot = cols.add("ot", ~has_pool[:, None] & (data.overtime_capacity > 0), ot_lb, ot_ub,
                  data.material_cost + data.overtime_cost)
    sub = cols.add("sub", ~np.isnan(data.subcontract_cost), sub_lb, sub_ub,
                   np.nan_to_num(data.subcontract_cost))

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

    back_cost = data.backlog_cost.copy()
    lost_cost = data.lost_sales_cost.copy()
    back_mask = ~np.isnan(back_cost)
    lost_mask = ~np.isnan(lost_cost)
    back_ub = data.max_backlog.copy()
    if not allow_ending_backlog and n_t:
        back_ub[:, -1] = 0.0
    lost_ub = data.demand.copy()
    if n_t:
        lost_ub[:, 0] += data.initial_backlog
    true_back, true_lost = np.nan_to_num(back_cost), np.nan_to_num(lost_cost)
    inv_cost = hold_coef
    if strategy == "chase":
        big = 1e3 + 10.0 * _largest_unit_cost(data)
        inv_cost = hold_coef + big
        back_cost = back_cost + big
        lost_cost = lost_cost + big

    inv = cols.add("inv", fam_mask, lo_inv, hi_inv, inv_cost)
    back = cols.add("back", back_mask, 0.0, back_ub, np.nan_to_num(back_cost))
    lost = cols.add("lost", lost_mask, 0.0, lost_ub, np.nan_to_num(lost_cost))

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
    for grid, sign in ((reg, 1.0), (ot, 1.0), (sub, 1.0), (lost, 1.0), (inv, -1.0),
                       (back, 1.0)):
        rows.terms(bal, grid, sign)
    rows.terms(bal[:, 1:], inv[:, :-1], 1.0)  # inv[t-1]
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
    if strategy == "level":
        # in-house production = rate - dip; rate * free periods >= requirement; dips (a
        # capacity dip below the rate) cost the penalty, so the rate holds wherever it can
        start = min(frozen.periods, n_t) if frozen is not None else 0
        n_free = n_t - start
        if n_free >= 1:
            free = np.zeros((n_f, n_t), dtype=bool)
            free[:, start:] = True
            dip = cols.add("dip", free, 0.0, np.inf, 1e3 + 10.0 * _largest_unit_cost(data))
            rate = cols.add("rate", np.ones((n_f, 1), dtype=bool), 0.0, np.inf, 0.0)
            level_cols.append(dip)
            lf, lt = np.nonzero(free)
            lrow = rows.add(Row.LEVEL_RATE, lf, lt, 0.0, 0.0)
            for grid in (reg, ot, dip):
                rows.terms(lrow, grid[lf, lt], 1.0)
            rows.terms(lrow, rate[lf, 0], -1.0)
            req = level_requirement(data, frozen)
            srow = rows.add(Row.LEVEL_SIZE, np.arange(n_f), np.full(n_f, n_t - 1), req,
                            np.inf)
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
        (_cat(rows.v, float), (_cat(rows.r, np.int64), _cat(rows.c, np.int64))),
        shape=(rows.m, n))
    matrix.sum_duplicates()
    cost = _cat(cols.cost, float)
    true_cost = cost.copy()
    for grid in level_cols:
        true_cost[grid[grid >= 0]] = 0.0
    if strategy == "chase":
        true_cost[inv.ravel()] = hold_coef.ravel()
        true_cost[back[back_mask]] = true_back[back_mask]
        true_cost[lost[lost_mask]] = true_lost[lost_mask]
    integer = np.zeros(n, dtype=np.int32)
    if integer_workforce and n_k:
        integer[workers.ravel()] = 1
    return LpModel(
        cost=cost, lb=_cat(cols.lb, float), ub=_cat(cols.ub, float), matrix=matrix,
        row_lo=_cat(rows.lo, float), row_hi=_cat(rows.hi, float), offset=offset,
        integer=integer, cols=cols.grids, col_block=cols.names,
        col_block_id=_cat(cols.block_id, np.int8), row_kind=_cat(rows.kind, np.int8),
        row_entity=_cat(rows.entity, np.int64), row_period=_cat(rows.period, np.int64),
        true_cost=true_cost, strategy=strategy,
    )


def _largest_unit_cost(data: PlanningData) -> float:
    """A cost no unit of supply exceeds: chase stock and backlog are then a last resort."""
    labor = 0.0
    if data.pools and data.has_pool.any():
        per_hour = data.regular_wage + data.overtime_wage
        labor = float(np.nanmax(per_hour) * np.nanmax(data.labor_hours_per_unit)
                      + np.nanmax(data.hiring_cost + data.layoff_cost))
    parts = [data.material_cost, data.regular_cost, data.overtime_cost,
             np.nan_to_num(data.subcontract_cost), data.holding_cost * max(len(data.periods), 1)]
    return labor + sum(float(np.max(p)) if p.size else 0.0 for p in parts)
