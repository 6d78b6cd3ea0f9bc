"""The inventory plan: each family's safety stock sized from its forecast error.

The formula and the two sources of the forecast error are in :mod:`snop.supply.safety`
and docs/inventory.md. This module gathers their inputs from the store: the lag-1 errors
of the approved versions (:func:`snop.services.kpis.lag1_family_errors`) and the current
cycle's baseline prediction intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.cycle.model import Cycle
from snop.errors import SnopError
from snop.model.workbook import Workbook
from snop.services.context import (
    Actor,
    Tx,
    UnitOfWork,
    current_cycle,
    cycle_workbook,
    stored_workbook,
)
from snop.services.kpis import lag1_family_errors
from snop.services.versions import version_in
from snop.supply.data import SafetyStockBasis, safety_stock_basis
from snop.supply.safety import (
    MIN_VERSIONS,
    SigmaSource,
    family_sigma,
    interval_sigma,
    safety_stock,
    service_z,
    with_safety_stock,
)


@dataclass(frozen=True)
class FamilySafetyStock:
    """One family's safety stock from forecast error, and the one the workbook gives."""

    family: str
    sigma: float  # units per period; NaN when no source has it
    source: SigmaSource
    observations: int  # versions (source versions) or items (source forecast)
    service_level: float
    z: float
    lead_time: float  # periods
    safety_stock: float  # z * sigma * sqrt(lead_time); NaN without sigma
    given: float  # the workbook's safety_stock in the cycle's first period


@dataclass
class SafetyStockReport:
    cycle: str
    basis: SafetyStockBasis  # the setting: whether the plan uses ``safety_stock`` or ``given``
    min_versions: int  # versions with actuals a family needs for source versions
    families: list[FamilySafetyStock]

    def used(self) -> dict[str, float]:
        """The safety stock the plan takes per family: the computed one under basis
        forecast_error where a sigma is known; nothing (the given one stays) otherwise."""
        if self.basis is not SafetyStockBasis.FORECAST_ERROR:
            return {}
        return {f.family: f.safety_stock for f in self.families if not np.isnan(f.safety_stock)}


def safety_stock_plan(uow: UnitOfWork, actor: Actor) -> SafetyStockReport:
    """The current cycle's safety stock per family from forecast error, against the given."""
    with uow.read() as tx:
        cycle = current_cycle(tx)
        return family_safety_stock(tx, cycle, cycle_workbook(tx, cycle))


def family_safety_stock(tx: Tx, cycle: Cycle, wb: Workbook) -> SafetyStockReport:
    """:func:`safety_stock_plan` inside a transaction the caller holds, on ``wb`` (the
    cycle's workbook: its service levels, lead times and given safety stock)."""
    families = wb.family_names
    versions = [version_in(tx, c.period) for c in tx.cycles.all() if c.approved_at]
    errors = lag1_family_errors(versions, stored_workbook(tx)) if versions else _no_errors()
    sigma = family_sigma(errors, _item_sigma(tx, cycle, wb), families)
    fam = wb.families_with_defaults().reindex(families)
    level = fam["service_level"].to_numpy(dtype=float)
    lead = fam["replenishment_lead_time"].to_numpy(dtype=float)
    z = service_z(level)
    ss = safety_stock(sigma["sigma"].to_numpy(dtype=float), level, lead)
    given = wb.period_values("families", wb.planning_periods[:1])["safety_stock"]
    first = np.nan_to_num(given.to_numpy(dtype=float)[:, 0])
    rows = [
        FamilySafetyStock(
            family=f,
            sigma=float(s),
            source=SigmaSource(str(src)),
            observations=int(n),
            service_level=float(level[i]),
            z=float(z[i]),
            lead_time=float(lead[i]),
            safety_stock=float(ss[i]),
            given=float(first[i]),
        )
        for i, (f, s, src, n) in enumerate(
            zip(families, sigma["sigma"], sigma["source"], sigma["observations"], strict=True)
        )
    ]
    return SafetyStockReport(cycle.period, safety_stock_basis(wb), MIN_VERSIONS, rows)


def _no_errors() -> pd.DataFrame:
    return pd.DataFrame({"family": [], "period": [], "error": []})


def _item_sigma(tx: Tx, cycle: Cycle, wb: Workbook) -> pd.DataFrame:
    """family, item, sigma: each item's one-step-ahead sigma from the cycle's baseline
    interval in its first period (the widest level stored; every level gives the same)."""
    bands = tx.forecasts.intervals(cycle.period)
    bands = bands[bands["period"] == cycle.period]
    if bands.empty:
        return pd.DataFrame({"family": [], "item": [], "sigma": []})
    widest = bands.sort_values("level").drop_duplicates("item", keep="last")
    point = tx.forecasts.layer(cycle.period)
    point = point[point["period"] == cycle.period][["item", "qty"]]
    both = widest.merge(point, on="item").merge(wb.items[["item", "family"]], on="item")
    sigma = interval_sigma(both["qty"], both["hi"], both["level"])
    return pd.DataFrame({"family": both["family"], "item": both["item"], "sigma": sigma})


def planning_workbook(tx: Tx, cycle: Cycle, wb: Workbook) -> tuple[Workbook, dict[str, float]]:
    """The workbook the cycle's supply plan is made on, and the safety stock it takes from
    forecast error per family (empty under basis given: ``wb`` itself)."""
    if safety_stock_basis(wb) is not SafetyStockBasis.FORECAST_ERROR:
        return wb, {}
    used = family_safety_stock(tx, cycle, wb).used()
    return with_safety_stock(wb, used), used


def refuse_without_store(wb: Workbook) -> None:
    """A workbook planned on its own has no versions nor baseline to size the safety stock
    from: say so rather than plan on the given one silently."""
    if safety_stock_basis(wb) is SafetyStockBasis.FORECAST_ERROR:
        raise SnopError(
            "setting safety_stock_basis is forecast_error: the forecast error comes from "
            "the store (its versions and baseline); import the workbook and plan the cycle "
            "(`snop import`, `snop plan`), or set safety_stock_basis to given"
        )
