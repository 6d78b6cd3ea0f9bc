"""Use cases of the customers' input to the demand review (docs/collaboration.md).

Customers share forecasts in the workbook's ``customer_forecasts`` table (per customer, item
or family and period). Two use cases read them:

* :func:`customer_forecast_report`: how good each customer's forecasts have been, against
  that customer's own sales (the ``sales`` rows whose ``customer`` is theirs), with the
  measures of :func:`snop.learning.kpis.forecast_accuracy`;
* :func:`apply_customer_forecasts`: the customers' forecasts entered into a demand layer as
  overrides through :func:`snop.services.demand_review.add_override`, so the override log,
  forecast value added and approval treat them as any other override.

Suppliers' input (``supplier_capacity``) is a constraint of the supply plan and needs no
use case of its own: :func:`snop.supply.data.supplier_limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from snop.demand.config import STATISTICAL
from snop.demand.replay import Override, replay
from snop.demand.review import DemandPlan, newly_broken, no_longer_apply
from snop.errors import SnopError
from snop.learning.frames import TOTAL
from snop.learning.kpis import ACCURACY_COLUMNS, forecast_accuracy
from snop.model.vocabulary import OverrideKind
from snop.services.context import Actor, UnitOfWork, stored_workbook
from snop.services.demand_review import add_override, demand_plan

# the override reason that marks a customer's forecast in the log
CUSTOMER_FORECAST = "customer_forecast"
# joins customer and item (or family) into one forecast key; no code holds it
_SEP = "\x1f"


@dataclass(frozen=True)
class CustomerForecastReport:
    """Accuracy and bias of each customer's forecasts, then the ``TOTAL`` of all customers.

    ``accuracy`` has one row per customer with the columns of
    :data:`snop.learning.kpis.ACCURACY_COLUMNS`, ``family`` renamed ``customer`` and
    ``items`` renamed ``keys`` (the items and families the customer forecast); ``periods``
    says how many (customer, period) cells were compared (periods with both a forecast and
    sales). ``customers`` lists every customer with a forecast, compared or not.
    """

    accuracy: pd.DataFrame
    customers: list[str]
    periods: list[str]  # the periods compared

    def to_json(self) -> dict[str, object]:
        rows = self.accuracy.astype(object).where(self.accuracy.notna(), None)
        return {
            "customers": self.customers,
            "periods": self.periods,
            "accuracy": rows.to_dict(orient="records"),
        }


@dataclass(frozen=True)
class AppliedForecasts:
    """The overrides :func:`apply_customer_forecasts` stored, and the rows it left out."""

    layer: str
    cycle: str
    overrides: list[Override]
    skipped: list[str] = field(default_factory=list)  # why each left-out cell was left out

    def to_json(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "cycle": self.cycle,
            "overrides": [
                {
                    "id": o.id,
                    "level": o.level,
                    "key": o.key,
                    "period": o.period,
                    "qty": o.value,
                    "author": o.author,
                    "role": o.role,
                    "reason": o.reason,
                }
                for o in self.overrides
            ],
            "skipped": self.skipped,
        }


def customer_forecast_report(uow: UnitOfWork, actor: Actor) -> CustomerForecastReport:
    """Each customer's forecasts against that customer's sales.

    A forecast key is an item or a family of one customer; its actual is that customer's
    sales of the item (or of the family's items). Only the keys a customer forecast count:
    what they buy but did not forecast (another item, or a period they gave no forecast
    for) is not held against their forecast. The measures are
    :func:`~snop.learning.kpis.forecast_accuracy`'s with the customer in place of the family
    (so its ``wape``/``bias`` compare the customer's total per period, and ``item_*`` the
    mean over the customer's keys): over the periods with both a forecast and sales.
    """
    with uow.read() as tx:
        wb = stored_workbook(tx)
    cf = wb.table("customer_forecasts")
    customers = sorted(set(cf["customer"].dropna().astype(str)))
    if cf.empty:
        raise SnopError(
            "the workbook has no customer_forecasts rows; import a workbook with a "
            "customer_forecasts table (docs/collaboration.md)"
        )
    fam_of = dict(zip(wb.items["item"], wb.items["family"], strict=True))
    is_item = cf["item"].notna()
    key = cf["item"].where(is_item, cf["family"]).astype(str)
    forecast = pd.DataFrame(
        {
            "item": cf["customer"].astype(str) + _SEP + key,
            "period": cf["period"].astype(str),
            "qty": cf["qty"].astype(float),
        }
    )
    sales = wb.sales[wb.sales["customer"].notna()]
    item_key = sales["customer"].astype(str) + _SEP + sales["item"].astype(str)
    fam_key = sales["customer"].astype(str) + _SEP + sales["item"].map(fam_of).astype(str)
    wanted = set(forecast["item"])
    actual = pd.concat(
        [
            pd.DataFrame({"item": k, "period": sales["period"].astype(str), "qty": sales["qty"]})
            for k in (item_key, fam_key)
        ]
    )
    # only the (key, period) cells the customer forecast: a forecast for some periods says
    # nothing about the others
    cells = forecast[["item", "period"]].drop_duplicates()
    actual = actual.merge(cells, on=["item", "period"])
    owners = pd.DataFrame({"item": sorted(wanted)})
    owners["family"] = owners["item"].str.split(_SEP).str[0]
    compared = sorted(set(forecast["period"]) & set(actual["period"]))
    if actual.empty or not compared:
        acc = pd.DataFrame(columns=ACCURACY_COLUMNS)
    else:
        acc = forecast_accuracy(forecast, actual, owners)
    acc = acc.rename(columns={"family": "customer", "items": "keys"})
    acc = acc[acc["customer"].isin([*customers, TOTAL])].reset_index(drop=True)
    return CustomerForecastReport(acc, customers, compared)


def apply_customer_forecasts(
    uow: UnitOfWork, actor: Actor, layer: str, *, comment: str | None = None
) -> AppliedForecasts:
    """Enter the customers' forecasts into ``layer`` of the current cycle's draft demand
    plan: one ``qty`` override per item (or family) and period the customers forecast, equal
    to the sum over customers, with reason ``customer_forecast`` (each through
    :func:`~snop.services.demand_review.add_override`, so the actor must own the layer).

    Family rows apply before item rows (an item's own forecast is the more precise, so it
    applies last). Cells without a customer forecast keep the layer's value; periods outside
    the cycle's horizon, and cells the layer already holds at that value from an earlier
    run, are skipped and listed.
    """
    with uow.read() as tx:
        wb = stored_workbook(tx)
    plan = demand_plan(uow, actor)
    plan.layer(layer)  # an unknown or non-editable layer: OverrideError says which are
    cf = wb.table("customer_forecasts")
    if cf.empty:
        raise SnopError(
            "the workbook has no customer_forecasts rows; import a workbook with a "
            "customer_forecasts table (docs/collaboration.md)"
        )
    level = cf["item"].notna().map({True: "item", False: "family"})
    cells = (
        pd.DataFrame(
            {
                "level": level,
                "key": cf["item"].where(cf["item"].notna(), cf["family"]).astype(str),
                "period": cf["period"].astype(str),
                "qty": cf["qty"].astype(float),
            }
        )
        .groupby(["level", "key", "period"], as_index=False, sort=True)["qty"]
        .sum()
    )
    # family (f) sorts before item (i): families apply first
    done = {
        (o.level, o.key, o.period, o.value)
        for o in plan.overrides
        if o.layer == layer and o.reason == CUSTOMER_FORECAST and o.to_period == o.period
    }
    horizon = set(plan.periods)
    new: list[Override] = []
    skipped: list[str] = []
    for lvl, key, period, qty in cells.itertuples(index=False):
        where = f"{lvl} {key} {period}"
        if period not in horizon:
            skipped.append(
                f"{where}: outside the cycle's horizon {plan.periods[0]}..{plan.periods[-1]}"
            )
            continue
        if (lvl, key, period, float(qty)) in done:
            skipped.append(f"{where}: already entered ({qty:g})")
            continue
        new.append(
            Override(
                layer=layer,
                level=str(lvl),
                key=str(key),
                period=str(period),
                to_period=str(period),
                kind=OverrideKind.QTY,
                value=float(qty),
                reason=CUSTOMER_FORECAST,
                comment=comment,
                source="api",
            )
        )
    _check_together(plan, new)
    stored = [add_override(uow, actor, ov).override for ov in new]
    return AppliedForecasts(layer, plan.cycle, stored, skipped)


def _check_together(plan: DemandPlan, new: list[Override]) -> None:
    """Refuse the whole set (OverrideError naming the first override that does not apply)
    before any is stored, the way :func:`add_override` checks one: so a bad cell leaves the
    plan as it was, not half entered."""
    overrides = [*plan.overrides, *new]
    rep = replay(
        plan.replay.hierarchy,
        plan.replay.values[STATISTICAL],
        plan.layers,
        overrides,
        strict_from=len(plan.overrides),
    )
    broken = newly_broken(plan.replay, rep)
    if broken:
        raise no_longer_apply("the customers' forecasts", broken, "change them or that override")
