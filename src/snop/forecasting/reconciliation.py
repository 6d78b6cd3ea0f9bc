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
  (``mint_shrink``); above 3000 nodes the diagonal ``wls_var`` variant (``wls_struct``
  without residuals), solved here by conjugate gradients without forming S
  (reference-tested against hierarchicalforecast).
  Negative item results are set to 0 (demand), then levels are re-summed.

Sums run on sparse summing matrices (scipy.sparse: one non-zero per item and level), so a
million series add up to item, family and total in well under a second and a few megabytes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from snop.errors import SnopError
from snop.forecasting.common import Array, IntArray
from snop.model.vocabulary import Level

RECONCILE_METHODS = ("bottom_up", "top_down", "middle_out", "mint")
MINT_DENSE_MAX_NODES = 3000


@dataclass
class Aggregation:
    """How item rows add up into the nodes of each level above them (total first, then one
    level per attribute column): level names, node keys per level, item -> node index per
    level. The summing structure S that reconciliation works on.

    Named apart from snop.demand.replay.Hierarchy on purpose: that one is the demand plan's
    grid of items x periods (groups, selling windows, history) that scopes and splits
    overrides; this one only sums forecasts, its levels need not nest, and items missing an
    attribute go to a ``(none)`` node. One name, one concept.
    """

    levels: list[str]
    keys: list[list[str]]
    member: list[IntArray]

    def level_matrix(self, level: int) -> sparse.csr_array:
        """The sparse nodes x items 0/1 matrix A_l of level ``level`` (one 1 per column:
        each item is in exactly one node). n_items non-zeros, whatever the node count, so a
        million series take megabytes where a dense S would take terabytes."""
        mem, n_nodes = self.member[level], len(self.keys[level])
        n = mem.size
        return sparse.csr_array(
            (np.ones(n), (mem, np.arange(n))), shape=(n_nodes, n), dtype=np.float64
        )

    def aggregate(self, bottom: Array) -> list[Array]:
        """Sum item rows into the nodes of every level (first axis = items):
        ``A_l @ bottom`` with the sparse A_l of :meth:`level_matrix`."""
        flat = bottom.reshape(bottom.shape[0], -1)
        out = []
        for li, keys in enumerate(self.keys):
            agg = np.asarray(self.level_matrix(li) @ flat, dtype=np.float64)
            out.append(agg.reshape((len(keys), *bottom.shape[1:])))
        return out

    def sparse_summing_matrix(self) -> sparse.csr_array:
        """S = [A_1; ...; A_k; I] (all nodes incl. items) x items, sparse."""
        n = self.member[0].size
        blocks = [self.level_matrix(li) for li in range(len(self.member))]
        return sparse.csr_array(sparse.vstack([*blocks, sparse.eye_array(n, format="csr")]))

    def summing_matrix(self) -> Array:
        """Dense S (all nodes incl. items) x items: for the small hierarchies MinTrace of
        hierarchicalforecast takes (MINT_DENSE_MAX_NODES); :meth:`sparse_summing_matrix`
        otherwise."""
        return np.asarray(self.sparse_summing_matrix().toarray(), dtype=np.float64)


def build_aggregation(
    attributes: pd.DataFrame, items: list[str], levels: list[str], source: str = "items"
) -> Aggregation:
    """Total plus one level per attribute column; items missing an attribute go to '(none)'."""
    names: list[str] = [Level.TOTAL.value]
    keys: list[list[str]] = [[Level.TOTAL.value]]
    member = [np.zeros(len(items), dtype=np.int64)]
    for col in levels:
        c = col.strip().lower()
        if c not in attributes.columns:
            have = [x for x in attributes.columns if not x.endswith("_ord")]
            raise SnopError(
                f"{source}: no column {col!r} for the hierarchy; columns are " + ", ".join(have)
            )
        vals = attributes[c].reindex(items)
        vals = vals.fillna("(none)").astype(str).str.strip().replace("", "(none)")
        codes, uniq = pd.factorize(vals)
        names.append(c)
        keys.append([str(u) for u in uniq])
        member.append(codes.astype(np.int64))
    return Aggregation(names, keys, member)


def _shares(history: Array, member: IntArray, n_nodes: int) -> Array:
    """Each item's share of its node's total history (equal split when the node sold 0)."""
    tot_item = history.sum(axis=1)
    tot_node = np.bincount(member, weights=tot_item, minlength=n_nodes).astype(np.float64)
    count = np.bincount(member, minlength=n_nodes).astype(np.float64)
    den = tot_node[member]
    return np.asarray(
        np.where(den > 0, tot_item / np.where(den > 0, den, 1.0), 1.0 / count[member]),
        dtype=np.float64,
    )


def reconcile(
    method: str,
    hier: Aggregation,
    base_items: Array,
    base_levels: list[Array],
    history: Array,
    *,
    middle_level: str | None = None,
    residuals_items: Array | None = None,
    residuals_levels: list[Array] | None = None,
) -> Array:
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
        lvl = (
            middle_level or (hier.levels[1] if len(hier.levels) > 1 else Level.TOTAL.value)
        ).lower()
        if lvl not in hier.levels:
            raise SnopError(
                f"middle level {middle_level!r} is not a hierarchy level; levels: "
                + ", ".join(hier.levels)
            )
        li = hier.levels.index(lvl)
        mem = hier.member[li]
        p = _shares(history, mem, len(hier.keys[li]))
        return np.asarray(p[:, None] * base_levels[li][mem], dtype=np.float64)
    if method == "mint":
        return _mint(hier, base_items, base_levels, residuals_items, residuals_levels)
    raise SnopError(f"unknown reconciliation {method!r}; valid: {', '.join(RECONCILE_METHODS)}")


def _sanitize_residuals(res: Array) -> Array:
    """Nodes without residuals (zero, new, short series) get a tiny alternating pattern so
    the covariance stays positive definite: their base forecast is then trusted."""
    out = res.copy()
    finite = np.isfinite(out)
    few = finite.sum(axis=1) < 2
    sd = np.nanstd(np.where(finite, out, np.nan), axis=1) if (~few).any() else np.ones(1)
    ok_sd = sd[np.isfinite(sd) & (sd > 0)]
    eps = 1e-3 * (float(np.median(ok_sd)) if ok_sd.size else 1.0)
    pattern = eps * np.where(np.arange(out.shape[1]) % 2 == 0, 1.0, -1.0)
    out[few] = pattern
    flat = ~few & (np.nan_to_num(sd, nan=0.0) == 0)
    out[flat] = np.where(np.isfinite(out[flat]), out[flat], 0.0) + pattern
    return out


def _node_variance(res: Array) -> Array:
    """Mean squared in-sample residual per node (the diagonal W of MinT ``wls_var``)."""
    r = _sanitize_residuals(res)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        v = np.nanmean(r * r, axis=1)
    return np.asarray(np.where(np.isfinite(v) & (v > 0), v, 1e-12), dtype=np.float64)


def _wls_var_cg(
    hier: Aggregation,
    base_items: Array,
    base_levels: list[Array],
    res_items: Array,
    res_levels: list[Array],
) -> Array:
    """MinT ``wls_var`` (W the nodes' residual variances) by :func:`_wls_cg`."""
    wb = 1.0 / _node_variance(res_items)
    wl = [1.0 / _node_variance(r) for r in res_levels]
    return _wls_cg(hier, base_items, base_levels, wb, wl)


def _structural_weights(hier: Aggregation) -> tuple[Array, list[Array]]:
    """W^-1 of ``wls_struct``: W = diag(S 1), each node weighted by its number of items."""
    n = hier.member[0].size
    counts = [
        np.bincount(m, minlength=len(k)).astype(np.float64)
        for m, k in zip(hier.member, hier.keys, strict=True)
    ]
    return np.ones(n), [1.0 / np.maximum(c, 1.0) for c in counts]


def _wls_cg(
    hier: Aggregation,
    base_items: Array,
    base_levels: list[Array],
    wb: Array,
    wl: list[Array],
) -> Array:
    """MinT with diagonal W for large hierarchies, without forming S.

    Bottom forecasts b solve ``(S' W^-1 S) b = S' W^-1 y_hat``; with S = [A_1; ...; A_k; I]
    (A_l the item -> node membership of level l), ``S' W^-1 S x = W_b^-1 x + sum_l A_l'
    (W_l^-1 (A_l x))``: a sparse, symmetric positive definite operator solved by conjugate
    gradients (Jacobi preconditioner), one horizon column at a time. ``wb``, ``wl``: the
    diagonal of W^-1 for the items and for each level's nodes.
    """
    from scipy.sparse.linalg import LinearOperator, cg

    n = base_items.shape[0]

    def agg(x: Array, li: int) -> Array:
        return np.asarray(
            np.bincount(hier.member[li], weights=x, minlength=len(hier.keys[li])), dtype=np.float64
        )

    def matvec(x: Array) -> Array:
        out = wb * x
        for li in range(len(hier.member)):
            out = out + (wl[li] * agg(x, li))[hier.member[li]]
        return np.asarray(out, dtype=np.float64)

    diag = wb + sum(wl[li][hier.member[li]] for li in range(len(hier.member)))
    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    pre = LinearOperator((n, n), matvec=lambda x: x / diag, dtype=np.float64)
    out = np.zeros_like(base_items)
    for j in range(base_items.shape[1]):
        rhs = wb * base_items[:, j]
        for li in range(len(hier.member)):
            rhs = rhs + (wl[li] * base_levels[li][:, j])[hier.member[li]]
        sol, _ = cg(op, rhs, x0=base_items[:, j].copy(), M=pre, rtol=1e-10, maxiter=2000)
        out[:, j] = sol
    return np.asarray(np.nan_to_num(out), dtype=np.float64)


def _mint(
    hier: Aggregation,
    base_items: Array,
    base_levels: list[Array],
    res_items: Array | None,
    res_levels: list[Array] | None,
) -> Array:
    y_hat = np.vstack([*base_levels, base_items])
    n_nodes, n = y_hat.shape[0], base_items.shape[0]
    if (res_items is None or res_levels is None) and n_nodes > MINT_DENSE_MAX_NODES:
        wb, wl = _structural_weights(hier)  # wls_struct without a dense S
        return _wls_cg(hier, base_items, base_levels, wb, wl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if res_items is None or res_levels is None:
            from hierarchicalforecast.methods import MinTrace

            S = hier.summing_matrix()
            out = MinTrace(method="wls_struct").fit_predict(S=S, y_hat=y_hat)
        elif n_nodes <= MINT_DENSE_MAX_NODES:
            from hierarchicalforecast.methods import MinTrace

            S = hier.summing_matrix()
            res = _sanitize_residuals(np.vstack([*res_levels, res_items]))
            # MinT needs y_insample and y_hat_insample; residual = y - y_hat, so pass
            # y_insample = residual, y_hat_insample = 0.
            out = MinTrace(method="mint_shrink").fit_predict(
                S=S, y_hat=y_hat, y_insample=res, y_hat_insample=np.zeros_like(res)
            )
        else:
            return _wls_var_cg(hier, base_items, base_levels, res_items, res_levels)
    mean = np.asarray(out["mean"], dtype=np.float64)
    bottom = mean[n_nodes - n :]
    return np.asarray(np.nan_to_num(bottom), dtype=np.float64)
