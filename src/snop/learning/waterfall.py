"""What changed between two plans, as a waterfall of causes that adds up exactly.

A change is explained by a chain of snapshots from the old plan to the new one, each
changing one cause at a time (e.g. old plan -> new statistical forecast -> new sales
overrides -> ... -> new plan). The bar of a cause is the change between its snapshot and
the one before; the bars telescope to new - old.

**Exactness.** Floating-point subtraction does not telescope: ``(b - a) + (c - b)`` need not
equal ``c - a``. So every value is first rounded to a binary grid: a multiple of
``q = 2**(e - 51)``, with ``2**e`` the power of two just above B, the sum of the absolute
values of every snapshot. A rounded value moves by at most q/2, so any sum of bars is at
most ``2 (B + N q / 2) < 4 * 2**e = 2**53 q`` in absolute value (N values, far fewer than
2**50), and any sum of old, new or change at most half that. Every value, bar and partial
sum is then an integer multiple of q below ``2**53 q``, which float64 holds exactly; so each
addition and subtraction is exact, in any order (numpy's pairwise sum, pandas, a loop).
Hence, with ``==`` and not approximately: the bars of a (family, period) sum to its new -
old, and the bars of a family, of a cause or of the whole plan sum to the matching sums of
new - old. The grid is below 1e-15 of B (5e-7 for plans totalling a billion units), far
below anything shown; ``old`` and ``new`` in the result are the rounded values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.learning.frames import (
    TOTAL,
    Array,
    family_of,
    layer_levels,
    numbers,
    ordinals,
    require,
)

CELL_COLUMNS = ["family", "period", "old", "new", "change"]
BAR_COLUMNS = ["family", "period", "cause", "change"]

# Cause names of the demand decomposition.
PREVIOUS_PLAN = "previous plan"
REFORECAST = "new actuals and re-forecast"
NEW_PRODUCTS = "new products"
# Bits between the grid and B: 2**53 q = 4 * 2**e > 4 B (see the module docstring).
_HEADROOM = 51


@dataclass(frozen=True)
class Waterfall:
    """The bars of a change: ``cells`` (family, period, old, new, change = new - old),
    ``bars`` (family, period, cause, change; one row per cell and cause, causes in
    order) and ``resolution``, the grid q every value was rounded to."""

    causes: list[str]
    cells: pd.DataFrame
    bars: pd.DataFrame
    resolution: float

    def by_cause(self) -> pd.DataFrame:
        """cause, change: each cause's bar over the whole plan, then a ``TOTAL`` row equal
        to the sum of new minus the sum of old (exactly the sum of the bars above it)."""
        sums = self.bars.groupby("cause", sort=False)["change"].sum()
        out = pd.DataFrame({"cause": self.causes, "change": sums.reindex(self.causes).to_numpy()})
        total = float(self.cells["new"].sum() - self.cells["old"].sum())
        return pd.concat(
            [out, pd.DataFrame({"cause": [TOTAL], "change": [total]})], ignore_index=True
        )

    def by_family(self) -> pd.DataFrame:
        """family, cause, change: each cause's bar per family, causes in order."""
        rank = {c: i for i, c in enumerate(self.causes)}
        out = self.bars.groupby(["family", "cause"], as_index=False)[["change"]].sum()
        out = out.assign(_r=out["cause"].map(rank)).sort_values(["family", "_r"])
        return out.drop(columns="_r").reset_index(drop=True)


def resolution(values: Array) -> float:
    """The grid q of the module docstring: ``2**(e - 51)`` with ``B < 2**e``, B the sum of
    ``|values|``; 1.0 when every value is zero."""
    total = float(np.abs(values).sum())
    if total == 0.0:
        return 1.0
    _, e = math.frexp(total)  # total = m * 2**e, 0.5 <= m < 1, so total < 2**e
    return math.ldexp(1.0, max(e - _HEADROOM, -1000))


def on_grid(values: Array, q: float) -> Array:
    """``values`` rounded to the nearest multiple of q (a power of two, so v / q and the
    product back are exact); ``+ 0.0`` turns -0.0 into 0.0."""
    return np.asarray(np.round(values / q) * q + 0.0, dtype=np.float64)


def _long(snapshots: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Every snapshot's rows in one frame: family, period, snap (its position), value."""
    parts = []
    for i, (cause, frame) in enumerate(snapshots):
        what = f"snapshot {cause!r}"
        require(frame, ["family", "period", "value"], what)
        parts.append(
            pd.DataFrame(
                {
                    "family": frame["family"].to_numpy(),
                    "period": frame["period"].to_numpy(),
                    "snap": i,
                    "value": numbers(frame, "value", what),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _matrix(snapshots: Sequence[tuple[str, pd.DataFrame]]) -> tuple[pd.DataFrame, Array]:
    """The cells (family, period; by family then period order) and the values, one row per
    snapshot and one column per cell; rows of one cell add up, a missing cell is 0."""
    long = _long(snapshots)
    code = long.groupby(["family", "period"], sort=False, dropna=False).ngroup().to_numpy()
    cells = long.drop_duplicates(["family", "period"])[["family", "period"]]
    values = np.zeros((len(snapshots), len(cells)))
    np.add.at(values, (long["snap"].to_numpy(), code), long["value"].to_numpy())
    if len(cells) == 0:
        return cells.reset_index(drop=True), values
    rank = cells.assign(_ord=ordinals(cells["period"], "snapshots"), _i=np.arange(len(cells)))
    order = rank.sort_values(["family", "_ord"], kind="mergesort")["_i"].to_numpy()
    return cells.iloc[order].reset_index(drop=True), values[:, order]


def as_snapshot(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A snapshot frame (family, period, value) from one column of a plan frame (e.g. the
    supply plan's production, inventory, backlog or cost_total)."""
    require(frame, ["family", "period", column], "plan")
    return pd.DataFrame(
        {"family": frame["family"], "period": frame["period"], "value": frame[column]}
    ).reset_index(drop=True)


def waterfall(snapshots: Sequence[tuple[str, pd.DataFrame]]) -> Waterfall:
    """The bars from the first snapshot (the old plan) to the last (the new plan).

    ``snapshots``: (cause, frame) pairs in order; each frame has columns family, period,
    value (rows of one cell add up); a cell absent from a snapshot is 0 there, so values
    only in the old or only in the new plan are a change like any other. The first
    cause names the old plan; each later cause names the bar ``V_i - V_{i-1}`` of its
    snapshot V_i. All values are rounded to one grid first, so that exactly (``==``)::

        sum_i bar_i[f, p] = new[f, p] - old[f, p]     for every family f and period p

    and likewise summed over periods, families or both (see the module docstring).
    """
    if len(snapshots) < 2:
        raise SnopError("a waterfall needs the old and the new plan: at least two snapshots")
    names = [cause for cause, _ in snapshots]
    if len(set(names)) != len(names):
        raise SnopError(f"waterfall: causes must be distinct, got {names}")
    keys, raw = _matrix(snapshots)
    q = resolution(raw)
    grid = on_grid(raw, q)
    bars = np.diff(grid, axis=0)  # exact: differences of multiples of q below 2**53 q
    family = keys["family"].to_numpy()
    period = keys["period"].to_numpy()
    cells = pd.DataFrame(
        {
            "family": family,
            "period": period,
            "old": grid[0],
            "new": grid[-1],
            "change": grid[-1] - grid[0],
        }
    )
    n = len(keys)
    long = pd.DataFrame(
        {
            "family": np.tile(family, len(names) - 1),
            "period": np.tile(period, len(names) - 1),
            "cause": np.repeat(names[1:], n),
            "change": bars.ravel(),
        }
    )
    order = np.argsort(np.tile(np.arange(n), len(names) - 1), kind="stable")
    return Waterfall(names[1:], cells, long.iloc[order].reset_index(drop=True), q)


# ---- consensus demand by cause ----------------------------------------------------------


def _layer_components(plan: pd.DataFrame, layers: Sequence[str], what: str) -> pd.DataFrame:
    """Per (item, period), the statistical layer then each override layer's own effect.

    ``plan``: layer, item, period, qty. With L_0 .. L_m the layers in chain order
    (:func:`snop.learning.frames.layer_levels`), the components
    are ``c_0 = L_0`` and ``c_j = L_j - L_{j-1}``; columns are the layer names plus
    ``_plan`` = L_m, the plan's demand."""
    wide = layer_levels(plan, layers, what)
    level = wide.to_numpy(dtype=np.float64)
    comp = np.diff(level, axis=1, prepend=0.0)
    out = pd.DataFrame(comp, index=wide.index, columns=list(layers))
    out["_plan"] = level[:, -1] if len(layers) else 0.0
    return out


def demand_snapshots(
    old: pd.DataFrame, new: pd.DataFrame, layers: Sequence[str], items: pd.DataFrame
) -> list[tuple[str, pd.DataFrame]]:
    """Snapshots from the old consensus demand to the new one, one cause at a time.

    ``old`` and ``new``: the demand layers of the two plans (layer, item, period, qty);
    ``layers``: the chain, statistical first, the consensus (the plan's demand) last;
    ``items``: item, family. An item of the new plan absent from the old one is a new
    product. With c_j the components of :func:`_layer_components` and E the items of
    the old plan, the snapshots (summed to family and period) are::

        PREVIOUS_PLAN   sum over old items of L_m(old)
        REFORECAST      sum over E of c_0(new) + sum_{j>=1} c_j(old)
        "<layer_k>"     sum over E of sum_{j<=k} c_j(new) + sum_{j>k} c_j(old)
        NEW_PRODUCTS    sum over all new items of L_m(new)

    so the bars are the statistical change (new actuals and the re-forecast), each
    override layer's change of its own effect, and the new products. A period only one
    plan holds changes like any other: restrict both frames to the periods to compare.
    """
    if not layers:
        raise SnopError("demand layers: give the chain of layers, statistical first")
    before = _layer_components(old, layers, "old demand")
    after = _layer_components(new, layers, "new demand")
    existing = set(before.index.get_level_values("item"))
    keys = before.index.union(after.index)
    b = before.reindex(keys, fill_value=0.0)
    a = after.reindex(keys, fill_value=0.0)
    old_item = keys.get_level_values("item").isin(list(existing))
    names = list(layers)
    causes = [REFORECAST] + [f"{name} overrides" for name in names[1:]]
    snaps = {PREVIOUS_PLAN: b["_plan"].to_numpy()}
    for k, cause in enumerate(causes):
        mix = a[names[: k + 1]].sum(axis=1) + b[names[k + 1 :]].sum(axis=1)
        snaps[cause] = np.where(old_item, mix.to_numpy(), 0.0)
    snaps[NEW_PRODUCTS] = a["_plan"].to_numpy()
    item = pd.Series(keys.get_level_values("item"), dtype=object)
    wide = pd.DataFrame(snaps).assign(
        family=family_of(item, items, "demand").to_numpy(),
        period=keys.get_level_values("period"),
    )
    by_family = wide.groupby(["family", "period"], as_index=False).sum()
    return [
        (cause, by_family[["family", "period", cause]].rename(columns={cause: "value"}))
        for cause in snaps
    ]


def demand_waterfall(
    old: pd.DataFrame, new: pd.DataFrame, layers: Sequence[str], items: pd.DataFrame
) -> Waterfall:
    """:func:`waterfall` of :func:`demand_snapshots`: the change of consensus demand by
    cause, per family and period, adding up exactly to new - old."""
    return waterfall(demand_snapshots(old, new, layers, items))
