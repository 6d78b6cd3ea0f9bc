"""``snop demo`` as a use case: months of the S&OP cycle at the demo company.

The company's history is imported up to the month before the first cycle. Each month the
planners forecast, review demand, plan supply, sign off and approve; then the month
happens (its actuals drawn from the company's own model plus noise, see
:func:`snop.demo.month_actuals`) and the next cycle rolls forward from the approved version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from snop.cycle.model import Opening
from snop.demand.accuracy import FvaReport
from snop.demand.replay import Override
from snop.demo import HORIZON, build_demo_workbook, month_actuals
from snop.io import write_workbook
from snop.learning.frames import TOTAL
from snop.model.periods import Period, parse_period
from snop.model.workbook import Workbook
from snop.scenario.parse import parse_delta
from snop.services import cycles as cyc
from snop.services import demand_review as dr
from snop.services.compare import Comparison, compare
from snop.services.context import Actor, UnitOfWork
from snop.services.decisions import Agenda, add_decision, agenda, close_decision
from snop.services.finance import FinanceReport, finance_report
from snop.services.forecast import run_baseline
from snop.services.kpis import KpiReport, kpi_report
from snop.services.levers import LeverReport, gap_levers
from snop.services.pack import PackFile, write_pack
from snop.services.scenarios import (
    ScenarioComparison,
    compare_scenarios,
    create_scenario,
    run_scenarios,
)
from snop.services.supply import plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import import_workbook

PACK_FILE = "pack.html"  # the executive pack the demo ends with
DANA = Actor.of("dana", "demand_planner")  # demand planner, owns the consensus
SAM = Actor.of("sam", "sales")
MAYA = Actor.of("maya", "marketing")
SID = Actor.of("sid", "supply_planner")
FAY = Actor.of("fay", "finance")
LEE = Actor.of("lee", "sop_leader")
ERIN = Actor.of("erin", "executive")
LATE_PAYROLL = "2026-09"  # the month whose workers' actuals do not arrive in time
ADA = Actor.of("ada", "admin")
VIC = Actor.of("vic", "viewer")
# The demo company's users, one per role, all with this password (docs/security.md). They
# are marked as demo users; a real store has no default password.
DEMO_PASSWORD = "snop-demo-password"
DEMO_USERS = (ADA, DANA, SAM, MAYA, SID, FAY, LEE, ERIN, VIC)


@dataclass
class MonthRun:
    """One cycle of the demo, as it went."""

    cycle: str
    items: int
    median_mase: float
    median_naive_mase: float
    overrides: list[str]  # the overrides entered this cycle
    carried: int  # overrides carried from the last version
    consensus: dict[str, float]  # consensus units over the horizon per family
    costs: dict[str, float | None]  # total cost per strategy (None: no plan)
    strategy: str  # approved
    openings: list[Opening] = field(default_factory=list)
    fenced: dict[str, int] = field(default_factory=dict)
    changes: Comparison | None = None  # against the previous version
    agenda: Agenda | None = None  # the decisions on the executives' agenda


@dataclass
class DemoResult:
    workbook: Path
    months: list[MonthRun]
    fva: FvaReport | None  # what each demand layer added, judged on the actuals so far
    kpis: KpiReport | None  # plan against actual of the versions so far
    finance: FinanceReport | None = None  # the last version in money, against the budget
    scenarios: ScenarioComparison | None = None  # what-ifs on the last version
    levers: LeverReport | None = None  # what closes the gaps, checked by re-solves
    pack: PackFile | None = None  # the executive pack of the last cycle, as HTML
    # (family, layer, fva at family level, mean of the family's item fva) where the two
    # disagree in sign: a layer that helps the items on average can hurt the family total
    disagreements: list[tuple[str, str, float, float]] = field(default_factory=list)


def simulate(
    uow: UnitOfWork,
    folder: Path,
    *,
    seed: int = 7,
    months: int = 4,
    last_actual: str = "2026-10",
    on_month: Callable[[MonthRun], None] | None = None,
    horizon: int = HORIZON,
) -> DemoResult:
    """Run ``months`` cycles ending with the cycle after ``last_actual`` (approved), each
    planning ``horizon`` periods."""
    truth = build_demo_workbook(seed, last_actual, horizon)
    first = parse_period(last_actual) + (2 - months)
    start = build_demo_workbook(seed, (first + -1).label, horizon)
    start = Workbook(
        start.granularity,
        {n: t for n, t in start.tables.items() if n != "overrides"},
        list(start.attributes),
    )
    path = folder / "workbook"
    write_workbook(start, path)
    _demo_users(uow)
    import_workbook(uow, DANA, path)
    runs: list[MonthRun] = []
    openings: list[Opening] = []
    carried = 0
    for m in range(months):
        run = _month(uow, first + m, m, openings, carried)
        runs.append(run)
        if on_month is not None:
            on_month(run)
        if m == months - 1:
            break
        _month_passes(uow, folder, truth, run.cycle, seed)
        opened = cyc.open_cycle(uow, DANA)
        openings, carried = opened.openings, len(opened.carried)
    fva = dr.fva_report(uow, DANA) if months > 1 else None
    report = kpi_report(uow, DANA) if months > 1 else None
    money = finance_report(uow, FAY)
    what_if = _scenarios(uow)
    levers = gap_levers(uow, SID, top=3)
    pack = write_pack(uow, ERIN, folder / PACK_FILE, "html")
    return DemoResult(path, runs, fva, report, money, what_if, levers, pack, _disagreements(fva))


def _demo_users(uow: UnitOfWork) -> None:
    """One user per role, the admin first (the first user of a store is an admin)."""
    from snop.services.users import add_user

    for who in DEMO_USERS:
        add_user(uow, ADA, who.name, sorted(who.roles), DEMO_PASSWORD, demo=True)


# The what-ifs the demo's pre-S&OP meeting looks at: a demand upside for small appliances,
# and a second shift at the South plant while its hiring is frozen.
SCENARIOS = {
    "upside": [("demand", "family=APPL 2027-01..2027-06 +15% retailer upside")],
    "shift_freeze": [
        ("shift", "S-ASSEMBLY 2027-01.. +400 second shift"),
        ("shift", "S-TEST 2027-01.. +120 second shift"),
        ("workers", "SOUTH max 2027-01.. =42 hiring freeze"),
    ],
}


def _scenarios(uow: UnitOfWork) -> ScenarioComparison:
    for name, changes in SCENARIOS.items():
        deltas = [parse_delta(name, kind, text) for kind, text in changes]
        create_scenario(uow, SID, name, deltas, replace=True)
    run_scenarios(uow, SID, list(SCENARIOS))
    return compare_scenarios(uow, SID, list(SCENARIOS))


def _finance_note(r: FinanceReport) -> str:
    """The financial review's sign-off note: the budget year's revenue against budget."""
    g = r.year_gap()
    if not g:
        return f"priced: revenue {r.plan.total()['revenue']:,.0f} {r.currency}, no budget"
    return (
        f"{r.budget_year}: revenue {g['revenue']:,.0f} against a budget of "
        f"{g['budget_revenue']:,.0f} {r.currency} ({g['gap']:+,.0f}: demand "
        f"{g['demand_gap']:+,.0f}, supply {g['supply_gap']:+,.0f})"
    )


def _disagreements(fva: FvaReport | None) -> list[tuple[str, str, float, float]]:
    if fva is None:
        return []
    t = fva.table("family")
    t = t[(t["family"] != TOTAL) & (t["fva"] * t["item_fva"] < 0)]
    return [
        (str(f), str(lay), float(a), float(b))
        for f, lay, a, b in zip(t["family"], t["layer"], t["fva"], t["item_fva"], strict=True)
    ]


def _month(
    uow: UnitOfWork, period: Period, m: int, openings: list[Opening], carried: int
) -> MonthRun:
    cyc.signoff(uow, DANA, "data")
    base = run_baseline(uow, DANA)
    cyc.signoff(uow, DANA, "forecast")
    entered = _overrides(period, m)
    for who, ov in entered:
        dr.add_override(uow, who, ov)
    dr.submit(uow, DANA)
    plan = dr.approve(uow, ERIN, note="consensus for the supply review")
    cyc.signoff(uow, DANA, "demand_review")
    supply = plan_cycle_supply(uow, SID)
    cyc.signoff(uow, SID, "supply_review")
    cyc.signoff(uow, FAY, "financial_review", _finance_note(finance_report(uow, FAY)))
    cyc.signoff(uow, LEE, "pre_sop", "optimal plan recommended")
    cyc.approve_cycle(uow, ERIN, note="approved at the executive S&OP meeting")
    _decide(uow, period, m)
    rep = base.result.report
    consensus = plan.view("family", [plan.consensus]).groupby("key")[plan.consensus].sum()
    return MonthRun(
        cycle=period.label,
        items=len(rep),
        median_mase=float(rep["mase"].median()),
        median_naive_mase=float(rep["naive_mase"].median()),
        overrides=[f"{who.name}: {ov.describe()}" for who, ov in entered],
        carried=carried,
        consensus={str(k): float(v) for k, v in consensus.items()},
        costs={s: (p.total_cost if p.ok else None) for s, p in supply.plans.items()},
        strategy="optimal",
        openings=openings,
        fenced=supply.fenced,
        changes=compare(uow, DANA) if m > 0 else None,
        agenda=agenda(uow, DANA),
    )


def _decide(uow: UnitOfWork, period: Period, m: int) -> None:
    """The executives' decisions: one taken in the first cycle and closed two cycles later
    (on every agenda until then), one each later month."""
    if m == 0:
        add_decision(
            uow, ERIN, what="Quote a second shift at the North press for the peak",
            owner="supply_planner", due=(period + 2).start.isoformat(),
        )  # fmt: skip
    if m == 2:
        first = agenda(uow, DANA).open[0]  # the oldest open decision: the second shift
        close_decision(uow, SID, first.id, "quoted; decided against it: subcontract instead")
    if m >= 1:
        add_decision(
            uow, ERIN, what=f"Review the COOK promotion of {(period + 5).label} with the retailer",
            owner="marketing", due=(period + 1).start.isoformat(),
        )  # fmt: skip


def _overrides(first: Period, m: int) -> list[tuple[Actor, Override]]:
    """The planners' changes: three in the first cycle (the later ones carry them), then
    one new promotion each month at the far end of the fence."""

    def p(k: int) -> str:
        return (first + k).label

    if m > 0:
        promo = Override(
            "marketing",
            "family",
            "COOK",
            p(5),
            p(5),
            "pct",
            8.0,
            author="maya",
            reason="promo",
            event=f"Promotion {p(5)}",
            comment="retailer feature month",
        )
        return [(MAYA, promo)]
    return [
        (
            SAM,
            Override(
                "sales",
                "family",
                "CUTL",
                p(2),
                p(4),
                "delta",
                300.0,
                author="sam",
                reason="customer",
                comment="distributor restocking after the hotel tender",
            ),
        ),
        (
            MAYA,
            Override(
                "marketing",
                "family",
                "APPL",
                p(3),
                p(5),
                "pct",
                10.0,
                author="maya",
                reason="promo",
                event="Holiday campaign",
                comment="TV campaign",
            ),
        ),
        (
            DANA,
            Override(
                "consensus",
                "total",
                "",
                p(2),
                p(2),
                "pct",
                -2.0,
                author="dana",
                reason="price",
                comment="list prices up 3% next quarter",
            ),
        ),
    ]


def _month_passes(uow: UnitOfWork, folder: Path, truth: Workbook, cycle: str, seed: int) -> None:
    """The month of ``cycle`` happens: import its actuals."""
    version = read_version(uow, DANA, cycle)
    plan = version.plan()
    opening = {}
    start = {(o["measure"], o["key"]): o["value"] for o in version.openings}
    fams = version.inputs.get("families", [])
    for row in fams:
        f = str(row["family"])
        opening[f] = (
            float(start.get(("inventory", f), row.get("initial_inventory") or 0.0)),
            float(start.get(("backlog", f), row.get("initial_backlog") or 0.0)),
        )
    tables = month_actuals(truth, cycle, plan.plan, plan.workforce, opening, seed)
    if cycle == LATE_PAYROLL:  # the crew count is late: the next cycle estimates it
        del tables["actual_workers"]
    wb = Workbook(truth.granularity, tables, [])
    path = folder / f"actuals-{cycle}"
    write_workbook(wb, path, partial_workbook=True)
    import_workbook(uow, DANA, path)
