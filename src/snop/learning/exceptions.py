"""Exceptions of a plan or of its actuals, each with the role that owns acting on it.

Every rule returns rows with the columns ``EXCEPTION_COLUMNS``: rule (an ``ExceptionRule``
value), family or resource (the other one None), period, value, threshold, owner (a
``Role`` value) and message (one line). :func:`exceptions` stacks the rows of several rules.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import SnopError
from snop.learning.frames import TOTAL, numbers, ordinals, require
from snop.model.vocabulary import Role

EXCEPTION_COLUMNS = [
    "rule",
    "family",
    "resource",
    "period",
    "value",
    "threshold",
    "owner",
    "message",
]

# |tracking signal| beyond this says the forecast is biased (the classic ±4 MADs).
TRACKING_LIMIT = 4.0
# Periods in a row the backlog must grow before it is an exception.
BACKLOG_RUN = 3
# Units (or hours) of slack that are solver round-off, not a shortfall or an overload.
TOLERANCE = 1e-6


class ExceptionRule(StrEnum):
    """What an exception row is about."""

    TRACKING_SIGNAL = "tracking_signal"
    BELOW_SAFETY_STOCK = "below_safety_stock"
    OVER_CAPACITY = "over_capacity"
    BACKLOG_GROWING = "backlog_growing"

    @property
    def owner(self) -> Role:
        """The role that acts on it: bias is the demand planner's, the rest supply's."""
        if self is ExceptionRule.TRACKING_SIGNAL:
            return Role.DEMAND_PLANNER
        return Role.SUPPLY_PLANNER


def _rows(
    rule: ExceptionRule,
    subject: pd.Series,
    period: pd.Series,
    value: npt.ArrayLike,
    threshold: npt.ArrayLike,
    message: list[str],
) -> pd.DataFrame:
    """The exception rows of one rule; ``subject`` is a family or, for capacity, a resource."""
    is_resource = rule is ExceptionRule.OVER_CAPACITY
    n = len(subject)
    nothing = [None] * n
    return pd.DataFrame(
        {
            "rule": [rule.value] * n,
            "family": nothing if is_resource else list(subject),
            "resource": list(subject) if is_resource else nothing,
            "period": list(period),
            "value": np.asarray(value, dtype=np.float64),
            "threshold": np.asarray(threshold, dtype=np.float64),
            "owner": [rule.owner.value] * n,
            "message": message,
        },
        columns=EXCEPTION_COLUMNS,
    )


def tracking_signal_exceptions(
    tracking: pd.DataFrame, limit: float = TRACKING_LIMIT
) -> pd.DataFrame:
    """Families whose tracking signal, at their last period, is beyond ``±limit``.

    ``tracking``: family, period, tracking_signal (:func:`snop.learning.kpis.tracking_signal`,
    sorted by period within a family); the TOTAL row is not a family and is skipped. An
    exception is about now, so only each family's latest value is judged:
    ``|tracking_signal_last| > limit``.
    """
    require(tracking, ["family", "period", "tracking_signal"], "tracking signal")
    last = tracking[tracking["family"] != TOTAL].groupby("family", sort=True).tail(1)
    ts = pd.Series(numbers(last, "tracking_signal", "tracking signal"), index=last.index)
    hit = last[ts.abs() > limit]
    ts = ts[hit.index]
    message = [
        f"tracking signal {v:+.1f} through {p} is beyond ±{limit:g}: the forecast runs "
        + ("high" if v > 0 else "low")
        for v, p in zip(ts, hit["period"], strict=True)
    ]
    sign = np.sign(ts.to_numpy())
    return _rows(
        ExceptionRule.TRACKING_SIGNAL, hit["family"], hit["period"], ts, sign * limit, message
    )


def below_safety_stock(plan: pd.DataFrame, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Family periods whose inventory is below its safety stock.

    ``plan``: family, period, inventory, inventory_target (the supply plan frame, or actual
    on-hand inventory joined to the plan's target). A row is an exception when
    ``inventory < inventory_target - tolerance``.
    """
    require(plan, ["family", "period", "inventory", "inventory_target"], "plan")
    inv = pd.Series(numbers(plan, "inventory", "plan"), index=plan.index)
    target = pd.Series(numbers(plan, "inventory_target", "plan"), index=plan.index)
    hit = inv < target - tolerance
    message = [
        f"inventory {i:,.0f} is below the safety stock of {t:,.0f} in {p}"
        for i, t, p in zip(inv[hit], target[hit], plan.loc[hit, "period"], strict=True)
    ]
    return _rows(
        ExceptionRule.BELOW_SAFETY_STOCK,
        plan.loc[hit, "family"],
        plan.loc[hit, "period"],
        inv[hit],
        target[hit],
        message,
    )


def over_capacity(capacity: pd.DataFrame, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Resources (and labour pools) loaded beyond their capacity in a period.

    ``capacity``: resource, period, capacity, load (the supply plan's capacity frame). A
    row is an exception when ``load > capacity + tolerance``; value is the load and
    threshold the capacity.
    """
    require(capacity, ["resource", "period", "capacity", "load"], "capacity")
    load = pd.Series(numbers(capacity, "load", "capacity"), index=capacity.index)
    cap = pd.Series(numbers(capacity, "capacity", "capacity"), index=capacity.index)
    hit = load > cap + tolerance
    message = [
        f"load {ld:,.1f} exceeds the capacity of {c:,.1f} in {p}"
        + (f" ({ld / c:.0%})" if c > 0 else "")
        for ld, c, p in zip(load[hit], cap[hit], capacity.loc[hit, "period"], strict=True)
    ]
    return _rows(
        ExceptionRule.OVER_CAPACITY,
        capacity.loc[hit, "resource"],
        capacity.loc[hit, "period"],
        load[hit],
        cap[hit],
        message,
    )


def _growth_runs(
    ords: npt.NDArray[np.int64], backlog: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Length of the run of growth ending at each row of one family sorted by period:
    ``run_t = run_{t-1} + 1`` when period t follows t-1 and ``backlog_t > backlog_{t-1}``,
    else 0."""
    run = np.zeros(len(ords), dtype=np.int64)
    for t in range(1, len(ords)):
        grew = ords[t] == ords[t - 1] + 1 and backlog[t] > backlog[t - 1] + TOLERANCE
        run[t] = run[t - 1] + 1 if grew else 0
    return run


def backlog_growing(plan: pd.DataFrame, periods: int = BACKLOG_RUN) -> pd.DataFrame:
    """Families whose backlog grew in each of ``periods`` consecutive periods or more.

    ``plan``: family, period, backlog (end of period; planned or actual). Growth in period
    t means ``backlog_t > backlog_{t-1}`` (t-1 the period just before; a gap breaks the
    run). One row per run of at least ``periods`` growths, at its last period; value is
    the run's length and threshold ``periods``.
    """
    if periods < 1:
        raise SnopError(f"backlog growing: {periods} periods in a row; give 1 or more")
    require(plan, ["family", "period", "backlog"], "plan")
    work = pd.DataFrame(
        {
            "family": plan["family"],
            "period": plan["period"],
            "backlog": numbers(plan, "backlog", "plan"),
            "_ord": ordinals(plan["period"], "plan") if len(plan) else [],
        }
    ).sort_values(["family", "_ord"], kind="mergesort")
    found = []
    for _family, rows in work.groupby("family", sort=True):
        run = _growth_runs(rows["_ord"].to_numpy(), rows["backlog"].to_numpy())
        ends = (run >= periods) & (np.append(run[1:], 0) == 0)  # last row of each long run
        for i in np.flatnonzero(ends):
            start = rows["backlog"].iloc[i - run[i]]
            found.append((rows.iloc[i], int(run[i]), float(start)))
    message = [
        f"backlog grew {n} periods in a row, from {b0:,.0f} to {row['backlog']:,.0f} "
        f"in {row['period']}"
        for row, n, b0 in found
    ]
    return _rows(
        ExceptionRule.BACKLOG_GROWING,
        pd.Series([row["family"] for row, _, _ in found], dtype=object),
        pd.Series([row["period"] for row, _, _ in found], dtype=object),
        pd.Series([n for _, n, _ in found], dtype=np.float64),
        pd.Series([periods] * len(found), dtype=np.float64),
        message,
    )


def exceptions(*tables: pd.DataFrame) -> pd.DataFrame:
    """The rows of several rules in one table, in the order given (rules keep their own
    order: by family or resource, then period)."""
    kept = [t for t in tables if not t.empty]
    if not kept:
        return _rows(
            ExceptionRule.TRACKING_SIGNAL,
            pd.Series([], dtype=object),
            pd.Series([], dtype=object),
            pd.Series([], dtype=np.float64),
            pd.Series([], dtype=np.float64),
            [],
        )
    return pd.concat(kept, ignore_index=True)[EXCEPTION_COLUMNS]
