"""KPI targets: the range each measure of the KPI card should stay in, and the card judged.

The workbook's ``kpi_targets`` table gives, per KPI, a ``min``, a ``max`` or both, for one
family or (blank family) for every family and the company total. Each family takes, per KPI:

1. its own row (source ``family``), else
2. the blank-family row (source ``every family``), else
3. for the fill rate only, a minimum of its service level (source ``service_level``): the
   share of demand the plan promises to serve from stock is the fill rate it is held to.

The company total (``TOTAL``) takes the blank-family rows only, and for the fill rate without
one the lowest service level of the families (the total cannot promise more than its
weakest family). A row wins whole: a family's row with only a ``min`` leaves that family
without a ``max``, even when the blank-family row has one.

A value is on target when ``min <= value <= max``, an open side unbounded; a KPI with no
target or no value (its actuals have not arrived) is neither on nor off target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.learning.frames import TOTAL, require
from snop.model.vocabulary import Kpi

TARGET_COLUMNS = ["family", "kpi", "min", "max", "source"]
JUDGED_COLUMNS = ["family", "kpi", "value", "min", "max", "on_target"]


class TargetSource(StrEnum):
    """Where a family's target of a KPI comes from (see the module docstring)."""

    FAMILY = "family"
    EVERY_FAMILY = "every family"
    SERVICE_LEVEL = "service_level"


Bounds = tuple[float, float]  # min, max; NaN: that side is open


def _rows(table: pd.DataFrame) -> dict[tuple[str | None, str], Bounds]:
    """The table's rows with a bound, by (family or None for blank, kpi)."""
    require(table, ["kpi", "family", "min", "max"], "kpi_targets")
    known = {k.value for k in Kpi}
    out: dict[tuple[str | None, str], Bounds] = {}
    low = pd.to_numeric(table["min"], errors="coerce").to_numpy(dtype=np.float64)
    high = pd.to_numeric(table["max"], errors="coerce").to_numpy(dtype=np.float64)
    for row, (kpi, fam) in enumerate(zip(table["kpi"], table["family"], strict=True)):
        if kpi not in known:
            raise SnopError(
                f"kpi_targets: row {row + 1}, column kpi: {kpi!r} is not a KPI; "
                f"expected one of {', '.join(sorted(known))}"
            )
        family = fam if isinstance(fam, str) and fam else None
        if (family, kpi) in out:
            raise SnopError(
                f"kpi_targets: row {row + 1}: a second target of {kpi} for "
                f"{family or 'every family'}; keep one row per kpi and family"
            )
        if not (np.isnan(low[row]) and np.isnan(high[row])):
            out[(family, str(kpi))] = (float(low[row]), float(high[row]))
    return out


def kpi_targets(
    table: pd.DataFrame, families: Sequence[str], service_levels: Mapping[str, float]
) -> pd.DataFrame:
    """Each family's (then the TOTAL's) target of each KPI that has one.

    ``table``: the workbook's ``kpi_targets`` (kpi, family, min, max; a blank family is None,
    NaN or ""); ``families``: the families judged, in order; ``service_levels``: family ->
    its service level (a family absent has no fill-rate default). The precedence is the
    module docstring's. Columns: ``TARGET_COLUMNS``, rows by family (as given, TOTAL last)
    then KPI in the card's order; min or max NaN where that side is open.
    """
    rows = _rows(table)
    records: list[tuple[str, str, float, float, str]] = []
    names = [f for f in dict.fromkeys(families) if f != TOTAL]
    levels = [float(service_levels[f]) for f in names if f in service_levels]
    for fam in [*names, TOTAL]:
        own = fam != TOTAL
        for kpi in Kpi:
            if own and (fam, kpi.value) in rows:
                low, high = rows[(fam, kpi.value)]
                source = TargetSource.FAMILY
            elif (None, kpi.value) in rows:
                low, high = rows[(None, kpi.value)]
                source = TargetSource.EVERY_FAMILY
            elif kpi is Kpi.FILL_RATE and (fam in service_levels if own else levels):
                low = float(service_levels[fam]) if own else min(levels)
                high, source = np.nan, TargetSource.SERVICE_LEVEL
            else:
                continue
            records.append((fam, kpi.value, low, high, source.value))
    out = pd.DataFrame(records, columns=TARGET_COLUMNS)
    return out.astype({"min": np.float64, "max": np.float64})


def on_target(value: float, low: float, high: float) -> bool | None:
    """``low <= value <= high`` (a NaN bound is open); None when the value is NaN or both
    bounds are (nothing to judge)."""
    if np.isnan(value) or (np.isnan(low) and np.isnan(high)):
        return None
    return bool((np.isnan(low) or value >= low) and (np.isnan(high) or value <= high))


def judge(card: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The KPI card against its targets: one row per family of the card (in its order) and
    KPI (in the card's order).

    ``card``: family and the KPI columns (``snop.learning.kpis.KPI_COLUMNS``); ``targets``:
    :func:`kpi_targets`. ``on_target`` is True when ``min <= value <= max`` (an open side
    unbounded), False when the value is outside, None when the KPI has no target or no
    value. Columns: ``JUDGED_COLUMNS``.
    """
    require(card, ["family", *(k.value for k in Kpi)], "KPI card")
    require(targets, TARGET_COLUMNS, "KPI targets")
    bounds = {
        (str(f), str(k)): (float(lo), float(hi))
        for f, k, lo, hi in zip(
            targets["family"], targets["kpi"], targets["min"], targets["max"], strict=True
        )
    }
    records: list[tuple[str, str, float, float, float, bool | None]] = []
    for row in card.to_dict("records"):
        fam = str(row["family"])
        for kpi in Kpi:
            value = np.nan if row[kpi.value] is None else float(row[kpi.value])
            low, high = bounds.get((fam, kpi.value), (np.nan, np.nan))
            records.append((fam, kpi.value, value, low, high, on_target(value, low, high)))
    out = pd.DataFrame(records, columns=JUDGED_COLUMNS)
    out["on_target"] = out["on_target"].astype(object)  # True, False or None, never NaN
    return out.astype({"value": np.float64, "min": np.float64, "max": np.float64})
