"""Series handling of the forecast: outliers, launches, spare parts, inactive series, review
listing, hierarchy levels, horizon of the stored baseline, huge quantities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.errors import SnopError
from snop.forecasting import forecast_panel
from snop.forecasting.data import detect_outliers
from snop.forecasting.intermittent import fit_adida
from snop.forecasting.launch import DAMP_PHI, MAX_LIKE_MULTIPLE, blend_with_like, damp_trend
from tests.cli import snop
from tests.workbooks import write_small


def monthly(
    item: str, values: list[float] | np.ndarray, start_year: int = 2021
) -> list[tuple[str, str, float]]:
    return [
        (item, f"{start_year + k // 12}-{k % 12 + 1:02d}", float(v)) for k, v in enumerate(values)
    ]


def frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


def seasonal(n: int, seed: int = 0, level: float = 100.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.asarray(level + 25 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n))


def flags_of(y: np.ndarray, m: int = 12) -> np.ndarray:
    f, _ = detect_outliers(y[None, :], np.array([y.size]), m, np.array([True]))
    return np.asarray(np.nonzero(f[0])[0])


# -- outliers ---------------------------------------------------------------------------


def test_recession_like_level_shift_is_not_cleansed() -> None:
    y = seasonal(60)
    y[30:36] *= 0.55  # six months 45 % down, then back: a recession, not six outliers
    assert flags_of(y).size == 0


def test_no_flags_at_the_start_without_context() -> None:
    # a launch month at a third of the level, then a normal seasonal series
    y = seasonal(48, seed=3)
    y[0] = 35.0
    y[1] = 200.0
    assert flags_of(y).size == 0


def test_isolated_spike_is_flagged_and_replaced_by_trend_plus_season() -> None:
    y = seasonal(48, seed=1)
    y[20] = 400.0
    f, clean = detect_outliers(y[None, :], np.array([48]), 12, np.array([True]))
    assert np.nonzero(f[0])[0].tolist() == [20]
    # the replacement is the seasonal level of that month (sin at t = 20: -21.65)
    assert abs(clean[0, 20] - (100 - 21.65)) < 10
    np.testing.assert_array_equal(np.delete(clean[0], 20), np.delete(y, 20))


def test_smooth_trend_wiggles_are_not_outliers() -> None:
    # a quarterly macro-like series: smooth growth and tiny noise
    rng = np.random.default_rng(4)
    y = 1000 * np.exp(0.01 * np.arange(80)) * (1 + rng.normal(0, 0.002, 80))
    assert flags_of(y, m=4).size == 0


# -- launches ---------------------------------------------------------------------------


def _launch_rows(old: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    like = 800 + np.zeros(36)
    rows = monthly("LIKE", like) + monthly("NEW", old, start_year=2023)[:0]
    new_rows = [("NEW", f"2023-{k + 8:02d}", v) for k, v in enumerate(old)]
    items = pd.DataFrame(
        {"item": ["LIKE", "NEW"], "like_item": ["", "LIKE"], "launch_period": ["", "2023-08"]}
    )
    return frame(rows + new_rows), items


def test_five_month_old_launch_stays_within_the_multiple_of_its_like_item() -> None:
    sales, items = _launch_rows([197, 402, 475, 592, 937])
    r = forecast_panel(sales, 18, items=items)
    fc = r.forecast.pivot(index="period", columns="item", values="forecast")
    assert (fc["NEW"] <= MAX_LIKE_MULTIPLE * fc["LIKE"] + 1e-9).all()
    assert fc["NEW"].iloc[-1] < 1.5 * 800  # no longer an 18-month straight line to 2,400
    rep = r.report.set_index("item")
    assert (
        rep.loc["NEW", "model"].startswith("Blend(") and "LikeItem(LIKE)" in rep.loc["NEW", "model"]
    )


def test_blend_weights_by_hand() -> None:
    # naive: own forecast 937 flat (no trend to damp), like 800; 5 of 12 months own
    sales, items = _launch_rows([197, 402, 475, 592, 937])
    r = forecast_panel(sales, 6, items=items, method="naive")
    new = r.forecast[r.forecast["item"] == "NEW"]["forecast"].to_numpy()
    np.testing.assert_allclose(new, 5 / 12 * 937 + 7 / 12 * 800)


def test_damped_trend_by_hand() -> None:
    path = 100 + 10 * np.arange(5, dtype=float)[None, :]
    got = damp_trend(path)[0]
    phi = DAMP_PHI
    want = [
        100,
        100 + 10 * phi,
        100 + 10 * (phi + phi**2),
        100 + 10 * (phi + phi**2 + phi**3),
        100 + 10 * (phi + phi**2 + phi**3 + phi**4),
    ]
    np.testing.assert_allclose(got, want)


# -- spare parts --------------------------------------------------------------------------


def test_spare_part_selling_every_few_months_gets_a_positive_rate() -> None:
    # 2 to 4 units every sixth month; the last month sold nothing, so a naive forecast is 0,
    # and 0 has the lowest backtest MAE
    y = np.zeros(48)
    y[3::6] = [2, 3, 4, 2, 3, 4, 2, 3]
    r = forecast_panel(frame(monthly("SPARE", y)), 12)
    fc = r.forecast["forecast"].to_numpy()
    rate = y.sum() / y.size  # 23 / 48 a month
    assert r.report["demand_class"].iloc[0] == "intermittent"
    assert r.report["model"].iloc[0] in ("Croston", "SBA", "TSB", "ADIDA", "Mean")
    assert (fc > 0.5 * rate).all() and (fc < 2 * rate).all()


def test_adida_by_hand() -> None:
    # ADI 9 / 3 = 3: buckets of 3 periods sum to 2, 4, 6; SES(0.1) from 2: 2.2, 2.58
    Y = np.array([[0, 0, 2, 0, 0, 4, 0, 0, 6]], dtype=float)
    fit = fit_adida(Y, np.array([9]), 3, np.full((1, 1), -1, dtype=np.int64), 3)
    np.testing.assert_allclose(fit.point[0], [2.58 / 3] * 3)


# -- inactive series, review -------------------------------------------------------------


def _panel_with_a_stopped_series() -> pd.DataFrame:
    return frame(monthly("ON", seasonal(36)) + monthly("STOP", seasonal(30, seed=2, level=50)))


def test_inactive_series_is_labelled_and_listed() -> None:
    r = forecast_panel(_panel_with_a_stopped_series(), 6)
    rep = r.report.set_index("item")
    assert rep.loc["STOP", "model"] == "Inactive"
    assert "no sales rows after 2023-06" in rep.loc["STOP", "treatment"]
    assert (r.forecast[r.forecast["item"] == "STOP"]["forecast"] == 0).all()
    assert r.summary()["inactive"] == ["STOP"]
    assert rep.loc["ON", "model"] != "Inactive"


def test_from_own_end_forecasts_each_series_from_its_end() -> None:
    r = forecast_panel(_panel_with_a_stopped_series(), 6, from_own_end=True, method="naive")
    stop = r.forecast[r.forecast["item"] == "STOP"]
    assert stop["period"].tolist() == [
        "2023-07",
        "2023-08",
        "2023-09",
        "2023-10",
        "2023-11",
        "2023-12",
    ]
    last = seasonal(30, seed=2, level=50)[-1]
    np.testing.assert_allclose(stop["forecast"], last)
    assert r.forecast[r.forecast["item"] == "ON"]["period"].iloc[0] == "2024-01"
    assert r.summary()["inactive"] == []


def test_slow_mover_with_its_usual_gap_is_not_inactive() -> None:
    # rows every third month; the last row two months before the end is its usual rhythm
    rows = [("SLOW", f"2022-{k:02d}", 3.0) for k in range(1, 13, 3)]
    rows += [("SLOW", f"2023-{k:02d}", 3.0) for k in range(1, 11, 3)]
    rows += monthly("ON", seasonal(24), start_year=2022)
    r = forecast_panel(frame(rows), 3)
    assert r.summary()["inactive"] == []


def test_items_whose_model_loses_to_naive_are_listed_for_review() -> None:
    rng = np.random.default_rng(8)
    walk = 500 + np.cumsum(rng.normal(0, 30, 48))  # a random walk: the mean is far off
    r = forecast_panel(
        frame(monthly("WALK", walk) + monthly("SEAS", seasonal(48))), 6, method="mean"
    )
    rep = r.report.set_index("item")
    assert rep.loc["WALK", "mase"] > rep.loc["WALK", "naive_mase"]
    assert bool(rep.loc["WALK", "loses_to_naive"])
    assert "WALK" in r.summary()["review"]


# -- hierarchy levels -----------------------------------------------------------------------


def test_numeric_like_factor_is_not_a_hierarchy_level() -> None:
    sales = frame(monthly("A", seasonal(24)) + monthly("B", seasonal(24, seed=1)))
    items = pd.DataFrame(
        {
            "item": ["A", "B"],
            "family": ["F", "F"],
            "like_factor": ["0.8", ""],
            "weight": ["1.5", "2"],
        }
    )
    r = forecast_panel(sales, 3, items=items, reconcile="bottom_up", method="naive")
    assert r.levels is not None
    assert set(r.levels["level"]) == {"total", "family"}


# -- huge values, summing note ----------------------------------------------------------------


def test_quantities_beyond_the_store_limit_are_refused(tmp_path: Path) -> None:
    sales = frame(monthly("BIG", [1e308, 9e307] * 12))
    with pytest.raises(SnopError, match=r"sales row 2, column qty: .* beyond the largest"):
        forecast_panel(sales, 3)
    f = tmp_path / "big.csv"
    sales.to_csv(f, index=False)
    res = snop("forecast", f, "--json")
    assert res.exit_code == 1 and not res.traceback
    assert "beyond the largest value" in res.stderr and res.stdout == ""


def test_rows_of_several_channels_are_said_to_be_summed() -> None:
    rows = monthly("A", [10.0] * 12) + monthly("A", [5.0] * 12)
    r = forecast_panel(frame(rows), 2, method="naive")
    assert "summed rows per period (12 more than one per period)" in r.report["treatment"][0]
    assert "channels, customers, locations" in r.report["treatment"][0]
    assert r.forecast["forecast"].tolist() == [15.0, 15.0]


# -- horizon of the stored baseline -------------------------------------------------------

SETTINGS_20 = "name,value\ncompany,Small Co\nhorizon,20\n"


def test_store_forecast_covers_the_workbook_horizon(tmp_path: Path) -> None:
    write_small(tmp_path / "wb", {"settings": SETTINGS_20})
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    res = snop("--db", "s.db", "forecast", "--method", "naive", "--json", cwd=tmp_path)
    assert res.exit_code == 0, res.stderr
    assert res.json()["horizon"] == 20
    from snop.store.uow import UnitOfWork

    with UnitOfWork.open(f"sqlite:///{tmp_path / 's.db'}").read() as tx:
        layer = tx.forecasts.layer("2026-11")
    a1 = layer[layer["item"] == "A1"]
    assert len(a1) == 20 and (a1["qty"] == 125.0).all()  # no zero tail


def test_store_forecast_refuses_a_different_or_empty_horizon(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    assert snop("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    for h, msg in (
        ("18", "differs from the current cycle's horizon (6 periods)"),
        ("0", "at least 1 period"),
    ):
        res = snop("--db", "s.db", "forecast", "--horizon", h, cwd=tmp_path)
        assert res.exit_code == 1 and not res.traceback, res.stderr
        assert msg in res.stderr
    ok = snop("--db", "s.db", "forecast", "--horizon", "6", "--method", "naive", cwd=tmp_path)
    assert ok.exit_code == 0 and "x 6 periods" in ok.stdout


def test_cli_lists_inactive_items_and_forecasts_them_from_their_end(tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    _panel_with_a_stopped_series().to_csv(f, index=False)
    res = snop("forecast", f, "--horizon", "3", "--method", "naive", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["inactive"] == ["STOP"]
    txt = snop("forecast", f, "--horizon", "3", "--method", "naive", "--out", tmp_path / "o.csv")
    assert "1 inactive" in txt.stdout and "STOP" in txt.stdout
    own = snop(
        "forecast",
        f,
        "--horizon",
        "3",
        "--method",
        "naive",
        "--from-own-end",
        "--out",
        tmp_path / "own.csv",
    )
    assert own.exit_code == 0, own.stderr
    fc = pd.read_csv(tmp_path / "own.csv")
    assert fc[fc["item"] == "STOP"]["period"].tolist() == ["2023-07", "2023-08", "2023-09"]


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 1e4, allow_nan=False), min_size=24, max_size=60),
    st.sampled_from([1, 4, 12]),
)
def test_outlier_flags_are_isolated_and_have_context(values: list[float], m: int) -> None:
    y = np.asarray(values)
    f, clean = detect_outliers(y[None, :], np.array([y.size]), m, np.array([True]))
    at = np.nonzero(f[0])[0]
    w = max(5, (m + 1) | 1)
    assert (at >= w // 2).all() and (at < y.size - 3).all()
    # never two neighbours deviating the same way: a run is a shift (a spike next to a dip,
    # as an order pulled forward a month, is two outliers)
    up = (y - clean[0])[at] > 0
    pairs = np.nonzero(np.diff(at) == 1)[0]
    assert (up[pairs] != up[pairs + 1]).all()
    assert (clean[0] >= 0).all()
    np.testing.assert_array_equal(np.delete(clean[0], at), np.delete(y, at))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 1e5, allow_nan=False), min_size=6, max_size=6),
    st.floats(1, 1e4),
    st.integers(4, 11),
)
def test_blend_never_exceeds_the_multiple_of_the_like_item(
    own: list[float], like: float, age: int
) -> None:
    o = np.asarray(own)[None, :]
    lk = np.full((1, 6), like)
    got = blend_with_like(o, lk, np.array([age]), 12)[0]
    assert (got <= MAX_LIKE_MULTIPLE * like + 1e-9).all()
    np.testing.assert_allclose(got, np.minimum(age / 12 * o[0] + (1 - age / 12) * like, 2 * like))
