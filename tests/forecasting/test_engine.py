"""The engine end to end: documented treatments of bad input, never NaN, never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.forecasting import forecast_panel


def monthly(item: str, values: list[float], start_year: int = 2021) -> list[tuple[str, str, float]]:
    return [(item, f"{start_year + k // 12}-{k % 12 + 1:02d}", v) for k, v in enumerate(values)]


def frame(rows: list[tuple[str, str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


def seasonal(n: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return list(np.round(100 + t + 25 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n), 1))


def check_clean(fc: pd.DataFrame) -> None:
    num = fc.select_dtypes("number")
    assert np.isfinite(num.to_numpy()).all()
    assert (fc["forecast"] >= 0).all()
    assert (fc["lo_80"] <= fc["forecast"] + 1e-9).all()
    assert (fc["hi_95"] >= fc["hi_80"] - 1e-9).all()
    assert (fc["lo_95"] >= 0).all()


def test_columns_periods_and_model_names() -> None:
    sales = frame(monthly("A", seasonal(48)) + monthly("B", seasonal(48, 1)))
    r = forecast_panel(sales, 6)
    assert list(r.forecast.columns) == [
        "item",
        "period",
        "forecast",
        "model",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
    ]
    assert r.forecast["period"].iloc[:6].tolist() == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    check_clean(r.forecast)
    assert set(r.report.columns) >= {
        "item",
        "demand_class",
        "model",
        "runner_up",
        "mase",
        "wape",
        "naive_mase",
        "naive_wape",
    }
    assert r.report["windows"].tolist() == [3, 3]
    summary = r.summary()
    assert summary["items"] == 2 and len(summary["series"]) == 2


def test_bad_inputs_have_documented_treatments() -> None:
    rows = (
        monthly("ONE", [7.0], 2024)
        + monthly("ZERO", [0.0] * 24)
        + [("NAN", p, q) for _, p, q in monthly("x", [5.0, 6.0, 7.0, 8.0, 9.0] * 4)]
        + [("NAN", "2022-09", "")]
        + monthly("NEG", [10.0, -4.0, 12.0, 11.0, 9.0, 10.0, 12.0, 11.0])
        + monthly("GAP", [5.0, 6.0, 5.0, 6.0, 5.0, 6.0])[::2]
        + monthly("DUP", [4.0] * 12)
        + [("DUP", "2021-12", 4.0)]
    )
    r = forecast_panel(frame(rows), 4)
    check_clean(r.forecast)
    rep = r.report.set_index("item")
    fc = r.forecast.set_index("item")
    assert fc.loc["ONE", "forecast"].tolist() == [7.0] * 4  # one point: its mean
    assert fc.loc["ZERO", "forecast"].tolist() == [0.0] * 4
    assert rep.loc["ZERO", "model"] == "Zero"
    assert "negative" in rep.loc["NEG", "treatment"]
    assert "blank" in rep.loc["NAN", "treatment"]
    assert "summed rows per period (1 more" in rep.loc["DUP", "treatment"]
    assert rep.loc["GAP", "n_obs"] == 37  # 2021-01..2024-01: gaps are zero months


def test_user_errors_name_row_and_column() -> None:
    rows: list[tuple[str, str, object]] = [("A", "2024-01", 3), ("A", "2024-02", "abc")]
    with pytest.raises(SnopError, match=r"sales row 3, column qty: 'abc' is not a number"):
        forecast_panel(frame(rows), 3)
    with pytest.raises(SnopError, match=r"row 3, column period: .*quarter"):
        forecast_panel(frame([("A", "2024-01", 3), ("A", "2024-Q2", 4)]), 3)
    with pytest.raises(SnopError, match=r"row 2, column period"):
        forecast_panel(frame([("A", "24/01", 3)]), 3)
    with pytest.raises(SnopError, match="missing column"):
        forecast_panel(pd.DataFrame({"item": ["A"], "qty": [1]}), 3)
    with pytest.raises(SnopError, match="horizon"):
        forecast_panel(frame([("A", "2024-01", 3)]), 0)
    with pytest.raises(SnopError, match="unknown method"):
        forecast_panel(frame([("A", "2024-01", 3)]), 2, method="prophet")


@pytest.mark.parametrize(
    "method",
    [
        "mean",
        "naive",
        "snaive",
        "drift",
        "ets",
        "theta",
        "croston",
        "sba",
        "tsb",
        "ensemble",
        "auto",
    ],
)
def test_every_method_runs_without_nan(method: str) -> None:
    rows = (
        monthly("S", seasonal(36))
        + monthly("T", [0, 3, 0, 0, 2, 0, 1, 0] * 3)
        + monthly("U", [4.0, 5.0])
    )
    r = forecast_panel(frame(rows), 5, method=method)
    check_clean(r.forecast)


def test_arima_names_its_orders() -> None:
    r = forecast_panel(frame(monthly("S", seasonal(36))), 3, method="arima", windows=1)
    assert r.forecast["model"].iloc[0].startswith("ARIMA(")
    check_clean(r.forecast)


def test_like_item_launch_and_end() -> None:
    sales = frame(monthly("OLD", seasonal(48)) + monthly("GONE", seasonal(48, 2)))
    items = pd.DataFrame(
        {
            "item": ["OLD", "GONE", "NEW"],
            "family": ["F", "F", "F"],
            "launch_period": ["", "", "2025-03"],
            "end_period": ["", "2025-02", ""],
            "like_item": ["", "", "OLD"],
        }
    )
    r = forecast_panel(sales, 6, items=items)
    fc = r.forecast.set_index(["item", "period"])["forecast"]
    assert fc.loc[("NEW", "2025-01")] == 0 and fc.loc[("NEW", "2025-02")] == 0
    assert fc.loc[("NEW", "2025-03")] == pytest.approx(fc.loc[("OLD", "2025-03")])
    assert fc.loc[("GONE", "2025-02")] > 0 and fc.loc[("GONE", "2025-03")] == 0
    assert r.forecast.set_index("item").loc["NEW", "model"].iloc[0] == "LikeItem(OLD)"


def test_outlier_flagged_not_dropped() -> None:
    values = seasonal(48)
    values[20] = values[20] * 6
    r = forecast_panel(frame(monthly("A", values)), 3)
    assert r.outliers["period"].tolist() == ["2022-09"]
    assert r.outliers["qty"].iloc[0] == values[20]
    assert r.outliers["cleansed"].iloc[0] < values[20] / 3
    assert r.report["outliers"].iloc[0] == 1


def test_quarterly_and_weekly() -> None:
    q = [
        (f"Q{i}", f"{2018 + k // 4}-Q{k % 4 + 1}", 50 + 10 * (k % 4) + i)
        for i in range(2)
        for k in range(24)
    ]
    r = forecast_panel(frame(q), 4, freq="Q")
    assert r.forecast["period"].iloc[0] == "2024-Q1"
    check_clean(r.forecast)
    w = [("W", f"2023-W{k + 1:02d}", 10 + k % 4) for k in range(30)]
    r = forecast_panel(frame(w), 3)
    assert r.forecast["period"].tolist() == ["2023-W31", "2023-W32", "2023-W33"]
    with pytest.raises(SnopError, match="--freq"):
        forecast_panel(frame(w), 3, freq="M")


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.integers(0, 40),
            st.one_of(st.floats(-50, 500, allow_nan=False), st.just(0.0), st.just("")),
        ),
        min_size=1,
        max_size=120,
    ),
    h=st.integers(1, 20),
    method=st.sampled_from(["auto", "ets", "theta", "tsb", "drift"]),
)
def test_never_a_crash_never_a_nan(
    data: list[tuple[str, int, object]], h: int, method: str
) -> None:
    rows = [(it, f"{2020 + k // 12}-{k % 12 + 1:02d}", q) for it, k, q in data]
    r = forecast_panel(frame(rows), h, method=method)
    check_clean(r.forecast)
    assert len(r.forecast) == h * r.report.shape[0]
