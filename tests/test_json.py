"""Every ``--json`` command prints only JSON on stdout: tools can pipe it into a parser.

The store: the small workbook (tests/workbooks.py) with a naive baseline, cycle 2026-11
reviewed (one sales override), planned and approved, then the actuals of 2026-11..2026-12
imported and cycle 2026-12 opened on them, with its own baseline. So every command has
something to show, including forecast value added (cycle 2026-11 against those actuals).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from snop.demand.replay import Override
from snop.services import demand_review as dr
from snop.services.context import Actor
from snop.services.cycles import approve_cycle, open_cycle, signoff
from snop.services.forecast import run_baseline
from snop.services.supply import plan_cycle_supply
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.cycle.test_cycles import DP, EX, FI, SL, SP
from tests.workbooks import SMALL, write_small

NEW_ACTUALS = """item,period,qty
A1,2026-11,140
A2,2026-11,70
B2,2026-11,25
A1,2026-12,160
A2,2026-12,90
B1,2026-12,10
B2,2026-12,20
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the workbook ``wb``, its sales file and the store ``s.db``."""
    root = tmp_path_factory.mktemp("json")
    uow = UnitOfWork.open(str(root / "s.db"))
    import_workbook(uow, DP, write_small(root / "wb"))
    signoff(uow, DP, "data")
    run_baseline(uow, DP, method="naive")
    signoff(uow, DP, "forecast")
    dr.add_override(
        uow,
        Actor.of("sam", "sales"),
        Override(
            "sales", "item", "A1", "2026-11", "2026-12", "qty", 150, author="sam", reason="customer"
        ),
    )
    dr.submit(uow, DP)
    dr.approve(uow, EX)
    signoff(uow, DP, "demand_review")
    plan_cycle_supply(uow, SP)
    for who, step in ((SP, "supply_review"), (FI, "financial_review"), (SL, "pre_sop")):
        signoff(uow, who, step)
    approve_cycle(uow, EX)
    (root / "new").mkdir()
    (root / "new" / "sales.csv").write_text(NEW_ACTUALS)
    import_workbook(uow, DP, root / "new")
    open_cycle(uow, DP)
    run_baseline(uow, DP, method="naive")
    uow.dispose()
    (root / "sales.csv").write_text(SMALL["sales"])
    return root


@pytest.fixture
def here(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built folder (commands may write to the store)."""
    shutil.copytree(built, tmp_path / "w")
    return tmp_path / "w"


OVERRIDE = [
    "demand",
    "override",
    "--layer",
    "sales",
    "--level",
    "family",
    "--key",
    "F1",
    "--period",
    "2027-03",
    "--pct",
    "10",
    "--reason",
    "promo",
    "--author",
    "sam",
]

JSON_COMMANDS: dict[str, tuple[list[str], int]] = {
    "validate": (["validate", "wb", "--json"], 0),
    "validate with errors": (["validate", "new", "--json"], 1),
    "forecast file": (
        ["forecast", "sales.csv", "--horizon", "3", "--method", "naive", "--json"],
        0,
    ),
    "forecast store": (["--db", "s.db", "forecast", "--method", "naive", "--json"], 0),
    "plan workbook": (["plan", "--workbook", "wb", "--strategy", "all", "--json"], 0),
    "plan store": (["--db", "s.db", "plan", "--json"], 0),
    "demand show": (["--db", "s.db", "demand", "show", "--level", "item", "--json"], 0),
    "demand override preview": (["--db", "s.db", *OVERRIDE, "--preview", "--json"], 0),
    "demand override": (["--db", "s.db", *OVERRIDE, "--json"], 0),
    "demand log": (["--db", "s.db", "demand", "log", "--cycle", "2026-11", "--json"], 0),
    "demand cycles": (["--db", "s.db", "demand", "cycles", "--json"], 0),
    "demand fva": (["--db", "s.db", "demand", "fva", "--json"], 0),
    "demand fva by author": (["--db", "s.db", "demand", "fva", "--by", "author", "--json"], 0),
    "safety stock": (["--db", "s.db", "safety-stock", "--json"], 0),
}


@pytest.mark.parametrize("name", list(JSON_COMMANDS))
def test_json_output_parses(name: str, here: Path, capfd: pytest.CaptureFixture[str]) -> None:
    args, code = JSON_COMMANDS[name]
    r = snop(*args, cwd=here)
    assert r.exit_code == code, r.stderr or r.exception
    data: Any = r.json()
    assert data  # something, not an empty document
    # nothing was printed past Python's stdout either (the solver writes to fd 1 directly)
    assert "Running HiGHS" not in capfd.readouterr().out


def test_json_carries_the_numbers(here: Path) -> None:
    show = snop(
        "--db",
        "s.db",
        "demand",
        "show",
        "--level",
        "item",
        "--period",
        "2027-01",
        "--to",
        "2027-01",
        "--json",
        cwd=here,
    ).json()
    assert show["cycle"] == "2026-12" and show["status"] == "draft"
    # the naive baseline of 2026-12 repeats the actuals of its cut-off, 2026-11 (December's
    # actuals arrived early: the cycle does not see them)
    stat = {r["item"]: r["statistical"] for r in show["rows"]}
    assert (stat["A1"], stat["A2"], stat["B2"]) == (140, 70, 25)
    log = snop("--db", "s.db", "demand", "log", "--cycle", "2026-11", "--json", cwd=here).json()
    assert [(o["author"], o["reason"]) for o in log["overrides"]] == [("sam", "customer")]
    fva = snop("--db", "s.db", "demand", "fva", "--json", cwd=here).json()
    assert fva["cycle"] == "2026-11" and fva["periods"] == ["2026-11", "2026-12"]
    # actuals 2026-11: 140+70+25 = 235, 2026-12: 160+90+10+20 = 280
    assert {r["layer"]: r["actual"] for r in fva["rows"]}["sales"] == 515
    bad = snop("validate", "new", "--json", cwd=here).json()
    assert bad["ok"] is False and any(p["severity"] == "error" for p in bad["problems"])
