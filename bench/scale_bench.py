"""The scale-out targets of snop in one run: every part's bench, one after the other, each
printing its own table, then how long each part took.

    python bench/scale_bench.py            # the targets' sizes (long: hours on 2 cores)
    python bench/scale_bench.py --quick    # small sizes, to check the benches work
    python bench/scale_bench.py --only store,incremental

The parts (each also runs alone, with its own options):

* ``store`` (bench/scale_store.py): 10,000,000 sales rows imported into PostgreSQL and
  SQLite (target: under 2 minutes into PostgreSQL), against peers; grouped sums and
  sparse summing at 1,000,000 series.
* ``forecast`` (bench/scale_forecast.py): 100,000 series x 48 months end to end on the
  local partitioned engine, with peak memory as series grow; 1,000,000 series on a Dask
  LocalCluster, throughput per core and the scaling from 1 to 2 workers; statsforecast's
  AutoETS on the same sample as the peer.
* ``incremental`` (bench/scale_incremental.py): an incremental monthly re-forecast of
  100,000 series against a full one (target: 3x faster, MASE within 1 %), and on real
  monthly series.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_forecast
import scale_incremental
import scale_store


def _store(argv: list[str]) -> None:
    scale_store.main(argv)


def _forecast(argv: list[str]) -> None:
    scale_forecast.print_table(scale_forecast.rows(scale_forecast.parser().parse_args(argv)))


def _incremental(argv: list[str]) -> None:
    scale_incremental.print_table(
        scale_incremental.rows(scale_incremental.parser().parse_args(argv))
    )


PARTS: dict[str, Callable[[list[str]], None]] = {
    "store": _store,
    "forecast": _forecast,
    "incremental": _incremental,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, in minutes")
    ap.add_argument("--only", default=",".join(PARTS), help="parts to run (all)")
    args = ap.parse_args()
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {', '.join(unknown)}; the parts: {', '.join(PARTS)}")
    took = []
    for name in chosen:
        print(f"\n== {name} ==", flush=True)
        t0 = time.perf_counter()
        PARTS[name](["--quick"] if args.quick else [])
        took.append({"part": name, "seconds": round(time.perf_counter() - t0, 1)})
    print("\n" + pd.DataFrame(took).to_string(index=False))


if __name__ == "__main__":
    main()
