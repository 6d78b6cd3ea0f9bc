"""Incremental re-forecast: which path each series takes, and what a refit fits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.forecasting import forecast_panel
from snop.forecasting.data import prepare_sales
from snop.forecasting.incremental import fingerprints, members, read_previous
from snop.forecasting.models import ETS
from snop.model.periods import Granularity

H = 3
MONTHS = 36  # history of the first run: 2021-01 .. 2023-12


def _label(k: int) -> str:
    return f"{2021 + k // 12}-{k % 12 + 1:02d}"


def _panel(n_months: int) -> dict[str, np.ndarray]:
    """Smooth seasonal series with a little noise (no outliers), one level each."""
    rng = np.random.default_rng(7)
    t = np.arange(n_months)
    out = {}
    for i, name in enumerate(["KEEP", "BAND", "PAST", "OLD", "FLAT"]):
        season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + i)
        out[name] = np.round((100 + 30 * i) * season * (1 + rng.normal(0, 0.02, n_months)), 2)
    return out


def _sales(series: dict[str, np.ndarray], months: int) -> pd.DataFrame:
    rows = [(k, _label(t), float(v[t])) for k, v in series.items() for t in range(months)]
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


def _first_run() -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    series = _panel(MONTHS + 1)
    full = forecast_panel(_sales(series, MONTHS), H)
    return series, full.report


def test_each_rule_gives_its_path() -> None:
    series, report = _first_run()
    rep = report.set_index("item")
    assert set(rep["path"]) == {"reselect"} and set(rep["selected"]) == {"2023-12"}
    # the new month (2024-01): inside KEEP's band, far above BAND's, a past month of PAST
    # restated, and OLD's model selected 12 months before
    series["KEEP"][MONTHS] = (rep.loc["KEEP", "band_lo"] + rep.loc["KEEP", "band_hi"]) / 2
    series["BAND"][MONTHS] = 2 * rep.loc["BAND", "band_hi"] + 1
    series["FLAT"][MONTHS] = rep.loc["FLAT", "band_lo"]  # on the band's edge: inside
    series["PAST"][10] += 5.0
    series["NEW"] = series["KEEP"] * 2
    previous = report.copy()
    previous.loc[previous["item"] == "OLD", "selected"] = "2022-12"
    inc = forecast_panel(_sales(series, MONTHS + 1), H, previous=read_previous(previous, "p"))
    got = inc.report.set_index("item")
    paths = got["path"].to_dict()
    assert paths == {
        "KEEP": "refit",
        "BAND": "reselect",
        "PAST": "reselect",
        "OLD": "reselect",
        "FLAT": "refit",
        "NEW": "reselect",
    }
    assert "2024-01 outside the 99 % band" in got.loc["BAND", "why"]
    assert "up to 2023-12 differs" in got.loc["PAST", "why"]
    assert "selected in 2022-12, 13 periods ago" in got.loc["OLD", "why"]
    assert got.loc["NEW", "why"].startswith("new series")
    assert inc.summary()["paths"] == {
        "paths": {"refit": 2, "reselect": 4},
        "reasons": {"aged": 1, "kept": 2, "new": 1, "out_of_band": 1, "restated": 1},
    }
    # a refit keeps its selection: model form, selection month and its backtest figures
    for item in ("KEEP", "FLAT"):
        assert got.loc[item, "model"] == rep.loc[item, "model"]
        assert got.loc[item, "selected"] == "2023-12"
        assert got.loc[item, "mase"] == rep.loc[item, "mase"]
    # a reselected series was selected now
    assert got.loc["BAND", "selected"] == "2024-01"
    # with max_age 1 every kept model is too old
    aged = forecast_panel(
        _sales(series, MONTHS + 1), H, previous=read_previous(previous, "p"), max_age=1
    )
    assert set(aged.report["path"]) == {"reselect"}


def test_a_refit_fits_the_kept_form_again_on_the_new_history() -> None:
    series, report = _first_run()
    rep = report.set_index("item")
    series["KEEP"][MONTHS] = (rep.loc["KEEP", "band_lo"] + rep.loc["KEEP", "band_hi"]) / 2
    sales = _sales({"KEEP": series["KEEP"]}, MONTHS + 1)
    inc = forecast_panel(sales, H, previous=read_previous(report, "p"))
    assert inc.report["path"].tolist() == ["refit"]
    assert inc.report["outliers"].tolist() == [0]  # the kernel sees the history as it is
    model = rep.loc["KEEP", "model"]
    parts = members(model)
    if model.startswith("ETS("):  # the one-series model of that form, fitted on 37 months
        want = ETS(12, model).fit(series["KEEP"]).predict(H)["mean"]
        np.testing.assert_allclose(inc.forecast["forecast"], np.maximum(want, 0), rtol=1e-9)
    assert members(inc.report["model"].iloc[0])[0].split("(")[0] == parts[0].split("(")[0]


def test_unchanged_history_refits_every_model_to_the_full_runs_forecast() -> None:
    series, report = _first_run()
    sales = _sales(series, MONTHS)
    again = forecast_panel(sales, H, previous=read_previous(report, "p"))
    assert set(again.report["path"]) == {"refit"}
    assert set(again.report["why"].str.contains("0 period")) == {True}
    full = forecast_panel(sales, H)
    np.testing.assert_allclose(again.forecast["forecast"], full.forecast["forecast"], rtol=1e-9)
    assert again.report["model"].tolist() == full.report["model"].tolist()


def test_reselected_series_get_what_a_full_run_gives_them() -> None:
    series, report = _first_run()
    series["PAST"][3] *= 1.5  # restated
    series["NEW"] = series["OLD"] * 3
    sales = _sales(series, MONTHS + 1)
    inc = forecast_panel(sales, H, previous=read_previous(report, "p"))
    full = forecast_panel(sales, H)
    again = inc.report["path"] == "reselect"
    assert set(inc.report.loc[again, "item"]) >= {"PAST", "NEW"}
    keys = set(inc.report.loc[again, "item"])
    a = inc.forecast[inc.forecast["item"].isin(keys)].reset_index(drop=True)
    b = full.forecast[full.forecast["item"].isin(keys)].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    cols = ["model", "runner_up", "mase", "wape"]
    pd.testing.assert_frame_equal(
        inc.report.loc[again, cols].reset_index(drop=True),
        full.report.loc[again.to_numpy(), cols].reset_index(drop=True),
    )


def test_the_fingerprint_covers_the_history_up_to_a_period() -> None:
    series = _panel(MONTHS + 1)
    p36 = prepare_sales(_sales(series, MONTHS))
    p37 = prepare_sales(_sales(series, MONTHS + 1))
    assert p37.granularity is Granularity.MONTH
    end = np.full(len(p36.items), p36.last, dtype=np.int64)
    # a new month does not change the history up to the old end; a restated month does
    assert (fingerprints(p36, end) == fingerprints(p37, end)).all()
    assert (fingerprints(p37, end) != fingerprints(p37, end + 1)).all()
    series["KEEP"][0] += 0.01
    p37b = prepare_sales(_sales(series, MONTHS + 1))
    changed = fingerprints(p37b, end) != fingerprints(p37, end)
    assert changed.tolist() == [it == "KEEP" for it in p37.items]
    # 3 seasons: a rolling file that drops its oldest month is the same history
    longer = _panel(MONTHS + 3)
    full = prepare_sales(_sales(longer, MONTHS + 2))  # 2021-01 .. 2024-02
    rolled = prepare_sales(_sales(longer, MONTHS + 3).query("period > '2021-01'"))
    last = np.full(len(full.items), full.last, dtype=np.int64)
    assert (fingerprints(full, last) == fingerprints(rolled, last)).all()


def test_series_without_a_model_follow_the_rules_and_short_ones_are_young() -> None:
    series, report = _first_run()
    series["ZERO"] = np.zeros(MONTHS + 1)
    series["YOUNG"] = series["KEEP"].copy()
    sales = _sales(series, MONTHS + 1)
    young = sales[(sales["item"] != "YOUNG") | (sales["period"] >= "2023-09")]
    inc = forecast_panel(young, H, previous=read_previous(report, "p")).report.set_index("item")
    assert inc.loc["ZERO", "path"] == "reselect" and "engine's rules" in inc.loc["ZERO", "why"]
    assert inc.loc["ZERO", "selected"] == ""
    assert inc.loc["YOUNG", "why"].startswith("young series (5 periods)")


def _walk(n: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    t = np.arange(T)
    Y = 200 + np.cumsum(rng.normal(0, 5, (n, T)), axis=1) + 20 * np.sin(2 * np.pi * t / 12)
    return Y, np.full(n, T, dtype=np.int64)


def test_an_arima_refit_chooses_differences_and_orders_again_without_backtest() -> None:
    from snop.forecasting.arima import fit_arima
    from snop.forecasting.incremental import fit_models

    Y, L = _walk(6, 48)
    none = np.full((6, 1), -1, dtype=np.int64)
    auto = fit_arima(Y, L, H, 12, none, 1)
    # whatever orders were kept, the refit searches them again on the new history
    again = fit_models(Y, L, ["ARIMA(0,1,0)"] * 3 + ["ARIMA(2,0,0)(1,0,0)[12]"] * 3, H, 12)
    assert again.names.tolist() == auto.names.tolist()
    np.testing.assert_allclose(again.point, auto.point, rtol=1e-9)
    np.testing.assert_allclose(again.sigma, auto.sigma, rtol=1e-9)


def test_an_ensemble_refit_is_the_mean_of_its_members_refitted() -> None:
    from snop.forecasting.incremental import fit_models

    Y, L = _walk(4, 48)
    parts = ["ETS(A,N,A)", "ARIMA(1,1,0)(0,1,1)[12]", "Theta"]
    name = "Ensemble(" + "+".join(parts) + ")"
    assert members(name) == parts
    ens = fit_models(Y, L, [name] * 4, H, 12)
    each = [fit_models(Y, L, [p] * 4, H, 12) for p in parts]
    np.testing.assert_allclose(ens.point, np.mean([f.point for f in each], axis=0))
    np.testing.assert_allclose(ens.sigma, np.mean([f.sigma for f in each], axis=0))
    for i, got in enumerate(ens.names):  # the ARIMA member as its own refit names it
        assert got == f"Ensemble(ETS(A,N,A)+{each[1].names[i]}+Theta)"
