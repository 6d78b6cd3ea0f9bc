"""A family's selling price and standard cost per unit, from its items.

A family is planned in units, but its items sell at different prices and cost different
amounts, so a family unit is worth the mix of items it stands for. With ``q_i,t`` the
quantity of item i in period t (the consensus demand for plan periods, the sales for past
ones), ``p_i,t`` its price (``prices`` for that period, else ``items.unit_price``) and
``c_i`` its standard cost (``items.unit_cost``)::

    price_f,t = sum_i q_i,t * p_i,t / sum_i q_i,t          (the period's mix)
    cost_f    = sum_t sum_i q_i,t * c_i / sum_t sum_i q_i,t  (the mix of the whole plan)

The price follows each period's mix, so a promotion month of a cheap item lowers it. The
standard cost is one figure per family for the whole plan: inventory carried from one
period to the next keeps its value, and the cost of goods sold reconciles with production
without a revaluation line (docs/finance.md). A period with no quantity takes the mix of
the whole plan; a family with no quantity at all weighs its items equally.

An item with no price (or no cost) adds nothing to the numerator but its units stay in the
denominator: the family's money is what the priced items bring, never an invented value,
and the items are listed so the figures are marked incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.learning.frames import numbers, require

RATE_COLUMNS = ["family", "period", "price", "priced_share"]
COST_COLUMNS = ["family", "unit_cost", "costed_share"]


@dataclass
class Rates:
    """Price per family and period, standard cost per family, and what is missing.

    ``prices``: family, period, price, priced_share (the share of the family's units that
    have a price); ``costs``: family, unit_cost, costed_share. ``unpriced``/``uncosted``:
    the items with no price/cost, per family.
    """

    prices: pd.DataFrame
    costs: pd.DataFrame
    unpriced: dict[str, list[str]] = field(default_factory=dict)
    uncosted: dict[str, list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.unpriced and not self.uncosted

    def price(self, family: str, period: str) -> float:
        hit = self.prices[(self.prices["family"] == family) & (self.prices["period"] == period)]
        return float(hit["price"].iloc[0]) if not hit.empty else float("nan")

    def cost(self, family: str) -> float:
        hit = self.costs.loc[self.costs["family"] == family, "unit_cost"]
        return float(hit.iloc[0]) if not hit.empty else float("nan")


def family_rates(
    items: pd.DataFrame,
    mix: pd.DataFrame,
    periods: list[str],
    prices: pd.DataFrame | None = None,
) -> Rates:
    """The family prices (per period of ``periods``) and standard costs.

    ``items``: item, family, unit_price, unit_cost (NaN: not given); ``mix``: item, period,
    qty, the quantities that weigh the items; ``prices``: item, period, unit_price, a
    price for one period (optional).
    """
    require(items, ["item", "family", "unit_price", "unit_cost"], "items")
    require(mix, ["item", "period", "qty"], "item mix")
    items = items.drop_duplicates("item").reset_index(drop=True)
    weights = _weights(items, mix, periods)  # (items, periods)
    price = _item_prices(items, periods, prices)  # (items, periods), NaN: no price
    family = items["family"].to_numpy()
    fams = sorted(set(family))
    rows, cost_rows = [], []
    cost = items["unit_cost"].to_numpy(dtype=np.float64)
    for f in fams:
        sel = family == f
        w, p = weights[sel], price[sel]
        units = w.sum(axis=0)
        priced = np.where(np.isnan(p), 0.0, w)
        value = np.nansum(w * np.nan_to_num(p), axis=0)
        for t, label in enumerate(periods):
            rows.append((f, label, value[t] / units[t], priced[:, t].sum() / units[t]))
        total = w.sum(axis=1)  # the whole plan's mix
        c = cost[sel]
        has = ~np.isnan(c)
        cost_rows.append(
            (
                f,
                float((total * np.nan_to_num(c)).sum() / total.sum()),
                total[has].sum() / total.sum(),
            )
        )
    ids = items["item"].astype(str).to_numpy()
    no_price = np.isnan(price).any(axis=1)
    return Rates(
        pd.DataFrame(rows, columns=RATE_COLUMNS),
        pd.DataFrame(cost_rows, columns=COST_COLUMNS),
        _listed(fams, family, ids, no_price),
        _listed(fams, family, ids, np.isnan(cost)),
    )


def _weights(items: pd.DataFrame, mix: pd.DataFrame, periods: list[str]) -> np.ndarray:
    """Each item's quantity per period, a period with no quantity in a family taking the
    family's whole-plan mix, and a family with none weighing its items equally (every
    column of a family sums to its units, or to 1 when it has none)."""
    q = numbers(mix, "qty", "item mix")
    grid = (
        pd.DataFrame({"item": mix["item"], "period": mix["period"], "qty": q})
        .pivot_table(index="item", columns="period", values="qty", aggfunc="sum")
        .reindex(index=items["item"], columns=periods)
        .fillna(0.0)
        .clip(lower=0.0)
        .to_numpy(dtype=np.float64)
    )
    family = items["family"].to_numpy()
    for f in set(family):
        sel = family == f
        block = grid[sel]
        whole = block.sum(axis=1)
        if whole.sum() <= 0:
            whole = np.ones(sel.sum())
        empty = block.sum(axis=0) <= 0
        block[:, empty] = (whole / whole.sum())[:, None]
        grid[sel] = block
    return grid


def _item_prices(
    items: pd.DataFrame, periods: list[str], prices: pd.DataFrame | None
) -> np.ndarray:
    """Each item's price per period: the ``prices`` row for the period, else unit_price."""
    base = items["unit_price"].to_numpy(dtype=np.float64)
    grid = np.repeat(base[:, None], len(periods), axis=1)
    if prices is not None and not prices.empty:
        require(prices, ["item", "period", "unit_price"], "prices")
        i = pd.Index(items["item"]).get_indexer(pd.Index(prices["item"]))
        t = pd.Index(periods).get_indexer(pd.Index(prices["period"]))
        ok = (i >= 0) & (t >= 0)
        grid[i[ok], t[ok]] = numbers(prices, "unit_price", "prices")[ok]
    return grid


def _listed(
    fams: list[str], family: np.ndarray, ids: np.ndarray, missing: np.ndarray
) -> dict[str, list[str]]:
    return {
        f: sorted(ids[(family == f) & missing]) for f in fams if ((family == f) & missing).any()
    }
