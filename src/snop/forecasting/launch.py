"""Young items: damped trends on short histories, blended with the like item's forecast.

A launch with a few months of ramp-up looks like a steep trend; extrapolated for a planning
horizon it grows without bound (5 months of 200 -> 940 became 2,437 a month 18 months on,
three times the item it replaces). Two rules, for items with fewer than ``blend_len(m)``
periods of history (12 for monthly data, 8 quarters, 52 weeks):

* **damped trend**: the straight-line part of the forecast path (slope ``b`` from its first
  to its last step) is replaced by a damped trend with ``phi = 0.8``:
  ``f'_j = f_j - b (j - 1) + b (phi + ... + phi^(j-1))``, so at most ``b phi / (1 - phi)``
  = 4 periods of growth are added in all; a seasonal shape in the path is kept;
* **like-item blend** (items with a ``like_item`` that has history): the forecast is
  ``w own + (1 - w) like``, ``w = n / blend_len(m)`` the share of the blend length the item
  has lived (5 months: 5/12 own, 7/12 like), ``like`` the like item's forecast times
  ``like_factor``, then capped at ``MAX_LIKE_MULTIPLE`` (2) times ``like``.

Items with fewer than ``SHORT_LEN`` periods follow the like item alone (or their mean): they
are *new* (:func:`is_new`, on :func:`history_length`), one rule for the forecast and for the
demand plan's launch curves (:mod:`snop.demand.lifecycle`).
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import Array, BoolArray, IntArray

SHORT_LEN = 4
DAMP_PHI = 0.8
MAX_LIKE_MULTIPLE = 2.0
MIN_BLEND_LEN = 8


def history_length(first_sale: IntArray, launch: IntArray, first: int, last: int) -> IntArray:
    """Periods of history each item has in a sales history spanning ordinals ``first..last``.

    An item's history starts at its first non-zero sale (``first_sale``; ``last + 1`` or
    later when it has none), or at its ``launch`` (the launch_period's ordinal, -1 when not
    given) when that comes first and not after ``last`` (months after a launch without
    sales are history: the item sold nothing); a launch before ``first`` counts from
    ``first``. ``L = max(last - start + 1, 0)``.
    """
    launched = (launch >= 0) & (launch <= last)
    start = np.where(launched, np.minimum(first_sale, np.maximum(launch, first)), first_sale)
    return np.asarray(np.maximum(last - start + 1, 0), dtype=np.int64)


def is_new(length: IntArray) -> BoolArray:
    """The new-item rule: an item with fewer than SHORT_LEN periods of history (see
    history_length) is new. The forecast gives it its like item's forecast (or its mean);
    the demand plan replaces it by the like item's launch curve."""
    return np.asarray(length < SHORT_LEN, dtype=np.bool_)


def blend_len(m: int) -> int:
    """Periods of history after which an item stands on its own (a season, at least 8)."""
    return max(int(m), MIN_BLEND_LEN)


def damp_trend(point: Array, phi: float = DAMP_PHI) -> Array:
    """Replace the linear part of each forecast path (rows) by a damped trend (see module)."""
    h = point.shape[1]
    if h < 2:
        return point.copy()
    b = (point[:, -1] - point[:, 0]) / (h - 1)
    j = np.arange(h)
    damped = np.concatenate([[0.0], np.cumsum(phi ** np.arange(1, h))])
    return np.asarray(point + b[:, None] * (damped - j)[None, :], dtype=np.float64)


def blend_weight(L: IntArray, m: int) -> Array:
    """Weight of an item's own forecast: its age over the blend length, at most 1."""
    return np.asarray(np.clip(L / blend_len(m), 0.0, 1.0), dtype=np.float64)


def blend_with_like(own: Array, like: Array, L: IntArray, m: int) -> Array:
    """``min(w own + (1 - w) like, MAX_LIKE_MULTIPLE like)`` per row, w = blend_weight."""
    w = blend_weight(L, m)[:, None]
    mix = w * own + (1.0 - w) * like
    return np.asarray(np.minimum(mix, MAX_LIKE_MULTIPLE * like), dtype=np.float64)
