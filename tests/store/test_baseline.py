"""The statistical baseline of a stored cycle: saved as a layer, sums up to families."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snop.services.context import current_cycle, cycle_workbook
from snop.services.forecast import family_demand, run_baseline
from snop.services.workbook import import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from tests.services import ME
from tests.workbooks import write_small


def test_baseline_is_saved_and_rerun_replaces_it(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork(open_store(db_url))
    import_workbook(uow, ME, write_small(tmp_path / "wb"))
    done = run_baseline(uow, ME, method="naive")
    result = done.result
    with uow.read() as tx:
        layer = tx.forecasts.layer("2026-11")
        wb = cycle_workbook(tx, current_cycle(tx))
    # naive: the last month's total per item (A1 sold 105 retail + 20 online in 2026-10)
    assert len(layer) == 4 * 6
    a1 = layer[layer["item"] == "A1"]["qty"].to_numpy()
    np.testing.assert_allclose(a1, [125.0] * 6)
    # B2 ends in 2027-03 (nothing after), B1 launches in 2026-12 following B2's history
    b2 = layer[layer["item"] == "B2"].set_index("period")["qty"]
    assert b2["2027-04"] == 0 and b2["2026-11"] == 20
    assert layer[(layer["item"] == "B1") & (layer["period"] == "2026-11")]["qty"].item() == 0
    fam = family_demand(wb, layer)
    assert np.isclose(fam["qty"].sum(), layer["qty"].sum())
    run_baseline(uow, ME, method="naive")  # same cycle again: replaced, not duplicated
    with uow.read() as tx:
        assert len(tx.forecasts.layer("2026-11")) == 24
    assert done.cycle == "2026-11"
    assert done.family_totals == {
        f: float(q) for f, q in fam.groupby("family")["qty"].sum().items()
    }
    assert set(result.report["item"]) == {"A1", "A2", "B1", "B2"}
