"""The numbers the aggregate plan needs, as dense arrays over (family|pool|resource, period).

:func:`planning_data` reads a :class:`~snop.model.workbook.Workbook` and a family demand frame
once; the model builder, the strategies and the result extraction then work on arrays only.

Conventions: ``F`` families, ``K`` workforce pools, ``R`` resources, ``T`` periods. A blank
that means "unlimited" is ``inf``; a blank that means "not allowed" is ``NaN`` in the cost array
(the lever's variable is then left out of the model).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.model.limits import MAX_QUANTITY, quantity_problem
from snop.model.periods import Period
from snop.model.workbook import Workbook

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class SafetyStock(StrEnum):
    """How the plan treats ``safety_stock`` and the ending inventory target (setting
    ``safety_stock``)."""

    SOFT = "soft"  # going below costs a penalty that ranks below serving customers late
    HARD = "hard"  # a lower bound on inventory: customers wait before the stock is touched


class SafetyStockBasis(StrEnum):
    """Where the plan's safety stock comes from (setting ``safety_stock_basis``)."""

    GIVEN = "given"  # the families' safety_stock as the workbook gives it
    FORECAST_ERROR = "forecast_error"  # sized from forecast error (snop.supply.safety)


def safety_stock_basis(workbook: Workbook) -> SafetyStockBasis:
    """The workbook's ``safety_stock_basis`` setting (default: given)."""
    value = _choice(workbook, "safety_stock_basis", SafetyStockBasis)
    return SafetyStockBasis.GIVEN if value is None else SafetyStockBasis(value)


class EndingWorkforce(StrEnum):
    """The terminal condition on each pool's workforce (setting ``ending_workforce``)."""

    DEMAND = "demand"  # no lower than what the last periods' demand needs
    NONE = "none"  # free: the plan may lay off before the horizon ends


# periods whose demand sizes the ending workforce (the last ones, averaged)
ENDING_WORKFORCE_PERIODS = 3
_YES_NO = {"yes": True, "no": False, "true": True, "false": False}


@dataclass(frozen=True)
class Policy:
    """Planning choices the workbook's settings make and options override (docs/supply.md).

    * ``allow_ending_backlog``: backlog may remain at the horizon end (charged its backlog
      cost plus the in-house cost of making the unit later); else what is owed then is unmet.
    * ``safety_stock``: soft (penalty below the target) or hard (a bound).
    * ``ending_workforce``: the terminal condition on workers.
    """

    allow_ending_backlog: bool = False
    safety_stock: SafetyStock = SafetyStock.SOFT
    ending_workforce: EndingWorkforce = EndingWorkforce.DEMAND

    @classmethod
    def from_workbook(cls, workbook: Workbook) -> Policy:
        """The policy the workbook's settings ask for (defaults for settings left out)."""
        out = cls()
        raw = workbook.setting("allow_ending_backlog")
        if raw is not None and raw.strip():
            v = _YES_NO.get(raw.strip().lower())
            if v is None:
                raise SnopError(f"setting allow_ending_backlog is {raw!r}; use yes or no")
            out = replace(out, allow_ending_backlog=v)
        ss = _choice(workbook, "safety_stock", SafetyStock)
        if ss is not None:
            out = replace(out, safety_stock=SafetyStock(ss))
        ew = _choice(workbook, "ending_workforce", EndingWorkforce)
        if ew is not None:
            out = replace(out, ending_workforce=EndingWorkforce(ew))
        return out

    def override(
        self, *, allow_ending_backlog: bool | None = None, hard_safety_stock: bool | None = None
    ) -> Policy:
        """This policy with the options given on the command line (None keeps the setting)."""
        out = self
        if allow_ending_backlog is not None:
            out = replace(out, allow_ending_backlog=allow_ending_backlog)
        if hard_safety_stock is not None:
            out = replace(
                out, safety_stock=SafetyStock.HARD if hard_safety_stock else SafetyStock.SOFT
            )
        return out


def _choice(workbook: Workbook, name: str, enum: type[StrEnum]) -> str | None:
    """A setting's value among ``enum``'s values (None when not set)."""
    raw = workbook.setting(name)
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    valid = [e.value for e in enum]
    if value not in valid:
        raise SnopError(f"setting {name} is {raw!r}; use one of {', '.join(valid)}")
    return value


def policy_setting_problem(name: str, raw: str) -> str | None:
    """Why ``raw`` is not a valid value of the policy setting ``name`` (None when it is, or
    when ``name`` is not a policy setting): the rule ``snop validate`` applies."""
    choices = {
        "allow_ending_backlog": tuple(_YES_NO),
        "safety_stock": tuple(e.value for e in SafetyStock),
        "safety_stock_basis": tuple(e.value for e in SafetyStockBasis),
        "ending_workforce": tuple(e.value for e in EndingWorkforce),
    }.get(name)
    if choices is None or not raw.strip() or raw.strip().lower() in choices:
        return None
    return f"{name} must be one of {', '.join(choices)}"


@dataclass
class PlanningData:
    """All inputs of the aggregate planning model as arrays (see ``docs/supply.md``)."""

    families: list[str]
    pools: list[str]
    resources: list[str]
    periods: list[str]
    demand: FloatArray  # (F, T) units
    # families (F, T) unless noted
    initial_inventory: FloatArray  # (F,)
    initial_backlog: FloatArray  # (F,)
    min_ending_inventory: FloatArray  # (F,) (value of the last period)
    safety_stock: FloatArray
    max_inventory: FloatArray  # inf = unlimited
    holding_cost: FloatArray
    average_holding: npt.NDArray[np.bool_]  # (F,) holding on (begin+end)/2
    backlog_cost: FloatArray  # NaN = backlog not allowed in that period
    max_backlog: FloatArray  # inf = unlimited
    lost_sales_cost: FloatArray  # NaN = demand is backlogged (or must be met)
    material_cost: FloatArray
    regular_capacity: FloatArray  # units, families without pool; inf = unlimited
    regular_cost: FloatArray
    overtime_capacity: FloatArray
    overtime_cost: FloatArray
    subcontract_cost: FloatArray  # NaN = no subcontracting
    subcontract_capacity: FloatArray  # inf = unlimited
    labor_hours_per_unit: FloatArray  # 0 for families without pool
    pool_of: IntArray  # (F,) pool index, -1 = no pool
    # pools (K, T) unless noted
    initial_workers: FloatArray  # (K,)
    regular_hours: FloatArray  # hours per worker per period
    regular_wage: FloatArray
    overtime_wage: FloatArray
    max_overtime_hours: FloatArray  # per worker
    hiring_cost: FloatArray
    layoff_cost: FloatArray
    min_workers: FloatArray
    max_workers: FloatArray  # inf = unlimited
    # resources
    capacity: FloatArray  # (R, T) hours; inf = unlimited
    routing_family: IntArray  # (E,) one entry per routing row
    routing_resource: IntArray  # (E,)
    routing_hours: FloatArray  # (E,) hours per unit

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.families), len(self.periods)

    @property
    def has_pool(self) -> npt.NDArray[np.bool_]:
        return self.pool_of >= 0

    def ending_target(self) -> FloatArray:
        """Inventory target per family and period (a bound when hard, else penalised below):
        ``safety_stock_t``, and ``max(safety_stock_T, min_ending_inventory)`` in the last period."""
        lo = self.safety_stock.copy()
        lo[:, -1] = np.maximum(lo[:, -1], self.min_ending_inventory)
        return lo


def _arr(frames: dict[str, pd.DataFrame], col: str, nan: float | None = None) -> FloatArray:
    a = frames[col].to_numpy(dtype=float, copy=True)
    if nan is not None:
        a[np.isnan(a)] = nan
    return a


def family_demand_array(
    demand: pd.DataFrame, families: list[str], periods: list[str]
) -> FloatArray:
    """Pivot a ``family, period, qty`` frame into an (F, T) array (missing cells are 0).

    Rows for unknown families or periods outside the horizon are ignored by design: the
    demand plan may be longer than the supply horizon.
    """
    missing = {"family", "period", "qty"} - set(demand.columns)
    if missing:
        raise SnopError(f"demand needs columns family, period, qty; missing {sorted(missing)}")
    d = demand[demand["family"].isin(families) & demand["period"].isin(periods)]
    qty = pd.to_numeric(d["qty"], errors="coerce")
    if qty.isna().any():
        bad = d[qty.isna()].iloc[0]
        raise SnopError(f"demand qty for family {bad['family']} in {bad['period']} is not a number")
    if (qty < 0).any():
        bad = d[qty < 0].iloc[0]
        raise SnopError(
            f"demand qty for family {bad['family']} in {bad['period']} is "
            f"negative ({bad['qty']}); demand must be >= 0"
        )
    out = np.zeros((len(families), len(periods)))
    fi = pd.Index(families).get_indexer(pd.Index(d["family"]))
    ti = pd.Index(periods).get_indexer(pd.Index(d["period"]))
    with np.errstate(over="ignore", invalid="ignore"):
        np.add.at(out, (fi, ti), qty.to_numpy(dtype=float))
    # the LP cannot hold such numbers (HiGHS would refuse the model): say which cell is wrong
    over = ~(np.abs(out) <= MAX_QUANTITY)
    if over.any():
        f, t = np.argwhere(over)[0]
        problem = quantity_problem(float(out[f, t])) or "is beyond what snop plans"
        raise SnopError(
            f"demand for family {families[f]} in {periods[t]} "
            f"({out[f, t]:.4g} units) {problem} per family and period "
            f"(MAX_QUANTITY {MAX_QUANTITY:,.0f}); check the overrides and demand "
            "rows of that family"
        )
    return out


def workbook_demand(workbook: Workbook) -> pd.DataFrame:
    """Family demand from the workbook's ``demand`` table: item rows summed to their family,
    plus family rows. Returns ``family, period, qty``."""
    d = workbook.table("demand")
    if d.empty:
        raise SnopError(
            "the workbook has no demand table; give one (item or family rows) or "
            "plan on the store's consensus demand"
        )
    fam_of = dict(zip(workbook.items["item"], workbook.items["family"], strict=True))
    fam = d["family"].where(d["family"].notna(), d["item"].map(fam_of))
    unknown = d[fam.isna()]
    if not unknown.empty:
        raise SnopError(
            f"demand row for item {unknown.iloc[0]['item']!r} in "
            f"{unknown.iloc[0]['period']}: the item is not in `items`"
        )
    out = pd.DataFrame({"family": fam, "period": d["period"], "qty": d["qty"].astype(float)})
    summed: pd.DataFrame = out.groupby(["family", "period"], as_index=False, sort=False).agg(
        qty=("qty", "sum")
    )
    return summed


# a supplier's limit on a family is planned as a resource of this name (docs/collaboration.md)
SUPPLIER_PREFIX = "supplier:"


def supplier_resource(supplier: str, family: str) -> str:
    """The pseudo-resource name of ``supplier``'s limit on ``family``: ``supplier:NAME/FAMILY``."""
    return f"{SUPPLIER_PREFIX}{supplier}/{family}"


def is_supplier(resource: str) -> bool:
    """Whether a resource name is a supplier's limit (see :func:`supplier_resource`)."""
    return resource.startswith(SUPPLIER_PREFIX)


def supplier_limits(
    workbook: Workbook, families: list[str], periods: list[str]
) -> tuple[list[str], FloatArray, list[int]]:
    """The ``supplier_capacity`` rows as rough-cut resources: one per supplier and family,
    loaded 1 hour per unit the family makes in house (regular + overtime) and with the
    supplier's units as capacity, so ``sum reg + ot <= qty`` per period. Subcontracted units
    come from the subcontractor, not this supplier. A row with a blank period gives every
    period; a dated row replaces it in its period; periods without a row are unlimited.

    Returns the resource names, their (S, T) capacity and the family index of each."""
    sc = workbook.table("supplier_capacity")
    sc = sc[sc["family"].isin(families)]
    names = zip(sc["supplier"].astype(str), sc["family"].astype(str), strict=True)
    pairs = list(dict.fromkeys(names))
    idx = {p: i for i, p in enumerate(pairs)}
    t_idx = {p: i for i, p in enumerate(periods)}
    cap = np.full((len(pairs), len(periods)), np.inf)
    undated = sc[sc["period"].isna()]
    for s, f, q in zip(undated["supplier"], undated["family"], undated["qty"], strict=True):
        cap[idx[(str(s), str(f))], :] = q
    dated = sc[sc["period"].notna() & sc["period"].isin(periods)]
    for s, f, p, q in zip(
        dated["supplier"], dated["family"], dated["period"], dated["qty"], strict=True
    ):
        cap[idx[(str(s), str(f))], t_idx[p]] = q
    f_idx = {f: i for i, f in enumerate(families)}
    return [supplier_resource(s, f) for s, f in pairs], cap, [f_idx[f] for _, f in pairs]


def planning_data(
    workbook: Workbook, demand: pd.DataFrame, periods: list[Period] | None = None
) -> PlanningData:
    """Read every supply lever of the workbook into arrays over ``periods`` (default: the
    workbook's planning periods). Raises SnopError naming the family, pool or resource when a
    value the model needs is missing or inconsistent."""
    pers = periods if periods is not None else workbook.planning_periods
    labels = [p.label for p in pers]
    fam_df = workbook.families_with_defaults()
    families = [str(f) for f in fam_df.index]
    if not families:
        raise SnopError("no families to plan: `items` is empty")
    fv = workbook.period_values("families", pers)
    wf = workbook.with_defaults("workforce")
    pools = [str(p) for p in wf["pool"]]
    wv = workbook.period_values("workforce", pers) if pools else {}
    n_t = len(labels)

    # family -> pool
    pool_idx = {p: i for i, p in enumerate(pools)}
    pool_of = np.full(len(families), -1, dtype=np.int64)
    for i, (fam, pool) in enumerate(zip(families, fam_df["workforce_pool"], strict=True)):
        if isinstance(pool, str) and pool:
            if pool not in pool_idx:
                raise SnopError(
                    f"family {fam}: workforce_pool {pool!r} is not a pool in `workforce`"
                )
            pool_of[i] = pool_idx[pool]
    lhpu = _arr(fv, "labor_hours_per_unit")
    has_pool = pool_of >= 0
    bad = has_pool[:, None] & ~(lhpu > 0)
    if bad.any():
        f, t = np.argwhere(bad)[0]
        raise SnopError(
            f"family {families[f]} (pool {pools[pool_of[f]]}) in {labels[t]}: "
            "labor_hours_per_unit must be a number > 0 for a family made by a "
            "workforce pool"
        )
    lhpu = np.where(has_pool[:, None], np.nan_to_num(lhpu), 0.0)

    # regular hours per worker: direct, else hours per day times working days
    days = workbook.working_days(pers)
    if pools:
        direct = _arr(wv, "regular_hours_per_worker")
        per_day = _arr(wv, "hours_per_worker_per_day")
        reg_hours = np.where(np.isnan(direct), per_day * days[None, :], direct)
        missing = np.isnan(reg_hours)
        if missing.any():
            k, t = np.argwhere(missing)[0]
            raise SnopError(
                f"workforce pool {pools[k]} in {labels[t]}: give "
                "regular_hours_per_worker or hours_per_worker_per_day"
            )
        initial_workers = wf["initial_workers"].to_numpy(dtype=float)
        min_w = _arr(wv, "min_workers", 0.0)
        max_w = _arr(wv, "max_workers", np.inf)
    else:
        reg_hours = np.zeros((0, n_t))
        initial_workers = np.zeros(0)
        min_w = np.zeros((0, n_t))
        max_w = np.zeros((0, n_t))

    def pool_arr(col: str) -> FloatArray:
        return _arr(wv, col, 0.0) if pools else np.zeros((0, n_t))

    # resources: a blank period gives every period, a dated row replaces it
    res = workbook.table("resources")
    rout = workbook.table("routings")
    rout = rout[rout["family"].isin(families)]
    resources = list(dict.fromkeys([*res["resource"].astype(str), *rout["resource"].astype(str)]))
    r_idx = {r: i for i, r in enumerate(resources)}
    capacity = np.full((len(resources), n_t), np.inf)
    undated = res[res["period"].isna()]
    for r, cap in zip(undated["resource"], undated["capacity_hours"], strict=True):
        capacity[r_idx[str(r)], :] = cap
    dated = res[res["period"].notna() & res["period"].isin(labels)]
    t_idx = {p: i for i, p in enumerate(labels)}
    for r, p, cap in zip(dated["resource"], dated["period"], dated["capacity_hours"], strict=True):
        capacity[r_idx[str(r)], t_idx[p]] = cap
    given = set(res["resource"].astype(str))
    for r in rout["resource"].astype(str):
        if r not in given:
            raise SnopError(
                f"routing uses resource {r!r}, which has no capacity row in `resources`"
            )
    f_idx = {f: i for i, f in enumerate(families)}
    sup_names, sup_cap, sup_fam = supplier_limits(workbook, families, labels)
    resources += sup_names
    capacity = np.vstack([capacity, sup_cap])
    routing_family = np.array([*(f_idx[f] for f in rout["family"]), *sup_fam], dtype=np.int64)
    routing_resource = np.array(
        [*(r_idx[str(r)] for r in rout["resource"]), *range(len(r_idx), len(resources))],
        dtype=np.int64,
    )
    routing_hours = np.concatenate(
        [rout["hours_per_unit"].to_numpy(dtype=float), np.ones(len(sup_names))]
    )

    lost = _arr(fv, "lost_sales_cost")
    backlog_cost = np.where(np.isnan(lost), _arr(fv, "backlog_cost"), np.nan)
    data = PlanningData(
        families=families,
        pools=pools,
        resources=resources,
        periods=labels,
        demand=family_demand_array(demand, families, labels),
        initial_inventory=fam_df["initial_inventory"].to_numpy(dtype=float),
        initial_backlog=fam_df["initial_backlog"].to_numpy(dtype=float),
        min_ending_inventory=_arr(fv, "min_ending_inventory", 0.0)[:, -1]
        if n_t
        else np.zeros(len(families)),
        safety_stock=_arr(fv, "safety_stock", 0.0),
        max_inventory=_arr(fv, "max_inventory", np.inf),
        holding_cost=_arr(fv, "holding_cost", 0.0),
        average_holding=(fam_df["holding_basis"] == "average").to_numpy(dtype=bool),
        backlog_cost=backlog_cost,
        max_backlog=_arr(fv, "max_backlog", np.inf),
        lost_sales_cost=lost,
        material_cost=_arr(fv, "material_cost", 0.0),
        regular_capacity=_arr(fv, "regular_capacity", np.inf),
        regular_cost=_arr(fv, "regular_cost", 0.0),
        overtime_capacity=_arr(fv, "overtime_capacity", 0.0),
        overtime_cost=_arr(fv, "overtime_cost", 0.0),
        subcontract_cost=_arr(fv, "subcontract_cost"),
        subcontract_capacity=_arr(fv, "subcontract_capacity", np.inf),
        labor_hours_per_unit=lhpu,
        pool_of=pool_of,
        initial_workers=initial_workers,
        regular_hours=reg_hours,
        regular_wage=pool_arr("regular_wage"),
        overtime_wage=pool_arr("overtime_wage"),
        max_overtime_hours=pool_arr("max_overtime_hours_per_worker"),
        hiring_cost=pool_arr("hiring_cost"),
        layoff_cost=pool_arr("layoff_cost"),
        min_workers=min_w,
        max_workers=max_w,
        capacity=capacity,
        routing_family=routing_family,
        routing_resource=routing_resource,
        routing_hours=routing_hours,
    )
    # families with a pool are planned in labor hours, not in units of capacity
    data.regular_capacity[has_pool, :] = np.inf
    data.overtime_capacity[has_pool, :] = 0.0
    data.regular_cost[has_pool, :] = 0.0
    data.overtime_cost[has_pool, :] = 0.0
    return data
