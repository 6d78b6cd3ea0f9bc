"""Supply review of a stored cycle: plans and constrained demand are stored and add up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from snop.cycle.baseline import run_baseline
from snop.cycle.data import import_workbook
from snop.cycle.supply import load_constrained_demand, plan_cycle
from snop.store.db import open_store
from snop.store.tables import supply_plan
from tests.workbooks import write_small


def test_plan_cycle_stores_plans_and_feedback(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    import_workbook(engine, write_small(tmp_path / "wb"))
    run_baseline(engine, method="naive")
    _, plans, source = plan_cycle(engine)
    assert source == "the consensus demand plan of cycle 2026-11 (draft, not yet approved)"
    assert set(plans) == {"level", "chase", "optimal"}
    opt = plans["optimal"].plan
    with engine.connect() as conn:
        stored = pd_frame(
            conn.execute(
                sa.select(supply_plan).where(
                    supply_plan.c.strategy == "optimal", supply_plan.c.measure == "production"
                )
            )
        )
    merged = opt.merge(stored, on=["family", "period"])
    np.testing.assert_allclose(merged["production"], merged["value"])
    # inventory balance of the stored plan, family F1: I_t - B_t = I_{t-1} - B_{t-1} + P + C - D
    f1 = opt[opt["family"] == "F1"]
    net = (f1["inventory"] - f1["backlog"]).to_numpy()
    prev = np.concatenate([[100.0], net[:-1]])  # initial inventory of F1
    np.testing.assert_allclose(
        net,
        prev + f1["production"] + f1["subcontract"] - f1["demand"] + f1["lost_sales"],
        atol=1e-6,
    )
    cd = load_constrained_demand(engine, "2026-11")
    assert len(cd) == 2 * 6
    np.testing.assert_allclose(cd["demand"] - cd["constrained"], cd["gap"], atol=1e-6)
    plan_cycle(engine, ["optimal"])  # re-planning replaces, never duplicates
    assert len(load_constrained_demand(engine, "2026-11")) == 12


def pd_frame(result: sa.CursorResult[tuple[object, ...]]) -> pd.DataFrame:

    return pd.DataFrame(result.mappings().all())


def test_supply_plans_the_consensus_with_its_overrides(db_url: str, tmp_path: Path) -> None:
    from snop.demand.replay import Override
    from snop.demand.review import add_override, approve, submit

    engine = open_store(db_url)
    import_workbook(engine, write_small(tmp_path / "wb"))
    run_baseline(engine, method="naive")
    add_override(
        engine,
        Override(
            "marketing",
            "family",
            "F1",
            "2027-01",
            "2027-02",
            "qty",
            400.0,
            reason="promo",
            event="winter sale",
        ),
    )
    submit(engine, author="dp")
    approve(engine, author="boss")
    _, plans, source = plan_cycle(engine)
    assert source == "the consensus demand plan of cycle 2026-11 (approved)"
    d = plans["optimal"].plan.set_index(["family", "period"])["demand"]
    # naive baseline of F1 is its last month (A1 125 + A2 75 = 200); the promo sets 400
    assert d[("F1", "2026-12")] == 200.0
    assert d[("F1", "2027-01")] == 400.0 and d[("F1", "2027-02")] == 400.0
