"""Speed of the aggregate planning model: snop (numpy/scipy.sparse -> highspy) vs PuLP.

    /work/venv/bin/python bench/plan_bench.py [--families 1000] [--periods 36]
        [--resources 20] [--pools 8] [--no-pulp] [--experiments] [--integer-workforce]
        [--demo]

Generates a random company (every lever in use), then times for snop: building the model
from the workbook (arrays, sparse matrix), HiGHS's own solve, and extracting the results
(plan tables, costs, rough-cut capacity, explanations); and the same LP written with PuLP and
solved by the same HiGHS (pulp.HiGHS uses highspy), checking the objectives agree to 1e-6.
``--experiments`` then times solver settings and a warm-started re-plan.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from snop.model.periods import Granularity
from snop.model.schema import TABLES
from snop.model.workbook import Workbook, empty_table
from snop.supply.data import PlanningData, planning_data
from snop.supply.model import Penalties, build_model, ending_workforce
from snop.supply.plan import extract
from snop.supply.solve import SolveOptions, make_highs, run


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    base = empty_table(name)
    for c in base.columns:
        if c not in df.columns:
            df[c] = base[c]
    return df[[*TABLES[name].names]]


def company(n_f: int, n_t: int, n_r: int, n_k: int, seed: int = 1) -> tuple[Workbook, pd.DataFrame]:
    """A random company with every lever: pools, unit-capacity families, resources,
    subcontracting, backlog, lost sales, average holding, safety stock, storage limits."""
    rng = np.random.default_rng(seed)
    fams = [f"F{i:04d}" for i in range(n_f)]
    pools = [f"P{k}" for k in range(n_k)]
    base = rng.uniform(50, 500, n_f)
    season = 1 + 0.3 * np.sin(2 * np.pi * (np.arange(n_t) / 12 + rng.uniform(0, 1, n_f)[:, None]))
    demand = np.round(base[:, None] * season * rng.uniform(0.8, 1.2, (n_f, n_t)))
    in_pool = rng.uniform(size=n_f) < 0.8
    pool_of = rng.integers(0, n_k, n_f)
    kind = rng.integers(0, 3, n_f)  # 0 backlog, 1 lost sales, 2 neither (subcontract)
    lhpu = rng.uniform(0.2, 2.0, n_f)
    fam = pd.DataFrame(
        {
            "family": fams,
            "initial_inventory": np.round(base * rng.uniform(0, 1, n_f)),
            "safety_stock": np.round(base * 0.2),
            "min_ending_inventory": np.round(base * 0.3),
            "max_inventory": np.where(rng.uniform(size=n_f) < 0.3, base * 3, np.nan),
            "holding_cost": rng.uniform(0.5, 3, n_f),
            "holding_basis": np.where(rng.uniform(size=n_f) < 0.3, "average", "ending"),
            "backlog_cost": np.where(kind == 0, rng.uniform(3, 10, n_f), np.nan),
            "max_backlog": np.where(kind == 0, base * 2, np.nan),
            "lost_sales_cost": np.where(kind == 1, rng.uniform(40, 80, n_f), np.nan),
            "material_cost": rng.uniform(5, 20, n_f),
            "regular_capacity": np.where(in_pool, np.nan, base * 1.05),
            "regular_cost": np.where(in_pool, np.nan, rng.uniform(5, 10, n_f)),
            "overtime_capacity": np.where(in_pool, np.nan, base * 0.2),
            "overtime_cost": np.where(in_pool, np.nan, rng.uniform(10, 15, n_f)),
            "subcontract_cost": np.where(kind != 1, rng.uniform(25, 45, n_f), np.nan),
            "subcontract_capacity": np.where(kind == 0, base * 0.3, np.nan),
            "labor_hours_per_unit": np.where(in_pool, lhpu, np.nan),
            "workforce_pool": np.where(in_pool, np.array(pools, dtype=object)[pool_of], None),
        }
    )
    hours = np.zeros(n_k)
    np.add.at(hours, pool_of[in_pool], (lhpu * base)[in_pool])
    wf = pd.DataFrame(
        {
            "pool": pools,
            "initial_workers": np.round(hours / 160 * 0.9),
            "regular_hours_per_worker": 160.0,
            "regular_wage": rng.uniform(18, 30, n_k),
            "overtime_wage": rng.uniform(30, 45, n_k),
            "max_overtime_hours_per_worker": 20.0,
            "hiring_cost": 2500.0,
            "layoff_cost": 4000.0,
            "min_workers": np.round(hours / 160 * 0.5),
            "max_workers": np.round(hours / 160 * 1.2),
        }
    )
    res = [f"R{r:02d}" for r in range(n_r)]
    rout_f = np.repeat(np.arange(n_f), 2)
    rout_r = np.concatenate([rng.choice(n_r, 2, replace=False) for _ in range(n_f)])
    rout_h = rng.uniform(0.05, 0.5, rout_f.size)
    load = np.zeros(n_r)
    np.add.at(load, rout_r, rout_h * base[rout_f])
    resources = pd.DataFrame({"resource": res, "period": None, "capacity_hours": load * 1.0})
    periods = [f"{2027 + t // 12}-{t % 12 + 1:02d}" for t in range(n_t)]
    tables = {
        "items": conform("items", pd.DataFrame({"item": [f"{f}-1" for f in fams], "family": fams})),
        "families": conform("families", fam),
        "workforce": conform("workforce", wf),
        "resources": conform("resources", resources),
        "routings": conform(
            "routings",
            pd.DataFrame(
                {
                    "family": np.array(fams)[rout_f],
                    "resource": np.array(res)[rout_r],
                    "hours_per_unit": rout_h,
                }
            ),
        ),
        "settings": conform(
            "settings",
            pd.DataFrame({"name": ["first_period", "horizon"], "value": [periods[0], str(n_t)]}),
        ),
    }
    dem = pd.DataFrame(
        {"family": np.repeat(fams, n_t), "period": np.tile(periods, n_f), "qty": demand.ravel()}
    )
    return Workbook(Granularity.MONTH, tables), dem


def pulp_model(d: PlanningData, pen: Penalties) -> tuple[Any, float]:
    """The same LP (optimal strategy, default policy: soft targets, unmet demand, ending
    workforce) written the usual PuLP way; returns (problem, offset). ``pen``: the
    penalties snop derived from the data (the numbers, not the model)."""
    import pulp

    n_f, n_t = d.shape
    prob = pulp.LpProblem("aggregate", pulp.LpMinimize)
    F, T, K = range(n_f), range(n_t), range(len(d.pools))
    inf = None

    def ub(v: float) -> float | None:
        return None if not np.isfinite(v) else float(v)

    reg = {
        (f, t): pulp.LpVariable(f"reg_{f}_{t}", 0, ub(d.regular_capacity[f, t]))
        for f in F
        for t in T
    }
    ot = {
        (f, t): pulp.LpVariable(f"ot_{f}_{t}", 0, ub(d.overtime_capacity[f, t]))
        for f in F
        for t in T
        if d.pool_of[f] < 0 and d.overtime_capacity[f, t] > 0
    }
    sub = {
        (f, t): pulp.LpVariable(f"sub_{f}_{t}", 0, ub(d.subcontract_capacity[f, t]))
        for f in F
        for t in T
        if not np.isnan(d.subcontract_cost[f, t])
    }
    lo = d.ending_target()
    cap = np.minimum(lo, d.max_inventory)
    inv = {
        (f, t): pulp.LpVariable(f"inv_{f}_{t}", 0, ub(d.max_inventory[f, t] - cap[f, t]))
        for f in F
        for t in T
    }
    inv_ss = {
        (f, t): pulp.LpVariable(f"ss_{f}_{t}", 0, float(cap[f, t]))
        for f in F
        for t in T
        if lo[f, t] > 0
    }
    cum = np.cumsum(d.demand, axis=1)
    unmet = {
        (f, t): pulp.LpVariable(f"un_{f}_{t}", 0, float(cum[f, t] + d.initial_backlog[f]))
        for f in F
        for t in T
        if np.isnan(d.lost_sales_cost[f, t])
    }
    back = {
        (f, t): pulp.LpVariable(
            f"back_{f}_{t}", 0, 0.0 if t == n_t - 1 else ub(d.max_backlog[f, t])
        )
        for f in F
        for t in T
        if not np.isnan(d.backlog_cost[f, t])
    }
    lost = {
        (f, t): pulp.LpVariable(
            f"lost_{f}_{t}", 0, float(d.demand[f, t] + (d.initial_backlog[f] if t == 0 else 0))
        )
        for f in F
        for t in T
        if not np.isnan(d.lost_sales_cost[f, t])
    }
    w = {
        (k, t): pulp.LpVariable(f"w_{k}_{t}", float(d.min_workers[k, t]), ub(d.max_workers[k, t]))
        for k in K
        for t in T
    }
    h = {(k, t): pulp.LpVariable(f"h_{k}_{t}", 0, inf) for k in K for t in T}
    lay = {(k, t): pulp.LpVariable(f"l_{k}_{t}", 0, inf) for k in K for t in T}
    oth = {
        (k, t): pulp.LpVariable(f"o_{k}_{t}", 0, inf)
        for k in K
        for t in T
        if d.max_overtime_hours[k, t] > 0
    }
    obj = []
    offset = 0.0
    for f in F:
        for t in T:
            obj.append((d.material_cost[f, t] + d.regular_cost[f, t]) * reg[f, t])
            if (f, t) in ot:
                obj.append((d.material_cost[f, t] + d.overtime_cost[f, t]) * ot[f, t])
            if (f, t) in sub:
                obj.append(d.subcontract_cost[f, t] * sub[f, t])
            hc = d.holding_cost[f, t]
            stock = inv[f, t] + inv_ss[f, t] if (f, t) in inv_ss else inv[f, t]
            if d.average_holding[f]:
                obj.append(hc / 2 * stock)
                if t > 0:
                    prev = (
                        inv[f, t - 1] + inv_ss[f, t - 1] if (f, t - 1) in inv_ss else inv[f, t - 1]
                    )
                    obj.append(hc / 2 * prev)
                else:
                    offset += hc / 2 * d.initial_inventory[f]
            else:
                obj.append(hc * stock)
            if (f, t) in inv_ss:  # p * (target - inv_ss)
                obj.append(-pen.safety[f, t] * inv_ss[f, t])
                offset += pen.safety[f, t] * cap[f, t]
            if (f, t) in unmet:
                obj.append(pen.unmet[t] * unmet[f, t])
            if (f, t) in back:
                obj.append(d.backlog_cost[f, t] * back[f, t])
            if (f, t) in lost:
                obj.append(d.lost_sales_cost[f, t] * lost[f, t])
    for k in K:
        for t in T:
            obj.append(d.regular_wage[k, t] * d.regular_hours[k, t] * w[k, t])
            obj.append(d.hiring_cost[k, t] * h[k, t] + d.layoff_cost[k, t] * lay[k, t])
            if (k, t) in oth:
                obj.append(d.overtime_wage[k, t] * oth[k, t])
    prob += pulp.lpSum(obj) + offset
    for f in F:
        for t in T:
            supply = [reg[f, t]]
            for dct in (ot, sub, lost, unmet):
                if (f, t) in dct:
                    supply.append(dct[f, t])
            lhs = pulp.lpSum(supply) - inv[f, t]
            if (f, t) in inv_ss:
                lhs -= inv_ss[f, t]
            if (f, t) in back:
                lhs += back[f, t]
            if t > 0:
                lhs += inv[f, t - 1]
                if (f, t - 1) in inv_ss:
                    lhs += inv_ss[f, t - 1]
                if (f, t - 1) in back:
                    lhs -= back[f, t - 1]
                rhs = d.demand[f, t]
            else:
                rhs = d.demand[f, t] + d.initial_backlog[f] - d.initial_inventory[f]
            prob += lhs == rhs, f"bal_{f}_{t}"
    members: dict[int, list[int]] = {k: [] for k in K}
    for f in F:
        if d.pool_of[f] >= 0:
            members[int(d.pool_of[f])].append(f)
    for k in K:
        for t in T:
            prev = w[k, t - 1] if t > 0 else float(d.initial_workers[k])
            prob += w[k, t] - prev - h[k, t] + lay[k, t] == 0, f"wf_{k}_{t}"
            o = oth.get((k, t))
            prob += (
                pulp.lpSum(d.labor_hours_per_unit[f, t] * reg[f, t] for f in members[k])
                - d.regular_hours[k, t] * w[k, t]
                - (o if o is not None else 0)
                <= 0,
                f"lab_{k}_{t}",
            )
            if o is not None:
                prob += o - d.max_overtime_hours[k, t] * w[k, t] <= 0, f"ot_{k}_{t}"
    ref, w0, drop = ending_workforce(d)  # the last periods shed only what demand drops
    for k in K:
        if ref >= 0:
            prob += w[k, n_t - 1] - w[k, ref] >= -float(drop[k]), f"end_{k}"
        else:
            prob += w[k, n_t - 1] >= float(w0[k] - drop[k]), f"end_{k}"
    by_res: dict[int, list[tuple[int, float]]] = {}
    for f, r, hr in zip(d.routing_family, d.routing_resource, d.routing_hours, strict=True):
        by_res.setdefault(int(r), []).append((int(f), float(hr)))
    for r, lst in by_res.items():
        for t in T:
            if np.isfinite(d.capacity[r, t]):
                terms = [hr * reg[f, t] for f, hr in lst]
                terms += [hr * ot[f, t] for f, hr in lst if (f, t) in ot]
                prob += pulp.lpSum(terms) <= float(d.capacity[r, t]), f"res_{r}_{t}"
    return prob, offset


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=1000)
    ap.add_argument("--periods", type=int, default=36)
    ap.add_argument("--resources", type=int, default=20)
    ap.add_argument("--pools", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-pulp", action="store_true")
    ap.add_argument("--experiments", action="store_true")
    ap.add_argument(
        "--integer-workforce",
        action="store_true",
        help="also time the MIP (whole workers) against the LP",
    )
    ap.add_argument(
        "--mip-time-limit",
        type=float,
        default=300.0,
        help="seconds the MIP may take (--integer-workforce)",
    )
    ap.add_argument(
        "--demo",
        action="store_true",
        help="only time LP vs MIP on the demo company (its demand table)",
    )
    a = ap.parse_args()
    if a.demo:
        demo_integer(SolveOptions(threads=a.threads))
        return
    wb, dem = company(a.families, a.periods, a.resources, a.pools)
    opts = SolveOptions(threads=a.threads)

    t0 = time.perf_counter()
    data = planning_data(wb, dem)
    t1 = time.perf_counter()
    model = build_model(data, "optimal")
    t2 = time.perf_counter()
    h = make_highs(model, opts)
    t3 = time.perf_counter()
    sol = run(h, model)
    t4 = time.perf_counter()
    plan = extract(model, data, sol, sol)
    t5 = time.perf_counter()
    snop_solver = sol.seconds
    snop_overhead = (t3 - t0) + (t4 - t3 - sol.seconds) + (t5 - t4)
    snop_total = t5 - t0
    print(
        f"model: {model.num_col:,} columns, {model.num_row:,} rows, "
        f"{model.matrix.nnz:,} nonzeros; status {sol.status}, {sol.iterations} iterations"
    )
    rows = [
        ("snop", "read workbook -> arrays", t1 - t0),
        ("snop", "build LP (numpy/scipy.sparse)", t2 - t1),
        ("snop", "pass to HiGHS (passModel)", t3 - t2),
        ("snop", "HiGHS solve (solver's own work)", snop_solver),
        ("snop", "extract (tables, costs, RCCP, explanations)", t5 - t4),
        ("snop", "non-solver total", snop_overhead),
        ("snop", "end to end", snop_total),
    ]
    print(f"snop total cost {plan.total_cost:,.2f}; objective {sol.objective:,.6f}")
    if not a.no_pulp:
        import pulp

        p0 = time.perf_counter()
        assert model.penalties is not None
        prob, _ = pulp_model(data, model.penalties)
        p1 = time.perf_counter()
        solver = pulp.HiGHS(msg=False, threads=a.threads)
        prob.solve(solver)
        p2 = time.perf_counter()
        vals = {v.name: v.varValue for v in prob.variables()}
        pobj = pulp.value(prob.objective)
        p3 = time.perf_counter()
        rel = abs(pobj - sol.objective) / max(1.0, abs(sol.objective))
        print(
            f"PuLP objective {pobj:,.6f} ({len(vals):,} variables); relative difference "
            f"{rel:.2e} -> {'AGREE' if rel <= 1e-6 else 'DISAGREE'} at 1e-6"
        )
        rows += [
            ("pulp", "build model (LpVariable/lpSum)", p1 - p0),
            ("pulp", "solve (writes to HiGHS + HiGHS)", p2 - p1),
            ("pulp", "extract values", p3 - p2),
            ("pulp", "end to end", p3 - p0),
        ]
    print()
    print(f"| {'tool':<5} | {'step':<45} | {'seconds':>8} |")
    print(f"|{'-' * 7}|{'-' * 47}|{'-' * 10}|")
    for tool, step, sec in rows:
        print(f"| {tool:<5} | {step:<45} | {sec:8.3f} |")
    print(f"\nnon-solver work / solve time: {snop_overhead / snop_solver:.1%} (target < 10%)")
    if not a.no_pulp:
        print(f"end to end speed-up vs PuLP: {(p3 - p0) / snop_total:.1f}x (target >= 2x)")
    if a.integer_workforce:
        integer_cost(
            data,
            sol.seconds,
            plan.total_cost + plan.target_penalty,
            SolveOptions(threads=a.threads, time_limit=a.mip_time_limit),
        )
    if a.experiments:
        experiments(model, opts)


def demo_integer(opts: SolveOptions) -> None:
    """LP vs MIP on the demo company, best of 3 HiGHS solves each."""
    from snop.demo import build_demo_workbook
    from snop.supply.report import demand_for

    wb = build_demo_workbook()
    data = planning_data(wb, demand_for(wb)[0])
    for integer in (False, True):
        m = build_model(data, "optimal", integer_workforce=integer)
        runs = [run(make_highs(m, opts), m) for _ in range(3)]
        best = min(r.seconds for r in runs)
        p = extract(m, data, runs[0], runs[0])
        print(
            f"demo company, {'MIP' if integer else 'LP '}: HiGHS {best:.3f}s (best of 3); "
            f"plan value {p.total_cost + p.target_penalty:,.2f}"
        )


def integer_cost(
    data: PlanningData, lp_seconds: float, lp_value: float, opts: SolveOptions
) -> None:
    """What whole workers cost: the MIP's solve time and plan value against the LP's."""
    m = build_model(data, "optimal", integer_workforce=True)
    h = make_highs(m, opts)
    s = run(h, m)
    gap = h.getInfo().mip_gap
    print(
        f"\ninteger workforce (MIP, {int(m.integer.sum())} integer columns): HiGHS "
        f"{s.seconds:.3f}s vs LP {lp_seconds:.3f}s ({s.seconds / lp_seconds:.1f}x), status "
        f"{s.status}, MIP gap {gap:.2e}"
    )
    if s.x.any():
        mip = extract(m, data, s, s)
        value = mip.total_cost + mip.target_penalty
        print(
            f"plan value {value:,.2f} vs LP {lp_value:,.2f} (+{(value - lp_value) / lp_value:.3%})"
        )


def experiments(model: Any, base: SolveOptions) -> None:
    """What cuts the solve: presolve, simplex variants, interior point, warm re-plan."""
    import highspy

    print("\nsolver experiments (HiGHS seconds, iterations):")
    for label, o in [
        ("default (choose, presolve on)", base),
        ("presolve off", SolveOptions(threads=base.threads, presolve=False)),
        ("dual simplex", SolveOptions(threads=base.threads, solver="simplex", simplex_strategy=1)),
        (
            "primal simplex",
            SolveOptions(threads=base.threads, solver="simplex", simplex_strategy=4),
        ),
        ("interior point (ipm + crossover)", SolveOptions(threads=base.threads, solver="ipm")),
    ]:
        s = run(make_highs(model, o), model)
        print(f"  {label:<36} {s.seconds:8.3f}s {s.iterations:>7} it  obj {s.objective:,.4f}")
    # re-plan a scenario: demand +5% in the second half; cold vs warm (basis kept)
    h = make_highs(model, base)
    first = run(h, model)
    from snop.supply.model import Row

    bal = np.flatnonzero(model.row_kind == int(Row.BALANCE))
    per = model.row_period[bal]
    half = per >= per.max() // 2
    lo, hi = model.row_lo.copy(), model.row_hi.copy()
    lo[bal[half]] *= 1.05
    hi[bal[half]] *= 1.05
    idx = bal[half].astype(np.int32)
    h.changeRowsBounds(idx.size, idx, lo[idx], hi[idx])
    t0 = time.perf_counter()
    h.run()
    warm = time.perf_counter() - t0
    warm_it = h.getInfo().simplex_iteration_count
    m2 = type(model)(**{**model.__dict__, "row_lo": lo, "row_hi": hi})
    cold = run(make_highs(m2, base), m2)
    ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    agree = ok and abs(h.getInfo().objective_function_value - cold.objective) <= 1e-6 * abs(
        cold.objective
    )
    print(
        f"  re-plan (+5% demand, 2nd half) cold {cold.seconds:8.3f}s {cold.iterations} it;"
        f" warm {warm:8.3f}s {warm_it} it; objectives agree: {agree}"
        f"; first solve {first.seconds:.3f}s"
    )


if __name__ == "__main__":
    main()
