"""Disaggregation of the family plan to items by the consensus mix, in whole units.

Each family-period quantity ``Q`` is rounded to a whole number ``round(Q)`` and split over the
family's items by their share ``s_i`` of the mix (the same period's item demand, else the
family's item demand over the whole horizon, else equal shares). Whole units come from the
largest-remainder method: every item gets ``floor(round(Q) * s_i)`` and the units still
missing go, one each, to the items with the largest fractional parts, so item quantities
always add up to the (rounded) family total.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.model.workbook import Workbook


def item_mix_from_workbook(workbook: Workbook) -> pd.DataFrame:
    """Item weights ``item, family, period, qty``: the item rows of the ``demand`` table, else
    each item's total sales history (``period`` blank: the same mix every period)."""
    items = workbook.items[["item", "family"]]
    d = workbook.table("demand")
    d = d[d["item"].notna()] if not d.empty else d
    if not d.empty:
        m = d[["item", "period", "qty"]].merge(items, on="item")
        return m[["item", "family", "period", "qty"]]
    s = workbook.sales
    tot = (
        s.groupby("item", as_index=False).agg(qty=("qty", "sum"))
        if not s.empty
        else pd.DataFrame({"item": items["item"], "qty": 0.0})
    )
    m = items.merge(tot, on="item", how="left").fillna({"qty": 0.0})
    m["period"] = None
    return m[["item", "family", "period", "qty"]]


def disaggregate(
    plan: Any, item_mix: pd.DataFrame, columns: Sequence[str] = ("production",)
) -> pd.DataFrame:
    """Split family quantities to items in whole units, keeping each family total.

    ``plan``: a :class:`~snop.supply.plan.SupplyPlan` or its plan table (family, period and
    ``columns``). ``item_mix``: item, family, qty and optionally period (blank/absent: the
    same weights every period). Returns item, family, period and the ``columns`` as integers.
    """
    table = plan.plan if hasattr(plan, "plan") else plan
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise SnopError("no plan to disaggregate (the plan is empty or infeasible)")
    mix = item_mix.copy()
    if "period" not in mix.columns:
        mix["period"] = None
    mix["qty"] = pd.to_numeric(mix["qty"], errors="coerce").fillna(0.0).clip(lower=0.0)
    items = mix[["item", "family"]].drop_duplicates("item")
    missing = set(table["family"]) - set(items["family"])
    if missing:
        raise SnopError(f"no items for families {sorted(missing)} in the item mix")
    # weights per (item, period): same period if the family has demand then, else horizon
    grid = table[["family", "period"]].merge(items, on="family")
    per = (
        mix[mix["period"].notna()]
        .groupby(["item", "period"], as_index=False)
        .agg(w_per=("qty", "sum"))
    )
    tot = mix.groupby("item", as_index=False).agg(w_all=("qty", "sum"))
    grid = grid.merge(per, on=["item", "period"], how="left")
    grid = grid.merge(tot, on="item", how="left").fillna({"w_per": 0.0, "w_all": 0.0})
    key = [grid["family"], grid["period"]]
    fam_per = grid.groupby(key)["w_per"].transform("sum")
    fam_all = grid.groupby(key)["w_all"].transform("sum")
    n_items = grid.groupby(key)["item"].transform("count")
    share = np.where(
        fam_per > 0,
        grid["w_per"] / fam_per.where(fam_per > 0, 1.0),
        np.where(fam_all > 0, grid["w_all"] / fam_all.where(fam_all > 0, 1.0), 1.0 / n_items),
    )
    out = grid[["item", "family", "period"]].copy()
    for c in columns:
        total = grid[["family", "period"]].merge(
            table[["family", "period", c]], on=["family", "period"], how="left"
        )[c]
        out[c] = _largest_remainder(
            np.round(total.to_numpy(dtype=float)),
            share,
            grid["family"].astype(str) + "\x00" + grid["period"],
        )
    return out.reset_index(drop=True)


def _largest_remainder(
    total: npt.NDArray[np.float64], share: npt.NDArray[np.float64], group: pd.Series
) -> npt.NDArray[np.int64]:
    raw = total * share
    base = np.floor(raw + 1e-9)
    frac = raw - base
    codes = pd.factorize(group)[0]
    # units still to hand out per group: the (whole) family total minus the floors
    want = np.round(np.bincount(codes, weights=raw) - np.bincount(codes, weights=base))
    order = np.lexsort((-frac, codes))  # by group, largest fraction first
    rank = np.empty_like(order)
    starts = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
    pos = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    rank[order] = pos
    extra = rank < want[codes]
    return (base + extra).astype(np.int64)
