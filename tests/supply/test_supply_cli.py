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
    res = CliRunner().invoke(app, ["plan", "--workbook", str(demo_folder), "--strategy",
                                   "all", "--json", "--out", str(out)])
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
    wb, dem = make_workbook({"A": {"workforce_pool": "P", "labor_hours_per_unit": 4}},
                            {"A": [100]}, workforce={"P": {"regular_hours_per_worker": 160,
                                                           "regular_wage": 10}})
    plans = compare_strategies(wb, dem, ["optimal"], integer_workforce=True)
    assert plans["optimal"].total_cost == pytest.approx(4800)  # 3 whole workers
