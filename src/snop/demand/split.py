"""Splitting a new total over the items below it, in whole units that add up exactly."""

from __future__ import annotations

import numpy as np

from snop.errors import SnopError


class SplitError(SnopError):
    """A total that cannot be split: negative, or in conflict with locked items."""


def round_to_total(ideal: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers close to ``ideal`` (each its floor or ceiling) that sum to ``total``.

    Largest remainder: every value starts at its floor and the units still missing go to
    the largest fractional parts, ties to the first. ``total`` is normally ``sum(ideal)``
    rounded; any other total is reached by moving whole units the same way.
    """
    ideal = np.asarray(ideal, dtype=float)
    if ideal.size == 0:
        if total != 0:
            raise ValueError(f"cannot put {total} units on no items")
        return ideal.copy()
    # the tolerance keeps 2.9999999999 (float noise of a proportional split) at 3
    out = np.floor(ideal + 1e-9)
    frac = ideal - out
    missing = int(total - out.sum())
    if missing > 0:
        order = np.argsort(-frac, kind="stable")
        while missing > 0:  # more than one round only when total exceeds sum(ideal) by n+
            take = order[:missing]
            out[take] += 1.0
            missing -= len(take)
    elif missing < 0:
        order = np.argsort(frac, kind="stable")
        while missing < 0:
            cand = order[out[order] > 0][:-missing]
            if cand.size == 0:
                raise ValueError(f"cannot reach {total} with non-negative values")
            out[cand] -= 1.0
            missing += len(cand)
    return out


def split_total(
    target: float,
    current: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    locked: np.ndarray | None = None,
) -> np.ndarray:
    """The items' values after setting their total to ``target``.

    Locked items keep their current value; the others share what is left, in proportion to
    ``weights`` (default: their current values; equally when every weight is zero), in whole
    units that add up exactly to ``target`` rounded to a whole unit.
    """
    current = np.asarray(current, dtype=float)
    lock = np.zeros(current.shape, dtype=bool) if locked is None else np.asarray(locked, bool)
    if target < 0:
        raise SplitError(f"the new total {target:,.0f} is negative; demand cannot be below zero")
    held = float(current[lock].sum())
    free = ~lock
    rest = int(np.floor(target - held + 0.5))
    out = current.copy()
    if not free.any():
        if rest != 0:
            raise SplitError(
                f"every item is locked (together {held:,.0f}), so the total "
                f"cannot become {target:,.0f}; unlock an item or change it "
                "directly"
            )
        return out
    if rest < 0:
        raise SplitError(
            f"locked items already hold {held:,.0f}, more than the new total {target:,.0f}"
        )
    w = (current if weights is None else np.asarray(weights, dtype=float))[free]
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    if w.sum() <= 0:
        w = np.ones_like(w)  # nothing to be proportional to: share equally
    out[free] = round_to_total(rest * w / w.sum(), rest)
    return out
