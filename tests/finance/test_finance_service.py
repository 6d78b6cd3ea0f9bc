"""The financial plan and the family sheet of the small workbook's cycles: stored in the
version at approval, read by the services and the CLI, actuals against the lag-1 plan."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from snop.learning.frames import TOTAL
from snop.services.cycles import open_cycle
from snop.services.finance import finance_report
from snop.services.forecast import run_baseline
from snop.services.sheet import family_sheet
from snop.services.supply import plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import import_workbook
from tests.cli import snop
from tests.cycle.test_cycles import DP, SP, approved_store
from tests.cycle.test_kpis import NOVEMBER


def test_the_approved_plan_in_money_against_the_budget(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    r = finance_report(uow, DP)
    assert (r.cycle, r.status, r.strategy) == ("2026-11", "approved", "optimal")
    v = read_version(uow, DP, "2026-11")
    # the version keeps the plan in money as approved, and the report reads it back
    stored = pd.DataFrame(v.finance["optimal"]["lines"])
    assert stored["revenue"].sum() == pytest.approx(r.plan.lines["revenue"].sum())
    # F1's price in 2026-11 by hand: its items' consensus at 10 (A1) and 12 (A2)
    cons = v.consensus().set_index(["item", "period"])["qty"]
    a1, a2 = cons[("A1", "2026-11")], cons[("A2", "2026-11")]
    price = (a1 * 10 + a2 * 12) / (a1 + a2)
    plan = v.plan().plan.set_index(["family", "period"])
    shipped = plan.at[("F1", "2026-11"), "shipped"]
    gap = r.gap.set_index(["family", "period"])
    assert gap.at[("F1", "2026-11"), "revenue"] == pytest.approx(shipped * price)
    assert gap.at[("F1", "2026-11"), "gap"] == pytest.approx(shipped * price - 2000.0)
    assert gap.at[("F1", "2026-11"), "gap_qty"] == pytest.approx(shipped - 180.0)
    # the company's own row (2800) is the total budget, not F1's 2000
    assert gap.at[(TOTAL, "2026-11"), "budget_revenue"] == 2800.0
    assert math.isnan(gap.at[("F2", "2026-11"), "budget_revenue"])
    assert r.budget_year == "FY2026" and r.year_to_go == "FY2026"
    togo = r.gap_years.set_index(["family", "period"]).loc[(TOTAL, "FY2026")]
    # the year to go holds 2026-11 and 2026-12, of which one is budgeted
    assert (togo["periods"], togo["budgeted"]) == (2, 1)
    # every strategy approved is priced; the plan's costs are all in its money
    assert set(r.strategies) == {"optimal"}
    assert r.plan.total()["plan_cost"] == pytest.approx(v.plan().total_cost)


def test_the_family_sheet_shows_actuals_against_the_lag_1_plan(tmp_path: Path) -> None:
    uow = approved_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path)
    first = family_sheet(uow, DP, "F1").sheet.grid("F1")
    # no version before the first cycle: history has actuals only
    assert first.at["sales_actual", "2026-10"] == 200.0  # 105 + 20 + 75
    assert "sales_diff" not in first.index
    folder = tmp_path / "nov"
    folder.mkdir()
    for name, text in NOVEMBER.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    import_workbook(uow, DP, folder)
    open_cycle(uow, DP, "2026-12")
    run_baseline(uow, DP, method="naive")
    plan_cycle_supply(uow, SP, ("optimal",))
    r = family_sheet(uow, DP, cycle="2026-12", history=2)
    assert (r.status, r.sheet.history) == ("draft", ["2026-10", "2026-11"])
    assert r.shown == ["F1", "F2", TOTAL]
    g = r.sheet.grid("F1")
    old = read_version(uow, DP, "2026-11").plan().plan.set_index(["family", "period"])
    planned = old.loc[("F1", "2026-11")]
    # November: sold 200 against the plan's demand, made 150 against its production
    assert g.at["demand_plan", "2026-11"] == pytest.approx(planned["demand"])
    assert g.at["sales_diff", "2026-11"] == pytest.approx(200.0 - planned["demand"])
    made = planned["production"] + planned["subcontract"]
    assert g.at["production_diff", "2026-11"] == pytest.approx(150.0 - made)
    assert g.at["inventory_actual", "2026-11"] == 60.0
    # the horizon: the draft plan of 2026-12, and the last version's consensus beside it
    assert g.at["last_version", "2026-12"] == pytest.approx(old.loc[("F1", "2026-12"), "demand"])
    assert math.isnan(g.get("2026-10", pd.Series()).get("last_version", math.nan))
    total = r.sheet.grid(TOTAL)
    both = r.sheet.grid("F2")
    for row in ("demand_plan", "production_plan", "inventory_plan", "revenue"):
        assert total.at[row, "2026-12"] == pytest.approx(
            g.at[row, "2026-12"] + both.at[row, "2026-12"]
        )
    # ratios of the total are ratios of its sums
    assert total.at["margin_pct", "2026-12"] == pytest.approx(
        total.at["gross_margin", "2026-12"] / total.at["revenue", "2026-12"]
    )
    # capacity never exceeded, fill rate within 0..1
    assert (g.loc["utilisation"].dropna() <= 1 + 1e-9).all()
    assert ((g.loc["fill_rate"].dropna() >= 0) & (g.loc["fill_rate"].dropna() <= 1)).all()


def test_sheet_and_finance_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    approved_store(f"sqlite:///{db}", tmp_path)
    r = snop("--db", db, "sheet", "--family", "F1", "--json")
    assert r.exit_code == 0, r.stderr
    data = r.json()
    assert data["shown"] == ["F1"] and {c["family"] for c in data["sheet"]["cells"]} == {"F1"}
    assert [row["key"] for row in data["rows"]][:2] == ["demand_plan", "sales_actual"]
    r = snop("--db", db, "finance", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["budget_year"] == "FY2026"
    text = snop("--db", db, "sheet")
    assert text.exit_code == 0 and "all families" in text.stdout and "Gap to budget" in text.stdout
    text = snop("--db", db, "finance", "--by", "period")
    assert text.exit_code == 0 and "FY2026" in text.stdout and "2026-11" in text.stdout
    bad = snop("--db", db, "sheet", "--family", "NOPE")
    assert bad.exit_code == 1 and "no family 'NOPE'" in bad.stderr and not bad.traceback
    bad = snop("--db", db, "finance", "--strategy", "level")
    assert bad.exit_code == 1 and "no level plan" in bad.stderr


def test_the_exported_plan_holds_the_sheets_and_the_money_of_the_services(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    db = tmp_path / "s.db"
    uow = approved_store(f"sqlite:///{db}", tmp_path)
    r = snop("--db", db, "export", tmp_path / "plan.xlsx")
    assert r.exit_code == 0, r.stderr
    book = load_workbook(tmp_path / "plan.xlsx")
    money = finance_report(uow, DP)
    rows = list(book["plan_finance"].iter_rows(values_only=True))
    head = list(rows[0])
    by = {
        (x[head.index("bucket")], x[head.index("family")], x[head.index("period")]): x
        for x in rows[1:]
    }
    lines = money.plan.lines.set_index(["family", "period"])
    for fam in ("F1", "F2", TOTAL):
        got = by[("period", fam, "2026-12")]
        for col in ("revenue", "cogs", "gross_margin", "inventory_value"):
            assert got[head.index(col)] == pytest.approx(lines.at[(fam, "2026-12"), col], abs=0.006)
    gap = list(book["plan_budget_gap"].iter_rows(values_only=True))
    ghead = list(gap[0])
    f1 = next(x for x in gap[1:] if x[0] == "period" and x[1] == "F1" and x[2] == "2026-11")
    want = money.gap.set_index(["family", "period"]).loc[("F1", "2026-11")]
    for col in ("demand_gap", "supply_gap", "gap"):
        assert f1[ghead.index(col)] == pytest.approx(want[col], abs=0.006)
    sheet = family_sheet(uow, DP, "F1").sheet.grid("F1")
    ws = book["plan_family_F1"]
    grid = list(ws.iter_rows(values_only=True))
    assert ws.freeze_panes == "A2"
    labels = [x[1] for x in grid[1:]]
    col = list(grid[0]).index("2026-12")
    row = grid[1 + labels.index("Inventory plan")]
    assert row[col] == pytest.approx(sheet.at["inventory_plan", "2026-12"], abs=0.006)
    pct = ws.cell(row=2 + labels.index("Margin %"), column=col + 1)
    assert pct.number_format == "0.0%"
    # the sheets alone, from the sheet command
    r = snop("--db", db, "sheet", "--xlsx", tmp_path / "sheets.xlsx")
    assert r.exit_code == 0 and "wrote 3 sheet(s)" in r.stderr
    assert load_workbook(tmp_path / "sheets.xlsx").sheetnames == [
        "plan_family_F1",
        "plan_family_F2",
        "plan_family_total",
    ]
