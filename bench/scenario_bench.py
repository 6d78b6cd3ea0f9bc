"""Speed of scenarios: deltas applied on the plan's inputs and re-planned, against copying
the whole store for each what-if (what frePPLe and spreadsheets do).

    python bench/scenario_bench.py [--demo-scenarios 10] [--families 1000] [--scenarios 100]

Part 1, the demo company (one approved cycle): create and run ``--demo-scenarios``
scenarios (demand, capacity, workers, cost, subcontract and price changes), then compare
them all with the base, the last version and the budget; against the copy approach: copy the
SQLite store and re-run the cycle's supply plan on the copy for each what-if.

Part 2, the benchmark company of bench/plan_bench.py (``--families`` families, 18 periods):
``--scenarios`` scenarios of random capacity and demand changes, each applied with
``apply_deltas`` and re-planned with ``plan_supply`` (no store), timed per scenario.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from plan_bench import company
from snop.scenario.deltas import Delta, apply_deltas
from snop.scenario.parse import parse_delta
from snop.services.context import Actor
from snop.services.demo import simulate
from snop.services.finance import plan_basis
from snop.services.forecast import family_demand
from snop.services.scenarios import compare_scenarios, create_scenario, run_scenarios
from snop.store.uow import UnitOfWork
from snop.supply import plan_supply

SID = Actor.of("sid", "supply_planner")
DEMO_CHANGES = [
    ("demand", "family=APPL 2027-01..2027-06 +15%"),
    ("demand", "family=COOK 2027-03..2027-05 -10%"),
    ("shift", "S-ASSEMBLY 2027-01.. +400"),
    ("capacity", "N-PRESS 2027-02.. +160"),
    ("workers", "SOUTH max 2027-01.. =42"),
    ("workers", "NORTH max =50"),
    ("cost", "family=COOK material_cost +8%"),
    ("cost", "pool=NORTH regular_wage +3%"),
    ("subcontract", "APPL 2027-01..2027-06 =2500"),
    ("price", "family=CUTL 2027-01.. -5%"),
]


def demo_part(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="snop-scenario-bench-"))
    uow = UnitOfWork.open(str(folder / "snop.db"))
    simulate(uow, folder, months=2)
    names = [f"s{i:02d}" for i in range(n)]
    t0 = time.perf_counter()
    for i, name in enumerate(names):
        kind, text = DEMO_CHANGES[i % len(DEMO_CHANGES)]
        create_scenario(uow, SID, name, [parse_delta(name, kind, text)])
    t1 = time.perf_counter()
    run_scenarios(uow, SID, names)
    t2 = time.perf_counter()
    c = compare_scenarios(uow, SID, names)
    t3 = time.perf_counter()
    ours, run = t3 - t0, t2 - t1
    print(f"demo company, {n} scenarios: create {t1 - t0:.2f}s, run {t2 - t1:.2f}s "
          f"({(t2 - t1) / n:.2f}s each), compare {t3 - t2:.2f}s; total {ours:.2f}s "
          f"({len(c.plans)} plans compared)")  # fmt: skip
    uow.dispose()
    # the copy approach: a copy of the store per what-if, opened and re-planned
    t0 = time.perf_counter()
    for i in range(n):
        copy = folder / f"copy{i}.db"
        shutil.copyfile(folder / "snop.db", copy)
        other = UnitOfWork.open(str(copy))
        with other.read() as tx:
            basis = plan_basis(tx)
            plan_supply(basis.workbook, family_demand(basis.workbook, basis.consensus))
        other.dispose()
    copies = time.perf_counter() - t0
    print(
        f"copy approach (copy the store, re-plan, no money): {copies:.2f}s; ratio to our runs "
        f"(re-plan and price) {copies / run:.2f}, to our total {copies / ours:.2f}"
    )


def company_part(n_f: int, n: int) -> None:
    wb, demand = company(n_f, 18, 20, 8)
    periods = sorted(demand["period"].unique())
    rng = np.random.default_rng(3)
    t0 = time.perf_counter()
    base = plan_supply(wb, demand)
    base_time = time.perf_counter() - t0
    fams = sorted(demand["family"].unique())
    resources = sorted(wb.table("resources")["resource"].unique())
    items = wb.items
    item_demand = demand.assign(item=demand["family"] + "-1")[["item", "period", "qty"]]
    family_of = items.set_index("item")["family"]
    cold_times, warm_times, costs = [], [], []
    for i in range(n):
        r = resources[i % len(resources)]
        f = fams[int(rng.integers(len(fams)))]
        hours = float(rng.integers(-50, 200))
        lift = float(rng.integers(-20, 30))
        deltas = [
            Delta(f"x{i}", "capacity", "resource", r, periods[6], periods[-1], delta=hours),
            Delta(f"x{i}", "demand", "family", f, periods[3], periods[8], pct=lift),
        ]
        a = apply_deltas(wb, item_demand, deltas, periods)
        fam_demand = (
            a.demand.assign(family=a.demand["item"].map(family_of))
            .groupby(["family", "period"], as_index=False)["qty"]
            .sum()
        )
        t = time.perf_counter()
        cold = plan_supply(a.workbook, fam_demand)
        cold_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        warm = plan_supply(a.workbook, fam_demand, basis=base.basis)
        warm_times.append(time.perf_counter() - t)
        assert abs(cold.total_cost - warm.total_cost) <= 1e-6 * abs(cold.total_cost)
        costs.append(warm.total_cost)
    c, w = np.array(cold_times), np.array(warm_times)
    print(
        f"{n_f}-family company, base plan {base_time:.2f}s; {n} scenarios: cold {c.sum():.1f}s "
        f"({c.mean():.2f}s each), warm-started from the base {w.sum():.1f}s ({w.mean():.2f}s "
        f"each): speed-up {c.sum() / w.sum():.2f}x, same costs; base cost "
        f"{base.total_cost:,.0f}, scenarios {min(costs):,.0f}..{max(costs):,.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-scenarios", type=int, default=10)
    ap.add_argument("--families", type=int, default=1000)
    ap.add_argument("--scenarios", type=int, default=100)
    args = ap.parse_args()
    demo_part(args.demo_scenarios)
    if args.scenarios:
        company_part(args.families, args.scenarios)


if __name__ == "__main__":
    main()
