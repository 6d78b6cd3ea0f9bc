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

Items with fewer than ``SHORT_LEN`` periods follow the like item alone (or their mean).
"""

from __future__ import annotations

import numpy as np

from snop.forecasting.common import Array, IntArray

SHORT_LEN = 4
DAMP_PHI = 0.8
MAX_LIKE_MULTIPLE = 2.0
MIN_BLEND_LEN = 8


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
