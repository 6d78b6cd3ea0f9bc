"""Incremental re-forecast: when a month of actuals arrives, select models again only where
it is needed, and refit the model kept from the previous run everywhere else.

A full run (:func:`snop.forecasting.engine.run_panel`) fits every candidate of a series'
demand class and backtests each on rolling origins; that tournament is most of the run time.
A model chosen last month is usually still the right one, so an incremental run reads the
previous run's record per series and gives each series one of two paths
(:class:`snop.model.vocabulary.ForecastPath`):

* **reselect**: the tournament runs again (exactly what a full run does for the series);
* **refit**: the kept model is fitted again on the whole new history, with no backtest: the
  same ETS form (error, trend, season) with its smoothing parameters and initial states
  estimated again; ARIMA with its differences (KPSS and seasonal-strength tests) and orders
  (AICc) chosen again, as the tournament's ARIMA candidate does (cheap next to ETS; keeping
  d and D fixed let a drift fitted before a level shift run on, +1.5 % MASE against +0.7 %
  on the synthetic bench); the same members for an ensemble (its ARIMA member the same way);
  the same Croston variant, ADIDA, Theta or benchmark.

The record of a series (one row of the per-series report, or of the store's
``series_model`` table) holds: ``model`` (the model kept), ``selected`` (the last history
period when the tournament chose it), ``forecast_from`` (the first period that run forecast),
``band_lo``/``band_hi`` (its ``BAND_LEVEL`` % prediction interval for that period),
``fingerprint`` (a hash of the history it was fitted on) and its backtest figures at
selection (``mase``, ``wape``, ``naive_mase``, ``naive_wape``, ``runner_up``, ``windows``).

Decision rule, in this order (the first that applies gives the path and the reason,
:class:`PathReason`); with ``F`` the previous ``forecast_from``, ``E`` the new last history
period, ``y_F`` the new actual of period F and ``S`` the ``selected`` period:

1. rule: no statistical model this run (all zeros, short, inactive, ended, like item) ->
   the engine's rules, as in a full run (counted with reselect);
2. young: fewer than ``blend_len(m)`` periods -> reselect (history grows fast relative to
   its length, and its forecast is damped and blended anyway);
3. new: no record in the previous run -> reselect;
4. not kept: the previous run selected no model for it (it was short, young, zero...) ->
   reselect;
5. restated: ``fingerprint(history up to F - 1) != recorded fingerprint``: a past period
   of the last 3 seasons changed, the series started earlier or later, not just a new
   month (nor the oldest month dropped from a rolling file) -> reselect;
6. out of band: ``y_F < band_lo`` or ``y_F > band_hi`` (the kept model missed the new month
   by more than its own 99 % interval allows) -> reselect. At 95 % a calibrated model
   would send 5 % of the series a month to the tournament by chance alone (measured: 9.6 %,
   the intervals being a little narrow), which costs time and buys no accuracy; drift
   that stays inside the band is the age rule's job;
7. aged: ``E - S >= max_age`` (default one season: m periods) -> reselect, so every model
   meets the tournament at least once a year;
8. not a candidate: the kept model is not a candidate of the run's method for the series'
   demand class now (a smooth series turned intermittent), or it is multiplicative and the
   history now has a zero -> reselect;
9. kept -> refit.

A third path, *update* (same parameters, state advanced by the new observation only), is
not offered: the kernels keep no end state to advance, and filtering a series' window once
costs little next to estimating the parameters, which is where a refit spends its time;
storing per-family states for every series would buy little. The refit already skips the
tournament and the form search, which is where a full run spends its time.

A refit series reports the backtest figures of the run that selected its model (the
``selected`` column says which); its ``runner_up`` is that run's.

Fingerprint: blake2b (8 bytes, hex) of the ordinal of the first period it covers and the
values (as prepared: rows summed per period, negatives set to 0) rounded to 1e-6, over the
last ``FINGERPRINT_SEASONS`` seasons (36 months) up to the given period, or from the series'
start when it is younger. The same history gives the same fingerprint in file and store
mode. A change older than that window is not seen; it weighs little on the next forecasts,
and the age rule selects every model again within a season anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.forecasting.arima import fit_arima
from snop.forecasting.common import Array, BoolArray, IntArray, ObjArray, PanelFit
from snop.forecasting.data import SalesPanel
from snop.forecasting.ets import fit_ets, parse_spec
from snop.forecasting.intermittent import VARIANTS, fit_adida, fit_intermittent
from snop.forecasting.simple import SIMPLE_NAMES, fit_simple
from snop.forecasting.theta import fit_theta
from snop.model.periods import Granularity, PeriodError, format_ordinal, parse_period
from snop.model.vocabulary import ForecastPath

BAND_LEVEL = 99.0
# the fingerprint covers the last 3 seasons: a file that drops its oldest month each month
# (a rolling window) is not a restatement
FINGERPRINT_SEASONS = 3
RECORD_COLUMNS = (
    "item",
    "model",
    "selected",
    "forecast_from",
    "band_lo",
    "band_hi",
    "fingerprint",
    "runner_up",
    "mase",
    "wape",
    "naive_mase",
    "naive_wape",
    "windows",
)
# backtest figures of the selection, carried over by a refit
CARRIED = ("runner_up", "mase", "wape", "naive_mase", "naive_wape", "windows")
ENSEMBLE_LABEL = "Ensemble"
ARIMA = "ARIMA"
_NAME_METHOD = {
    **{v: k for k, v in SIMPLE_NAMES.items()},
    **{v: k for k, v in VARIANTS.items()},
    "Theta": "theta",
    "ADIDA": "adida",
}


class PathReason(StrEnum):
    """Why a series took its path (rules 1-9 of the module docstring; full: no record)."""

    FULL = "full"
    RULE = "rule"
    YOUNG = "young"
    NEW = "new"
    NOT_KEPT = "not_kept"
    RESTATED = "restated"
    OUT_OF_BAND = "out_of_band"
    AGED = "aged"
    NOT_CANDIDATE = "not_candidate"
    KEPT = "kept"


@dataclass
class Paths:
    """The path of every series of a run, why, and what a refit keeps.

    path, reason, why: (n,) ForecastPath, PathReason and a sentence.
    model, selected: (n,) the kept model and its selection period ("" unless refit).
    carried: CARRIED columns of the kept selection, one row per series (NaN unless refit).
    """

    path: ObjArray
    reason: ObjArray
    why: ObjArray
    model: ObjArray
    selected: ObjArray
    carried: pd.DataFrame

    @property
    def refit(self) -> BoolArray:
        return np.asarray(self.path == ForecastPath.REFIT, dtype=bool)

    def at(self, idx: IntArray) -> Paths:
        """The paths of the series ``idx``."""
        return Paths(
            self.path[idx],
            self.reason[idx],
            self.why[idx],
            self.model[idx],
            self.selected[idx],
            self.carried.iloc[idx].reset_index(drop=True),
        )

    def carry(
        self,
        runner: ObjArray,
        mase: Array,
        wape: Array,
        naive_mase: Array,
        naive_wape: Array,
        windows: IntArray,
    ) -> None:
        """Give refit series the backtest figures of their selection (in place)."""
        refit = self.refit
        if not refit.any():
            return
        runner[refit] = self.carried["runner_up"].to_numpy(dtype=object)[refit]
        for arr, c in (
            (mase, "mase"),
            (wape, "wape"),
            (naive_mase, "naive_mase"),
            (naive_wape, "naive_wape"),
        ):
            arr[refit] = self.carried[c].to_numpy(dtype=np.float64)[refit]
        win = self.carried["windows"].to_numpy(dtype=np.float64)[refit]
        windows[refit] = np.nan_to_num(win).astype(np.int64)

    def counts(self) -> dict[str, dict[str, int]]:
        """Series per path and per reason (JSON-ready)."""
        out: dict[str, dict[str, int]] = {"paths": {}, "reasons": {}}
        for key, arr in (("paths", self.path), ("reasons", self.reason)):
            vals, cnt = np.unique(arr.astype(str), return_counts=True)
            out[key] = {str(v): int(c) for v, c in zip(vals, cnt, strict=True)}
        return out


def method_of(model: str) -> str | None:
    """The engine's method key of a model name (``ETS(A,N,N)`` -> ``ets``); None when the
    name is no fitted model (Zero, LikeItem, Blend...)."""
    for prefix, key in (("ETS(", "ets"), ("ARIMA(", "arima"), (ENSEMBLE_LABEL + "(", "ensemble")):
        if model.startswith(prefix):
            return key
    return _NAME_METHOD.get(model)


def members(model: str) -> list[str]:
    """The models a name fits: the members of an ensemble, else the model itself."""
    if model.startswith(ENSEMBLE_LABEL + "(") and model.endswith(")"):
        inner = model[len(ENSEMBLE_LABEL) + 1 : -1]
        out, depth, cur = [], 0, ""
        for ch in inner:
            if ch == "+" and depth == 0:
                out.append(cur)
                cur = ""
                continue
            depth += (ch == "(") - (ch == ")")
            cur += ch
        return [*out, cur]
    return [model]


def multiplicative(model: str) -> bool:
    """An ETS form (or ensemble member) with multiplicative error or season: needs y > 0."""
    for m in members(model):
        if m.startswith("ETS("):
            spec = parse_spec(m)
            if spec.error == "M" or spec.season == "M":
                return True
    return False


def fingerprints(panel: SalesPanel, upto: IntArray) -> ObjArray:
    """Per series the hash of its last ``FINGERPRINT_SEASONS`` seasons of history up to
    ordinal ``upto`` (inclusive; see the module docstring)."""
    n, T = panel.values.shape
    stop = np.clip(upto - panel.first + 1, 0, T)
    begin = np.maximum(panel.start, stop - FINGERPRINT_SEASONS * panel.granularity.season_length)
    out = np.empty(n, dtype=object)
    vals = np.round(panel.values, 6) + 0.0  # + 0.0 turns -0.0 into 0.0
    for i in range(n):
        s = int(begin[i])
        h = hashlib.blake2b(digest_size=8)
        h.update(int(panel.first + s).to_bytes(8, "little", signed=True))
        h.update(np.ascontiguousarray(vals[i, s : max(s, int(stop[i]))]).tobytes())
        out[i] = h.hexdigest()
    return out


def read_previous(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check a previous run's per-series record (its report) and type its columns."""
    cols = [str(c).strip().lower() for c in frame.columns]
    df = frame.copy()
    df.columns = cols
    missing = [c for c in RECORD_COLUMNS if c not in cols]
    if missing:
        raise SnopError(
            f"{source}: missing column(s) {', '.join(missing)}; give the per-series report "
            "(--report) of an earlier run of snop forecast"
        )
    df = df[list(RECORD_COLUMNS)].copy()
    for c in ("item", "model", "selected", "forecast_from", "fingerprint", "runner_up"):
        df[c] = df[c].fillna("").astype(str).str.strip()
    for c in ("band_lo", "band_hi", "mase", "wape", "naive_mase", "naive_wape", "windows"):
        num = pd.to_numeric(df[c].replace("", np.nan), errors="coerce")
        bad = num.isna() & df[c].notna() & (df[c].astype(str).str.strip() != "")
        if bad.any():
            row = int(np.nonzero(bad.to_numpy())[0][0])
            raise SnopError(
                f"{source}: row {row + 2}, column {c}: {df[c].iloc[row]!r} is not a number"
            )
        df[c] = num.astype(np.float64)
    dup = df["item"].duplicated()
    if dup.any():
        raise SnopError(
            f"{source}: item {df['item'][dup].iloc[0]!r} appears twice; one row per series"
        )
    return df.reset_index(drop=True)


def _ordinals(labels_: pd.Series, gran: Granularity, source: str, column: str) -> IntArray:
    """Ordinals of period labels ('' -> -1), checked to be of the panel's granularity."""
    out = np.full(len(labels_), -1, dtype=np.int64)
    cache: dict[str, int] = {}
    for i, lab in enumerate(labels_.tolist()):
        if not lab:
            continue
        if lab not in cache:
            try:
                p = parse_period(lab)
            except PeriodError as exc:
                raise SnopError(f"{source}: column {column}: {exc}") from None
            if p.granularity is not gran:
                raise SnopError(
                    f"{source}: column {column}: {lab!r} is a {p.granularity.noun}, but the "
                    f"sales are by {gran.noun}; give the report of a run on the same periods"
                )
            cache[lab] = p.ordinal
        out[i] = cache[lab]
    return out


def full_paths(n: int, modelled: BoolArray, young: BoolArray) -> Paths:
    """Every series of a full run: reselect (the engine's rules where there is no model)."""
    return _start(n, modelled, young, np.zeros(n, dtype=np.int64), full=True)


def _start(n: int, modelled: BoolArray, young: BoolArray, L: IntArray, full: bool) -> Paths:
    path = np.full(n, ForecastPath.RESELECT, dtype=object)
    reason = np.full(n, PathReason.FULL if full else PathReason.NEW, dtype=object)
    why = np.full(n, "full run: model selected by backtest" if full else "", dtype=object)
    rule = ~modelled
    reason[rule] = PathReason.RULE
    why[rule] = "no statistical model: forecast by the engine's rules (see treatment)"
    yg = modelled & young
    if not full:
        reason[yg] = PathReason.YOUNG
        for i in np.nonzero(yg)[0].tolist():
            why[i] = f"young series ({int(L[i])} periods): a model is selected every run"
    carried = pd.DataFrame({c: np.full(n, np.nan) for c in CARRIED})
    carried["runner_up"] = ""
    empty = np.full(n, "", dtype=object)
    return Paths(path, reason, why, empty, empty.copy(), carried)


def decide(
    previous: pd.DataFrame,
    panel: SalesPanel,
    ends: IntArray,
    L: IntArray,
    modelled: BoolArray,
    young: BoolArray,
    continuous: BoolArray,
    candidates: tuple[frozenset[str], frozenset[str]],
    positive: BoolArray,
    max_age: int,
    source: str = "previous run",
) -> Paths:
    """The path of every series (rules of the module docstring).

    previous: the record (:func:`read_previous`); ends: ordinal of each series' last
    history period; L: history lengths; modelled: forecast by a model this run (regular);
    young: shorter than the blend length; continuous: smooth/erratic; candidates: the run's
    method keys for (continuous, intermittent) series; positive: history all > 0.
    """
    n = len(panel.items)
    out = _start(n, modelled, young, L, full=False)
    gran = panel.granularity
    prev = previous.set_index("item").reindex(pd.Index(panel.items, dtype=object))
    known = prev["model"].notna().to_numpy()
    prev = prev.fillna({c: "" for c in ("model", "selected", "forecast_from", "fingerprint")})
    F = _ordinals(prev["forecast_from"], gran, source, "forecast_from")
    S = _ordinals(prev["selected"], gran, source, "selected")
    open_ = modelled & ~young
    for i in np.nonzero(open_ & ~known)[0].tolist():
        out.why[i] = "new series: not in the previous run"
    todo = open_ & known
    model = prev["model"].to_numpy(dtype=object)
    kind = np.array([method_of(str(x)) for x in model], dtype=object)
    not_kept = todo & ((S < 0) | (F < 0) | np.array([k is None for k in kind], dtype=bool))
    _mark(out, not_kept, PathReason.NOT_KEPT)
    for i in np.nonzero(not_kept)[0].tolist():
        out.why[i] = f"the previous run kept no selected model ({model[i] or 'none'})"
    todo &= ~not_kept
    fp = np.full(n, "", dtype=object)
    if todo.any():
        fp[todo] = fingerprints(_rows(panel, todo), F[todo] - 1)
    restated = todo & (fp != prev["fingerprint"].to_numpy(dtype=object))
    _mark(out, restated, PathReason.RESTATED)
    for i in np.nonzero(restated)[0].tolist():
        out.why[i] = (
            f"history up to {format_ordinal(gran, int(F[i]) - 1)} differs from the "
            "previous run's (restated)"
        )
    todo &= ~restated
    col = np.clip(F - panel.first, 0, panel.values.shape[1] - 1)
    actual = panel.values[np.arange(n), col]
    lo = prev["band_lo"].to_numpy(dtype=np.float64)
    hi = prev["band_hi"].to_numpy(dtype=np.float64)
    seen = todo & (ends >= F)
    with np.errstate(invalid="ignore"):
        oob = seen & ~((actual >= lo - 1e-9) & (actual <= hi + 1e-9))
    _mark(out, oob, PathReason.OUT_OF_BAND)
    for i in np.nonzero(oob)[0].tolist():
        out.why[i] = (
            f"actual {actual[i]:.6g} of {format_ordinal(gran, int(F[i]))} outside the "
            f"{BAND_LEVEL:g} % band [{lo[i]:.6g}, {hi[i]:.6g}] of {model[i]}"
        )
    todo &= ~oob
    age = ends - S
    aged = todo & (age >= max_age)
    _mark(out, aged, PathReason.AGED)
    for i in np.nonzero(aged)[0].tolist():
        out.why[i] = (
            f"{model[i]} selected in {prev['selected'].iloc[i]}, {int(age[i])} periods ago "
            f"(selected again every {max_age})"
        )
    todo &= ~aged
    allowed = np.array(
        [
            (kind[i] in candidates[0 if continuous[i] else 1])
            and (positive[i] or not multiplicative(str(model[i])))
            if todo[i]
            else True
            for i in range(n)
        ],
        dtype=bool,
    )
    nc = todo & ~allowed
    _mark(out, nc, PathReason.NOT_CANDIDATE)
    for i in np.nonzero(nc)[0].tolist():
        what = "continuous" if continuous[i] else "intermittent"
        out.why[i] = f"{model[i]} is no candidate for this {what} series now"
    keep = todo & allowed
    out.path[keep] = ForecastPath.REFIT
    out.reason[keep] = PathReason.KEPT
    out.model[keep] = model[keep]
    out.selected[keep] = prev["selected"].to_numpy(dtype=object)[keep]
    for i in np.nonzero(keep)[0].tolist():
        out.why[i] = (
            f"{model[i]} kept (selected in {out.selected[i]}, {int(age[i])} period(s) ago; "
            "last actual within its band): refit"
        )
    ki = np.nonzero(keep)[0]
    for c in CARRIED:
        vals = prev[c].to_numpy()[ki]
        if c == "runner_up":
            out.carried.loc[ki, c] = [str(v) if isinstance(v, str) else "" for v in vals]
        else:
            out.carried.loc[ki, c] = vals.astype(np.float64)
    return out


def _mark(paths: Paths, where: BoolArray, reason: PathReason) -> None:
    paths.reason[where] = reason


def _rows(panel: SalesPanel, where: BoolArray) -> SalesPanel:
    """The panel restricted to the series of ``where`` (for fingerprints)."""
    return SalesPanel(
        items=[it for it, w in zip(panel.items, where, strict=True) if w],
        granularity=panel.granularity,
        first=panel.first,
        values=panel.values[where],
        start=panel.start[where],
        duplicates=panel.duplicates[where],
        negatives=panel.negatives[where],
        blanks=panel.blanks[where],
    )


def record(
    paths: Paths,
    panel: SalesPanel,
    ends: IntArray,
    modelled: BoolArray,
    band: tuple[Array, Array],
) -> dict[str, ObjArray | Array]:
    """The record columns this run leaves for the next one (and the path taken).

    selected: for a refit the kept selection; for a series whose model the tournament chose
    this run, its last history period; else "".
    """
    gran = panel.granularity
    sel = paths.selected.copy()
    fresh = modelled & ~paths.refit
    for i in np.nonzero(fresh)[0].tolist():
        sel[i] = format_ordinal(gran, int(ends[i]))
    return {
        "selected": sel,
        "band_lo": band[0],
        "band_hi": band[1],
        "fingerprint": fingerprints(panel, ends),
        "path": paths.path.astype(str),
        "why": paths.why.astype(str),
    }


# --- refit: the kept model of each series, fitted again (grouped by model) -------------


def fit_models(
    Y: Array, L: IntArray, models: Sequence[str], h: int, m: int, chunk: int = 4096
) -> PanelFit:
    """Fit each series with its given model (no backtest, no search of forms or orders).

    Series are grouped by model (and an ensemble's members by member), so every kernel
    runs once per distinct model on all its series (in chunks of ``chunk`` series of
    similar length, for flat memory). An ensemble is the mean of its members' point
    forecasts, sigmas and fitted values (as :func:`selection.combine`).
    """
    n, width = Y.shape
    parts = [members(str(x)) for x in models]
    k = np.array([len(p) for p in parts], dtype=np.float64)
    groups: dict[str, list[tuple[int, int]]] = {}
    for i, ms in enumerate(parts):
        for s, name in enumerate(ms):
            key = ARIMA if name.startswith(ARIMA + "(") else name
            groups.setdefault(key, []).append((i, s))
    point = np.zeros((n, h))
    sigma = np.zeros((n, h))
    fitted = np.zeros((n, width))
    ok = np.ones(n, dtype=bool)
    got: list[list[str]] = [[""] * len(p) for p in parts]
    for name, pairs in groups.items():
        rows_ = np.array([p[0] for p in pairs], dtype=np.int64)
        slots = np.array([p[1] for p in pairs], dtype=np.int64)
        order = np.argsort(L[rows_], kind="stable")
        for c0 in range(0, order.size, chunk):
            part = order[c0 : c0 + chunk]
            idx = rows_[part]  # distinct series: a series has a member once per slot
            w = int(L[idx].max())
            fit = _fit_one(name, Y[idx, :w], L[idx], h, m)
            point[idx] += fit.point
            sigma[idx] += fit.sigma
            fitted[idx, :w] += fit.fitted[:, :w]
            fitted[idx, w:] = np.nan
            ok[idx] &= fit.ok
            for i, s, nm in zip(idx.tolist(), slots[part].tolist(), fit.names, strict=True):
                got[i][s] = str(nm)
    names = np.empty(n, dtype=object)
    for i, g in enumerate(got):
        names[i] = g[0] if len(g) == 1 else f"{ENSEMBLE_LABEL}(" + "+".join(g) + ")"
    return PanelFit(
        point=point / k[:, None],
        sigma=sigma / k[:, None],
        backtest=np.full((n, 1, 1), np.nan),
        fitted=fitted / k[:, None],
        names=names,
        ok=ok,
    )


def _fit_one(name: str, Y: Array, L: IntArray, h: int, m: int) -> PanelFit:
    n = Y.shape[0]
    none = np.full((n, 1), -1, dtype=np.int64)
    if name.startswith("ETS("):
        return fit_ets(Y, L, h, m, none, 1, (parse_spec(name),))
    if name == ARIMA:
        return fit_arima(Y, L, h, m, none, 1)
    key = _NAME_METHOD.get(name)
    if key == "theta":
        return fit_theta(Y, L, h, m, none, 1)
    if key == "adida":
        return fit_adida(Y, L, h, none, 1)
    if key in VARIANTS:
        return fit_intermittent(key, Y, L, h, none, 1)
    if key is not None:
        return fit_simple(key, Y, L, h, m, none, 1)
    raise SnopError(f"model {name!r} cannot be refitted; it is no model name of snop")
