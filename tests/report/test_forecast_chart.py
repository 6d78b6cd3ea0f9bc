"""The forecast chart (snop.report.forecast_chart) and ``snop forecast --plot``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.forecasting import ForecastResult, forecast_panel
from snop.report.forecast_chart import (
    chart_ids,
    choose_items,
    item_forecast_figure,
    item_header,
    sales_history,
)
from tests.cli import snop
from tests.workbooks import SMALL, write_small

OUTLIER = ("SKU1", "2023-09", 400.0)  # month 21 of SKU1, some 5 times its level


def _sales() -> pd.DataFrame:
    """3 items x 36 months of seasonal sales at levels 50, 70, 90; one obvious outlier."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(3):
        for k in range(36):
            q = round(50 + 10 * np.sin(2 * np.pi * k / 12) + rng.normal(0, 2) + i * 20, 1)
            period = f"{2022 + k // 12}-{k % 12 + 1:02d}"
            if (f"SKU{i}", period) == OUTLIER[:2]:
                q = OUTLIER[2]
            rows.append((f"SKU{i}", period, q))
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, ForecastResult]:
    sales = _sales()
    return sales, forecast_panel(sales, 6, method="naive", levels=(80, 95))


def _trace(fig: object, name: str) -> object:
    found = [t for t in fig.data if t.name == name]  # type: ignore[attr-defined]
    assert len(found) == 1, name
    return found[0]


def test_the_traces_carry_the_numbers_of_the_frames(
    run: tuple[pd.DataFrame, ForecastResult],
) -> None:
    sales, result = run
    history = sales_history(sales)
    fig = item_forecast_figure("SKU1", history, result.forecast, result.outliers, [80, 95])
    own = sales[sales["item"] == "SKU1"]
    fc = result.forecast[result.forecast["item"] == "SKU1"]
    sold = _trace(fig, "sales")
    assert list(sold.x) == own["period"].tolist()
    np.testing.assert_array_equal(sold.y, own["qty"].to_numpy())
    model = fc["model"].iloc[0]
    line = _trace(fig, f"forecast ({model})")
    assert list(line.x) == fc["period"].tolist()
    assert list(line.x) == [f"2025-{m:02d}" for m in range(1, 7)]
    np.testing.assert_array_equal(line.y, fc["forecast"].to_numpy())
    for lv in ("80", "95"):
        np.testing.assert_array_equal(_trace(fig, f"{lv}% upper").y, fc[f"hi_{lv}"].to_numpy())
        lower = _trace(fig, f"{lv}% interval")
        np.testing.assert_array_equal(lower.y, fc[f"lo_{lv}"].to_numpy())
        assert lower.fill == "tonexty"  # filled up to its own upper edge, the trace before
    # widest band first: the 80% band is drawn over it and reads darker
    names = [t.name for t in fig.data]
    assert names[:4] == ["95% upper", "95% interval", "80% upper", "80% interval"]
    assert (fc["hi_95"] >= fc["hi_80"]).all() and (fc["lo_95"] <= fc["lo_80"]).all()
    flagged = result.outliers[result.outliers["item"] == "SKU1"]
    assert (OUTLIER[1], OUTLIER[2]) in set(zip(flagged["period"], flagged["qty"], strict=True))
    marks = _trace(fig, "outlier")
    assert list(marks.x) == flagged["period"].tolist()
    np.testing.assert_array_equal(marks.y, flagged["qty"].to_numpy())
    cleansed = flagged["cleansed"].iloc[list(marks.x).index(OUTLIER[1])]
    assert cleansed < 120  # the model saw a value near the item's level, not 400
    assert f"{cleansed:,.4g}" in marks.text[list(marks.x).index(OUTLIER[1])]
    # the periods in order: history, then forecast
    assert list(fig.layout.xaxis.categoryarray) == list(sold.x) + list(line.x)
    assert "SKU1" in fig.layout.title.text and model in fig.layout.title.text


def test_an_item_without_outliers_has_no_marker_trace(
    run: tuple[pd.DataFrame, ForecastResult],
) -> None:
    sales, result = run
    assert (result.outliers["item"] != "SKU0").all()
    fig = item_forecast_figure("SKU0", sales, result.forecast, result.outliers, [95])
    assert [t.name for t in fig.data if t.mode == "markers"] == []
    assert [t.name for t in fig.data][:2] == ["95% upper", "95% interval"]


def test_the_history_fills_missing_periods_with_zero() -> None:
    sales = pd.read_csv(io.StringIO(SMALL["sales"]))
    hist = sales_history(sales).set_index(["item", "period"])["qty"]
    assert hist[("B2", "2026-08")] == 0.0  # no row that month
    assert hist[("A1", "2026-10")] == 105 + 20  # two channels summed
    assert hist.loc["A2"].index.tolist() == [f"2026-{m:02d}" for m in range(5, 11)]


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 23),
        st.floats(-5, 1e4, allow_nan=False).map(lambda q: round(q, 2)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None)
@given(ROWS)
def test_history_keeps_every_unit_sold_on_one_calendar(rows: list[tuple[str, int, float]]) -> None:
    sales = pd.DataFrame(
        [(i, f"{2024 + k // 12}-{k % 12 + 1:02d}", q) for i, k, q in rows],
        columns=["item", "period", "qty"],
    )
    hist = sales_history(sales)
    sold = sales.assign(qty=sales["qty"].clip(lower=0)).groupby("item")["qty"].sum()
    got = hist.groupby("item")["qty"].sum().reindex(sold.index, fill_value=0.0)
    np.testing.assert_allclose(got.to_numpy(), sold.to_numpy(), rtol=1e-12, atol=1e-9)
    last = max(f"{2024 + k // 12}-{k % 12 + 1:02d}" for _, k, _ in rows)
    for _, own in hist.groupby("item"):  # consecutive periods up to the panel's last
        assert own["period"].iloc[-1] == last and own["qty"].iloc[0] > 0
        months = [int(p[:4]) * 12 + int(p[5:]) for p in own["period"]]
        assert months == list(range(months[0], months[0] + len(months)))


def test_default_items_are_the_largest_by_volume(
    run: tuple[pd.DataFrame, ForecastResult],
) -> None:
    sales, result = run
    volume = sales.groupby("item")["qty"].sum().sort_values(ascending=False)
    choice = choose_items(sales, result.forecast, limit=2)
    assert choice.items == volume.index[:2].tolist() == ["SKU2", "SKU1"]
    assert choice.by_volume and choice.total == 3
    asked = choose_items(sales, result.forecast, ["SKU0", "SKU2", "SKU0"])
    assert asked.items == ["SKU0", "SKU2"] and not asked.by_volume
    with pytest.raises(SnopError, match=r"'SKU9' is not in the forecast.*SKU\d"):
        choose_items(sales, result.forecast, ["SKU9"])


def test_header_names_model_backtest_and_outliers(
    run: tuple[pd.DataFrame, ForecastResult],
) -> None:
    _, result = run
    row = result.report.set_index("item").loc["SKU1"]
    line = item_header("SKU1", result.report)
    assert f"model {row['model']}" in line
    assert f"MASE {row['mase']:.3f} vs naive {row['naive_mase']:.3f}" in line
    assert f"{row['outliers']} outlier" in line and row["outliers"] >= 1


def test_chart_ids_are_html_ids_and_distinct() -> None:
    assert chart_ids(["A/B", "A_B", "x y"]) == ["forecast-A_B", "forecast-A_B-2", "forecast-x_y"]


def _page_checks(page: Path, items: list[str]) -> str:
    text = page.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1  # the library's banner: embedded once
    assert text.count("Plotly.newPlot(") == len(items)
    for cid in chart_ids(items):
        assert f'id="{cid}"' in text
    assert not re.search(r"<script[^>]*\bsrc=", text)  # nothing fetched: opens offline
    return text


def test_cli_writes_a_self_contained_page_and_json(tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    _sales().to_csv(f, index=False)
    page = tmp_path / "fc.html"
    r = snop("forecast", f, "--horizon", "6", "--method", "naive", "--plot", page, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["plot"] == str(page)
    _page_checks(page, ["SKU2", "SKU1", "SKU0"])
    assert "SKU2, SKU1, SKU0" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc.html", "sales.csv"]

    r = snop("forecast", f, "--method", "naive", "--plot", page, "--item", "SKU0")
    assert r.exit_code == 0, r.stderr
    assert "Forecast 3 items" in r.stdout
    text = _page_checks(page, ["SKU0"])
    assert 'id="forecast-SKU1"' not in text


def test_cli_plot_mistakes_are_messages(tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    _sales().to_csv(f, index=False)
    page = tmp_path / "fc.html"
    page.write_text("old page", encoding="utf-8")
    r = snop("forecast", f, "--method", "naive", "--plot", page, "--item", "SKU9")
    assert r.exit_code == 1 and not r.traceback
    assert "'SKU9'" in r.stderr and "SKU2" in r.stderr
    assert page.read_text(encoding="utf-8") == "old page"  # a failed run leaves it alone
    r = snop("forecast", f, "--method", "naive", "--plot", tmp_path / "no" / "fc.html")
    assert r.exit_code == 1 and not r.traceback and "does not exist" in r.stderr
    r = snop("forecast", f, "--method", "naive", "--out", tmp_path / "o.csv", "--item", "SKU0")
    assert r.exit_code == 1 and not r.traceback and "--plot" in r.stderr


def test_cli_plots_the_stored_history(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    r = snop(
        "--db", "s.db", "forecast", "--method", "naive", "--plot", "b.html", "--json", cwd=tmp_path
    )
    assert r.exit_code == 0, r.stderr
    assert r.json()["plot"] == "b.html"
    # A1 650, A2 375, B2 126 units sold; B1 is new (no history)
    _page_checks(tmp_path / "b.html", ["A1", "A2", "B2", "B1"])
    r = snop(
        "--db",
        "s.db",
        "forecast",
        "--method",
        "naive",
        "--plot",
        "c.html",
        "--item",
        "Z9",
        cwd=tmp_path,
    )
    assert r.exit_code == 1 and not r.traceback
    assert "'Z9'" in r.stderr and "A1" in r.stderr and "baseline of cycle" in r.stderr
    assert not (tmp_path / "c.html").exists()


def test_header_names_the_forecast_model_when_given(
    run: tuple[pd.DataFrame, ForecastResult],
) -> None:
    _, result = run
    assert item_header("SKU0", result.report, model="launch curve of X x1").startswith(
        "model launch curve of X x1 · backtest MASE"
    )
    assert item_header("NONE", result.report) == "no backtest"
