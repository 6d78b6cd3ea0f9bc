"""Customers' forecasts: their accuracy against their own sales, and entering them into a
demand layer as overrides (the small workbook, cycle 2026-11..2027-04, with customers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.demand.replay import OverrideError
from snop.learning.frames import TOTAL
from snop.services.collaboration import (
    CUSTOMER_FORECAST,
    apply_customer_forecasts,
    customer_forecast_report,
)
from snop.services.context import Actor
from snop.services.demand_review import demand_plan
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.demand.cycles import ANN
from tests.stores import built_store
from tests.workbooks import write_small

APPROX = pytest.approx
SAM = Actor.of("sam")  # no role given: acts in the role that owns the layer

# the small workbook's sales of Sep-Oct 2026, split by customer (earlier months: no customer)
SALES = """item,period,qty,channel,customer
A1,2026-05,100,retail,
A1,2026-06,110,retail,
A1,2026-07,120,retail,
A1,2026-08,90,retail,
A1,2026-09,100,retail,ACME
A1,2026-10,105,retail,ACME
A1,2026-10,20,online,BETA
A2,2026-05,50,retail,
A2,2026-06,55,retail,
A2,2026-07,60,retail,
A2,2026-08,65,retail,
A2,2026-09,70,retail,ACME
A2,2026-10,75,retail,ACME
B2,2026-05,30,retail,
B2,2026-06,28,retail,
B2,2026-07,26,retail,
B2,2026-09,22,retail,BETA
B2,2026-10,20,retail,BETA
"""
FORECASTS = """customer,item,family,period,qty
ACME,A1,,2026-09,90
ACME,A1,,2026-10,110
ACME,,F1,2026-10,200
BETA,A1,,2026-10,30
BETA,,F2,2026-09,20
ACME,A1,,2026-12,130
BETA,A1,,2026-12,20
ACME,,F2,2027-01,50
"""


def _build(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(
        uow, ANN, write_small(folder / "wb", {"sales": SALES, "customer_forecasts": FORECASTS})
    )
    run_baseline(uow, ANN, method="naive")


def _store(tmp_path: Path) -> tuple[UnitOfWork, str]:
    db = str(tmp_path / "s.db")
    return built_store(db, tmp_path, "collab", _build), db


def test_accuracy_per_customer_by_hand(tmp_path: Path) -> None:
    uow, _ = _store(tmp_path)
    rep = customer_forecast_report(uow, SAM)
    assert rep.customers == ["ACME", "BETA"] and rep.periods == ["2026-09", "2026-10"]
    acc = rep.accuracy.set_index("customer")
    # ACME per period (forecast, sales): Sep A1 (90, 100); Oct A1 (110, 105) + F1 (200,
    # A1 105 + A2 75 = 180): Sep (90, 100), Oct (310, 285)
    assert acc.loc["ACME", "actual"] == APPROX(385) and acc.loc["ACME", "forecast"] == APPROX(400)
    assert acc.loc["ACME", "wape"] == APPROX((10 + 25) / 385)
    assert acc.loc["ACME", "accuracy"] == APPROX(1 - 35 / 385)
    assert acc.loc["ACME", "bias"] == APPROX(15 / 385)
    # the mean of its keys: A1 |90-100|+|110-105| over 205, F1 20 over 180
    assert acc.loc["ACME", "item_wape"] == APPROX((15 / 205 + 20 / 180) / 2)
    assert acc.loc["ACME", "keys"] == 2
    # BETA: Sep F2 (20, 22), Oct A1 (30, 20 online)
    assert acc.loc["BETA", "wape"] == APPROX(12 / 42) and acc.loc["BETA", "bias"] == APPROX(8 / 42)
    # every customer-period cell pooled
    assert acc.loc[TOTAL, "wape"] == APPROX(47 / 427)
    assert acc.loc[TOTAL, "bias"] == APPROX((450 - 427) / 427)


def test_applying_enters_one_override_per_cell_and_the_layer_takes_the_sum(
    tmp_path: Path,
) -> None:
    uow, _ = _store(tmp_path)
    before = demand_plan(uow, SAM).frame("sales").set_index(["item", "period"])["qty"]
    out = apply_customer_forecasts(uow, SAM, "sales")
    got = {(o.level, o.key, o.period): o.value for o in out.overrides}
    # A1 Dec: ACME 130 + BETA 20; F2 Jan: ACME 50; past periods are not in the horizon
    assert got == {("item", "A1", "2026-12"): 150.0, ("family", "F2", "2027-01"): 50.0}
    assert all(o.author == "sam" and o.reason == CUSTOMER_FORECAST for o in out.overrides)
    assert all(o.role and o.id is not None for o in out.overrides)
    assert len(out.skipped) == 4 and all("outside the cycle's horizon" in s for s in out.skipped)
    plan = demand_plan(uow, SAM)
    after = plan.frame("sales").set_index(["item", "period"])["qty"]
    assert after[("A1", "2026-12")] == APPROX(150)
    assert after[("B1", "2027-01")] + after[("B2", "2027-01")] == APPROX(50)
    untouched = [k for k in after.index if k not in {("A1", "2026-12"), ("B1", "2027-01")}]
    untouched = [k for k in untouched if k != ("B2", "2027-01")]
    assert after[untouched].to_numpy() == APPROX(before[untouched].to_numpy())
    logged = [o for o in plan.overrides if o.reason == CUSTOMER_FORECAST]
    assert len(logged) == 2 and {o.layer for o in logged} == {"sales"}
    # running it again stores nothing: the layer already holds the customers' figures
    again = apply_customer_forecasts(uow, SAM, "sales")
    assert again.overrides == [] and sum("already entered" in s for s in again.skipped) == 2


def test_cli_accuracy_and_apply(tmp_path: Path) -> None:
    _, db = _store(tmp_path)
    r = snop("--db", db, "customers", "accuracy", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {row["customer"]: row for row in r.json()["accuracy"]}
    assert rows["BETA"]["wape"] == APPROX(12 / 42)
    r = snop("--db", db, "customers", "apply", "--layer", "sales", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(r.json()["overrides"]) == 2
    r = snop("--db", db, "customers", "apply", "--layer", "nosuch")
    assert r.exit_code == 1 and not r.traceback and "nosuch" in r.stderr
    r = snop("--db", db, "customers", "accuracy")
    assert r.exit_code == 0 and "ACME" in r.stdout


def _build_bad(uow: UnitOfWork, folder: Path) -> None:
    # B2 ends 2027-03: a customer's 5 units of it in 2027-04 cannot enter the plan
    bad = FORECASTS + "BETA,B2,,2027-04,5\n"
    import_workbook(
        uow, ANN, write_small(folder / "wb", {"sales": SALES, "customer_forecasts": bad})
    )
    run_baseline(uow, ANN, method="naive")


def test_a_cell_that_cannot_apply_refuses_them_all(tmp_path: Path) -> None:
    uow = built_store(str(tmp_path / "s.db"), tmp_path, "collab-bad", _build_bad)
    with pytest.raises(OverrideError, match="B2"):
        apply_customer_forecasts(uow, SAM, "sales")
    assert not [o for o in demand_plan(uow, SAM).overrides if o.reason == CUSTOMER_FORECAST]
