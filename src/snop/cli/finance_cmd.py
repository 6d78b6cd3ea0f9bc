"""``snop sheet`` and ``snop finance``: the family S&OP sheet and the plan in money."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from snop.cli.common import actor, console, err_console, esc, print_json, store
from snop.cli.main import app
from snop.integrated.sheet import Row
from snop.learning.frames import TOTAL
from snop.services.finance import FinanceReport

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CycleOpt = Annotated[
    str | None,
    typer.Option("--cycle", help="Cycle (first period); default: the current one."),
]
StrategyOpt = Annotated[
    str | None,
    typer.Option(
        "--strategy", help="level, chase or optimal; default: the approved one, else optimal."
    ),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="A scenario's run on the cycle instead of its plan."),
]
SHOWN_AHEAD = 6  # horizon periods a terminal shows (every one in --json)


def amount(value: object, unit: str) -> str:
    """A sheet cell as the sheet prints it: units and people whole, money in thousands,
    ratios in percent, days to one decimal; blank when there is no value."""
    if not isinstance(value, (int, float)) or math.isnan(value):
        return ""
    if unit == "ratio":
        return f"{100 * value:.0f}%"
    if unit == "days":
        return f"{value:,.1f}"
    if unit == "money":
        return f"{value / 1000:,.0f}k"
    return f"{value:,.0f}"


@app.command("sheet")
def sheet_cmd(
    ctx: typer.Context,
    family: Annotated[
        str | None,
        typer.Option("--family", help="One family; default: every family and the total."),
    ] = None,
    cycle: CycleOpt = None,
    strategy: StrategyOpt = None,
    history: Annotated[
        int, typer.Option("--history", help="Periods of actuals shown before the horizon.")
    ] = 3,
    scenario: ScenarioOpt = None,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="Also write the sheets to this .xlsx file, one per family."),
    ] = None,
    all_periods: Annotated[
        bool, typer.Option("--all-periods", help=f"Show every period, not the first {SHOWN_AHEAD}.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Write the sheets with their charts to this HTML page instead."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """The family S&OP sheet: sales, operations, inventory, backlog and money by period,
    actuals against the plan on the left, the plan ahead on the right."""
    from snop.services.sheet import family_sheet

    if html is not None:
        from snop.services.pack import write_sheet_page

        written = write_sheet_page(
            store(ctx),
            actor(ctx),
            html,
            family,
            cycle=cycle,
            strategy=strategy,
            history=history,
            scenario=scenario,
        )
        if as_json:
            print_json({"html": str(written)})
        else:
            err_console.print(f"wrote the sheet with its charts to {esc(written)}")
        return

    r = family_sheet(
        store(ctx),
        actor(ctx),
        family,
        cycle=cycle,
        strategy=strategy,
        history=history,
        scenario=scenario,
    )
    if xlsx is not None:
        from snop.services.finance_export import write_sheets

        write_sheets(r, xlsx)
        err_console.print(f"wrote {len(r.shown)} sheet(s) to {esc(xlsx)}")
    if as_json:
        print_json(r)
        return
    ahead = r.sheet.horizon if all_periods else r.sheet.horizon[:SHOWN_AHEAD]
    periods = r.sheet.history + ahead
    for fam in r.shown:
        title = "all families" if fam == TOTAL else f"family {fam}"
        console.print(
            f"[bold]{esc(title)}[/]: cycle {esc(r.cycle)} ({r.status}, {r.strategy} plan)"
        )
        for line in grid_lines(r.sheet.grid(fam), r.rows, periods, r.sheet.history):
            console.print(line, markup=False)
        for note in r.notes.get(fam, []):
            console.print(f"  note: {esc(note)}")
    console.print(
        f"* actuals. Money in thousands of {esc(r.currency)}."
        + (
            ""
            if all_periods or len(ahead) == len(r.sheet.horizon)
            else f" First {len(ahead)} of {len(r.sheet.horizon)} periods ahead (--all-periods)."
        )
    )
    _incomplete(r.unpriced, r.uncosted)


LABEL, CELL = 36, 10


def grid_lines(
    grid: pd.DataFrame, rows: Sequence[Row], periods: list[str], history: list[str]
) -> list[str]:
    """A sheet as fixed-width text lines: a header of periods (``*``: actuals), then a
    line per row that has a value, blocks separated by their name."""
    lines = [
        "".ljust(LABEL) + "".join((p + ("*" if p in history else "")).rjust(CELL) for p in periods)
    ]
    block = None
    for row in rows:
        if row.key not in grid.index:
            continue
        if row.block != block:
            block = row.block
            lines.append(block.upper())
        values = grid.loc[row.key]
        cells = "".join(amount(values.get(p), row.unit).rjust(CELL) for p in periods)
        lines.append(("  " + row.label)[:LABEL].ljust(LABEL) + cells)
    return lines


def _incomplete(unpriced: dict[str, list[str]], uncosted: dict[str, list[str]]) -> None:
    for what, missing in (("price", unpriced), ("unit_cost", uncosted)):
        for fam, items in missing.items():
            listed = ", ".join(items[:5]) + (
                f" and {len(items) - 5} more" if len(items) > 5 else ""
            )
            console.print(
                f"[yellow]incomplete:[/] family {esc(fam)}: no {what} for {esc(listed)}; "
                "their money counts as 0"
            )


def money(value: float, currency: str = "") -> str:
    """An amount in millions or thousands, as a headline shows it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.2f}{suffix}{' ' + currency if currency else ''}"
    return f"{value:,.0f}{' ' + currency if currency else ''}"


def signed(value: float) -> str:
    return ("+" if value >= 0 else "-") + money(abs(value))


def finance_headline(r: FinanceReport) -> list[str]:
    """The financial headline: the budget year against budget, its split, the largest
    family gaps, the inventory value (lines of text, markup-free)."""
    cur = r.currency
    total = r.plan.total()
    lines = []
    if r.budget_year is None:
        lines.append(
            f"no budget for the plan's periods; plan revenue {money(total['revenue'], cur)}, "
            f"gross margin {money(total['gross_margin'], cur)} ({100 * total['margin_pct']:.1f}%)"
        )
    else:
        y, g = r.year_line(), r.year_gap()
        pct = 100 * g["gap"] / g["budget_revenue"] if g["budget_revenue"] else float("nan")
        lines.append(
            f"{r.budget_year} ({int(y['periods'])} periods in the plan, {int(g['budgeted'])} "
            f"budgeted): revenue {money(g['revenue'], cur)} against a budget of "
            f"{money(g['budget_revenue'], cur)}: gap {signed(g['gap'])} ({pct:+.1f}%) = demand "
            f"{signed(g['demand_gap'])} + supply {signed(g['supply_gap'])}"
        )
        lines.append(
            f"  gross margin {money(y['gross_margin'], cur)} ({100 * y['margin_pct']:.1f}%), "
            f"after holding, backlog and workforce changes {money(y['contribution'], cur)}; "
            f"cost variance to standard {signed(y['cost_variance'])}"
        )
        togo = r.year_gap(year=r.year_to_go)
        if r.year_to_go != r.budget_year and togo.get("budgeted"):
            lines.append(
                f"  year to go ({r.year_to_go}, {int(togo['periods'])} periods): revenue "
                f"{money(togo['revenue'], cur)} against {money(togo['budget_revenue'], cur)}: "
                f"gap {signed(togo['gap'])}"
            )
        for rec in r.largest_gaps().to_dict("records"):
            lines.append(
                f"  {rec['family']}: gap {signed(rec['gap'])} = demand "
                f"{signed(rec['demand_gap'])} + supply {signed(rec['supply_gap'])}"
            )
    if r.initiatives:
        i = r.initiatives
        lines.append(
            f"approved initiatives {', '.join(i['codes'])} add revenue {signed(i['revenue'])}, "
            f"gross margin {signed(i['gross_margin'])}, plan cost {signed(i['plan_cost'])} "
            f"({i['strategy']} plan with them less without)"
        )
    stock = r.plan.lines[r.plan.lines["family"] == TOTAL]
    last = stock.iloc[-1]
    lines.append(
        f"inventory value {money(last['inventory_value'], cur)} at the end of {last['period']}"
        f" (peak {money(stock['inventory_value'].max(), cur)})"
    )
    return lines


FINANCE_TABLE = (
    ("revenue", "revenue"),
    ("cogs", "COGS"),
    ("gross_margin", "margin"),
    ("margin_pct", "margin %"),
    ("plan_cost", "plan cost"),
    ("inventory_value", "stock value"),
)


@app.command("finance")
def finance_cmd(
    ctx: typer.Context,
    cycle: CycleOpt = None,
    strategy: StrategyOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="period, quarter or year: the table's buckets.")
    ] = "quarter",
    family: Annotated[
        str | None, typer.Option("--family", help="The table of one family; default: the total.")
    ] = None,
    scenario: ScenarioOpt = None,
    as_json: Json = False,
) -> None:
    """The plan in money: revenue, cost of goods by component, gross margin, inventory
    value, and the gap to budget split into demand and supply."""
    from snop.services.finance import finance_report

    if by not in ("period", "quarter", "year"):
        raise typer.BadParameter(f"{by!r}; use period, quarter or year", param_hint="--by")
    r = finance_report(store(ctx), actor(ctx), cycle, strategy, scenario)
    if as_json:
        print_json(r)
        return
    console.print(
        f"[bold]financial plan of cycle {esc(r.cycle)}[/] ({r.status}, {r.strategy} plan, "
        f"{esc(r.currency)}; fiscal year from month {r.fiscal_start})"
    )
    for line in finance_headline(r):
        console.print(line, markup=False)
    frame = {"period": r.plan.lines, "quarter": r.quarters, "year": r.years}[by]
    gaps = {"period": r.gap, "quarter": r.gap_quarters, "year": r.gap_years}[by]
    who = family or TOTAL
    rows = frame[frame["family"] == who].merge(
        gaps[gaps["family"] == who][["period", "budget_revenue", "gap"]], on="period", how="left"
    )
    if rows.empty:
        raise typer.BadParameter(f"no family {family!r} in the plan", param_hint="--family")
    heads = [label for _, label in FINANCE_TABLE] + ["budget", "gap"]
    console.print(f"by {by}, {'all families' if who == TOTAL else 'family ' + esc(who)}:")
    console.print("".ljust(12) + "".join(h.rjust(CELL + 2) for h in heads), markup=False)
    for rec in rows.to_dict("records"):
        cells = [
            amount(rec[k], "ratio" if k == "margin_pct" else "money") for k, _ in FINANCE_TABLE
        ] + [amount(rec["budget_revenue"], "money"), amount(rec["gap"], "money")]
        console.print(
            str(rec["period"]).ljust(12) + "".join(c.rjust(CELL + 2) for c in cells), markup=False
        )
    console.print(
        "strategies: "
        + "; ".join(
            f"{s} revenue {money(t['revenue'])}, margin {money(t['gross_margin'])}, plan cost "
            f"{money(t['plan_cost'])}"
            for s, t in r.strategies.items()
        )
    )
    _incomplete(r.plan.unpriced, r.plan.uncosted)
