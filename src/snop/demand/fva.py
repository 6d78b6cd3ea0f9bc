"""Forecast value added (FVA) and accuracy of the demand plan's layers.

The demand plan is a chain of layers per item and period, e.g. ``statistical -> sales ->
marketing -> consensus``; each layer starts from the one before and overrides some cells.
FVA asks whether each step made the forecast better, and compares every layer with a
``naive`` forecast (the last actual before the cycle, repeated), the cheapest possible plan.

Over the cells of a group (item x period x cycle rows that have an actual), all in percent:

* MAPE = 100 * mean(|A - F| / |A|), over cells with ``A != 0`` only
* WAPE = 100 * sum|A - F| / sum A
* bias = 100 * sum(F - A) / sum A  (positive: over-forecast)
* FVA of a layer = WAPE of the previous layer in the chain - WAPE of this layer, in
  percentage points (positive: the layer improved accuracy); FVA vs naive = naive WAPE -
  this layer's WAPE.

A measure whose denominator is not positive (no volume, or no non-zero actual for MAPE) is
NaN, never infinity or an exception; downstream code decides what NaN means. A missing
grouping key (None or NaN) forms its own group, is reported as NaN and sorts last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]

NAIVE = "naive"

MEASURES = ["mape", "wape", "bias"]
FVA_COLUMNS = ["layer", "n", "actual", "forecast", *MEASURES, "fva_prev", "fva_naive"]
AUTHOR_COLUMNS = ["overrides", "n", "actual", "wape_before", "wape_after", "fva"]

# Cell-level partial sums every measure is computed from, so that the array function and
# the grouped tables share one definition.
_SUMS = ["n", "actual", "forecast", "abs_err", "ape_sum", "ape_n"]


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> Array:
    """100 * num / den, NaN where den is not positive (a percentage of no volume)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    ok = d > 0
    return np.asarray(np.where(ok, 100.0 * n / np.where(ok, d, 1.0), np.nan), dtype=np.float64)


def _cell_terms(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> dict[str, Array]:
    """Per-cell terms whose sums give every measure (see ``_SUMS``)."""
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    err = np.abs(a - f)
    nz = a != 0
    # |A| in the cell denominator: a negative actual (net returns) must not flip the sign
    ape = np.where(nz, err / np.where(nz, np.abs(a), 1.0), 0.0)
    return {
        "n": np.ones_like(a),
        "actual": a,
        "forecast": f,
        "abs_err": err,
        "ape_sum": ape,
        "ape_n": nz.astype(np.float64),
    }


def _measures(sums: pd.DataFrame) -> pd.DataFrame:
    """Add mape, wape and bias (percent) to a frame of ``_SUMS`` columns."""
    out = sums.copy()
    out["mape"] = _ratio(sums["ape_sum"], sums["ape_n"])
    out["wape"] = _ratio(sums["abs_err"], sums["actual"])
    out["bias"] = _ratio(sums["forecast"] - sums["actual"], sums["actual"])
    return out


def error_measures(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> dict[str, float]:
    """MAPE, WAPE and bias in percent of ``forecast`` against ``actual``.

    Both arrays must have the same shape; all cells are pooled. Cells where either value
    is NaN are ignored. Returns ``{"mape": ..., "wape": ..., "bias": ...}`` with NaN for a
    measure that is undefined (no non-zero actual for MAPE, ``sum A <= 0`` for WAPE/bias).
    """
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if a.shape != f.shape:
        raise ValueError(f"actual and forecast differ in shape: {a.shape} vs {f.shape}")
    keep = ~(np.isnan(a) | np.isnan(f))
    terms = _cell_terms(a[keep], f[keep])
    sums = pd.DataFrame({k: [float(v.sum())] for k, v in terms.items()})
    row = _measures(sums).iloc[0]
    return {m: float(row[m]) for m in MEASURES}


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def _check_by(by: Sequence[str], reserved: Sequence[str]) -> list[str]:
    keys = list(by)
    if len(set(keys)) != len(keys):
        raise ValueError(f"by: repeated column in {keys}")
    clash = [c for c in keys if c in reserved]
    if clash:
        raise ValueError(f"by: {', '.join(clash)} is an output column and cannot group")
    return keys


def _empty(by: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    ints = {"n", "overrides"}
    data: dict[str, pd.Series] = {}
    for c in [*by, *columns]:
        dtype = "int64" if c in ints else "float64" if c not in (*by, "layer") else "object"
        data[c] = pd.Series([], dtype=dtype)
    return pd.DataFrame(data)


def _actuals(actuals: pd.DataFrame) -> pd.DataFrame:
    """One actual per (item, period), as column ``_a``; NaN actuals have not happened."""
    _require(actuals, ["item", "period", "qty"], "actuals")
    a = actuals.loc[actuals["qty"].notna(), ["item", "period", "qty"]]
    # several rows of one cell (e.g. per channel) add up rather than duplicate forecast rows
    summed = a.groupby(["item", "period"], sort=False)["qty"].sum()
    return summed.rename("_a").reset_index()


def _keys(frame: pd.DataFrame, by: Sequence[str]) -> list[pd.Series]:
    """Group keys for ``by``; a constant key stands for 'all rows' when ``by`` is empty."""
    if by:
        return [frame[c] for c in by]
    return [pd.Series(0, index=frame.index)]


def fva_table(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    layers: Sequence[str],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Accuracy and forecast value added of each layer, per group of ``by``.

    ``forecasts`` holds long rows with columns cycle, layer, item, period, lag, qty (only
    layer, item, period, qty and the ``by`` columns are read), for layer ``naive`` and for
    each layer of ``layers``, the chain in order starting with the first layer (e.g.
    statistical). Rows of other layers are ignored. ``actuals`` has columns item, period,
    qty; several rows of one cell are added up. Forecast rows whose (item, period) has no
    actual, or whose qty is NaN, are dropped: those periods have not happened yet, and a
    missing forecast is not a forecast of zero.

    Returns one row per group (the ``by`` columns, groups in sorted order, missing keys as
    NaN and last) and layer, naive first then the chain in order; a layer without cells in
    a group is skipped there. Columns: *by, layer, n (cells), actual (sum A), forecast
    (sum F), mape, wape, bias (percent), fva_prev (previous layer's WAPE minus this one's,
    in percentage points; NaN for naive and for the first chain layer present) and
    fva_naive (naive WAPE minus this one's; NaN for the naive row or without naive rows).
    FVA compares each layer over its own cells, so every layer should hold the full set of
    cells (a layer repeats the previous one where it does not override it).
    """
    chain = list(layers)
    if NAIVE in chain or len(set(chain)) != len(chain):
        raise ValueError(f"layers: the chain {chain} must be distinct and exclude {NAIVE!r}")
    keys = _check_by(by, [*FVA_COLUMNS, *_SUMS])
    _require(forecasts, ["layer", "item", "period", "qty", *keys], "forecasts")
    order = [NAIVE, *chain]
    rank = {layer: i for i, layer in enumerate(order)}

    cols = list(dict.fromkeys([*keys, "layer", "item", "period", "qty"]))
    fc = forecasts.loc[forecasts["layer"].isin(order) & forecasts["qty"].notna(), cols]
    cells = fc.merge(_actuals(actuals), on=["item", "period"], how="inner")
    if cells.empty:
        return _empty(keys, FVA_COLUMNS)

    terms = pd.DataFrame(_cell_terms(cells["_a"], cells["qty"]), index=cells.index)
    terms["_rank"] = cells["layer"].map(rank).astype("int64")
    for c in keys:
        terms[c] = cells[c]
    sums = terms.groupby([*keys, "_rank"], dropna=False, sort=False)[_SUMS].sum().reset_index()
    table = _measures(sums)
    # groups sorted with missing keys last, then layers in chain order (a stable sort keeps
    # ties in a reproducible order whatever the input row order)
    table = table.sort_values([*keys, "_rank"], na_position="last", kind="mergesort")
    table = table.reset_index(drop=True)
    table["layer"] = [order[r] for r in table["_rank"]]
    table["n"] = table["n"].astype("int64")

    is_naive = table["_rank"] == 0
    naive_wape = table["wape"].where(is_naive)
    # "first" skips NaN, so each group's row gets the naive WAPE of its group (if any)
    group_naive = naive_wape.groupby(_keys(table, keys), dropna=False).transform("first")
    table["fva_naive"] = (group_naive - table["wape"]).where(~is_naive)
    chain_rows = table.loc[~is_naive]
    prev = chain_rows["wape"].groupby(_keys(chain_rows, keys), dropna=False).shift(1)
    table["fva_prev"] = prev - chain_rows["wape"]  # aligns on index; naive rows stay NaN
    return table[[*keys, *FVA_COLUMNS]]


def lag_table(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    layers: Sequence[str],
    lags: Sequence[int] = (1, 3, 6),
) -> pd.DataFrame:
    """:func:`fva_table` by lag (column ``lag`` first), for the given lags that have cells.

    Lag ``p - c + 1`` is how far ahead a forecast of period ``p`` was made in cycle ``c``
    (lag 1 = the cycle's first period); accuracy usually worsens with lag, and the lag at
    which supply commits is the one that matters. Rows are sorted by lag.
    """
    _require(forecasts, ["lag"], "forecasts")
    wanted = forecasts.loc[forecasts["lag"].isin(list(lags))]
    return fva_table(wanted, actuals, layers, by=["lag"])


def author_fva(
    effects: pd.DataFrame,
    actuals: pd.DataFrame,
    by: Sequence[str] = ("author",),
) -> pd.DataFrame:
    """What each author's overrides did to accuracy.

    ``effects`` holds one row per cell an override changed, with columns cycle,
    override_id, layer, author, reason, event, item, period, before, after (the cell's
    value just before and just after that override); only override_id, item, period,
    before, after and the ``by`` columns are read. Rows without an actual, or with a NaN
    before/after, cannot be scored and are dropped.

    Returns one row per group of ``by`` (sorted, missing keys as NaN and last) with columns
    *by, overrides (distinct override_id), n (changed cells), actual (sum A), wape_before
    and wape_after (WAPE in percent of the values before / after the changes over those
    cells) and fva = wape_before - wape_after (percentage points; positive means the
    changes helped). A cell changed by two overrides counts once for each, since each
    change is judged on its own.
    """
    keys = _check_by(by, [*AUTHOR_COLUMNS, "err_before", "err_after"])
    _require(effects, ["override_id", "item", "period", "before", "after", *keys], "effects")
    cols = list(dict.fromkeys([*keys, "override_id", "item", "period", "before", "after"]))
    eff = effects.loc[effects["before"].notna() & effects["after"].notna(), cols]
    cells = eff.merge(_actuals(actuals), on=["item", "period"], how="inner")
    if cells.empty:
        return _empty(keys, AUTHOR_COLUMNS)

    a = cells["_a"].astype("float64")
    terms = pd.DataFrame(
        {
            "override_id": cells["override_id"],
            "n": 1,
            "actual": a,
            "err_before": (a - cells["before"].astype("float64")).abs(),
            "err_after": (a - cells["after"].astype("float64")).abs(),
        },
        index=cells.index,
    )
    grouped = terms.groupby(_keys(cells, keys), dropna=False, sort=False)
    table = grouped.agg(
        overrides=("override_id", "nunique"),
        n=("n", "sum"),
        actual=("actual", "sum"),
        err_before=("err_before", "sum"),
        err_after=("err_after", "sum"),
    )
    table = table.reset_index(drop=not keys)
    table["wape_before"] = _ratio(table["err_before"], table["actual"])
    table["wape_after"] = _ratio(table["err_after"], table["actual"])
    table["fva"] = table["wape_before"] - table["wape_after"]
    table["overrides"] = table["overrides"].astype("int64")
    table["n"] = table["n"].astype("int64")
    if keys:
        table = table.sort_values(keys, na_position="last", kind="mergesort")
    return table[[*keys, *AUTHOR_COLUMNS]].reset_index(drop=True)
