"""Writers racing on one store, each with its own connection, on SQLite and PostgreSQL.

Every race below is run for a few rounds; each round must end with every change stored, or
with the losers told so by a SnopError (never a driver error, never a silent loss).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from snop.demand.replay import Hierarchy, Override, replay
from snop.demand.review import FrozenError, baseline_matrix, plan_layers
from snop.errors import ConflictError, SnopError
from snop.services.context import Actor, cycle_workbook
from snop.services.demand_review import (
    add_override,
    approve,
    demand_plan,
    read_plan,
    reject,
    submit,
)
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from snop.store.workbook_repo import load_workbook
from tests.demand.cycles import ANN, open_next_cycle, small_store
from tests.workbooks import write_small

ROUNDS = 2
BOSS = Actor.of("boss", "executive")


def race(url: str, jobs: list[Callable[[UnitOfWork], object]]) -> list[object]:
    """Run each job at the same moment in its own thread on its own engine; return what
    each returned or raised."""
    sessions = [UnitOfWork(open_store(url, migrate=False)) for _ in jobs]
    start = threading.Barrier(len(jobs))
    out: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        start.wait()
        try:
            out[n] = jobs[n](sessions[n])
        except Exception as exc:  # collected and judged by the test
            out[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sessions:
        s.dispose()
    return out


def _no_driver_errors(results: list[object]) -> None:
    for r in results:
        if isinstance(r, Exception) and not isinstance(r, SnopError):
            raise r


def test_two_imports_racing_keep_both_changes(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork.open(db_url)
    engine = uow.engine
    import_workbook(uow, ANN, write_small(tmp_path / "wb"))
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
                lambda u: import_workbook(u, ANN, budget),  # noqa: B023
                lambda u: import_workbook(u, ANN, sales),  # noqa: B023
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
    uow.dispose()


@pytest.fixture
def forecast_store(db_url: str, tmp_path: Path) -> str:
    small_store(db_url, tmp_path).dispose()
    return db_url


def _override(n: int, period: str = "2027-01") -> Override:
    return Override("sales", "item", "A1", period, period, "delta", 1.0 + n, reason="promo")


def _add(uow: UnitOfWork, n: int, period: str = "2027-01") -> int | None:
    return add_override(uow, Actor.of(f"user{n}"), _override(n, period)).override.id


def _approve(uow: UnitOfWork, author: str) -> str:
    return approve(uow, Actor.of(author, "executive")).status


def _cell(uow: UnitOfWork, layer: str, item: str, period: str) -> float:
    view = demand_plan(uow, ANN).view("item")
    return float(view[(view["key"] == item) & (view["period"] == period)][layer].item())


def _version_rows(uow: UnitOfWork, cycle: str) -> int:
    with uow.read() as tx:
        return tx.demand.version_rows(cycle)


def assert_version_is_its_log(uow: UnitOfWork, cycle: str) -> None:
    """The approved version of ``cycle`` holds exactly the replay of its own override log
    over its own baseline, in every layer and cell."""
    with uow.read() as tx:
        c = tx.cycles.get(cycle)
        assert c is not None
        wb = cycle_workbook(tx, c)
        frozen = read_plan(tx, c, wb)
        h = Hierarchy.from_workbook(wb, c.periods)
        rep = replay(
            h,
            baseline_matrix(cycle, h, tx.demand.baseline(cycle)),
            plan_layers(wb),
            tx.demand.log(cycle),
        )
    assert frozen.status == "approved"
    assert rep.conflicts == []
    assert frozen.replay.hierarchy.items == h.items
    assert frozen.replay.hierarchy.periods == h.periods
    assert set(frozen.replay.values) == set(rep.values)
    for layer, values in rep.values.items():
        np.testing.assert_array_equal(frozen.replay.values[layer], values, err_msg=layer)


def test_readers_never_write_and_racing_overrides_are_all_stored(forecast_store: str) -> None:
    url = forecast_store
    jobs: list[Callable[[UnitOfWork], object]] = [lambda u: demand_plan(u, ANN).status] * 3
    jobs += [partial(_add, n=n) for n in range(4)]
    results = race(url, jobs)
    _no_driver_errors(results)
    assert results[:3] == ["draft"] * 3
    uow = UnitOfWork.open(url)
    plan = demand_plan(uow, ANN)
    # every override was stored, once
    assert sorted(plan.log()["id"]) == sorted(int(str(r)) for r in results[3:])
    with uow.read() as tx:
        assert [r.cycle for r in tx.demand.plans()] == ["2026-11"]
    # A1 in 2027-01: baseline 125 plus the deltas 1 + 2 + 3 + 4
    assert _cell(uow, "sales", "A1", "2027-01") == 125 + 1 + 2 + 3 + 4
    uow.dispose()


def test_parallel_approves_one_wins(forecast_store: str) -> None:
    url = forecast_store
    uow = UnitOfWork.open(url)
    _add(uow, 0)
    submit(uow, ANN)
    results = race(url, [partial(_approve, author=f"boss{n}") for n in range(3)])
    _no_driver_errors(results)
    assert results.count("approved") == 1, results
    winner = f"boss{results.index('approved')}"
    for r in results:
        if r != "approved":
            # refused on the status read in its own transaction, or by the compare-and-set
            assert isinstance(r, FrozenError | ConflictError), results
            assert f"already approved (by {winner} " in str(r) or (
                f"approved meanwhile by {winner}" in str(r)
            ), r
    plan = demand_plan(uow, ANN)
    assert plan.record["approved_by"] == winner
    # the frozen version is the submitted log: baseline 125 + the delta of 1, frozen once
    assert _cell(uow, "sales", "A1", "2027-01") == 126
    layers, items, periods = len(plan.layer_names), 4, 6
    assert _version_rows(uow, "2026-11") == layers * items * periods
    assert_version_is_its_log(uow, "2026-11")
    uow.dispose()


def test_approve_racing_reject_and_an_override_freezes_exactly_its_log(
    forecast_store: str,
) -> None:
    """Each round submits the current cycle's draft, then an approve, a reject and a new
    override race. Whoever wins, the losers get a SnopError, and an approved version is the
    replay of its own log; after an approval the next cycle opens and the race goes on."""
    url = forecast_store
    uow = UnitOfWork.open(url)
    approved = 0
    period = "2027-03"  # inside the horizon of every cycle here
    for n in range(ROUNDS):
        _add(uow, 10 * n, period)
        submitted = submit(uow, ANN)
        cycle, before = submitted.cycle, submitted.log()
        results = race(
            url,
            [
                lambda u: approve(u, BOSS).status,
                lambda u: reject(u, BOSS).status,
                lambda u: _add(u, 10 * n + 1, period),  # noqa: B023
            ],
        )
        _no_driver_errors(results)
        losers = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(r, FrozenError | ConflictError) for r in losers), results
        plan = demand_plan(uow, ANN, cycle)
        if results[0] == "approved":
            # first the approve: the reject and the override came too late
            assert plan.status == "approved" and len(losers) == 2, results
            cols = ["id", "kind", "value"]
            assert plan.log()[cols].equals(before[cols]), (plan.log(), before)
            assert_version_is_its_log(uow, cycle)
            approved += 1
            open_next_cycle(uow)
            run_baseline(uow, ANN, method="naive")
            continue
        # the reject came first: a draft again, nothing frozen; the override landed only
        # if it came after the reject
        assert results[1] == "draft" and isinstance(results[0], FrozenError), results
        assert plan.status == "draft"
        assert _version_rows(uow, cycle) == 0
        landed = not isinstance(results[2], Exception)
        assert len(plan.log()) == len(before) + landed, results
    if not approved:  # the rejects won every round: approve the last draft unraced
        submit(uow, ANN)
        assert_version_is_its_log(uow, approve(uow, BOSS).cycle)
    uow.dispose()


def test_approve_racing_reject_freezes_only_a_submitted_plan(forecast_store: str) -> None:
    url = forecast_store
    uow = UnitOfWork.open(url)
    _add(uow, 0)
    for _ in range(ROUNDS):
        submit(uow, ANN)
        results = race(
            url,
            [
                lambda u: approve(u, Actor.of("boss", "executive")).status,
                lambda u: reject(u, Actor.of("boss2", "executive")).status,
            ],
        )
        _no_driver_errors(results)
        plan = demand_plan(uow, ANN)
        if results[0] == "approved":  # the approve came first: the reject was refused
            assert isinstance(results[1], SnopError), results
            assert plan.status == "approved"
            break
        assert isinstance(results[0], SnopError) and results[1] == "draft", results
        assert plan.status == "draft"
        assert _version_rows(uow, "2026-11") == 0  # nothing frozen from the rejected plan
    uow.dispose()
