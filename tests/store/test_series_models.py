"""The model each item keeps for the next incremental baseline, in the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snop.forecasting.data import prepare_sales
from snop.forecasting.incremental import fingerprints
from snop.services.context import current_cycle, cycle_workbook
from snop.services.forecast import item_sales, run_baseline
from snop.services.workbook import import_workbook
from snop.store.db import open_store
from snop.store.uow import UnitOfWork
from tests.services import ME
from tests.workbooks import write_small


def _long_sales() -> str:
    """22 months (2025-01..2026-10) of seasonal sales of A1, A2 and B2."""
    rows = ["item,period,qty,channel"]
    for k in range(22):
        period = f"{2025 + k // 12}-{k % 12 + 1:02d}"
        s = np.sin(2 * np.pi * k / 12)
        for item, level in (("A1", 100), ("A2", 60), ("B2", 30)):
            rows.append(f"{item},{period},{round(level * (1 + 0.2 * s) + (k % 3), 1)},retail")
    return "\n".join(rows) + "\n"


def test_every_baseline_run_keeps_the_record_the_next_incremental_run_reads(
    db_url: str, tmp_path: Path
) -> None:
    uow = UnitOfWork(open_store(db_url))
    import_workbook(uow, ME, write_small(tmp_path / "wb", {"sales": _long_sales()}))
    first = run_baseline(uow, ME)
    with uow.read() as tx:
        rec = tx.forecasts.series_models().set_index("item")
        wb = cycle_workbook(tx, current_cycle(tx))
        layer1 = tx.forecasts.layer("2026-11")
    assert sorted(rec.index) == ["A1", "A2", "B1", "B2"]
    assert set(rec["cycle"]) == {"2026-11"} and set(rec["path"]) == {"reselect"}
    # the models chosen by the tournament on history up to 2026-10; B1 (a launch) has none
    assert rec.loc[["A1", "A2", "B2"], "selected"].tolist() == ["2026-10"] * 3
    assert rec.loc["B1", "selected"] == "" and "engine's rules" in rec.loc["B1", "why"]
    rep = first.result.report.set_index("item")
    for item in ("A1", "A2", "B2"):
        assert rec.loc[item, "model"] == rep.loc[item, "model"]
        assert rec.loc[item, "forecast_from"] == "2026-11"
        assert rec.loc[item, "band_lo"] <= rec.loc[item, "band_hi"]
    # the fingerprint is that of the stored history up to 2026-10
    panel = prepare_sales(item_sales(wb))
    want = dict(zip(panel.items, fingerprints(panel, np.full(3, panel.last)), strict=True))
    assert {k: rec.loc[k, "fingerprint"] for k in want} == want

    # the same history again, incrementally: every model is kept and refitted
    again = run_baseline(uow, ME, incremental=True)
    with uow.read() as tx:
        rec2 = tx.forecasts.series_models().set_index("item")
        layer2 = tx.forecasts.layer("2026-11")
    assert rec2.loc[["A1", "A2", "B2"], "path"].tolist() == ["refit"] * 3
    assert rec2.loc["A1", "why"].startswith(f"{rep.loc['A1', 'model']} kept")
    assert again.result.summary()["paths"]["paths"] == {"refit": 3, "reselect": 1}
    np.testing.assert_allclose(layer2["qty"], layer1["qty"], rtol=1e-9)
    assert (
        rec2.loc[["A1", "A2", "B2"], "mase"].tolist()
        == rec.loc[["A1", "A2", "B2"], "mase"].tolist()
    )
