"""The time fence of a new cycle: per family, its first periods keep the last approved plan.

Near-term production is already committed (materials ordered, shifts posted): re-planning it
every month would make the plan nervous. Each family's ``frozen_periods`` (the ``families``
table) says how many of a new cycle's first periods keep what the last approved plan set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from snop.model.periods import Period
from snop.model.workbook import Workbook
from snop.supply.plan import FrozenPlan, SupplyPlan

# plan-table columns a fence keeps (``production`` only serves plans that do not split it)
FROZEN_COLUMNS = ("regular_production", "overtime_production", "subcontract", "production")
# decimals a fenced value keeps: far finer than any unit or person, far coarser than noise
DECIMALS = 6


def frozen_zone(
    workbook: Workbook,
    last: SupplyPlan | pd.DataFrame,
    periods: Sequence[Period | str],
    workforce: pd.DataFrame | None = None,
) -> FrozenPlan | None:
    """The fence of a new cycle planning ``periods``, from the last approved plan ``last``.

    ``last`` is a :class:`SupplyPlan` or its plan table (family, period and any of
    regular_production, overtime_production, subcontract, production); ``workforce`` (pool,
    period, workers) defaults to the SupplyPlan's own. With ``p_0 .. p_{T-1}`` the new cycle's
    periods, ``k_f`` family f's ``frozen_periods`` and ``X_last[f, p]`` the last plan's value
    of period label p (it started earlier: periods are matched by label, never by position)::

        reg[f, t], ot[f, t], sub[f, t] = X_last[f, p_t]   for t < k_f and p_t in the last plan
        workers[k, t]                  = W_last[k, p_t]   for t < min(k_f : f made by pool k)

    Every other value is left free (no row). A fence longer than the overlap of the two
    horizons stops where the last plan ends; a family with ``k_f = 0``, or absent from the
    last plan, is free. A pool's workers are fixed only while every family it makes is
    fenced (fixed workers would otherwise bind the free family's production). The
    FrozenPlan's ``periods`` is the last fenced period + 1 (``max_f`` of the fences actually
    applied). None when nothing is fenced: no family has a fence, or the last plan holds
    none of the fenced periods. Fixed values are rounded to ``DECIMALS`` places (see
    :func:`_settled`).
    """
    fam = workbook.families_with_defaults()
    fence = fam["frozen_periods"].fillna(0.0).astype(float)
    if not (fence > 0).any():
        return None
    labels = [p.label if isinstance(p, Period) else str(p) for p in periods]
    position = pd.Series(np.arange(len(labels), dtype=float), index=pd.Index(labels))

    plan = last.plan if isinstance(last, SupplyPlan) else last
    production = pd.DataFrame(columns=["family", "period"])
    if not plan.empty:
        t = plan["period"].map(position)
        keep = (t < plan["family"].map(fence)).fillna(False).to_numpy(dtype=bool)
        cols = [c for c in FROZEN_COLUMNS if c in plan.columns]
        production = plan.loc[keep, ["family", "period", *cols]].reset_index(drop=True)
        production[cols] = _settled(production[cols])

    if workforce is None and isinstance(last, SupplyPlan):
        workforce = last.workforce
    workers: pd.DataFrame | None = None
    pooled = fam[fam["workforce_pool"].notna()]
    if workforce is not None and not workforce.empty and not pooled.empty:
        pool_fence = fence[pooled.index].groupby(pooled["workforce_pool"]).min()
        t = workforce["period"].map(position)
        keep = (t < workforce["pool"].map(pool_fence)).fillna(False).to_numpy(dtype=bool)
        workers = workforce.loc[keep, ["pool", "period", "workers"]].reset_index(drop=True)
        workers[["workers"]] = _settled(workers[["workers"]])
        if workers.empty:
            workers = None

    fenced = [position[production["period"]].to_numpy()]
    if workers is not None:
        fenced.append(position[workers["period"]].to_numpy())
    reach = np.concatenate(fenced)
    if reach.size == 0:
        return None
    return FrozenPlan(int(reach.max()) + 1, production, workers)


def _settled(values: pd.DataFrame) -> pd.DataFrame:
    """Plan values without the solver's noise: a value the LP left at a limit may lie up to
    its feasibility tolerance (1e-7) beyond it, and fixed there it would contradict the very
    limit it met (``100.00000005`` against a capacity of 100), so it is rounded to
    ``DECIMALS`` places and kept >= 0."""
    return values.astype(float).round(DECIMALS).clip(lower=0.0)
