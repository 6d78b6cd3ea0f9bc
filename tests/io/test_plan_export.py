"""``snop export PLAN.xlsx``: the current cycle's plan in plan_ sheets beside the input
workbook, the figures the services give, formatted for people, and the inputs still
importing back unchanged (the plan sheets ignored, with a warning)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from snop.io import Severity, check_workbook
from snop.model.schema import TABLES
from snop.services import demand_review as dr
from snop.services.cycles import approve_cycle, signoff
from snop.services.forecast import run_baseline
from snop.services.plan_export import consensus_sheets, export_plan, read_cycle_plan
from snop.services.supply import current_plans, plan_cycle_supply
from snop.services.versions import read_version
from snop.services.workbook import export_store, import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.cycle.test_cycles import DP, EX, FI, SL, SP
from tests.stores import built_store
from tests.workbooks import write_small

# a workbook override whose comment starts with "=": text, never a formula
OVERRIDES = """layer,level,key,period,qty,reason,author,comment
marketing,family,F2,2027-01,50,launch,mia,=trade show
"""
# one worker builds the module's stores once
pytestmark = pytest.mark.xdist_group("plan-export")

PLAN_SHEETS = {
    "plan_about",
    "plan_consensus",
    "plan_family_F1",
    "plan_family_F2",
    "plan_family_total",
    "plan_supply_level",
    "plan_supply_chase",
    "plan_supply_optimal",
    "plan_workforce",
    "plan_capacity",
    "plan_finance",
    "plan_budget_gap",
    "plan_overrides",
}


def _url(uow: UnitOfWork) -> str:
    return uow.engine.url.render_as_string(hide_password=False)


def _drafts(uow: UnitOfWork, folder: Path) -> None:
    """The small workbook (with one workbook override), its baseline, two overrides typed
    with `snop demand override` (one withdrawn again) and supply planned, not approved."""
    import_workbook(uow, DP, write_small(folder / "wb", {"overrides": OVERRIDES}))
    signoff(uow, DP, "data")
    run_baseline(uow, DP, method="naive")
    signoff(uow, DP, "forecast")
    db = _url(uow)
    kept = ["--layer", "sales", "--level", "item", "--key", "A2", "--period", "2027-03"]
    r = snop("--db", db, "demand", "override", *kept, "--qty", "100", "--reason", "customer",
             "--comment", "big order", "--event", "tender-7", "--author", "sam", "--role", "sales")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    gone = ["--layer", "sales", "--level", "item", "--key", "A1", "--period", "2027-02"]
    r = snop("--db", db, "demand", "override", *gone, "--delta", "-7.5", "--reason", "price",
             "--author", "sam", "--role", "sales")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = snop("--db", db, "demand", "override", "delete", "2", "--reason", "typo",
             "--author", "sam", "--role", "sales")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    plan_cycle_supply(uow, SP)
    _settle(uow)


def _settle(uow: UnitOfWork) -> None:
    """Write SQLite's log into the database file, which built_store copies: the in-process
    CLI's connections stay open, so closing ours does not do it."""
    if uow.engine.dialect.name == "sqlite":
        with uow.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")


def _approved(uow: UnitOfWork, folder: Path) -> None:
    _drafts(uow, folder)
    dr.submit(uow, DP)
    dr.approve(uow, EX)
    signoff(uow, DP, "demand_review")
    plan_cycle_supply(uow, SP)
    signoff(uow, SP, "supply_review")
    signoff(uow, FI, "financial_review")
    signoff(uow, SL, "pre_sop")
    approve_cycle(uow, EX)
    _settle(uow)


@pytest.fixture
def approved(tmp_path: Path) -> UnitOfWork:
    return built_store(
        f"sqlite:///{tmp_path / 's.db'}", tmp_path, "plan-export-approved", _approved
    )


@pytest.fixture
def drafts(tmp_path: Path) -> UnitOfWork:
    return built_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path, "plan-export-drafts", _drafts)


@functools.cache
def _book(path: Path) -> Any:
    return load_workbook(path)  # each test writes its own file: read it once


def _sheet(path: Path, name: str) -> tuple[Any, pd.DataFrame]:
    ws = _book(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return ws, pd.DataFrame(rows[1:], columns=rows[0])


def _about(path: Path) -> dict[str, str]:
    _, df = _sheet(path, "plan_about")
    return dict(zip(df["field"], df["value"], strict=True))


def _numbers(path: Path) -> Iterator[tuple[str, Any]]:
    """Every numeric cell of the plan sheets, with its sheet, column header and format."""
    for ws in _book(path).worksheets:
        if not ws.title.startswith("plan_"):
            continue
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    yield f"{ws.title}.{header[c.column - 1]}", c


def test_an_approved_cycle_exports_its_version_with_the_services_figures(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    result = export_plan(approved, DP, out)
    assert result.plan is not None and result.plan.approved
    assert set(result.sheets) == PLAN_SHEETS and result.sheets[0] == "plan_about"
    book = _book(out)
    assert book.sheetnames == [*result.sheets, *result.inputs]
    about = _about(out)
    assert about["status"] == "approved" and about["cycle"] == "2026-11"
    assert about["approved_by"] == "erin" and about["strategy"] == "optimal"
    assert about["currency"] == "$" and about["exported_by"] == "dana"
    v = read_version(approved, DP, "2026-11")

    # consensus: every layer by item, as the version holds it; A1 naive = October 105 + 20
    _, cons = _sheet(out, "plan_consensus")
    assert list(cons.columns) == ["item", "family", "period", *v.demand["layers"]]
    want = pd.DataFrame(v.demand["by_item"]).rename(columns={"key": "item"})
    got = cons.drop(columns="family").merge(want, on=["item", "period"], suffixes=("", "_v"))
    assert len(got) == len(want) == len(cons) == 4 * 6
    for layer in v.demand["layers"]:
        assert (got[layer] - got[f"{layer}_v"].round(2)).abs().max() < 1e-9, layer
    a1 = cons[(cons["item"] == "A1") & (cons["period"] == "2027-01")].iloc[0]
    assert a1["statistical"] == 125 and a1["family"] == "F1"
    a2 = cons[(cons["item"] == "A2") & (cons["period"] == "2027-03")].iloc[0]
    assert a2["sales"] == 100  # the override typed with `snop demand override`
    a1feb = cons[(cons["item"] == "A1") & (cons["period"] == "2027-02")].iloc[0]
    assert a1feb["sales"] == 125  # the -7.5 was withdrawn

    # each strategy's supply plan, to the cent
    for strategy in ("level", "chase", "optimal"):
        _, sheet = _sheet(out, f"plan_supply_{strategy}")
        plan = v.plan(strategy).plan
        assert list(sheet.columns) == list(plan.columns)
        for col in plan.columns:
            if col in ("family", "period", "pool"):
                assert list(sheet[col].fillna("")) == list(plan[col].fillna("")), col
            else:
                diff = (sheet[col].astype(float) - plan[col].round(2)).abs().max()
                assert diff < 1e-9, (strategy, col)
    # the F1 optimal plan balances: opening 100 + production - shipments = inventory
    _, opt = _sheet(out, "plan_supply_optimal")
    f1 = opt[opt["family"] == "F1"]
    stock = 100 + f1["production"].cumsum() - f1["shipped"].cumsum() + f1["backlog"]
    assert (stock - f1["inventory"]).abs().max() < 0.05

    # workforce and capacity of every strategy
    _, wf = _sheet(out, "plan_workforce")
    opt_wf = v.plan("optimal").workforce
    mine = wf[wf["strategy"] == "optimal"].reset_index(drop=True)
    assert list(mine["period"]) == list(opt_wf["period"])
    assert list(mine["headcount"]) == [int(h) for h in opt_wf["headcount"]]
    for col in ("hires", "layoffs", "labor_hours", "cost"):
        assert (mine[col] - opt_wf[col].round(2)).abs().max() < 1e-9, col
    assert (mine["utilization"] - opt_wf["utilization"].round(4)).abs().max() < 1e-9
    assert set(wf["strategy"]) == {"level", "chase", "optimal"}
    _, cap = _sheet(out, "plan_capacity")
    opt_cap = v.plan("optimal").capacity
    mine = cap[cap["strategy"] == "optimal"].reset_index(drop=True)
    assert list(mine["resource"]) == list(opt_cap["resource"])
    for col in ("capacity", "load", "overload"):
        assert (mine[col] - opt_cap[col].round(2)).abs().max() < 1e-9, col
    # R1 in January: 300 hours (the period's row), 0.1 h per F1 unit, 0.2 per F2 unit
    r1 = mine[(mine["resource"] == "R1") & (mine["period"] == "2027-01")].iloc[0]
    f = v.plan("optimal").plan.set_index(["family", "period"])["production"]
    assert r1["capacity"] == 300
    assert r1["load"] == pytest.approx(
        0.1 * f["F1", "2027-01"] + 0.2 * f["F2", "2027-01"], abs=0.01
    )


def test_the_override_log_keeps_the_commands_with_author_reason_and_whether_they_act(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    export_plan(approved, DP, out)
    ws, log = _sheet(out, "plan_overrides")
    assert len(log) == 4  # the workbook's row, two commands, one withdrawal
    typed = log[(log["key"] == "A2") & (log["period"] == "2027-03")].iloc[0]
    assert typed["author"] == "sam" and typed["role"] == "sales"
    assert typed["reason"] == "customer" and typed["comment"] == "big order"
    assert typed["event"] == "tender-7" and typed["source"] == "cli"
    assert typed["value"] == 100 and typed["kind"] == "qty" and typed["active"] == "yes"
    assert typed["created_at"].year == 2026  # a date-time cell
    withdrawn = log[log["key"] == "A1"]
    assert list(withdrawn["kind"]) == ["delta", "withdraw"]
    assert list(withdrawn["value"]) == [-7.5, 2]
    assert list(withdrawn["active"]) == ["no", "no"]
    assert withdrawn["withdrawn_by"].iloc[0] == withdrawn["id"].iloc[1]
    row = log[log["source"] == "workbook"].iloc[0]
    assert row["author"] == "mia" and row["comment"] == "=trade show"  # text, not a formula
    col = list(log.columns).index("created_at") + 1
    assert ws.cell(2, col).number_format == "yyyy-mm-dd hh:mm:ss"


def test_plan_sheets_are_frozen_tables_with_formatted_rounded_numbers(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    export_plan(approved, DP, out)
    book = _book(out)
    for name in PLAN_SHEETS:
        ws = book[name]
        assert ws.freeze_panes == "A2", name
        (table,) = ws.tables.values()
        assert table.ref == ws.dimensions, name
        assert [c.name for c in table.tableColumns] == [c.value for c in ws[1]]
        widths = [ws.column_dimensions[c].width for c in "AB"]
        assert all(8 <= w <= 61 for w in widths), (name, widths)
    for name in book.sheetnames:
        if not name.startswith("plan_"):
            assert book[name].freeze_panes is None and not book[name].tables  # inputs as ever
    seen = set()
    for where, cell in _numbers(out):
        v, fmt = cell.value, cell.number_format
        assert not (v == 0 and math.copysign(1.0, v) < 0), where  # no -0.0
        if fmt == "0.0%":
            assert round(v, 4) == v, where
        else:
            assert fmt in ("#,##0", "#,##0.00"), (where, fmt)
            assert round(v, 2) == v, where
            if fmt == "#,##0":
                assert float(v).is_integer(), where
        seen.add((where, fmt))
    assert ("plan_workforce.utilization", "0.0%") in seen
    assert ("plan_supply_optimal.cost_total", "#,##0.00") in seen
    assert ("plan_workforce.headcount", "#,##0") in seen


def test_the_inputs_round_trip_and_import_ignores_the_plan_sheets_with_a_warning(
    approved: UnitOfWork, tmp_path: Path
) -> None:
    out = tmp_path / "plan.xlsx"
    export_plan(approved, DP, out)
    checked = check_workbook(out)
    assert checked.ok
    ignored = [p for p in checked.problems if "output sheet of `snop export`" in p.message]
    assert {p.source.split("sheet ")[1] for p in ignored} == PLAN_SHEETS
    assert all(p.severity is Severity.WARNING for p in ignored)
    fresh = UnitOfWork.open(str(tmp_path / "fresh.db"))
    imported = import_workbook(fresh, DP, out)
    assert len([p for p in imported.warnings if "was ignored" in p.message]) == len(PLAN_SHEETS)
    export_store(approved, DP, tmp_path / "before")
    export_store(fresh, DP, tmp_path / "after")
    files = sorted(p.name for p in (tmp_path / "before").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "after").iterdir())
    assert "overrides.csv" in files
    for name in files:
        assert (tmp_path / "before" / name).read_bytes() == (
            tmp_path / "after" / name
        ).read_bytes(), name
    text = (tmp_path / "after" / "overrides.csv").read_text()
    assert "=trade show" in text


def test_a_cycle_in_progress_exports_its_drafts(drafts: UnitOfWork, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    result = export_plan(drafts, DP, out)
    assert result.plan is not None and not result.plan.approved
    about = _about(out)
    assert about["status"] == "draft" and about["approved_by"] is None
    assert about["strategies"] == "level (planned), chase (planned), optimal (planned)"
    assert about["demand_plan"] == "draft"
    plan = dr.demand_plan(drafts, DP)
    _, cons = _sheet(out, "plan_consensus")
    want = plan.view("item").rename(columns={"key": "item"})
    got = cons.merge(want, on=["item", "period"], suffixes=("", "_p"))
    assert len(got) == len(cons) == len(want)
    for layer in plan.layer_names:
        assert (got[layer] - got[f"{layer}_p"].round(2)).abs().max() < 1e-9
    # the draft reads the workbook's override live: F2's marketing in January is 50
    jan = cons[(cons["family"] == "F2") & (cons["period"] == "2027-01")]
    assert jan["marketing"].sum() == 50
    supply = current_plans(drafts, DP).plans
    _, opt = _sheet(out, "plan_supply_optimal")
    assert (opt["cost_total"] - supply["optimal"].plan["cost_total"].round(2)).abs().max() < 1e-9
    _, log = _sheet(out, "plan_overrides")
    assert list(log["source"]) == ["workbook", "cli", "cli", "cli"]
    assert list(log["active"]) == ["yes", "yes", "no", "no"]


def test_before_a_forecast_the_export_says_what_is_missing(tmp_path: Path) -> None:
    uow = UnitOfWork.open(str(tmp_path / "s.db"))
    import_workbook(uow, DP, write_small(tmp_path / "wb"))
    result = export_plan(uow, DP, tmp_path / "plan.xlsx")
    assert result.sheets == ["plan_about"]
    about = _about(tmp_path / "plan.xlsx")
    assert about["demand_plan"].startswith("none yet: no statistical baseline")
    assert about["strategies"].startswith("none planned yet")


def test_the_cli_says_which_plan_and_sheets_it_wrote(approved: UnitOfWork, tmp_path: Path) -> None:
    r = snop("--db", _url(approved), "export", str(tmp_path / "p.xlsx"))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == f"wrote 1 file(s) to {tmp_path / 'p.xlsx'}"
    err = " ".join(r.stderr.split())
    assert "exported the approved version of cycle 2026-11 in 13 plan sheet(s): plan_about," in err
    assert "input tables: items, sales" in err
    folder = snop("--db", _url(approved), "export", str(tmp_path / "csv"))
    assert folder.exit_code == 0 and "plan" not in folder.stderr  # a folder: inputs only
    assert not [p for p in (tmp_path / "csv").iterdir() if p.name.startswith("plan")]


def test_no_input_table_looks_like_an_output_sheet() -> None:
    assert not [n for n in TABLES if n.startswith("plan_")]


def test_a_layer_named_like_a_key_column_keeps_its_own_column(
    drafts: UnitOfWork, tmp_path: Path
) -> None:
    with drafts.read() as tx:
        cycle = tx.cycles.current()
        assert cycle is not None
        plan = read_cycle_plan(tx, cycle, DP)
        plan.by_item = plan.by_item.rename(columns={"sales": "item"})
        plan.layers = ["statistical", "item", "marketing", "consensus"]
        (sheet,) = consensus_sheets(tx, plan)
    assert list(sheet.frame.columns) == [
        "item", "family", "period", "statistical", "item_layer", "marketing", "consensus",
    ]  # fmt: skip
    a2 = sheet.frame[(sheet.frame["item"] == "A2") & (sheet.frame["period"] == "2027-03")]
    assert a2["item_layer"].tolist() == [100] and a2["family"].tolist() == ["F1"]
