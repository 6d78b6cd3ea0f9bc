"""Writers racing on one store, each with its own connection, on SQLite and PostgreSQL.

Every race below is run for a few rounds; each round must end with every change stored, or
with the losers told so by a SnopError (never a driver error, never a silent loss).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from snop.cycle.baseline import run_baseline
from snop.cycle.data import import_workbook
from snop.demand.replay import Override
from snop.demand.review import add_override, approve, open_plan, reject, submit
from snop.errors import ConflictError, SnopError
from snop.store.db import open_store
from snop.store.workbook_repo import load_workbook
from tests.workbooks import write_small

ROUNDS = 2


def race(url: str, jobs: list[Callable[[sa.Engine], object]]) -> list[object]:
    """Run each job at the same moment in its own thread on its own engine; return what
    each returned or raised."""
    engines = [open_store(url, migrate=False) for _ in jobs]
    start = threading.Barrier(len(jobs))
    out: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        start.wait()
        try:
            out[n] = jobs[n](engines[n])
        except Exception as exc:  # collected and judged by the test
            out[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    return out


def _no_driver_errors(results: list[object]) -> None:
    for r in results:
        if isinstance(r, Exception) and not isinstance(r, SnopError):
            raise r


def test_two_imports_racing_keep_both_changes(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(engine, write_small(tmp_path / "wb"))
    for n in range(ROUNDS):  # each round changes the budget and one sales row anew
        budget = tmp_path / f"budget_only{n}"
        budget.mkdir()
        (budget / "budget.csv").write_text(
            f"family,period,revenue,qty\nF1,2026-11,{2500 + n},190\n"
        )
        sales = tmp_path / f"new_sales{n}"
        sales.mkdir()
        (sales / "sales.csv").write_text(f"item,period,qty,channel\nA1,2026-11,{130 + n},retail\n")
        before = load_workbook(engine)
        assert before is not None
        results = race(
            db_url,
            [
                lambda e: import_workbook(e, budget),  # noqa: B023
                lambda e: import_workbook(e, sales),  # noqa: B023
            ],
        )
        _no_driver_errors(results)
        wb = load_workbook(engine)
        assert wb is not None
        s = wb.sales.set_index(["item", "period", "channel"])["qty"]
        budget_in = wb.table("budget")["revenue"].tolist() == [2500.0 + n]
        sales_in = s.get(("A1", "2026-11", "retail")) == 130 + n and len(wb.sales) == 19
        # each import either landed or was refused with a message; none was lost silently
        assert budget_in == (not isinstance(results[0], Exception)), (n, results)
        assert sales_in == (not isinstance(results[1], Exception)), (n, results)
        if not budget_in:  # then the stored budget is still the one before
            assert wb.table("budget").equals(before.table("budget"))
    engine.dispose()


@pytest.fixture
def forecast_store(db_url: str, tmp_path: Path) -> str:
    engine = open_store(db_url)
    import_workbook(engine, write_small(tmp_path / "wb"))
    run_baseline(engine, method="naive")
    engine.dispose()
    return db_url


def _override(n: int) -> Override:
    return Override(
        "sales",
        "item",
        "A1",
        "2027-01",
        "2027-01",
        "delta",
        1.0 + n,
        author=f"user{n}",
        reason="promo",
    )


def _add(engine: sa.Engine, n: int) -> int | None:
    return add_override(engine, _override(n)).override.id


def _approve(engine: sa.Engine, author: str) -> str:
    return approve(engine, author=author).status


def test_parallel_first_use_of_a_cycle(forecast_store: str) -> None:
    url = forecast_store
    jobs: list[Callable[[sa.Engine], object]] = [lambda e: open_plan(e).status] * 3
    jobs += [partial(_add, n=n) for n in range(4)]
    results = race(url, jobs)
    _no_driver_errors(results)
    assert results[:3] == ["draft"] * 3
    engine = open_store(url, migrate=False)
    plan = open_plan(engine)
    log = plan.log()
    # every override was stored, once
    assert sorted(log["id"]) == sorted(int(str(r)) for r in results[3:])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM demand_plan")).scalar_one() == 1
    # A1 in 2027-01: baseline 125 plus the deltas 1 + 2 + 3 + 4
    view = plan.view("item")
    a1 = view[(view["key"] == "A1") & (view["period"] == "2027-01")]
    assert float(a1["sales"].item()) == 125 + 1 + 2 + 3 + 4
    engine.dispose()


def test_parallel_approves_one_wins(forecast_store: str) -> None:
    url = forecast_store
    engine = open_store(url, migrate=False)
    add_override(engine, _override(0))
    submit(engine, author="ann")
    results = race(url, [partial(_approve, author=f"boss{n}") for n in range(3)])
    _no_driver_errors(results)
    assert results.count("approved") == 1, results
    winner = f"boss{results.index('approved')}"
    for r in results:
        if r != "approved":
            assert isinstance(r, ConflictError), results
            assert f"approved meanwhile by {winner}" in str(r)
    plan = open_plan(engine)
    assert plan.record["approved_by"] == winner
    # the frozen version is the submitted log: baseline 125 + the delta of 1, frozen once
    view = plan.view("item")
    a1 = view[(view["key"] == "A1") & (view["period"] == "2027-01")]
    assert float(a1["sales"].item()) == 126
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM demand_version")).scalar_one()
    layers, items, periods = len(plan.layer_names), 4, 6
    assert rows == layers * items * periods
    engine.dispose()


def test_approve_racing_reject_freezes_only_a_submitted_plan(forecast_store: str) -> None:
    url = forecast_store
    engine = open_store(url, migrate=False)
    add_override(engine, _override(0))
    for _ in range(ROUNDS):
        submit(engine, author="ann")
        results = race(
            url,
            [
                lambda e: approve(e, author="boss").status,
                lambda e: reject(e, author="boss2").status,
            ],
        )
        _no_driver_errors(results)
        plan = open_plan(engine)
        if results[0] == "approved":  # the approve came first: the reject was refused
            assert isinstance(results[1], SnopError), results
            assert plan.status == "approved"
            break
        assert isinstance(results[0], SnopError) and results[1] == "draft", results
        assert plan.status == "draft"
        with engine.connect() as conn:  # nothing frozen from the rejected plan
            assert conn.execute(sa.text("SELECT count(*) FROM demand_version")).scalar_one() == 0
    engine.dispose()
