"""Backtest windows and selection by hand; selection on a trending quarterly series with
growing seasonality against statsforecast's AutoETS."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from snop.forecasting.common import PanelFit, names_array
from snop.forecasting.ets import fit_ets, parse_spec
from snop.forecasting.selection import backtest_actuals, backtest_origins, select


def test_backtest_origins_by_hand() -> None:
    # n = 40, h = 8, m = 4: min_train = min(8, max(3, 20)) = 8; last = 32;
    # step = min(4, (32 - 8) // 2) = 4 -> origins 24, 28, 32
    o = backtest_origins(np.array([40, 3]), 8, 4, 3)
    assert o[0].tolist() == [24, 28, 32]
    assert o[1].tolist() == [-1, -1, -1]  # fewer than 4 points: no window


def _fit(bt: np.ndarray, name: str) -> PanelFit:
    n = bt.shape[0]
    return PanelFit(
        point=np.zeros((n, 2)),
        sigma=np.zeros((n, 2)),
        backtest=bt,
        fitted=np.zeros((n, 4)),
        names=names_array(n, name),
        ok=np.ones(n, dtype=bool),
    )


def test_selection_by_backtest_mae_with_handicap() -> None:
    Y = np.array([[10.0, 10.0, 10.0, 12.0, 12.0]])
    L = np.array([5])
    o = np.array([[3]])
    act = backtest_actuals(Y, L, o, 2)  # [[12, 12]]
    ets = _fit(np.array([[[11.0, 11.0]]]), "ETS")  # MAE 1
    naive = _fit(np.array([[[11.5, 11.5]]]), "Naive")  # MAE 0.5
    fits = {"ets": ets, "naive": naive}
    chosen, runner, mae = select(["ets", "naive"], fits, act, "ets")
    assert chosen[0] == 1 and runner[0] == 0
    np.testing.assert_allclose(mae[0], [1.0, 0.5])
    # a handicap of 2.5 makes naive's 0.5 count as 1.25 > 1: ETS wins
    chosen, _, _ = select(["ets", "naive"], fits, act, "ets", {"naive": 2.5})
    assert chosen[0] == 0


def test_trending_quarterly_series_with_growing_seasonality() -> None:
    """A quarterly series whose seasonal swing grows with its level (ETS(M,A,M) truth).

    ``auto`` must stay within 1.5x the MASE of statsforecast's AutoETS over five such
    series (the factor documented in docs/forecasting.md), and its ETS must be seasonal.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast.models import AutoETS

    from snop.forecasting import forecast_panel

    h, n, q = 8, 40, 4
    ours, theirs = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        t = np.arange(n + h)
        season = np.array([0.75, 1.0, 1.35, 0.9])[t % q]
        y = (100 + 4 * t) * season * (1 + rng.normal(0, 0.03, n + h))
        hist, actual = y[:n], y[n:]
        scale = np.mean(np.abs(hist[q:] - hist[:-q]))
        labels = [f"{2010 + k // 4}-Q{k % 4 + 1}" for k in range(n)]
        sales = pd.DataFrame({"item": "A", "period": labels, "qty": hist})
        res = forecast_panel(sales, h, method="auto", windows=3)
        ours.append(np.mean(np.abs(res.forecast["forecast"].to_numpy() - actual)) / scale)
        ref = AutoETS(season_length=q).forecast(hist, h)["mean"]
        theirs.append(np.mean(np.abs(ref - actual)) / scale)
        f = fit_ets(hist[None, :], np.array([n]), h, q, np.full((1, 3), -1), h)
        assert parse_spec(str(f.names[0])).season != "N"
    assert np.mean(ours) <= 1.5 * np.mean(theirs)


def test_long_series_are_fitted_on_their_last_ten_seasons() -> None:
    from snop.forecasting.engine import run_panel

    rng = np.random.default_rng(0)
    t = np.arange(300)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 300)
    Y = np.zeros((2, 300))
    Y[0] = y
    Y[1, :60] = y[:60]
    L = np.array([300, 60])
    out = run_panel(Y, L, np.array(["smooth", "smooth"], dtype=object), 12, 12, "ets", windows=1)
    assert np.isfinite(out.point).all()
    # the first 300 - 120 periods of the long series are not used, so have no fitted value
    assert np.isnan(out.fitted[0, :180]).all()
    assert np.isfinite(out.fitted[0, 181:300]).all()
    assert np.isnan(out.fitted[1, 60:]).all() and np.isfinite(out.fitted[1, 1:60]).all()
    # the forecast follows the season: peak near the sine's peak of the next year
    assert abs(int(np.argmax(out.point[0])) - (3 - 300 % 12) % 12) <= 1
