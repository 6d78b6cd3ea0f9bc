"""Benchmark: the partitioned forecast at scale, on the local engine and on Dask.

Synthetic monthly sales (48 months; smooth seasonal, trending and intermittent series, some
that stopped a year early, some new with 3 months) are written directly as Parquet files,
a chunk of series at a time. Then, each run in a fresh process (so its peak memory is its
own), ``snop.forecasting.partitioned.forecast_partitioned`` with ``auto`` and horizon 18:

(a) local engine, end to end (read the Parquet, forecast, write Parquet partitions), at
    several sizes: time and peak RSS (the process and its children, sampled with psutil;
    the process's own peak from getrusage). Memory must stay flat as series grow.
(b) Dask on a LocalCluster (one thread per worker, a memory limit per worker): the largest
    size, with throughput per core and the peak memory of each worker; and the scaling from
    1 to 2 workers on a subset.
Peer, in the same run: statsforecast AutoETS (n_jobs=1) and snop ``auto`` on the same small
sample of series, in this process: series per second on one core and their ratio.

    python bench/scale_forecast.py             # the issue's targets: 100k local, 1M on Dask
    python bench/scale_forecast.py --quick     # small sizes, a minute: checks the bench runs
    python bench/scale_forecast.py --local 10000,100000 --dask 300000 --scaling 50000

The forecast phase is timed from the end of the split (the input streamed into partitions
of whole series) to the last partition written; throughput per core is series / forecast
time / workers. The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MONTHS = 48
HORIZON = 18
CHUNK_SERIES = 50_000
DEFAULTS: dict[str, Any] = {
    "local": "10000,100000",
    "dask": 1_000_000,
    "scaling": 100_000,
    "workers": 2,
    "memory_limit": "2GB",
    "peer": 500,
    "workdir": "/tmp/snop-scale-forecast",
    "keep": False,
    "quick": False,
}
QUICK = {"local": "1000,3000", "dask": 3000, "scaling": 2000, "peer": 100}


# --- data -----------------------------------------------------------------------------------


def labels(months: int) -> list[str]:
    return [f"{2021 + k // 12}-{k % 12 + 1:02d}" for k in range(months)]


def series_values(first: int, n: int, months: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, months) demand and a keep mask (rows present in the file) for series
    ``first .. first + n``: 40 % smooth seasonal, 25 % trending, 25 % intermittent (rows
    only where demand > 0), 5 % stopped a year before the end, 5 % new (3 months)."""
    rng = np.random.default_rng(seed + first)
    t = np.arange(months)[None, :]
    kind = rng.choice(5, size=n, p=[0.40, 0.25, 0.25, 0.05, 0.05])
    level = rng.lognormal(3.5, 1.0, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    noise = 1 + rng.normal(0, 0.15, size=(n, months))
    y = level * (1 + 0.3 * np.sin(2 * np.pi * t / 12 + phase)) * noise
    slope = rng.normal(0.01, 0.01, size=(n, 1))
    trend = level * (1 + slope * t) * noise
    y = np.where((kind == 1)[:, None], trend, y)
    spikes = rng.random((n, months)) < 0.3
    sizes = rng.poisson(np.minimum(level, 20.0), size=(n, months)) + 1
    y = np.where((kind == 2)[:, None], np.where(spikes, sizes, 0.0), y)
    y = np.maximum(np.round(y), 0.0)
    keep = np.ones((n, months), dtype=bool)
    keep[kind == 2] = y[kind == 2] > 0
    keep[kind == 3] = t[0] < months - 12
    keep[kind == 4] = t[0] >= months - 3
    return y, keep


def generate(folder: Path, n: int, months: int = MONTHS, seed: int = 0) -> int:
    """Write n series as Parquet files of CHUNK_SERIES series each; returns the rows."""
    folder.mkdir(parents=True, exist_ok=True)
    per = np.asarray(labels(months), dtype=object)
    rows = 0
    for k, first in enumerate(range(0, n, CHUNK_SERIES)):
        m = min(CHUNK_SERIES, n - first)
        y, keep = series_values(first, m, months, seed)
        ids = np.asarray([f"S{i:07d}" for i in range(first, first + m)], dtype=object)
        frame = pd.DataFrame(
            {
                "item": np.repeat(ids, months)[keep.ravel()],
                "period": np.tile(per, m)[keep.ravel()],
                "qty": y.ravel()[keep.ravel()],
            }
        )
        frame.to_parquet(folder / f"sales-{k:04d}.parquet", index=False)
        rows += len(frame)
    return rows


def dataset(workdir: Path, n: int) -> Path:
    """The Parquet folder of n series (generated once per workdir)."""
    folder = workdir / f"sales-{n}"
    done = folder / "_rows"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        rows = generate(folder, n)
        done.write_text(str(rows))
    return folder


# --- one run, in a child process ------------------------------------------------------------


class Sampler:
    """Peak RSS of this process plus its children, and of each child, sampled every 0.2 s."""

    def __init__(self) -> None:
        import psutil

        self.me = psutil.Process()
        self.total = 0
        self.per_child: dict[int, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import psutil

        while not self.stop.is_set():
            total = self.me.memory_info().rss
            for c in self.me.children(recursive=True):
                try:
                    rss = c.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                self.per_child[c.pid] = max(self.per_child.get(c.pid, 0), rss)
            self.total = max(self.total, total)
            self.stop.wait(0.2)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One forecast run as ``spec`` says; returns times and memory (bytes -> MB)."""
    from snop.forecasting.partitioned import Cluster, forecast_partitioned
    from snop.model.vocabulary import Engine

    out = Path(spec["out"])
    shutil.rmtree(out, ignore_errors=True)
    sampler = Sampler()
    marks: dict[str, float] = {}

    def message(text: str) -> None:
        if text.startswith("split "):
            marks["split"] = time.perf_counter()
        elif text.startswith("forecast partition"):
            marks["last"] = time.perf_counter()  # the cluster's shutdown comes after

    engine = Engine(spec["engine"])
    cluster = Cluster(workers=spec["workers"], memory_limit=spec["memory_limit"])
    t0 = time.perf_counter()
    done = forecast_partitioned(
        Path(spec["source"]), out, HORIZON, engine=engine, cluster=cluster, message=message
    )
    t1 = time.perf_counter()
    sampler.close()
    workers = sorted(sampler.per_child.values(), reverse=True)[: spec["workers"]]
    if not spec.get("keep"):
        shutil.rmtree(out, ignore_errors=True)
    return {
        "series": done.series,
        "rows": done.rows,
        "partitions": done.partitions,
        "seconds": t1 - t0,
        "forecast_seconds": marks.get("last", t1) - marks.get("split", t0),
        "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "total_peak_mb": sampler.total / 2**20,
        "worker_peak_mb": (max(workers) / 2**20) if workers and engine is Engine.DASK else None,
        "models": done.models,
    }


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """``child(spec)`` in a fresh Python process (its own peak memory)."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"run {spec} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --- the peer ---------------------------------------------------------------------------------


def peer(n: int) -> dict[str, float]:
    """snop auto and statsforecast AutoETS (n_jobs=1) on the same n series: series/s."""
    from snop.forecasting import forecast_panel

    y, keep = series_values(0, 4 * n, MONTHS, seed=0)
    # series with two years of history at least (AutoETS refuses tiny ones)
    full = np.nonzero(MONTHS - keep.argmax(axis=1) >= 24)[0][:n]
    y, keep, n = y[full], keep[full], full.size
    per = np.asarray(labels(MONTHS), dtype=object)
    ids = np.asarray([f"S{i:07d}" for i in range(n)], dtype=object)
    frame = pd.DataFrame(
        {
            "item": np.repeat(ids, MONTHS)[keep.ravel()],
            "period": np.tile(per, n)[keep.ravel()],
            "qty": y.ravel()[keep.ravel()],
        }
    )
    t0 = time.perf_counter()
    forecast_panel(frame, HORIZON)
    snop_s = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS

        # statsforecast needs a regular calendar: from each series' first row on, 0-filled
        since = np.arange(MONTHS)[None, :] >= keep.argmax(axis=1)[:, None]
        long = pd.DataFrame(
            {
                "unique_id": np.repeat(ids, MONTHS)[since.ravel()],
                "ds": np.tile(np.arange(MONTHS), n)[since.ravel()],
                "y": np.where(keep, y, 0.0)[since],
            }
        )
        model = StatsForecast(models=[AutoETS(season_length=12)], freq=1, n_jobs=1)
        warm = long["unique_id"].isin(ids[:2])
        model.forecast(df=long[warm], h=HORIZON)  # compiles its numba kernels: not timed
        t0 = time.perf_counter()
        model.forecast(df=long, h=HORIZON)
        ets_s = time.perf_counter() - t0
    return {"series": n, "snop_per_s": n / snop_s, "autoets_per_s": n / ets_s}


# --- the table --------------------------------------------------------------------------------


def options(args: argparse.Namespace | None) -> dict[str, Any]:
    """The bench's options: defaults, then QUICK sizes with --quick, then what was given."""
    given = {k: v for k, v in vars(args or argparse.Namespace()).items() if v is not None}
    opts = dict(DEFAULTS)
    if given.get("quick"):
        opts.update(QUICK)
        opts["quick"] = True
    opts.update({k: v for k, v in given.items() if k in DEFAULTS and k != "quick"})
    return opts


def rows(args: argparse.Namespace | None = None) -> list[dict[str, object]]:
    """Every measurement of the bench as one row (the combined scale bench prints these)."""
    o = options(args)
    workdir = Path(o["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    out: list[dict[str, object]] = []
    base = {"workers": 1, "memory_limit": None, "keep": o["keep"]}

    def add(target: str, engine: str, n: int, r: dict[str, Any], cores: int) -> None:
        out.append(
            {
                "bench": "scale_forecast",
                "target": target,
                "engine": engine,
                "series": r["series"],
                "rows": r["rows"],
                "partitions": r["partitions"],
                "workers": cores,
                "seconds": round(r["seconds"], 1),
                "forecast_seconds": round(r["forecast_seconds"], 1),
                "series_per_s_per_core": round(r["series"] / r["forecast_seconds"] / cores, 1),
                "peak_rss_mb": round(max(r["self_peak_mb"], r["total_peak_mb"])),
                "peak_worker_mb": None
                if r["worker_peak_mb"] is None
                else round(r["worker_peak_mb"]),
            }
        )

    for n in [int(x) for x in str(o["local"]).split(",") if x.strip()]:
        src = dataset(workdir, n)
        spec = {**base, "engine": "local", "source": str(src), "out": str(workdir / "out-local")}
        add("(a) local end to end", "local", n, run(spec), 1)
    if o["scaling"]:
        n = int(o["scaling"])
        src = dataset(workdir, n)
        for w in (1, 2):
            spec = {
                **base,
                "engine": "dask",
                "workers": w,
                "memory_limit": o["memory_limit"],
                "source": str(src),
                "out": str(workdir / "out-dask"),
            }
            add(f"(b) scaling, {w} worker(s)", "dask", n, run(spec), w)
    if o["dask"]:
        n = int(o["dask"])
        src = dataset(workdir, n)
        spec = {
            **base,
            "engine": "dask",
            "workers": int(o["workers"]),
            "memory_limit": o["memory_limit"],
            "source": str(src),
            "out": str(workdir / "out-dask"),
        }
        add("(b) dask LocalCluster", "dask", n, run(spec), int(o["workers"]))
    if o["peer"]:
        p = peer(int(o["peer"]))
        out.append(
            {
                "bench": "scale_forecast",
                "target": "peer: same sample, 1 core",
                "engine": "in-process",
                "series": p["series"],
                "snop_series_per_s": round(p["snop_per_s"], 1),
                "autoets_series_per_s": round(p["autoets_per_s"], 1),
                "snop_over_autoets": round(p["snop_per_s"] / p["autoets_per_s"], 2),
            }
        )
    return out


def print_table(table: list[dict[str, object]]) -> None:
    runs = [r for r in table if "seconds" in r]
    cols = [
        ("target", 28),
        ("series", 11),
        ("rows", 12),
        ("partitions", 7),
        ("workers", 6),
        ("seconds", 9),
        ("forecast_seconds", 9),
        ("series_per_s_per_core", 11),
        ("peak_rss_mb", 9),
        ("peak_worker_mb", 9),
    ]
    heads = ["target", "series", "rows", "parts", "wkrs", "total s", "fcst s", "ser/s/core"]
    heads += ["peak MB", "wkr MB"]
    print(
        "".join(
            f"{h:>{w}}" if i else f"{h:<{w}}"
            for i, (h, (_, w)) in enumerate(zip(heads, cols, strict=True))
        )
    )
    for r in runs:
        cells = []
        for i, (c, w) in enumerate(cols):
            v = r.get(c)
            text = "-" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))
            cells.append(f"{text:<{w}}" if i == 0 else f"{text:>{w}}")
        print("".join(cells))
    local = [r for r in runs if r["engine"] == "local"]
    if len(local) >= 2:
        a, b = local[0], local[-1]
        print(
            f"local peak memory {b['series']:,} / {a['series']:,} series: "
            f"{float(b['peak_rss_mb']) / float(a['peak_rss_mb']):.2f}x "  # type: ignore[arg-type]
            f"for {int(b['series']) / int(a['series']):.0f}x the series"  # type: ignore[call-overload]
        )
    scale = [r for r in runs if str(r["target"]).startswith("(b) scaling")]
    if len(scale) == 2:
        s1, s2 = (float(r["forecast_seconds"]) for r in scale)  # type: ignore[arg-type]
        print(f"dask scaling 1 -> 2 workers (forecast phase): {s1 / s2:.2f}x faster")
    for r in table:
        if "snop_over_autoets" in r:
            print(
                f"peer on {r['series']} series, 1 core: snop auto {r['snop_series_per_s']} "
                f"series/s, statsforecast AutoETS {r['autoets_series_per_s']} series/s: "
                f"snop / AutoETS = {r['snop_over_autoets']}x"
            )
    print(f"load average at the end: {os.getloadavg()}; cores {os.cpu_count()}")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    ap.add_argument("--local", help=f"series of the local runs ({DEFAULTS['local']})")
    ap.add_argument("--dask", type=int, help=f"series of the Dask run ({DEFAULTS['dask']:,})")
    ap.add_argument("--scaling", type=int, help="series of the 1 -> 2 workers runs (100,000)")
    ap.add_argument("--workers", type=int, help="workers of the Dask run (2)")
    ap.add_argument("--memory-limit", dest="memory_limit", help="per Dask worker (2GB)")
    ap.add_argument("--peer", type=int, help="series of the AutoETS comparison (500)")
    ap.add_argument("--workdir", help=f"data and output ({DEFAULTS['workdir']})")
    ap.add_argument("--keep", action="store_true", default=None, help="keep the forecasts")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    return ap


def main() -> None:
    args = parser().parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    print_table(rows(args))


if __name__ == "__main__":
    main()
