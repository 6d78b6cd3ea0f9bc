"""Aggregate production planning: the public API.

:func:`plan_supply` plans one strategy on a workbook and a family demand frame and returns a
:class:`SupplyPlan` (plan table, workforce, costs by component and period, rough-cut capacity,
constrained demand, explanations, status/diagnosis). :func:`compare_strategies` runs several
strategies on the same cost model. See ``docs/supply.md`` for the formulation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.model.periods import Period
from snop.model.vocabulary import Strategy
from snop.model.workbook import Workbook
from snop.supply.data import (
    FloatArray,
    PlanningData,
    Policy,
    SafetyStock,
    is_supplier,
    planning_data,
)
from snop.supply.explain import Explanation, conflicts, diagnose, explain
from snop.supply.model import STRATEGIES, FrozenArrays, LpModel, Row, build_model
from snop.supply.solve import LpSolution, SolveOptions, solve

FAMILY_COST_COMPONENTS = (
    "material",
    "regular_production",
    "overtime_production",
    "subcontract",
    "holding",
    "backlog",
    "lost_sales",
)
POOL_COST_COMPONENTS = ("regular_labor", "overtime_labor", "hiring", "layoffs")
COST_COMPONENTS = FAMILY_COST_COMPONENTS + POOL_COST_COMPONENTS
HEADCOUNT_WHOLE = "whole workers (integer plan)"
HEADCOUNT_ROUNDED = "LP workers rounded up"


@dataclass
class FrozenPlan:
    """A time fence: the first ``periods`` periods keep the last approved plan.

    ``production``: family, period, and any of regular_production, overtime_production,
    subcontract (the plan table of a :class:`SupplyPlan` fits). ``workforce``: pool, period,
    workers (optional). Values not given stay free, so a family fenced for fewer periods
    than ``periods`` simply has no rows past its own fence: :func:`snop.supply.fence.
    frozen_zone` builds such a per-family fence from each family's ``frozen_periods``.
    """

    periods: int
    production: pd.DataFrame
    workforce: pd.DataFrame | None = None

    @classmethod
    def from_plan(cls, plan: SupplyPlan, periods: int) -> FrozenPlan:
        return cls(periods, plan.plan, plan.workforce)

    def arrays(self, data: PlanningData) -> FrozenArrays:
        n_t = data.shape[1]

        def grid(df: pd.DataFrame | None, key: str, names: list[str], col: str) -> FloatArray:
            out = np.full((len(names), n_t), np.nan)
            if df is None or col not in df.columns or df.empty:
                return out
            i = pd.Index(names).get_indexer(pd.Index(df[key]))
            t = pd.Index(data.periods).get_indexer(pd.Index(df["period"]))
            m = (i >= 0) & (t >= 0) & df[col].notna().to_numpy()
            out[i[m], t[m]] = df[col].to_numpy(dtype=float)[m]
            return out

        if self.periods < 0:
            raise SnopError(f"frozen periods must be >= 0 (got {self.periods})")
        fam = data.families
        regular = grid(self.production, "family", fam, "regular_production")
        overtime = grid(self.production, "family", fam, "overtime_production")
        total = grid(self.production, "family", fam, "production")
        # where only the in-house total is given: regular time first, overtime for the rest
        only = np.isnan(regular) & np.isnan(overtime) & ~np.isnan(total)
        regular[only] = np.minimum(total, data.regular_capacity)[only]
        overtime[only] = (total - regular)[only]
        # a pool family's model variable is all in-house production (labor pays for overtime)
        pool = data.has_pool
        split = ~np.isnan(regular[pool]) | ~np.isnan(overtime[pool])
        both = np.nan_to_num(regular[pool]) + np.nan_to_num(overtime[pool])
        regular[pool] = np.where(split, both, np.nan)
        overtime[pool] = np.nan
        return FrozenArrays(
            periods=min(self.periods, n_t),
            regular=regular,
            overtime=overtime,
            subcontract=grid(self.production, "family", fam, "subcontract"),
            workers=grid(self.workforce, "pool", data.pools, "workers"),
        )


@dataclass
class SupplyPlan:
    """One strategy's aggregate plan and everything said about it.

    * ``plan``: one row per family and period (units, the pool hours the family uses, cost
      columns ``cost_*``; only ``cost_labor`` is allocated, by share of the pool's hours).
    * ``workforce``: one row per pool and period: ``headcount`` in whole people
      (``headcount_basis`` says whether the plan was integer or its LP value rounded up),
      ``workers`` the model's value, hires, layoffs, hours.
    * ``costs``: long frame component, owner (family or pool), period, cost.
    * ``capacity``: rough-cut capacity per resource (and pool) and period.
    * ``constrained_demand``: what the plan ships vs the unconstrained demand, with the gap,
      reason and customer lead time.
    * ``explanations``: sentences, shortages first then by money at stake.
    * ``diagnosis``: why there is no plan when ``status`` is not ``optimal``.
    * ``unmet``, in ``plan`` and ``constrained_demand``: demand the plan never serves.
    """

    strategy: str
    status: str
    total_cost: float
    plan: pd.DataFrame
    workforce: pd.DataFrame
    costs: pd.DataFrame
    capacity: pd.DataFrame
    constrained_demand: pd.DataFrame
    explanations: list[Explanation] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    integer_workforce: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    # what going below the soft inventory targets is charged (not a cost: a valuation the
    # plan weighs with its costs; see docs/supply.md)
    target_penalty: float = 0.0
    # the LP's final basis (neither stored nor in JSON): a re-plan of the same shape starts
    # from it
    basis: Any = field(default=None, repr=False, compare=False, metadata={"json": False})

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    def cost_breakdown(self) -> dict[str, float]:
        """Total cost per component (every component listed, 0 when unused)."""
        if self.costs.empty:
            return dict.fromkeys(COST_COMPONENTS, 0.0)
        s = self.costs.groupby("component")["cost"].sum()
        return {c: float(s.get(c, 0.0)) for c in COST_COMPONENTS}

    @property
    def unmet_units(self) -> float:
        """Units of demand the plan never serves (0 for a plan that serves all)."""
        return float(self.plan["unmet"].sum()) if "unmet" in self.plan.columns else 0.0

    def explanations_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [e.__dict__ for e in self.explanations],
            columns=["kind", "text", "value", "family", "pool", "resource", "period"],
        )

    def to_json(self, top: int = 10) -> dict[str, Any]:
        """The summary ``snop plan --json`` prints."""
        return {
            "strategy": self.strategy,
            "status": self.status,
            "integer_workforce": self.integer_workforce,
            "total_cost": None if not self.ok else round(self.total_cost, 6),
            "cost_breakdown": {k: round(v, 6) for k, v in self.cost_breakdown().items()},
            "unmet_units": round(self.unmet_units, 6),
            "target_penalty": round(self.target_penalty, 6),
            "headcount": {
                str(k): [int(v) for v in g["headcount"]]
                for k, g in self.workforce.groupby("pool", sort=False)
            }
            if not self.workforce.empty
            else {},
            "headcount_basis": (
                str(self.workforce["headcount_basis"].iloc[0]) if not self.workforce.empty else None
            ),
            "explanations": [e.text for e in self.explanations[:top]],
            "diagnosis": self.diagnosis,
        }


def plan_supply(
    workbook: Workbook,
    demand: pd.DataFrame,
    strategy: str = Strategy.OPTIMAL,
    *,
    integer_workforce: bool = False,
    frozen: FrozenPlan | None = None,
    allow_ending_backlog: bool | None = None,
    hard_safety_stock: bool | None = None,
    options: SolveOptions | None = None,
    periods: list[Period] | None = None,
    basis: Any = None,
) -> SupplyPlan:
    """Plan family production for one strategy (``level``, ``chase`` or ``optimal``).

    ``demand``: family, period, qty (consensus or forecast aggregated to family; see
    :func:`snop.supply.data.workbook_demand` for the workbook's own table). A shortage is
    planned, not refused: demand no lever can serve is ``unmet`` (per family and period).
    ``status`` is ``infeasible`` only for contradictory input (limits that exclude each
    other, a frozen plan that breaks a hard limit), with a ``diagnosis``. Raises SnopError
    for inconsistent input (unknown pool, missing labor hours...). ``allow_ending_backlog``
    and ``hard_safety_stock`` override the workbook's settings (None keeps them).
    """
    t0 = time.perf_counter()
    data = planning_data(workbook, demand, periods)
    policy = Policy.from_workbook(workbook).override(
        allow_ending_backlog=allow_ending_backlog, hard_safety_stock=hard_safety_stock
    )
    currency = workbook.setting("currency") or "$"
    plan = plan_from_data(
        data,
        strategy,
        integer_workforce=integer_workforce,
        frozen=frozen.arrays(data) if frozen is not None else None,
        policy=policy,
        options=options,
        currency=currency,
        basis=basis,
    )
    plan.timings["total"] = time.perf_counter() - t0
    return plan


def compare_strategies(
    workbook: Workbook, demand: pd.DataFrame, strategies: Sequence[str] = STRATEGIES, **kwargs: Any
) -> dict[str, SupplyPlan]:
    """Plan several strategies on the same data and cost model (keyword arguments as
    :func:`plan_supply`)."""
    data = planning_data(workbook, demand, kwargs.pop("periods", None))
    frozen: FrozenPlan | None = kwargs.pop("frozen", None)
    policy = Policy.from_workbook(workbook).override(
        allow_ending_backlog=kwargs.pop("allow_ending_backlog", None),
        hard_safety_stock=kwargs.pop("hard_safety_stock", None),
    )
    currency = workbook.setting("currency") or "$"
    return {
        s: plan_from_data(
            data,
            s,
            frozen=frozen.arrays(data) if frozen else None,
            policy=policy,
            currency=currency,
            **kwargs,
        )
        for s in strategies
    }


def comparison_table(plans: dict[str, SupplyPlan]) -> pd.DataFrame:
    """Strategies side by side: status, total cost and each cost component (rows)."""
    cols: dict[str, list[object]] = {}
    for name, p in plans.items():
        b = p.cost_breakdown()
        cols[name] = [p.status, p.total_cost if p.ok else np.nan, *(b[c] for c in COST_COMPONENTS)]
    return pd.DataFrame(cols, index=["status", "total_cost", *COST_COMPONENTS])


def plan_from_data(
    data: PlanningData,
    strategy: str = Strategy.OPTIMAL,
    *,
    integer_workforce: bool = False,
    frozen: FrozenArrays | None = None,
    policy: Policy | None = None,
    options: SolveOptions | None = None,
    currency: str = "$",
    basis: Any = None,
) -> SupplyPlan:
    """:func:`plan_supply` on prepared arrays (what the benchmark times). ``basis``: a
    previous plan's (``SupplyPlan.basis``) to warm-start the solve from."""
    if strategy not in STRATEGIES:
        raise SnopError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    opts = options or SolveOptions()
    t0 = time.perf_counter()
    model = build_model(
        data, strategy, integer_workforce=integer_workforce, frozen=frozen, policy=policy
    )
    t1 = time.perf_counter()
    timings = {"build": t1 - t0}
    contradictions = conflicts(model, data)
    if contradictions:  # limits that exclude each other: no plan, whatever the demand
        empty = _empty_plan(strategy, "infeasible", contradictions, integer_workforce)
        empty.timings = timings
        return empty
    sol = solve(model, opts, basis)
    t2 = time.perf_counter()
    timings["solve"] = t2 - t1
    if sol.status != "optimal":
        if sol.status in ("infeasible", "infeasible_or_unbounded"):
            diag = diagnose(model, data, opts)
            status = "infeasible"
        elif sol.status == "unbounded":
            neg = np.flatnonzero(model.cost < 0)
            diag = [
                f"the {strategy} model is unbounded: {neg.size} variables have a negative "
                "cost and no limit; check for negative costs in the workbook"
            ]
            status = "unbounded"
        else:
            diag = [f"HiGHS stopped: {sol.message}"]
            status = sol.status
        empty = _empty_plan(strategy, status, diag, integer_workforce)
        empty.timings = timings
        return empty
    duals = sol
    unmet = model.values(sol.x, "unmet")
    if (
        (integer_workforce and model.integer.any())
        or strategy in (Strategy.CHASE, Strategy.LEVEL)
        or unmet.max(initial=0.0) > 1e-6
    ):
        # duals for the explanations from an LP at true costs: the MIP's workforce fixed;
        # chase's inventory, backlog and lost sales fixed, level's rate and dips fixed, unmet
        # demand fixed (their penalties would swamp the true values of capacity)
        blocks = ["workers"] if model.integer.any() else []
        if strategy == Strategy.CHASE:
            blocks += ["inv", "inv_ss", "back", "lost"]
        if strategy == Strategy.LEVEL:
            blocks += [b for b in ("rate", "dip") if b in model.cols]
        blocks.append("unmet")
        lp_sol = solve(_fix_blocks(model, sol.x, blocks), opts)
        if lp_sol.status == "optimal":
            duals = lp_sol
    result = extract(model, data, sol, duals, currency=currency)
    result.integer_workforce = integer_workforce
    result.basis = sol.basis
    timings["extract"] = time.perf_counter() - t2
    result.timings = timings
    return result


def _fix_blocks(model: LpModel, x: FloatArray, blocks: list[str]) -> LpModel:
    """The LP at true costs with the given blocks fixed to their values in ``x``."""
    lb, ub = model.lb.copy(), model.ub.copy()
    for b in blocks:
        j = model.cols[b]
        j = j[j >= 0]
        val = np.round(x[j]) if b == "workers" and model.integer.any() else x[j]
        lb[j] = ub[j] = np.clip(val, model.lb[j], model.ub[j])
    return LpModel(
        **{
            **model.__dict__,
            "lb": lb,
            "ub": ub,
            "cost": model.true_cost,
            "integer": np.zeros_like(model.integer),
        }
    )


def _empty_plan(strategy: str, status: str, diag: list[str], integer: bool) -> SupplyPlan:
    e = pd.DataFrame()
    return SupplyPlan(
        strategy=strategy,
        status=status,
        total_cost=float("nan"),
        plan=e,
        workforce=e,
        costs=pd.DataFrame(columns=["component", "owner_type", "owner", "period", "cost"]),
        capacity=e,
        constrained_demand=e,
        diagnosis=diag,
        integer_workforce=integer,
    )


def extract(
    model: LpModel, data: PlanningData, sol: LpSolution, duals: LpSolution, *, currency: str = "$"
) -> SupplyPlan:
    """Result tables from a solution (vectorized over the grids)."""
    v = model.values
    x = sol.x
    n_f, n_t = data.shape
    reg, ot, sub = v(x, "reg"), v(x, "ot"), v(x, "sub")
    inv, back, lost = v(x, "inv") + v(x, "inv_ss"), v(x, "back"), v(x, "lost")
    unmet = v(x, "unmet")
    workers, hire, layoff, oth = v(x, "workers"), v(x, "hire"), v(x, "layoff"), v(x, "othours")
    prod = reg + ot

    # ---- costs (true costs, not strategy penalties) --------------------------------------
    inv_prev = np.concatenate([data.initial_inventory[:, None], inv[:, :-1]], axis=1)
    held = np.where(data.average_holding[:, None], (inv_prev + inv) / 2, inv)
    fam_cost = {
        "material": data.material_cost * prod,
        "regular_production": data.regular_cost * reg,
        "overtime_production": data.overtime_cost * ot,
        "subcontract": np.nan_to_num(data.subcontract_cost) * sub,
        "holding": data.holding_cost * held,
        "backlog": np.nan_to_num(data.backlog_cost) * back,
        "lost_sales": np.nan_to_num(data.lost_sales_cost) * lost,
    }
    pool_cost = {
        "regular_labor": data.regular_wage * data.regular_hours * workers,
        "overtime_labor": data.overtime_wage * oth,
        "hiring": data.hiring_cost * hire,
        "layoffs": data.layoff_cost * layoff,
    }
    frames = []
    for comp, g in fam_cost.items():
        frames.append(
            pd.DataFrame(
                {
                    "component": comp,
                    "owner_type": "family",
                    "owner": _rep(data.families, n_t),
                    "period": _tile(data.periods, n_f),
                    "cost": g.ravel(),
                }
            )
        )
    n_k = len(data.pools)
    for comp, g in pool_cost.items():
        frames.append(
            pd.DataFrame(
                {
                    "component": comp,
                    "owner_type": "pool",
                    "owner": _rep(data.pools, n_t),
                    "period": _tile(data.periods, n_k),
                    "cost": g.ravel(),
                }
            )
        )
    costs = pd.concat(frames, ignore_index=True)
    total = float(costs["cost"].sum())

    # ---- labor cost allocated to families by labor-hour share (for a family's cost) --------
    share = np.zeros((n_f, n_t))
    pf = np.flatnonzero(data.has_pool)
    fam_hours = data.labor_hours_per_unit * reg  # exact: hours of its pool each family uses
    if pf.size:
        pool_hours = np.zeros((n_k, n_t))
        np.add.at(pool_hours, data.pool_of[pf], fam_hours[pf])
        members = np.bincount(data.pool_of[pf], minlength=n_k).astype(float)
        ph = pool_hours[data.pool_of[pf]]
        share[pf] = np.where(
            ph > 1e-12,
            fam_hours[pf] / np.where(ph > 1e-12, ph, 1.0),
            1.0 / members[data.pool_of[pf]][:, None],
        )
    pk = np.where(data.has_pool, data.pool_of, 0)

    def alloc(g: FloatArray) -> FloatArray:
        return share * g[pk] if n_k else np.zeros((n_f, n_t))

    labor_cost = sum(pool_cost.values(), np.zeros((n_k, n_t)))
    back_prev = np.concatenate([data.initial_backlog[:, None], back[:, :-1]], axis=1)
    shipped = np.maximum(data.demand + back_prev - back - lost - unmet, 0.0)
    # overtime units of a pool family: its share of the pool's overtime hours in units
    ot_units = np.where(
        data.has_pool[:, None],
        np.minimum(
            alloc(oth) / np.where(data.labor_hours_per_unit > 0, data.labor_hours_per_unit, 1.0),
            prod,
        ),
        ot,
    )
    fam_total = sum(fam_cost.values(), np.zeros((n_f, n_t))) + alloc(labor_cost)
    target = data.ending_target()
    plan = pd.DataFrame(
        {
            "family": _rep(data.families, n_t),
            "period": _tile(data.periods, n_f),
            "demand": data.demand.ravel(),
            "production": prod.ravel(),
            "regular_production": (prod - ot_units).ravel(),
            "overtime_production": ot_units.ravel(),
            "subcontract": sub.ravel(),
            "inventory": inv.ravel(),
            "inventory_target": target.ravel(),
            "below_target": np.maximum(target - inv, 0.0).ravel(),
            "backlog": back.ravel(),
            "lost_sales": lost.ravel(),
            "unmet": unmet.ravel(),
            "shipped": shipped.ravel(),
            "pool": _rep([data.pools[k] if k >= 0 else None for k in data.pool_of], n_t),
            "labor_hours": fam_hours.ravel(),
            "cost_material": fam_cost["material"].ravel(),
            "cost_production": (
                fam_cost["regular_production"] + fam_cost["overtime_production"]
            ).ravel(),
            "cost_labor": alloc(labor_cost).ravel(),
            "cost_subcontract": fam_cost["subcontract"].ravel(),
            "cost_holding": fam_cost["holding"].ravel(),
            "cost_backlog": fam_cost["backlog"].ravel(),
            "cost_lost_sales": fam_cost["lost_sales"].ravel(),
            "cost_total": fam_total.ravel(),
        }
    )
    # ---- workforce ----------------------------------------------------------------------
    labor_used = np.zeros((n_k, n_t))
    if pf.size:
        np.add.at(labor_used, data.pool_of[pf], fam_hours[pf])
    reg_avail = data.regular_hours * workers
    whole = bool(model.integer.any())
    # people, not fractions: the MIP's workers are whole; the LP's are rounded up, since the
    # plan needs all the hours of its fractional worker
    headcount = np.round(workers) if whole else np.ceil(workers - 1e-6)
    workforce = pd.DataFrame(
        {
            "pool": _rep(data.pools, n_t),
            "period": _tile(data.periods, n_k),
            "headcount": headcount.ravel(),
            "headcount_basis": HEADCOUNT_WHOLE if whole else HEADCOUNT_ROUNDED,
            "workers": workers.ravel(),
            "hires": hire.ravel(),
            "layoffs": layoff.ravel(),
            "regular_hours": reg_avail.ravel(),
            "labor_hours": labor_used.ravel(),
            "overtime_hours": oth.ravel(),
            "overtime_capacity": (data.max_overtime_hours * workers).ravel(),
            "utilization": _ratio(labor_used, reg_avail).ravel(),
            "cost": labor_cost.ravel(),
        }
    )

    # ---- rough-cut capacity -------------------------------------------------------------
    capacity = rough_cut(model, data, prod, workers, labor_used, duals)

    # ---- constrained demand / feedback --------------------------------------------------
    # units demanded in t not shipped in t (backlogged or lost); catch-up shows as negative
    short = np.maximum(back - back_prev, 0.0) + lost + unmet
    expl = explain(
        model, data, duals, short=short, currency=currency, inventory=inv, backlog=back, unmet=unmet
    )
    reasons = {(e.family, e.period): e.text.split(": ", 1)[1] for e in expl if e.kind == "shortage"}
    lead = fifo_delay(data.demand, data.initial_backlog, shipped + lost + unmet)
    cd = pd.DataFrame(
        {
            "family": _rep(data.families, n_t),
            "period": _tile(data.periods, n_f),
            "demand": data.demand.ravel(),
            "constrained": shipped.ravel(),
            "gap": (data.demand - shipped).ravel(),
            "short": short.ravel(),
            "backlog": back.ravel(),
            "lost_sales": lost.ravel(),
            "unmet": unmet.ravel(),
            "lead_time_periods": lead.ravel(),
        }
    )
    cd["reason"] = [
        reasons.get((f, p), "") for f, p in zip(cd["family"], cd["period"], strict=True)
    ]
    below = np.maximum(target - inv, 0.0)
    soft = model.policy.safety_stock is not SafetyStock.HARD and model.penalties is not None
    target_penalty = (
        float((model.penalties.safety * below).sum())
        if soft and model.penalties is not None
        else 0.0
    )
    return SupplyPlan(
        strategy=model.strategy,
        status="optimal",
        total_cost=total,
        plan=plan,
        workforce=workforce,
        costs=costs,
        capacity=capacity,
        constrained_demand=cd,
        explanations=expl,
        target_penalty=target_penalty,
    )


def _rep(names: Sequence[str | None], n: int) -> npt.NDArray[np.object_]:
    """Each name ``n`` times, as an object array (pandas converts '<U' arrays slowly)."""
    out: npt.NDArray[np.object_] = np.repeat(np.array(names, dtype=object), n)
    return out


def _tile(names: Sequence[str], n: int) -> npt.NDArray[np.object_]:
    out: npt.NDArray[np.object_] = np.tile(np.array(names, dtype=object), n)
    return out


def _ratio(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.where(b > 1e-12, a / np.where(b > 1e-12, b, 1.0), np.where(a > 1e-12, np.inf, 0.0))


def fifo_delay(demand: FloatArray, initial_backlog: FloatArray, served: FloatArray) -> FloatArray:
    """Periods between a period's demand and its shipment, first in first out: the first
    period ``s`` where cumulative served >= cumulative demand through ``t`` (initial backlog
    first), minus ``t``; NaN when not served within the horizon."""
    cum_d = initial_backlog[:, None] + np.cumsum(demand, axis=1)
    cum_s = np.cumsum(served, axis=1)
    tol = 1e-6 * (1 + np.abs(cum_d))
    ok = cum_s[:, None, :] >= (cum_d - tol)[:, :, None]  # (F, t, s)
    first = ok.argmax(axis=2).astype(float)
    first[~ok.any(axis=2)] = np.nan
    out: FloatArray = first - np.arange(demand.shape[1])[None, :]
    out[demand <= 1e-12] = 0.0
    return np.maximum(out, 0.0)


def rough_cut(
    model: LpModel,
    data: PlanningData,
    prod: FloatArray,
    workers: FloatArray,
    labor_used: FloatArray,
    duals: LpSolution,
) -> pd.DataFrame:
    """Load vs capacity per resource and period for the plan (``load``) and for making the
    unconstrained demand in its own period (``required_load``, the classic RCCP), with
    utilization, overload and the shadow price of one more hour. Pools appear as
    ``pool:<name>`` with their available regular + overtime hours as capacity."""
    n_t = data.shape[1]
    n_r = len(data.resources)
    load = np.zeros((n_r, n_t))
    req = np.zeros((n_r, n_t))
    fe, re, he = data.routing_family, data.routing_resource, data.routing_hours
    if fe.size:
        np.add.at(load, re, he[:, None] * prod[fe])
        np.add.at(req, re, he[:, None] * data.demand[fe])
    price = np.zeros((n_r, n_t))
    m = model.row_kind == int(Row.RESOURCE)
    price[model.row_entity[m], model.row_period[m]] = -duals.row_dual[m]
    cap = data.capacity
    frames = [
        pd.DataFrame(
            {
                # a supplier's limit is a resource loaded in units (snop.supply.data)
                "kind": _rep(
                    ["supplier" if is_supplier(r) else "resource" for r in data.resources], n_t
                ),
                "resource": _rep(data.resources, n_t),
                "period": _tile(data.periods, n_r),
                "capacity": cap.ravel(),
                "load": load.ravel(),
                "utilization": _ratio(load, cap).ravel(),
                "required_load": req.ravel(),
                "overload": np.maximum(req - cap, 0.0).ravel(),
                "shadow_price": price.ravel(),
            }
        )
    ]
    n_k = len(data.pools)
    if n_k:
        pcap = (data.regular_hours + data.max_overtime_hours) * workers
        preq = np.zeros((n_k, n_t))
        pf = np.flatnonzero(data.has_pool)
        np.add.at(preq, data.pool_of[pf], data.labor_hours_per_unit[pf] * data.demand[pf])
        lab = model.row_kind == int(Row.LABOR)
        lprice = np.zeros((n_k, n_t))
        lprice[model.row_entity[lab], model.row_period[lab]] = -duals.row_dual[lab]
        frames.append(
            pd.DataFrame(
                {
                    "kind": "pool",
                    "resource": _rep([f"pool:{p}" for p in data.pools], n_t),
                    "period": _tile(data.periods, n_k),
                    "capacity": pcap.ravel(),
                    "load": labor_used.ravel(),
                    "utilization": _ratio(labor_used, pcap).ravel(),
                    "required_load": preq.ravel(),
                    "overload": np.maximum(preq - pcap, 0.0).ravel(),
                    "shadow_price": lprice.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
