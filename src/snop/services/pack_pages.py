"""The pages of the executive pack, each from the use cases' results (see
:mod:`snop.services.pack`): the cover, the KPI report card, one page per family, supply,
finance, what changed with the scenarios and levers, and the exceptions and decisions."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from snop.integrated.sheet import ROWS
from snop.learning.frames import TOTAL
from snop.model.vocabulary import Kpi
from snop.report import charts, fmt
from snop.report.content import Chart, Section, Table, Tile
from snop.report.sparkline import sparkline
from snop.services.compare import Comparison
from snop.services.context import UnitOfWork, stored_workbook
from snop.services.decisions import Agenda
from snop.services.finance import FinanceReport, plan_basis
from snop.services.kpis import KpiReport
from snop.services.levers import LeverReport, lever_what
from snop.services.scenarios import ScenarioComparison
from snop.services.sheet import SheetReport, family_resources
from snop.supply.safety import family_band

if TYPE_CHECKING:
    from snop.services.pack import PackParts

SALES_HISTORY = 24  # periods of sales history drawn before the horizon
TREND_CYCLES = 12  # cycles of KPI history on the report card
BUSIEST = 4  # resources drawn on the total's production chart
MAX_ROWS = 40  # rows of a long list (exceptions, overloads) shown; Excel gets them all
UNIT_OF_ROW = {r.key: r.unit for r in ROWS}
LABEL_OF_ROW = {r.key: r.label for r in ROWS}


@dataclass
class FamilyData:
    """What a family's charts draw beyond its sheet."""

    sales: dict[str, float]  # period -> units sold (the last SALES_HISTORY periods)
    band: pd.DataFrame  # period, forecast, lo, hi: the baseline and its interval
    resources: pd.DataFrame  # resource, period, utilization


@dataclass
class PlanData:
    families: dict[str, FamilyData]
    capacity: pd.DataFrame  # the plan's rough-cut capacity (SupplyPlan.capacity)
    workforce: pd.DataFrame  # the plan's workforce (SupplyPlan.workforce)
    history: list[str] = field(default_factory=list)  # sales periods drawn


def plan_data(
    uow: UnitOfWork,
    cycle: str,
    families: list[str],
    strategy: str | None = None,
    scenario: str | None = None,
) -> PlanData:
    """Sales history, the baseline's band and resource loads per family (and TOTAL), of
    the plan the sheet shows (``strategy``, ``scenario`` as in
    :func:`snop.services.finance.plan_basis`)."""
    with uow.read() as tx:
        basis = plan_basis(tx, cycle, strategy, scenario)
        sales = stored_workbook(tx).sales
        baseline = tx.forecasts.layer(basis.cycle.period)
        intervals = tx.forecasts.intervals(basis.cycle.period)
        used = family_resources(basis)
    items = basis.workbook.items[["item", "family"]]
    history = _history_periods(sales, basis.cycle.periods[0])
    sold = sales[sales["period"].isin(history)].merge(items, on="item")
    by_family = sold.groupby(["family", "period"])["qty"].sum()
    level = _band_level(intervals)
    out: dict[str, FamilyData] = {}
    for fam in [*families, TOTAL]:
        mine = items if fam == TOTAL else items[items["family"] == fam]
        members = mine.assign(family=fam)
        band = family_band(
            baseline[baseline["item"].isin(set(members["item"]))], intervals, members, level
        )
        band.attrs["level"] = level
        sales_of = (
            sold.groupby("period")["qty"].sum()
            if fam == TOTAL
            else by_family.xs(fam, level="family")
            if fam in by_family.index.get_level_values(0)
            else pd.Series(dtype=float)
        )
        loads = used if fam == TOTAL else used[used["family"] == fam]
        out[fam] = FamilyData(
            {str(p): float(v) for p, v in sales_of.items()},
            band.drop(columns="family"),
            _resource_loads(loads, busiest=fam == TOTAL),
        )
    return PlanData(out, basis.plan.capacity, basis.plan.workforce, history)


def _history_periods(sales: pd.DataFrame, first: str) -> list[str]:
    before = sorted(p for p in sales["period"].unique() if str(p) < first)
    return [str(p) for p in before[-SALES_HISTORY:]]


def _band_level(intervals: pd.DataFrame) -> float:
    """The interval drawn: 80 % when the baseline has it, else its narrowest level."""
    levels = sorted(float(x) for x in intervals["level"].unique())
    return 80.0 if 80.0 in levels or not levels else levels[0]


def _resource_loads(used: pd.DataFrame, busiest: bool) -> pd.DataFrame:
    loads = used[["resource", "period", "utilization"]].drop_duplicates(["resource", "period"])
    if busiest:
        top = loads.groupby("resource")["utilization"].max().nlargest(BUSIEST).index
        loads = loads[loads["resource"].isin(top)]
    return loads.reset_index(drop=True)


# ---------------------------------------------------------------- cover


def cover_section(parts: PackParts) -> Section:
    sheet, fin = parts.sheet, parts.finance
    cur = fin.currency
    tiles = [*_money_tiles(fin), *_plan_tiles(sheet)]
    s = Section("cover", f"{parts.company or 'S&OP'}: cycle {sheet.cycle}", tiles=tiles)
    s.tables.append(_decisions_table("decisions_open", "Decisions open", parts.agenda))
    s.notes += _asks(parts, cur)
    if not fin.complete:
        s.notes.append("the money is incomplete: some items have no price or cost (see finance)")
    return s


def _money_tiles(fin: FinanceReport) -> list[Tile]:
    cur = fin.currency
    out = []
    g = fin.year_gap()
    if g:
        out.append(
            Tile(
                "revenue",
                f"Revenue {fin.budget_year}",
                float(g["revenue"]),
                "money",
                float(g["budget_revenue"]),
                "budget",
                bool(g["gap"] >= 0),
                f"gap {g['gap']:+,.0f} {cur}: demand {g['demand_gap']:+,.0f}, "
                f"supply {g['supply_gap']:+,.0f}",
            )
        )
        line = fin.year_line()
        out.append(
            Tile(
                "gross_margin",
                f"Gross margin {fin.budget_year}",
                float(line["gross_margin"]),
                "money",
                note=f"margin {100 * float(line['margin_pct']):.1f}% of revenue",
            )
        )
    else:
        total = fin.plan.total()
        out.append(Tile("revenue", "Revenue, plan", float(total["revenue"]), "money"))
        out.append(
            Tile("gross_margin", "Gross margin, plan", float(total["gross_margin"]), "money")
        )
    go = fin.year_gap(year=fin.year_to_go)
    if go and not np.isnan(go.get("budget_revenue", np.nan)):
        out.append(
            Tile(
                "year_to_go",
                f"Revenue, year to go ({fin.year_to_go})",
                float(go["revenue"]),
                "money",
                float(go["budget_revenue"]),
                "budget",
                bool(go["gap"] >= 0),
            )
        )
    return out


def _plan_tiles(sheet: SheetReport) -> list[Tile]:
    """Service, inventory and backlog over the plan's horizon, from the total's sheet. The
    fill rate is units shipped in the month ordered over units ordered: each month's rate
    weighted by its demand (the month's orders)."""
    g = sheet.sheet.grid(TOTAL)
    horizon = [p for p in sheet.sheet.horizon if p in g.columns]

    def row(key: str) -> np.ndarray:
        return g.loc[key, horizon].to_numpy(dtype=float)

    demand = row("demand_plan")
    fill = float(np.nansum(row("fill_rate") * demand) / demand.sum())
    target = float(np.nansum(row("fill_rate_target") * demand) / demand.sum())
    value, days, backlog = row("inventory_value"), row("days_of_supply"), row("backlog_plan")
    peak = horizon[int(np.argmax(backlog))]
    lead = row("lead_time_days")[horizon.index(peak)]
    return [
        Tile(
            "fill_rate",
            "Service (fill rate, plan)",
            fill,
            "ratio",
            target,
            "target",
            fill >= target - 1e-9,
            "units shipped in the month ordered",
        ),
        Tile(
            "inventory_value",
            "Inventory value (average)",
            float(value.mean()),
            "money",
            note=f"peak {value.max():,.0f} in {horizon[int(np.argmax(value))]}",
        ),
        Tile(
            "days_of_supply",
            "Days of supply (average)",
            float(np.nanmean(days)),
            "days",
            note=f"lowest {np.nanmin(days):,.1f} in {horizon[int(np.nanargmin(days))]}",
        ),
        Tile(
            "backlog",
            "Backlog (peak)",
            float(backlog.max()),
            "units",
            note=f"in {peak}, customer lead time {lead:,.1f} working days"
            if backlog.max() > 0
            else "no backlog planned",
        ),
    ]


def _asks(parts: PackParts, cur: str) -> list[str]:
    """The decisions the meeting is asked for, from what the plan leaves open."""
    out = []
    if parts.sheet.status != "approved":
        out.append(f"Approve the {parts.sheet.strategy} plan of cycle {parts.sheet.cycle}.")
    fin = parts.finance
    for r in fin.largest_gaps().to_dict("records"):
        if float(r["gap"]) < 0:
            out.append(
                f"Close the {fin.budget_year} revenue gap of {r['family']}: "
                f"{float(r['gap']):+,.0f} {cur} (demand {float(r['demand_gap']):+,.0f}, "
                f"supply {float(r['supply_gap']):+,.0f})."
            )
    if parts.kpis is not None and not parts.kpis.exceptions.empty:
        by = parts.kpis.exceptions.groupby("owner").size()
        listed = ", ".join(f"{n} for {o}" for o, n in by.items())
        out.append(f"Review the {len(parts.kpis.exceptions)} exceptions ({listed}).")
    if parts.scenarios is not None:
        names = [p for p in parts.scenarios.plans if p != "base" and not p.startswith("version")]
        out.append(f"Choose among the scenarios {', '.join(names)} (see What changed).")
    return out


def _decisions_table(name: str, title: str, ag: Agenda) -> Table:
    overdue = set(ag.overdue)
    frame = pd.DataFrame(
        [
            {
                "id": d.id,
                "cycle": d.cycle,
                "what": d.what,
                "owner": d.owner,
                "due": d.due,
                "status": "overdue" if d.id in overdue else str(d.status),
            }
            for d in ag.open
        ],
        columns=["id", "cycle", "what", "owner", "due", "status"],
    )
    marks = {(i, "status"): "bad" for i, d in enumerate(ag.open) if d.id in overdue}
    return Table(name, title, frame, units={"id": "text"}, marks=marks)


# ---------------------------------------------------------------- report card

CARD_KPIS: tuple[tuple[str, str, str, int | None], ...] = (
    (Kpi.ACCURACY.value, "Forecast accuracy", "ratio", 1),
    (Kpi.BIAS.value, "Bias", "ratio", 0),
    (Kpi.TRACKING_SIGNAL.value, "Tracking signal", "signal", 0),
    (Kpi.ADHERENCE.value, "Plan adherence", "ratio", 1),
    (Kpi.FILL_RATE.value, "Fill rate", "ratio", 1),
    (Kpi.DAYS_OF_SUPPLY.value, "Days of supply", "days", None),
    (Kpi.TURNS.value, "Inventory turns", "signal", 1),
)  # key, label, unit, better: 1 higher, 0 nearer zero, None neither


def card_section(k: KpiReport | None, why: str | None) -> Section:
    s = Section("card", "KPI report card")
    if k is None:
        s.notes.append(f"no KPI card yet: {why}")
        return s
    s.notes.append(
        f"version {k.cycle} judged on the actuals of {', '.join(k.periods)}; arrows compare "
        f"with the version before, lines show the last {TREND_CYCLES} versions; green and "
        "red: on and off target (the kpi_targets table, and each family's service level)"
    )
    trend = k.trend[k.trend["cycle"].isin(sorted(k.trend["cycle"].unique())[-TREND_CYCLES:])]
    judged = {(str(j["family"]), str(j["kpi"])): j for j in k.judged.to_dict("records")}
    rows, extras, marks = [], {}, {}
    for i, r in enumerate(k.card.itertuples(index=False)):
        fam = str(r.family)
        rows.append({"family": fam, **{key: getattr(r, key) for key, *_ in CARD_KPIS}})
        mine = trend[trend["family"] == fam]
        for key, _label, unit, better in CARD_KPIS:
            values = [float(v) for v in mine[key]]
            extras[(i, key)] = _arrow(values, better) + sparkline(values)
            verdict = judged.get((fam, key))
            if verdict is not None and verdict["on_target"] is not None:
                marks[(i, key)] = "good" if verdict["on_target"] else "bad"
                extras[(i, key)] += _target(verdict["min"], verdict["max"], unit)
    frame = pd.DataFrame(rows, columns=["family", *(key for key, *_ in CARD_KPIS)])
    units = {key: unit for key, _l, unit, _b in CARD_KPIS}
    labels = {key: label for key, label, *_ in CARD_KPIS}
    s.tables.append(
        Table("kpi_card", "KPIs by family", frame, units, marks=marks, extras=extras, labels=labels)
    )
    return s


def _target(low: float, high: float, unit: str) -> str:
    """A KPI's target under its value: ≥ 80.0%, ≤ 10.0%, or 5.0–20.0."""
    if np.isnan(high):
        text = f"≥ {fmt.number(low, unit)}"
    elif np.isnan(low):
        text = f"≤ {fmt.number(high, unit)}"
    else:
        text = f"{fmt.number(low, unit)} to {fmt.number(high, unit)}"
    return f'<span class="target">target {html.escape(text)}</span>'


def _arrow(values: list[float], better: int | None) -> str:
    """▲ or ▼ against the previous version, green when better, red when worse."""
    if len(values) < 2 or np.isnan(values[-1]) or np.isnan(values[-2]):
        return ""
    now_, before = values[-1], values[-2]
    if abs(now_ - before) < 1e-12:
        return '<span class="arrow">▶</span>'
    up = now_ > before
    good = None if better is None else (up if better == 1 else abs(now_) < abs(before))
    css = "" if good is None else ("good" if good else "bad")
    return f'<span class="arrow {css}">{"▲" if up else "▼"}</span>'


# ---------------------------------------------------------------- family pages


def family_section(sheet: SheetReport, family: str, data: FamilyData | None) -> Section:
    title = "All families" if family == TOTAL else f"Family {family}"
    s = Section(f"family-{_slug(family)}", title, family=family, wide=True)
    grid = sheet.sheet.grid(family)
    s.tables.append(_grid_table(sheet, family, grid))
    if data is not None:
        s.charts += _family_charts(sheet, family, grid, data)
    s.notes += sheet.notes.get(family, [])
    return s


def _slug(family: str) -> str:
    return "total" if family == TOTAL else "".join(c if c.isalnum() else "_" for c in family)


def _grid_table(sheet: SheetReport, family: str, grid: pd.DataFrame) -> Table:
    frame = grid.reset_index().rename(columns={"row": "key"})
    frame.insert(1, "label", [LABEL_OF_ROW[k] for k in frame["key"]])
    hist = set(sheet.sheet.history)
    marks = {(i, p): "hist" for i in range(len(frame)) for p in sheet.sheet.periods if p in hist}
    for i, key in enumerate(frame["key"]):
        if key in ("gap_to_budget", "sales_cum_diff", "production_cum_diff"):
            for p in sheet.sheet.periods:
                v = frame.at[i, p]
                if isinstance(v, float) and v < 0:
                    marks[(i, p)] = marks.get((i, p), "") + " neg"
    return Table(
        f"sheet_{_slug(family)}",
        f"{'All families' if family == TOTAL else family}: the S&OP sheet "
        f"(history {', '.join(sheet.sheet.history) or 'none'}, then the plan)",
        frame,
        units={"label": "text"},
        row_units=[UNIT_OF_ROW[k] for k in frame["key"]],
        key_column="key",
        hidden=("key",),
        marks=marks,
    )


def _row(grid: pd.DataFrame, key: str) -> dict[str, float]:
    if key not in grid.index:
        return {}
    values = grid.loc[key].to_numpy(dtype=float)
    return {str(p): float(v) for p, v in zip(grid.columns, values, strict=True) if not np.isnan(v)}


def _family_charts(
    sheet: SheetReport, family: str, grid: pd.DataFrame, data: FamilyData
) -> list[Chart]:
    slug = _slug(family)
    name = "all families" if family == TOTAL else family
    horizon = list(sheet.sheet.horizon)
    drawn = [*sorted(set(data.sales) | set(sheet.sheet.history)), *horizon]
    actual = {**data.sales, **_row(grid, "sales_actual")}
    band = data.band[data.band["period"].isin(horizon)].reset_index(drop=True)
    band.attrs = dict(data.band.attrs)
    demand = charts.demand_chart(
        f"{name}: demand history and plan (units)",
        drawn,
        actual,
        {
            "forecast": dict(zip(band["period"], band["forecast"], strict=True)),
            "consensus": _row(grid, "demand_plan"),
            "constrained": _row(grid, "constrained"),
            "last_version": _row(grid, "last_version"),
        },
        band,
    )
    shown = [*sheet.sheet.history, *horizon]
    production = charts.production_chart(
        f"{name}: production and capacity",
        shown,
        {k: _row(grid, k) for k in ("regular", "overtime", "subcontract")},
        data.resources,
    )
    inventory = charts.inventory_chart(
        f"{name}: inventory and safety stock (units)",
        shown,
        _row(grid, "inventory_plan"),
        _row(grid, "inventory_actual"),
        _row(grid, "safety_stock"),
        _row(grid, "days_of_supply"),
    )
    return [
        Chart(f"demand-{slug}", demand),
        Chart(f"production-{slug}", production),
        Chart(f"inventory-{slug}", inventory),
    ]


# ---------------------------------------------------------------- supply


def supply_section(strategy: str, data: PlanData) -> Section:
    s = Section("supply", f"Supply: capacity and workforce ({strategy} plan)")
    cap = data.capacity.assign(
        # what each month's demand asks of the resource, whatever the plan then does about it
        asked=data.capacity["required_load"] / data.capacity["capacity"]
    )
    heat = cap.pivot_table(index="resource", columns="period", values="asked", sort=False)
    title = "Rough-cut capacity: the load each month's demand asks, over capacity"
    s.charts.append(Chart("capacity-heatmap", charts.capacity_heatmap(title, heat)))
    periods = list(heat.columns)
    wf = data.workforce
    s.charts.append(
        Chart("workforce", charts.workforce_chart("Workforce plan (people)", periods, wf))
    )
    over = cap[cap["overload"] > 1e-6].sort_values("overload", ascending=False)
    s.tables.append(
        Table(
            "overloads",
            "Overloads: load required to ship each month's demand in it, above capacity "
            "(the plan builds ahead, works overtime, subcontracts or ships late)",
            over[["resource", "period", "capacity", "required_load", "load", "overload"]],
            units={c: "units" for c in ("capacity", "required_load", "load", "overload")},
            limit=MAX_ROWS // 2,
        )
    )
    people = wf.pivot_table(index="pool", columns="period", values="headcount", sort=False)
    hires = wf.groupby("pool")[["hires", "layoffs"]].sum()
    table = people.reset_index()
    table["hires"] = table["pool"].map(hires["hires"])
    table["layoffs"] = table["pool"].map(hires["layoffs"])
    s.tables.append(
        Table(
            "workforce",
            "Workforce: headcount by pool in whole people; hires and layoffs over the plan",
            table,
            units={c: "people" for c in table.columns if c != "pool"},
        )
    )
    if over.empty:
        s.notes.append("no resource needs more than its capacity in any month")
    return s


# ---------------------------------------------------------------- finance


MONEY_COLUMNS = ("revenue", "gross_margin", "margin_pct", "contribution", "inventory_value")
GAP_COLUMNS = ("budget_revenue", "revenue", "gap", "demand_gap", "supply_gap")


def finance_section(fin: FinanceReport) -> Section:
    cur = fin.currency
    s = Section("finance", f"Finance: the plan in money ({cur})", wide=True)
    lines = fin.plan.lines[fin.plan.lines["family"] == TOTAL]
    periods = list(lines["period"])
    budget = fin.gap[fin.gap["family"] == TOTAL]
    s.charts.append(
        Chart(
            "money",
            charts.money_chart(
                f"Revenue and margin against budget ({cur})",
                periods,
                dict(zip(lines["period"], lines["revenue"], strict=True)),
                dict(zip(lines["period"], lines["gross_margin"], strict=True)),
                dict(zip(budget["period"], budget["budget_revenue"], strict=True)),
                cur,
            ),
        )
    )
    g = fin.year_gap()
    if g:
        s.charts.append(
            Chart(
                "gap-waterfall",
                charts.waterfall_chart(
                    f"{fin.budget_year}: from budget to plan revenue ({cur})",
                    ("budget", float(g["budget_revenue"])),
                    [
                        ("demand gap", float(g["demand_gap"])),
                        ("supply gap", float(g["supply_gap"])),
                    ],
                    "plan",
                    cur,
                ),
            )
        )
    years = fin.years.merge(fin.gap_years, on=["family", "period"], how="left", suffixes=("", "_g"))
    cols = ["family", "period", *MONEY_COLUMNS, *GAP_COLUMNS[:1], "gap", "demand_gap", "supply_gap"]
    s.tables.append(
        Table(
            "finance_years",
            f"By fiscal year ({fin.year_to_go} is the year to go); gap = demand gap + supply gap",
            years[cols],
            units=_money_units(cols),
        )
    )
    q = fin.quarters[fin.quarters["family"] == TOTAL]
    qcols = ["period", *MONEY_COLUMNS]
    s.tables.append(
        Table(
            "finance_quarters",
            "All families by fiscal quarter",
            q[qcols],
            units=_money_units(qcols),
        )
    )
    return s


def _money_units(cols: list[str]) -> dict[str, str]:
    return {
        c: ("ratio" if c == "margin_pct" else "money")
        for c in cols
        if c not in ("family", "period")
    }


# ---------------------------------------------------------------- what changed


def changes_section(parts: PackParts, notes: dict[str, str]) -> Section:
    s = Section("changes", "What changed, scenarios and levers", wide=True)
    if parts.changes is not None:
        _changes(s, parts.changes)
    else:
        s.notes.append(f"what changed: {notes.get('changes', 'not available')}")
    if parts.scenarios is not None:
        _scenarios(s, parts.scenarios)
    else:
        s.notes.append(f"scenarios: {notes.get('scenarios', 'not available')}")
    if parts.levers is not None:
        _levers(s, parts.levers)
    elif "levers" in notes:
        s.notes.append(f"levers: {notes['levers']}")
    return s


def _changes(s: Section, cmp: Comparison) -> None:
    causes = cmp.demand.by_cause()
    old = float(cmp.demand.cells["old"].sum())
    steps = [
        (str(c), float(v))
        for c, v in zip(causes["cause"], causes["change"], strict=True)
        if c != TOTAL
    ]
    s.charts.append(
        Chart(
            "demand-waterfall",
            charts.waterfall_chart(
                f"Consensus demand since version {cmp.base} "
                f"({cmp.periods[0]}..{cmp.periods[-1]}, units)",
                (f"version {cmp.base}", old),
                steps,
                f"cycle {cmp.cycle}",
                "units",
            ),
        )
    )
    by = cmp.demand.by_family().pivot_table(
        index="family", columns="cause", values="change", sort=False
    )
    by = by.reindex(columns=[c for c in cmp.demand.causes if c in by.columns])
    by["total"] = by.sum(axis=1)
    frame = by.reset_index()
    s.tables.append(
        Table(
            "changes_demand",
            f"Consensus demand, change by cause and family (units, {len(cmp.periods)} "
            "shared periods)",
            frame,
            units={c: "units" for c in frame.columns if c != "family"},
        )
    )
    rows = []
    for measure, wf in cmp.supply.items():
        for r in wf.by_cause().itertuples(index=False):
            rows.append({"measure": str(measure), "cause": r.cause, "change": r.change})
    s.tables.append(
        Table(
            "changes_supply",
            f"Supply plan, change by cause ({cmp.strategy} plan; cost in money)",
            pd.DataFrame(rows, columns=["measure", "cause", "change"]),
            units={"measure": "text", "cause": "text"},
            row_units=["money" if str(r["measure"]).startswith("cost") else "units" for r in rows],
        )
    )


SCENARIO_MEASURES = (
    "revenue",
    "gap_to_budget",
    "gross_margin",
    "plan_cost",
    "inventory_value",
    "backlog",
    "fill_rate",
    "utilisation",
)


def scenarios_section(sc: ScenarioComparison) -> Section:
    """The scenarios compared on their own (the web page's comparison): the pack's table
    and chart of them."""
    s = Section("scenario-comparison", f"Scenarios compared, cycle {sc.cycle}")
    _scenarios(s, sc)
    return s


def _scenarios(s: Section, sc: ScenarioComparison) -> None:
    t = sc.table[sc.table["family"] == TOTAL]
    wide = t.pivot_table(index="measure", columns="plan", values="value", sort=False)
    wide = wide.reindex(index=[m for m in SCENARIO_MEASURES if m in wide.index], columns=sc.plans)
    frame = wide.reset_index()
    units = {"measure": "text"}
    row_units = [
        ("ratio" if m in ("fill_rate", "utilisation") else "units" if m == "backlog" else "money")
        for m in frame["measure"]
    ]
    s.tables.append(
        Table(
            "scenarios",
            f"Scenarios against the base plan, all families ({sc.currency})",
            frame,
            units=units,
            row_units=row_units,
            key_column="measure",
        )
    )
    money = wide.loc[[m for m in ("revenue", "gross_margin", "gap_to_budget") if m in wide.index]].T
    s.charts.append(
        Chart(
            "scenarios",
            charts.scenario_chart(
                "Scenarios: revenue, margin and gap to budget", money, sc.currency
            ),
        )
    )
    for name, why in sc.infeasible.items():
        s.notes.append(f"scenario {name} has no feasible plan: {'; '.join(why[:2])}")


def _levers(s: Section, lv: LeverReport) -> None:
    data = lv.to_json()
    rows = [
        {
            "rank": r["rank"],
            "lever": lever_what(r),
            "per_unit": r["per_unit"],
            "value": r["value"],
            "resolved_value": r["resolved_value"],
            "budget_gap_closed": r["budget_gap_closed"],
        }
        for r in data["levers"][:10]
    ]
    frame = pd.DataFrame(
        rows, columns=["rank", "lever", "per_unit", "value", "resolved_value", "budget_gap_closed"]
    )
    s.tables.append(
        Table(
            "levers",
            f"Levers: what one more unit is worth ({lv.currency}; the first {lv.top} "
            "checked by re-solves)",
            frame,
            units={
                "rank": "text",
                "lever": "text",
                "per_unit": "money",
                "value": "money",
                "resolved_value": "money",
                "budget_gap_closed": "ratio",
            },
        )
    )


# ---------------------------------------------------------------- exceptions and decisions


def exceptions_section(k: KpiReport | None, ag: Agenda) -> Section:
    s = Section("exceptions", "Exceptions and decisions")
    if k is not None and not k.exceptions.empty:
        ex = k.exceptions[["owner", "rule", "family", "resource", "period", "message"]]
        s.tables.append(
            Table(
                "exceptions",
                f"Exceptions ({len(ex)}), by owner",
                ex.sort_values(["owner", "rule", "family", "period"], kind="stable"),
                limit=MAX_ROWS,
            )
        )
    else:
        s.notes.append(
            "no exceptions" if k is not None else "exceptions need the KPI card's actuals"
        )
    s.tables.append(
        _decisions_table("decisions", f"Decisions on the agenda of cycle {ag.cycle}", ag)
    )
    if ag.closed:
        closed = pd.DataFrame(
            [
                {
                    "id": d.id,
                    "what": d.what,
                    "owner": d.owner,
                    "closed_by": d.closed_by,
                    "note": d.note or "",
                }
                for d in ag.closed
            ],
            columns=["id", "what", "owner", "closed_by", "note"],
        )
        s.tables.append(
            Table("decisions_closed", "Closed in this cycle", closed, units={"id": "text"})
        )
    return s
