"""``snop plan`` on a workbook folder, and the demo company's three strategies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from supply_helpers import make_workbook
from typer.testing import CliRunner

import snop.supply  # noqa: F401  (loads snop.io before the CLI modules)
from snop.cli import plan_cmd  # noqa: F401
from snop.cli.main import app
from snop.supply import compare_strategies
from snop.supply.report import comparison_lines, demand_for


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from snop.demo import build_demo_workbook
    from snop.io import write_workbook

    folder = tmp_path_factory.mktemp("demo") / "wb"
    write_workbook(build_demo_workbook(), folder)
    return folder


def test_plan_all_json_and_out(demo_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["plan", "--workbook", str(demo_folder), "--strategy", "all", "--json", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    strategies = {s["strategy"]: s for s in got["strategies"]}
    assert set(strategies) == {"level", "chase", "optimal"}
    assert all(s["status"] == "optimal" for s in strategies.values())
    opt = strategies["optimal"]["total_cost"]
    assert opt <= strategies["level"]["total_cost"] and opt <= strategies["chase"]["total_cost"]
    assert strategies["optimal"]["explanations"]
    assert sum(strategies["optimal"]["cost_breakdown"].values()) == pytest.approx(opt)
    assert (out / "optimal_plan.csv").exists() and (out / "comparison.csv").exists()


def test_plan_on_an_empty_store_is_a_user_error(tmp_path: Path) -> None:
    from tests.cli import snop

    res = snop("--db", tmp_path / "empty.db", "plan")
    assert res.exit_code == 1 and not res.traceback
    assert "the store is empty; run `snop import WORKBOOK` first" in res.stderr


def test_demo_company_side_by_side(demo_folder: Path) -> None:
    from snop.io import read_workbook

    wb = read_workbook(demo_folder)
    demand, _ = demand_for(wb)
    plans = compare_strategies(wb, demand)
    lines = comparison_lines(plans, "USD")
    assert lines[0].split() == ["component", "level", "chase", "optimal"]
    assert any(line.startswith("optimal: 10% more hours on resource") for line in lines)


def test_integer_workforce_flag(tmp_path: Path) -> None:
    wb, dem = make_workbook(
        {"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
        {"A": [100]},
        workforce={"P": {"regular_hours_per_worker": 160, "regular_wage": 10}},
    )
    plans = compare_strategies(wb, dem, ["optimal"], integer_workforce=True)
    assert plans["optimal"].total_cost == pytest.approx(4800)  # 3 whole workers
    summary = plans["optimal"].to_json()
    assert summary["headcount"] == {"P": [3]}
    assert summary["headcount_basis"] == "whole workers (integer plan)"


def test_shortage_options_and_clean_csv(tmp_path: Path) -> None:
    # 230 units, 200 of capacity and 5 in (safety) stock: the plan answers with 25 units
    # unmet, the soft safety stock served first; --allow-ending-backlog owes what is missing
    # at the end instead, and with --hard-safety-stock the 5 stay in stock: 30 are owed
    from tests.cli import snop

    from snop.io import write_workbook

    wb, _ = make_workbook(
        {
            "A": {
                "regular_capacity": 100,
                "regular_cost": 10.1,
                "backlog_cost": 1,
                "safety_stock": 5,
                "initial_inventory": 5,
            }
        },
        {"A": [100, 130]},
    )
    folder = tmp_path / "wb"
    write_workbook(wb, folder)
    res = snop("plan", "--workbook", folder, "--json", "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    opt = res.json()["strategies"][0]
    assert opt["status"] == "optimal" and opt["unmet_units"] == pytest.approx(25)
    assert any(
        t.startswith("family A needs 230 units over the horizon; at most 205")
        for t in opt["explanations"]
    )
    plan = (tmp_path / "out" / "optimal_plan.csv").read_text()
    assert "-0.0" not in plan
    header, jan, feb = plan.splitlines()[:3]
    cols = header.split(",")
    # whole units where a column is whole, else to the cent
    assert jan.split(",")[cols.index("production")] == "100"
    assert feb.split(",")[cols.index("unmet")] == "25"
    assert jan.split(",")[cols.index("cost_production")] == "1010"
    res = snop(
        "plan", "--workbook", folder, "--json", "--allow-ending-backlog", "--hard-safety-stock"
    )
    opt = res.json()["strategies"][0]
    assert opt["unmet_units"] == 0 and opt["target_penalty"] == 0
    assert opt["cost_breakdown"]["backlog"] == pytest.approx(30)
