"""Checks and reshapes the learning kernels share: required columns, finite numbers, period
order and the sum of items to their family."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.model.periods import PeriodError, parse_labels

Array = npt.NDArray[np.float64]

# The family label of the all-families row of every per-family table.
TOTAL = "(total)"


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise SnopError naming the frame and its missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SnopError(
            f"{what}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
        )


def numbers(frame: pd.DataFrame, column: str, what: str) -> Array:
    """``frame[column]`` as floats; SnopError naming the first row that is not finite."""
    try:
        values = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise SnopError(f"{what}: column {column} must hold numbers") from None
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = frame.index[bad[0]]
        raise SnopError(f"{what}: row {row}, column {column} is not a finite number")
    return values


def ordinals(labels: pd.Series, what: str) -> npt.NDArray[np.int64]:
    """Period ordinals of ``labels`` (``p + 1`` is the next period); SnopError when a label
    is not a period or the granularities mix."""
    try:
        return parse_labels(list(labels))[1]
    except PeriodError as exc:
        raise SnopError(f"{what}: column period, {exc}") from None


def family_of(item: pd.Series, items: pd.DataFrame, what: str) -> pd.Series:
    """The family of each item through ``items`` (item, family); an item the items frame
    does not know is an error, not a silent drop."""
    require(items, ["item", "family"], "items")
    family = items.drop_duplicates("item").set_index("item")["family"]
    fam = item.map(family)
    unknown = item[fam.isna()]
    if not unknown.empty:
        raise SnopError(f"{what}: item {unknown.iloc[0]!r} is in no family of the items table")
    return fam


def to_family(frame: pd.DataFrame, items: pd.DataFrame, what: str) -> pd.DataFrame:
    """Item rows (item, period, qty) summed to (family, period, qty) through ``items``."""
    require(frame, ["item", "period", "qty"], what)
    fam = family_of(frame["item"], items, what)
    out = pd.DataFrame(
        {"family": fam, "period": frame["period"], "qty": numbers(frame, "qty", what)}
    )
    return out.groupby(["family", "period"], as_index=False, sort=True)[["qty"]].sum()


def ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> Array:
    """num / den, NaN where den is not positive (a share of no volume is undefined)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    ok = d > 0
    return np.asarray(np.where(ok, n / np.where(ok, d, 1.0), np.nan), dtype=np.float64)


def layer_levels(plan: pd.DataFrame, layers: Sequence[str], what: str) -> pd.DataFrame:
    """Each layer's value per (item, period): one column per layer of ``layers`` in chain
    order, index (item, period).

    ``plan``: layer, item, period, qty (rows of one cell add up). An override layer
    repeats the layer before it where it does not override, so a cell a layer lacks takes
    the layer before it; the first layer lacks it: 0.
    """
    require(plan, ["layer", "item", "period", "qty"], what)
    unknown = sorted(set(plan["layer"]) - set(layers))
    if unknown:
        raise SnopError(f"{what}: layer {unknown[0]!r} is not in the chain {list(layers)}")
    values = plan.assign(qty=numbers(plan, "qty", what))
    wide = values.pivot_table(
        index=["item", "period"], columns="layer", values="qty", aggfunc="sum"
    )
    return wide.reindex(columns=list(layers)).ffill(axis=1).fillna(0.0)
