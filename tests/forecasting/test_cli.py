"""``snop forecast`` in file mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from snop.cli.main import _register, app

_register()
runner = CliRunner()


def _sales(path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3):
        for k in range(36):
            q = round(50 + 10 * np.sin(2 * np.pi * k / 12) + rng.normal(0, 2) + i * 20, 1)
            rows.append((f"SKU{i}", f"{2022 + k // 12}-{k % 12 + 1:02d}", q))
    f = path / "sales.csv"
    pd.DataFrame(rows, columns=["item", "period", "qty"]).to_csv(f, index=False)
    return f


def test_forecast_file_to_csv_and_json(tmp_path: Path) -> None:
    sales = _sales(tmp_path)
    out = tmp_path / "fc.csv"
    res = runner.invoke(
        app,
        [
            "forecast",
            str(sales),
            "--horizon",
            "4",
            "--level",
            "80",
            "95",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert list(fc.columns) == [
        "item",
        "period",
        "forecast",
        "model",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
    ]
    assert len(fc) == 12 and fc["period"].iloc[0] == "2025-01"
    summary = json.loads(res.stdout)
    assert summary["items"] == 3 and summary["levels"] == [80.0, 95.0]
    assert {"model", "mase", "wape", "naive_mase"} <= set(summary["series"][0])


def test_forecast_with_hierarchy_and_level_column(tmp_path: Path) -> None:
    sales = _sales(tmp_path)
    items = tmp_path / "items.csv"
    pd.DataFrame({"item": ["SKU0", "SKU1", "SKU2"], "family": ["F1", "F1", "F2"]}).to_csv(
        items, index=False
    )
    out = tmp_path / "fc.csv"
    res = runner.invoke(
        app,
        [
            "forecast",
            str(sales),
            "--horizon",
            "3",
            "--method",
            "snaive",
            "--hierarchy",
            str(items),
            "--reconcile",
            "top_down",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert set(fc["level"]) == {"item", "total", "family"}
    items_sum = fc[fc["level"] == "item"].groupby("period")["forecast"].sum()
    total = fc[fc["level"] == "total"].set_index("period")["forecast"]
    np.testing.assert_allclose(items_sum.loc[total.index], total, rtol=1e-8)


def test_bad_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("item,period,qty\nA,2024-01,3\nA,2024-02,abc\n")
    from tests.cli import snop

    res = snop("forecast", bad, "--horizon", "2", "--out", tmp_path / "o.csv")
    assert res.exit_code == 1 and not res.traceback
    assert "bad.csv row 3, column qty: 'abc' is not a number" in res.stderr
