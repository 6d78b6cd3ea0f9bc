"""``snop forecast --incremental``: the paths taken, in --json and in the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tests.cli import snop


def _write(path: Path, months: int, new: dict[str, float] | None = None) -> Path:
    noise = np.random.default_rng(1).normal(0, 1, (3, 48))
    rows = []
    for i in range(3):
        for k in range(months):
            q = (80 + 25 * i) * (1 + 0.2 * np.sin(2 * np.pi * k / 12)) + noise[i, k]
            if k == 36 and new:
                q = new[f"SKU{i}"]
            rows.append((f"SKU{i}", f"{2021 + k // 12}-{k % 12 + 1:02d}", round(q, 2)))
    pd.DataFrame(rows, columns=["item", "period", "qty"]).to_csv(path, index=False)
    return path


def test_incremental_file_run_shows_each_series_path(tmp_path: Path) -> None:
    old = _write(tmp_path / "s36.csv", 36)
    report = tmp_path / "report.csv"
    first = snop("forecast", old, "--horizon", "3", "--report", report, "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["paths"]["reasons"] == {"full": 3}
    # the new month: SKU0 and SKU1 in the middle of their band, SKU2 far above its band
    rep = pd.read_csv(report).set_index("item")
    mid = (rep["band_lo"] + rep["band_hi"]) / 2
    month = {"SKU0": mid["SKU0"], "SKU1": mid["SKU1"], "SKU2": 5 * rep.loc["SKU2", "band_hi"]}
    new = _write(tmp_path / "s37.csv", 37, month)
    out = tmp_path / "report37.csv"
    r = snop(
        "forecast", new, "--horizon", "3", "--incremental", "--previous", report,
        "--report", out, "--json",
    )  # fmt: skip
    assert r.exit_code == 0 and not r.traceback, r.stderr
    data = r.json()
    assert data["paths"] == {
        "paths": {"refit": 2, "reselect": 1},
        "reasons": {"kept": 2, "out_of_band": 1},
    }
    paths = {s["item"]: s["path"] for s in data["series"]}
    assert paths == {"SKU0": "refit", "SKU1": "refit", "SKU2": "reselect"}
    written = pd.read_csv(out).set_index("item")
    assert written.loc["SKU2", "why"].startswith("actual ")
    assert written.loc["SKU0", "selected"] == "2023-12"  # kept from the first run
    # the text summary counts them
    text = snop("forecast", new, "--incremental", "--previous", report, "--out", tmp_path / "f")
    assert text.exit_code == 0, text.stderr
    assert "paths: reselect 1 (out_of_band 1), refit 2" in text.stdout


def test_incremental_options_are_checked(tmp_path: Path) -> None:
    sales = _write(tmp_path / "s.csv", 14)
    r = snop("forecast", sales, "--incremental", "--json")
    assert r.exit_code == 1 and "needs --previous REPORT.csv" in r.stderr
    r = snop("forecast", sales, "--previous", sales, "--json")
    assert r.exit_code == 1 and "add --incremental" in r.stderr
    r = snop("forecast", sales, "--incremental", "--previous", sales, "--json")
    assert r.exit_code == 1 and not r.traceback
    assert "s.csv: missing column(s) model, selected" in r.stderr


def test_incremental_store_run_prints_its_paths(tmp_path: Path) -> None:
    from tests.store.test_series_models import _long_sales
    from tests.workbooks import write_small

    write_small(tmp_path / "wb", {"sales": _long_sales()})
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    first = snop("--db", "s.db", "forecast", "--json", cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    assert first.json()["paths"]["reasons"] == {"full": 3, "rule": 1}  # B1: a launch
    text = snop("--db", "s.db", "forecast", "--incremental", "--max-age", "1", cwd=tmp_path)
    assert text.exit_code == 0, text.stderr
    # history unchanged: the models were selected 0 periods ago, so still kept
    assert "paths: reselect 1 (rule 1), refit 3" in text.stdout
    r = snop("--db", "s.db", "forecast", "--incremental", "--json", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    assert {s["item"]: s["path"] for s in r.json()["series"]} == {
        "A1": "refit", "A2": "refit", "B2": "refit", "B1": "reselect"
    }  # fmt: skip
    bad = snop("--db", "s.db", "forecast", "--incremental", "--previous", "x.csv", cwd=tmp_path)
    assert bad.exit_code == 1 and "drop --previous" in bad.stderr
