"""The integrated plan's sheets of the Excel export: one S&OP sheet per family and the
total, the financial plan, and the gap to budget (builders of
:data:`snop.services.plan_export.SHEET_BUILDERS`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from snop.errors import NotFoundError, SnopError
from snop.finance.budget import GAP_ADDITIVE
from snop.finance.plan import FINANCE_COLUMNS
from snop.io.atomic import Written
from snop.io.plan_book import ColumnKind, OutputSheet, write_plan_book
from snop.learning.frames import TOTAL
from snop.services.context import Tx
from snop.services.finance import FinanceReport, plan_basis, report_of
from snop.services.sheet import SheetReport, sheet_in

if TYPE_CHECKING:
    from snop.services.plan_export import CyclePlan

K = ColumnKind
ROW_KIND = {
    "units": K.UNITS,
    "money": K.MONEY,
    "ratio": K.PERCENT,
    "days": K.UNITS,
    "people": K.COUNT,
}
FINANCE_KINDS = {
    c: K.PERCENT
    if c == "margin_pct"
    else K.UNITS
    if c in ("demand", "shipped", "inventory")
    else K.MONEY
    for c in FINANCE_COLUMNS[2:]
}
GAP_KINDS = {
    c: K.COUNT
    if c == "budgeted"
    else K.UNITS
    if c.endswith("qty") or c in ("demand", "shipped")
    else K.MONEY
    for c in GAP_ADDITIVE
}


def family_sheet_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_family_<FAM>`` per family, then ``plan_family_total``: the S&OP sheet as a
    grid of rows by period (no sheet before the cycle has a supply plan)."""
    try:
        r = sheet_in(tx, cycle=plan.cycle.period)
    except NotFoundError:
        return []
    return [grid_sheet(r, fam) for fam in r.shown]


def write_sheets(r: SheetReport, path: Path) -> Written:
    """The report's sheets (one per family shown) alone in the .xlsx ``path``."""
    if path.suffix.lower() != ".xlsx":
        raise SnopError(f"{path}: the sheets are written to an .xlsx file (a name ending .xlsx)")
    return write_plan_book(None, [grid_sheet(r, fam) for fam in r.shown], path)


def grid_sheet(r: SheetReport, family: str) -> OutputSheet:
    """One family's S&OP sheet as an output sheet: block, row, one column per period."""
    grid = r.sheet.grid(family)
    rows = [row for row in r.rows if row.key in grid.index]
    frame = pd.DataFrame(
        {
            "block": [row.block for row in rows],
            "row": [row.label for row in rows],
            **{p: grid.loc[[row.key for row in rows], p].to_numpy() for p in r.sheet.periods},
        }
    )
    name = "plan_family_total" if family == TOTAL else f"plan_family_{family}"
    what = "all families" if family == TOTAL else f"family {family}"
    history = r.sheet.history
    title = (
        f"S&OP sheet of {what}, cycle {r.cycle} ({r.status}, {r.strategy} plan), money in "
        f"{r.currency}" + (f"; {history[0]} to {history[-1]} are actuals" if history else "")
    )
    return OutputSheet(
        name,
        frame,
        dict.fromkeys(r.sheet.periods, K.UNITS),
        title,
        [ROW_KIND[row.unit] for row in rows],
    )


def finance_sheets(tx: Tx, plan: CyclePlan) -> list[OutputSheet]:
    """``plan_finance`` (the financial plan by family and period, with the fiscal quarters
    and years after it) and ``plan_budget_gap`` (the gap and its split, the same way)."""
    try:
        r = report_of(plan_basis(tx, plan.cycle.period))
    except NotFoundError:
        return []
    return [_finance_sheet(r), _gap_sheet(r)]


def _finance_sheet(r: FinanceReport) -> OutputSheet:
    frames = [r.plan.lines.assign(bucket="period"), r.quarters, r.years]
    frames[1] = frames[1].assign(bucket="quarter")
    frames[2] = frames[2].assign(bucket="year")
    df = pd.concat(frames, ignore_index=True)
    cols = ["bucket", "family", "period", *(c for c in FINANCE_COLUMNS[2:] if c in df.columns)]
    incomplete = "" if r.complete else "; incomplete: items without a price or cost count as 0"
    title = (
        f"Financial plan of cycle {r.cycle} ({r.status}, {r.strategy} plan) in {r.currency}, "
        f"by period, fiscal quarter and year{incomplete}"
    )
    kinds = {c: k for c, k in FINANCE_KINDS.items() if c in cols}
    return OutputSheet("plan_finance", df[cols], kinds, title)


def _gap_sheet(r: FinanceReport) -> OutputSheet:
    df = pd.concat(
        [
            r.gap.assign(bucket="period"),
            r.gap_quarters.assign(bucket="quarter"),
            r.gap_years.assign(bucket="year"),
        ],
        ignore_index=True,
    )
    cols = ["bucket", "family", "period", *(c for c in GAP_ADDITIVE if c in df.columns)]
    title = (
        f"Gap to budget of cycle {r.cycle} in {r.currency}: gap = demand_gap (consensus - "
        "budget) + supply_gap (plan - consensus), in revenue and, where budgeted, units"
    )
    return OutputSheet("plan_budget_gap", df[cols], {c: GAP_KINDS[c] for c in cols[3:]}, title)
