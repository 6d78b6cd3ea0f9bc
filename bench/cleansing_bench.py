"""Does outlier cleansing help? A backtest on real public series, cleansing on vs off.

The series are those shipped inside installed packages (no download): statsmodels'
datasets (CO2, El Nino, US macro data, Danish money demand), the FRBNY nowcasting panel of
monthly US economic indicators 1985-2016 (payrolls, housing starts, industrial production,
...: the 2008 recession is in there), the US housing starts of the Holt-Winters tests, and
the airline passengers series shipped with statsforecast. The R forecasting textbook
datasets (fpp, fpp2, fpp3, forecast) are deliberately not used: they are the project's
held-out test set.

Each series is forecast from several of its own origins (the end, and ``--origins - 1``
earlier ones, ``h`` apart): monthly h = 18, quarterly h = 8, with snop ``auto`` once with
and once without cleansing (all series of a frequency in one panel, ``from_own_end``).
Scale of MASE: in-sample seasonal naive MAE (lag 1 when that is 0). Series with negative
values are skipped (demand is not negative).

    python bench/cleansing_bench.py
    python bench/cleansing_bench.py --origins 2
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from snop.forecasting import forecast_panel

HORIZON = {"M": 18, "Q": 8}
SEASON = {"M": 12, "Q": 4}


def _site(*parts: str) -> Path:
    import statsmodels

    return Path(statsmodels.__file__).parent.joinpath(*parts)


def series() -> Iterator[tuple[str, str, np.ndarray]]:
    """(name, frequency M|Q, values) of every real series available offline."""
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"]
    yield "co2", "M", co2.resample("MS").mean().interpolate().dropna().to_numpy()
    el = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR")
    yield "elnino", "M", el.to_numpy().ravel()
    house = pd.read_csv(_site("tsa", "holtwinters", "tests", "results", "housing-data.csv"))
    yield "houstnsa", "M", house.iloc[:, 1].to_numpy(dtype=float)
    frb = pd.read_csv(
        _site(
            "tsa",
            "statespace",
            "tests",
            "results",
            "frbny_nowcast",
            "Nowcasting",
            "data",
            "US",
            "2016-07-29.csv",
        )
    )
    for col in frb.columns[1:]:
        v = frb[col].to_numpy(dtype=float)
        ok = np.flatnonzero(~np.isnan(v))
        if ok.size < 120:
            continue
        v = v[ok[0] : ok[-1] + 1]
        if np.isnan(v).any():
            continue  # quarterly or gappy
        yield f"frbny:{col}", "M", v
    macro = sm.datasets.macrodata.load_pandas().data
    for col in macro.columns[2:]:
        yield f"macro:{col}", "Q", macro[col].to_numpy(dtype=float)
    dan = pd.read_csv(_site("datasets", "danish_data", "data.csv"), encoding="utf-8-sig")
    for col in dan.columns[1:]:
        yield f"danish:{col}", "Q", dan[col].to_numpy(dtype=float)
    try:
        from statsforecast.utils import AirPassengers

        yield "airpassengers", "M", np.asarray(AirPassengers, dtype=float)
    except ImportError:
        pass


def labels(freq: str, n: int) -> list[str]:
    if freq == "M":
        return [f"{1900 + k // 12}-{k % 12 + 1:02d}" for k in range(n)]
    return [f"{1900 + k // 4}-Q{k % 4 + 1}" for k in range(n)]


def mase(train: np.ndarray, test: np.ndarray, fc: np.ndarray, m: int) -> float:
    scale = np.mean(np.abs(train[m:] - train[:-m])) if train.size > m else 0.0
    if not scale > 0:
        scale = float(np.mean(np.abs(np.diff(train))))
    return float(np.mean(np.abs(test - fc)) / scale) if scale > 0 else float("nan")


def run(origins: int) -> pd.DataFrame:
    """One row per (series, origin): MASE with and without cleansing, points flagged.

    All series of a frequency and origin go into one panel, each forecast from its own end
    (``from_own_end``: they start together and end at different dates).
    """
    cases: dict[tuple[str, int], list[tuple[str, np.ndarray, np.ndarray]]] = {}
    for name, freq, v in series():
        if (v < 0).any() or not np.isfinite(v).all():
            continue
        h, m = HORIZON[freq], SEASON[freq]
        for k in range(origins):
            end = v.size - h * (k + 1)
            if end < 4 * m:
                break
            cases.setdefault((freq, k), []).append((name, v[:end], v[end : end + h]))
    rows = []
    for (freq, k), group in cases.items():
        h, m = HORIZON[freq], SEASON[freq]
        sales = pd.concat(
            [
                pd.DataFrame({"item": name, "period": labels(freq, train.size), "qty": train})
                for name, train, _ in group
            ]
        )
        res = {}
        for tag, on in (("on", True), ("off", False)):
            t0 = time.perf_counter()
            res[tag] = forecast_panel(sales, h, cleanse_outliers=on, from_own_end=True)
            res[f"t_{tag}"] = time.perf_counter() - t0
        flagged = res["on"].outliers["item"].value_counts()
        for name, train, test in group:
            out: dict[str, object] = {
                "series": name,
                "freq": freq,
                "origin": k,
                "flagged": int(flagged.get(name, 0)),
            }
            for tag in ("on", "off"):
                fc = res[tag].forecast
                got = fc.loc[fc["item"] == name, "forecast"].to_numpy()
                out[f"mase_{tag}"] = mase(train, test, got, m)
            rows.append(out)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--origins", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    df = run(args.origins)
    n_series = df["series"].nunique()
    print(
        f"{n_series} real series ({(df.groupby('series')['freq'].first() == 'M').sum()} "
        f"monthly), {len(df)} forecasts from {args.origins} origins each "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    print(f"{'subset':<34}{'n':>5}{'MASE on':>10}{'MASE off':>10}{'on/off':>8}{'on better':>11}")
    hit = df[df["flagged"] > 0]
    for label, d in (
        ("all forecasts", df),
        ("monthly", df[df["freq"] == "M"]),
        ("quarterly", df[df["freq"] == "Q"]),
        ("forecasts with a flagged point", hit),
    ):
        if d.empty:
            print(f"{label:<34}{0:>5}")
            continue
        on, off = d["mase_on"].mean(), d["mase_off"].mean()
        better = int((d["mase_on"] < d["mase_off"] - 1e-12).sum())
        worse = int((d["mase_on"] > d["mase_off"] + 1e-12).sum())
        print(
            f"{label:<34}{len(d):>5}{on:>10.3f}{off:>10.3f}{on / off:>8.3f}"
            f"{better:>6} / {worse} worse"
        )
    print(
        f"points flagged: {int(df['flagged'].sum())} in {len(hit)} forecasts; "
        f"series: {', '.join(sorted(hit['series'].unique()))}"
    )


if __name__ == "__main__":
    main()
