"""Hierarchical reconciliation: item forecasts and attribute-level forecasts that add up.

Levels come from columns of the items table (family, category, ...); each level partitions
the items into nodes, plus a ``total`` node. Levels need not nest (a grouped structure);
every method below returns *item* forecasts, and every level is their sum, so all levels add
up by construction.

* bottom_up:  item = its own base forecast.
* top_down:   item = total base forecast x p_i, ``p_i = sum_t y_it / sum_t y_total,t`` (the
  "proportions of historical averages" of Gross & Sohl 1990; hierarchicalforecast's
  ``proportion_averages``).
* middle_out: item = base forecast of its node at the middle level x its share of that
  node's history (top-down below the middle level, bottom-up above it).
* mint:       MinTrace (Wickramasuriya, Athanasopoulos & Hyndman 2019) from
  hierarchicalforecast, with the shrunk covariance of in-sample one-step residuals
  (``mint_shrink``); above 3000 nodes the diagonal ``wls_var`` variant (sparse) is used.
  Negative item results are set to 0 (demand), then levels are re-summed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.forecasting.common import Array, IntArray

RECONCILE_METHODS = ("bottom_up", "top_down", "middle_out", "mint")
MINT_DENSE_MAX_NODES = 3000


@dataclass
class Hierarchy:
    """Levels above the items: names, node keys per level, item -> node index per level."""

    levels: list[str]
    keys: list[list[str]]
    member: list[IntArray]

    def aggregate(self, bottom: Array) -> list[Array]:
        """Sum item rows into the nodes of every level (first axis = items)."""
        out = []
        for mem, keys in zip(self.member, self.keys, strict=True):
            agg = np.zeros((len(keys), *bottom.shape[1:]))
            np.add.at(agg, mem, bottom)
            out.append(agg)
        return out

    def summing_matrix(self) -> Array:
        """Dense S (all nodes incl. items) x items."""
        n = self.member[0].size
        blocks = []
        for mem, keys in zip(self.member, self.keys, strict=True):
            b = np.zeros((len(keys), n))
            b[mem, np.arange(n)] = 1.0
            blocks.append(b)
        blocks.append(np.eye(n))
        return np.vstack(blocks)


def build_hierarchy(attributes: pd.DataFrame, items: list[str], levels: list[str],
                    source: str = "items") -> Hierarchy:
    """Total plus one level per attribute column; items missing an attribute go to '(none)'."""
    names = ["total"]
    keys: list[list[str]] = [["total"]]
    member = [np.zeros(len(items), dtype=np.int64)]
    for col in levels:
        c = col.strip().lower()
        if c not in attributes.columns:
            have = [x for x in attributes.columns if not x.endswith("_ord")]
            raise SnopError(f"{source}: no column {col!r} for the hierarchy; columns are "
                            + ", ".join(have))
        vals = attributes[c].reindex(items)
        vals = vals.fillna("(none)").astype(str).str.strip().replace("", "(none)")
        codes, uniq = pd.factorize(vals)
        names.append(c)
        keys.append([str(u) for u in uniq])
        member.append(codes.astype(np.int64))
    return Hierarchy(names, keys, member)


def _shares(history: Array, member: IntArray, n_nodes: int) -> Array:
    """Each item's share of its node's total history (equal split when the node sold 0)."""
    tot_item = history.sum(axis=1)
    tot_node = np.zeros(n_nodes)
    np.add.at(tot_node, member, tot_item)
    count = np.bincount(member, minlength=n_nodes).astype(np.float64)
    den = tot_node[member]
    return np.asarray(np.where(den > 0, tot_item / np.where(den > 0, den, 1.0),
                               1.0 / count[member]), dtype=np.float64)


def reconcile(method: str, hier: Hierarchy, base_items: Array, base_levels: list[Array],
              history: Array, *, middle_level: str | None = None,
              residuals_items: Array | None = None,
              residuals_levels: list[Array] | None = None) -> Array:
    """Reconciled item forecasts (n_items, h); levels are then ``hier.aggregate(result)``.

    ``history`` is the item x period history (for proportions); residual matrices (node x
    time, NaN allowed) feed MinT.
    """
    if method == "bottom_up":
        return base_items.copy()
    if method == "top_down":
        p = _shares(history, hier.member[0], 1)
        return np.asarray(p[:, None] * base_levels[0][0][None, :], dtype=np.float64)
    if method == "middle_out":
        lvl = (middle_level or (hier.levels[1] if len(hier.levels) > 1 else "total")).lower()
        if lvl not in hier.levels:
            raise SnopError(f"middle level {middle_level!r} is not a hierarchy level; levels: "
                            + ", ".join(hier.levels))
        li = hier.levels.index(lvl)
        mem = hier.member[li]
        p = _shares(history, mem, len(hier.keys[li]))
        return np.asarray(p[:, None] * base_levels[li][mem], dtype=np.float64)
    if method == "mint":
        return _mint(hier, base_items, base_levels, residuals_items, residuals_levels)
    raise SnopError(f"unknown reconciliation {method!r}; valid: {', '.join(RECONCILE_METHODS)}")


def _mint(hier: Hierarchy, base_items: Array, base_levels: list[Array],
          res_items: Array | None, res_levels: list[Array] | None) -> Array:
    y_hat = np.vstack([*base_levels, base_items])
    n_nodes, n = y_hat.shape[0], base_items.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if res_items is None or res_levels is None:
            from hierarchicalforecast.methods import MinTrace

            S = hier.summing_matrix()
            out = MinTrace(method="wls_struct").fit_predict(S=S, y_hat=y_hat)
        elif n_nodes <= MINT_DENSE_MAX_NODES:
            from hierarchicalforecast.methods import MinTrace

            S = hier.summing_matrix()
            res = np.vstack([*res_levels, res_items])
            # MinT needs y_insample and y_hat_insample; residual = y - y_hat, so pass
            # y_insample = residual, y_hat_insample = 0.
            out = MinTrace(method="mint_shrink").fit_predict(
                S=S, y_hat=y_hat, y_insample=res, y_hat_insample=np.zeros_like(res))
        else:
            from hierarchicalforecast.methods import MinTraceSparse
            from scipy import sparse

            res = np.vstack([*res_levels, res_items])
            S_sp = sparse.csr_matrix(hier.summing_matrix())
            out = MinTraceSparse(method="wls_var").fit_predict(
                S=S_sp, y_hat=y_hat, y_insample=res, y_hat_insample=np.zeros_like(res))
    mean = np.asarray(out["mean"], dtype=np.float64)
    bottom = mean[n_nodes - n :]
    return np.asarray(np.nan_to_num(bottom), dtype=np.float64)
