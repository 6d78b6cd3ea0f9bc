"""Benchmark: snop ``auto`` vs statsforecast AutoETS / AutoTheta / AutoARIMA.

Builds a panel of realistic monthly series (seasonal, trending, flat, level shifts,
intermittent, short histories; noise everywhere), holds out the last ``--horizon`` months,
and prints mean MASE, panel WAPE, time and ratios per method. Every method runs on the same
machine with the same cores (statsforecast ``n_jobs=--cores``; snop is single-process numpy).
AutoARIMA is slow, so by default it runs on a random subsample and its time is scaled up to
the full panel (said in the output); its accuracy is compared with snop's on that subsample.
Forecasts of every method are floored at 0 (demand), as snop does.

    python bench/forecast_bench.py                      # 10,000 series, h = 18
    python bench/forecast_bench.py --series 2000 --skip-ets
    python bench/forecast_bench.py --rss 100000         # peak RSS of snop on 100k series
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

M = 12


def make_panel(n: int, history: int, horizon: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, history + horizon) values and each series' history length (short ones < history)."""
    rng = np.random.default_rng(seed)
    T = history + horizon
    t = np.arange(T)[None, :]
    kind = rng.choice(6, size=n, p=[0.35, 0.15, 0.15, 0.10, 0.15, 0.10])
    level = rng.lognormal(4.0, 1.0, size=(n, 1))
    amp = rng.uniform(0.1, 0.5, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    season = np.sin(2 * np.pi * t / M + phase) + 0.5 * np.sin(4 * np.pi * t / M + 2 * phase)
    growth = rng.normal(0.004, 0.008, size=(n, 1))
    trend = np.exp(growth * t)
    noise_sd = rng.uniform(0.05, 0.25, size=(n, 1))
    noise = rng.normal(0, 1, size=(n, T)) * noise_sd
    # random-walk component so that levels wander a bit, as real demand does
    walk = np.cumsum(rng.normal(0, 0.02, size=(n, T)), axis=1)
    base = level * trend * np.exp(walk)
    y = np.empty((n, T))
    y[:] = base * (1 + noise)
    seasonal = kind == 0
    y[seasonal] = (base * (1 + amp * season) * (1 + noise))[seasonal]
    trending = kind == 1
    slope = rng.normal(0, 0.015, size=(n, 1))
    y[trending] = (level * (1 + slope * t) * (1 + noise) + 0 * walk)[trending]
    shifts = kind == 3
    at = rng.integers(T // 3, T - horizon, size=(n, 1))
    jump = rng.choice([0.6, 1.5], size=(n, 1))
    y[shifts] = (base * np.where(t >= at, jump, 1.0) * (1 + amp * season * 0.5) * (1 + noise))[
        shifts
    ]
    inter = kind == 4
    p = rng.uniform(0.15, 0.6, size=(n, 1))
    sizes = rng.gamma(2.0, rng.uniform(1, 20, size=(n, 1)) / 2.0, size=(n, T))
    y[inter] = ((rng.uniform(size=(n, T)) < p) * np.ceil(sizes))[inter]
    short = kind == 5
    y[short] = (base * (1 + amp * season * rng.integers(0, 2, size=(n, 1))) * (1 + noise))[short]
    y = np.maximum(np.round(y, 1), 0.0)
    lengths = np.full(n, history)
    lengths[short] = rng.integers(12, 36, size=short.sum())
    return y, lengths


def to_long(y: np.ndarray, lengths: np.ndarray, history: int) -> pd.DataFrame:
    """History part as a long frame (item, period label, qty) and statsforecast ids."""
    n = y.shape[0]
    start = history - lengths
    rows_i, rows_t = [], []
    for L in np.unique(lengths):
        idx = np.nonzero(lengths == L)[0]
        tt = np.arange(history - L, history)
        rows_i.append(np.repeat(idx, L))
        rows_t.append(np.tile(tt, idx.size))
    ii = np.concatenate(rows_i)
    tt = np.concatenate(rows_t)
    order = np.lexsort((tt, ii))
    ii, tt = ii[order], tt[order]
    base = 2020 * 12
    labels = np.array([f"{(base + k) // 12}-{(base + k) % 12 + 1:02d}" for k in range(history)])
    del start, n
    return pd.DataFrame(
        {
            "item": np.char.add("S", ii.astype(str)),
            "period": labels[tt],
            "qty": y[ii, tt],
            "uid": ii,
            "ds": tt + 1,
        }
    )


def scores(
    y: np.ndarray, lengths: np.ndarray, fc: np.ndarray, history: int, horizon: int
) -> tuple[float, float]:
    """Mean MASE (seasonal-naive in-sample scale, lag 1 when < 2 seasons) and panel WAPE."""
    actual = y[:, history : history + horizon]
    err = np.abs(actual - fc)
    scale = np.full(y.shape[0], np.nan)
    for i in range(y.shape[0]):
        h = y[i, history - lengths[i] : history]
        lag = M if h.size > 2 * M else 1
        d = np.abs(h[lag:] - h[:-lag]).mean() if h.size > lag else np.nan
        scale[i] = d if d > 0 else np.nan
    mase = err.mean(axis=1) / scale
    return float(np.nanmean(mase)), float(err.sum() / np.abs(actual).sum())


def run_snop(df: pd.DataFrame, n: int, horizon: int) -> tuple[np.ndarray, float, pd.DataFrame]:
    from snop.forecasting import forecast_panel

    sales = df[["item", "period", "qty"]]
    t0 = time.perf_counter()
    res = forecast_panel(sales, horizon, method="auto", levels=(80, 95))
    el = time.perf_counter() - t0
    fc = res.forecast
    ids = fc["item"].str[1:].astype(int).to_numpy()
    out = np.zeros((n, horizon))
    out[ids.reshape(-1, horizon)[:, 0]] = fc["forecast"].to_numpy().reshape(-1, horizon)
    return out, el, res.report


def run_sf(
    model: object, df: pd.DataFrame, n: int, horizon: int, cores: int, ids: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast import StatsForecast

        d = df if ids is None else df[df["uid"].isin(ids)]
        d = d[["uid", "ds", "qty"]].rename(columns={"uid": "unique_id", "qty": "y"})
        t0 = time.perf_counter()
        sf = StatsForecast(models=[model], freq=1, n_jobs=cores)
        f = sf.forecast(df=d, h=horizon)
        el = time.perf_counter() - t0
    col = next(c for c in f.columns if c not in ("unique_id", "ds"))
    out = np.full((n, horizon), np.nan)
    u = f["unique_id"].to_numpy().reshape(-1, horizon)[:, 0]
    out[u] = np.maximum(f[col].to_numpy().reshape(-1, horizon), 0.0)
    return out, el


def rss_child(n: int, history: int, horizon: int) -> None:
    """Run inside a subprocess: build the panel, forecast, print peak RSS in MB."""
    y, lengths = make_panel(n, history, horizon, seed=1)
    df = to_long(y, lengths, history)
    del y
    t0 = time.perf_counter()
    run_snop(df, n, horizon)
    el = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n} {el:.1f} {peak:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--history", type=int, default=48)
    ap.add_argument("--horizon", type=int, default=18)
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--arima-sample",
        type=int,
        default=300,
        help="series for AutoARIMA (time scaled to the panel); 0 = full panel",
    )
    ap.add_argument("--skip-ets", action="store_true")
    ap.add_argument("--skip-theta", action="store_true")
    ap.add_argument("--skip-arima", action="store_true")
    ap.add_argument("--rss", type=int, default=0, help="also measure peak RSS at this many series")
    ap.add_argument("--rss-child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.history, args.horizon)
        return
    n, H, h = args.series, args.history, args.horizon
    y, lengths = make_panel(n, H, h)
    df = to_long(y, lengths, H)
    print(
        f"panel: {n} monthly series, history {H} (short ones 12-35), horizon {h}, "
        f"{len(df)} rows; cores {args.cores}"
    )
    rows = []
    fc, el, report = run_snop(df, n, h)
    mase, wape = scores(y, lengths, fc, H, h)
    rows.append(("snop auto", mase, wape, el, "full panel"))
    snop_fc = fc
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    fc, el = run_sf(SeasonalNaive(season_length=M), df, n, h, args.cores)
    rows.append(("SeasonalNaive (sf)", *scores(y, lengths, fc, H, h), el, "full panel"))
    if not args.skip_ets:
        fc, el = run_sf(AutoETS(season_length=M), df, n, h, args.cores)
        rows.append(("AutoETS (sf)", *scores(y, lengths, fc, H, h), el, "full panel"))
    if not args.skip_theta:
        fc, el = run_sf(AutoTheta(season_length=M), df, n, h, args.cores)
        rows.append(("AutoTheta (sf)", *scores(y, lengths, fc, H, h), el, "full panel"))
    sub_note = ""
    if not args.skip_arima:
        k = n if args.arima_sample <= 0 else min(args.arima_sample, n)
        ids = np.sort(np.random.default_rng(7).choice(n, size=k, replace=False))
        fc, el = run_sf(AutoARIMA(season_length=M), df, n, h, args.cores, ids)
        sub = np.zeros(n, dtype=bool)
        sub[ids] = True
        m_a, w_a = scores(y[sub], lengths[sub], fc[sub], H, h)
        m_s, w_s = scores(y[sub], lengths[sub], snop_fc[sub], H, h)
        scaled = el * n / k
        note = "full panel" if k == n else f"{k}-series subsample, time x{n / k:.1f}"
        rows.append(("AutoARIMA (sf)", m_a, w_a, scaled, note))
        if k < n:
            sub_note = (
                f"on the AutoARIMA subsample: snop auto MASE {m_s:.3f} WAPE {w_s:.3f} "
                f"vs AutoARIMA MASE {m_a:.3f} WAPE {w_a:.3f}"
            )
    snop_t = rows[0][3]
    print(f"\n{'method':<20}{'MASE':>8}{'WAPE':>8}{'time s':>10}{'time/snop':>11}  note")
    for name, ms, wp, t, note in rows:
        print(f"{name:<20}{ms:>8.3f}{wp:>8.3f}{t:>10.1f}{t / snop_t:>10.1f}x  {note}")
    if sub_note:
        print(sub_note)
    best = min((r for r in rows if r[0].startswith("Auto")), key=lambda r: r[1], default=None)
    if best is not None:
        print(
            f"\nsnop auto MASE / best statsforecast auto ({best[0]}): {rows[0][1] / best[1]:.3f}"
            f"; vs seasonal naive: {rows[0][1] / rows[1][1]:.3f}"
        )
    print("snop models:", report["model"].str.split("(").str[0].value_counts().to_dict())
    if args.rss:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--rss-child",
                str(args.rss),
                "--history",
                str(H),
                "--horizon",
                str(h),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(f"peak RSS, snop auto on {out[0]} series: {out[2]} MB (forecast took {out[1]} s)")


if __name__ == "__main__":
    main()
