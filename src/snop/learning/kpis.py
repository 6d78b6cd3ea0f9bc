"""The S&OP measures of plan against actual (docs/learning.md, SOP_PRIMER section 5).

Every measure is a fraction (0.9 = 90 %), per family and in total: each table has one row
per family, sorted, then a row whose family is ``TOTAL``. A ratio whose denominator is not
positive is NaN (a share of no volume is undefined), never infinity or an exception.

Forecast and actual are compared over *cells*: the (key, period) pairs of either frame, in
the periods that have both a forecast and an actual. Within those periods a key absent from
one frame counts 0 there (an ERP extract omits zero rows; an item sold but not forecast was
forecast 0). Periods are labels (``YYYY-MM``, ``YYYY-Qn``, ``YYYY-Www``), one granularity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.learning.frames import (
    TOTAL,
    family_of,
    layer_levels,
    numbers,
    ordinals,
    ratio,
    require,
)
from snop.model.periods import Granularity, parse_period
from snop.model.vocabulary import Kpi

ACCURACY_COLUMNS = [
    "family",
    "periods",
    "items",
    "actual",
    "forecast",
    "wape",
    "accuracy",
    "bias",
    "mape",
    "item_wape",
    "item_accuracy",
    "item_bias",
    "item_mape",
]
FVA_COLUMNS = [
    "family",
    "layer",
    "wape",
    "accuracy",
    "item_wape",
    "item_accuracy",
    "fva",
    "item_fva",
]
TRACKING_COLUMNS = [
    "family",
    "period",
    "forecast",
    "actual",
    "error",
    "cumulative_error",
    "mad",
    "tracking_signal",
]
ADHERENCE_COLUMNS = ["family", "periods", "planned", "actual", "deviation", "adherence"]
SUPPLY_DAYS_COLUMNS = ["family", "period", "inventory", "daily_demand", "days_of_supply"]
TURNS_COLUMNS = ["family", "periods", "cogs", "average_inventory_value", "turns"]
FILL_COLUMNS = ["family", "periods", "ordered", "on_time", "fill_rate"]
# the card: the family, then each KPI in the vocabulary's order (one list of the names)
KPI_COLUMNS = ["family", *(k.value for k in Kpi)]

# Periods ahead whose demand the days of supply cover by default: a quarter of months.
FORWARD_PERIODS = 3


# ---- forecast accuracy ------------------------------------------------------------------


def _cells(forecast: pd.DataFrame, actual: pd.DataFrame, key: str) -> pd.DataFrame:
    """Columns key, period, f, a over the cells of the module docstring."""
    require(forecast, [key, "period", "qty"], "forecast")
    require(actual, [key, "period", "qty"], "actuals")
    f = forecast.assign(f=numbers(forecast, "qty", "forecast"))
    a = actual.assign(a=numbers(actual, "qty", "actuals"))
    f = f.groupby([key, "period"], as_index=False)[["f"]].sum()
    a = a.groupby([key, "period"], as_index=False)[["a"]].sum()
    both = set(f["period"]) & set(a["period"])
    f, a = f[f["period"].isin(both)], a[a["period"].isin(both)]
    cells = f.merge(a, on=[key, "period"], how="outer").fillna({"f": 0.0, "a": 0.0})
    return cells.sort_values([key, "period"], kind="mergesort").reset_index(drop=True)


def _error_measures(cells: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """WAPE, accuracy, bias and MAPE of cells (f, a) per ``by`` group (None: all cells).

    WAPE = sum|F-A| / sum A; accuracy = 1 - WAPE; bias = sum(F-A) / sum A;
    MAPE = mean(|F-A| / |A|) over the cells with A != 0.
    """
    f, a = cells["f"].to_numpy(), cells["a"].to_numpy()
    nz = a != 0
    terms = pd.DataFrame(
        {
            "periods": 1.0,
            "actual": a,
            "forecast": f,
            "abs_err": np.abs(f - a),
            "ape": np.where(nz, np.abs(f - a) / np.where(nz, np.abs(a), 1.0), 0.0),
            "ape_n": nz.astype(np.float64),
        }
    )
    keys = cells[by] if by else pd.Series(TOTAL, index=cells.index)
    sums = terms.groupby(keys.to_numpy()).sum()
    out = pd.DataFrame({"periods": sums["periods"].astype("int64")}, index=sums.index)
    out["actual"], out["forecast"] = sums["actual"], sums["forecast"]
    out["wape"] = ratio(sums["abs_err"], sums["actual"])
    out["accuracy"] = 1.0 - out["wape"]
    out["bias"] = ratio(sums["forecast"] - sums["actual"], sums["actual"])
    out["mape"] = ratio(sums["ape"], sums["ape_n"])
    return out


def forecast_accuracy(
    forecast: pd.DataFrame, sales: pd.DataFrame, items: pd.DataFrame
) -> pd.DataFrame:
    """Accuracy and bias of an item forecast, at family level and as the mean of items.

    ``forecast`` and ``sales``: item, period, qty; ``items``: item, family. At *family
    level* F and A are first summed to (family, period), so item errors net out within a
    family, then over the family's periods p::

        wape = sum_p |F_p - A_p| / sum_p A_p      accuracy = 1 - wape
        bias = sum_p (F_p - A_p) / sum_p A_p      mape = mean_p |F_p - A_p| / |A_p|, A_p != 0

    The ``item_*`` columns are the same measures computed per item over its periods, then
    averaged over the family's items (items with an undefined value skipped). They differ:
    an over-forecast item and an under-forecast one cancel at family level, not in the
    mean of items. The TOTAL row pools every family's (family, period) cells (errors net
    within a family, not across families) and averages every item. Columns:
    ``ACCURACY_COLUMNS`` (periods: family-period cells, items: items averaged).
    """
    cells = _cells(forecast, sales, "item")
    cells["family"] = family_of(cells["item"], items, "forecast or sales")
    fam_cells = cells.groupby(["family", "period"], as_index=False)[["f", "a"]].sum()
    fam = pd.concat([_error_measures(fam_cells, "family"), _error_measures(fam_cells, None)])
    per_item = _error_measures(cells, "item")
    per_item["family"] = cells.groupby("item")["family"].first().reindex(per_item.index)
    item_cols = ["wape", "accuracy", "bias", "mape"]
    means = per_item.groupby("family")[item_cols].mean()
    means.loc[TOTAL] = per_item[item_cols].mean()
    counts = per_item.groupby("family").size()
    counts.loc[TOTAL] = len(per_item)
    out = fam.join(means.add_prefix("item_"))
    out["items"] = counts.reindex(out.index).fillna(0).astype("int64")
    out = out.rename_axis("family").reset_index()
    return _families_first(out)[ACCURACY_COLUMNS]


def _families_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by family (then period when present), TOTAL last."""
    last = (frame["family"] == TOTAL).astype(int)
    keys = ["_last", "family"] + (["_ord"] if "period" in frame.columns else [])
    work = frame.assign(_last=last)
    if "period" in frame.columns:
        work["_ord"] = ordinals(frame["period"], "table") if len(frame) else 0
    work = work.sort_values(keys, kind="mergesort")
    return work.drop(columns=[c for c in ("_last", "_ord") if c in work]).reset_index(drop=True)


def forecast_at_lag(forecasts: pd.DataFrame, lag: int) -> pd.DataFrame:
    """The lag-``lag`` forecast: per (item, period p) the value of the plan whose origin
    is ``p - lag``.

    ``forecasts`` stacks the plans of several versions: origin, item, period, qty; one plan
    per origin. snop counts lags from a plan's actuals cut-off (the period before its first
    one), so lag 1 is a plan's first period, as in :mod:`snop.demand.fva`; give that as
    the origin. Returns item, period, qty.
    """
    require(forecasts, ["origin", "item", "period", "qty"], "forecasts")
    if forecasts.duplicated(["origin", "item", "period"]).any():
        raise SnopError("forecasts: two plans with one origin hold the same item and period")
    if forecasts.empty:
        return pd.DataFrame({"item": [], "period": [], "qty": []})
    ahead = ordinals(forecasts["period"], "forecasts") - ordinals(
        forecasts["origin"], "forecasts origin"
    )
    chosen = forecasts.loc[ahead == lag, ["item", "period", "qty"]]
    return pd.DataFrame(chosen).reset_index(drop=True)


def accuracy_by_lag(
    forecasts: pd.DataFrame, sales: pd.DataFrame, items: pd.DataFrame, lags: Sequence[int]
) -> pd.DataFrame:
    """:func:`forecast_accuracy` of each lag's forecast (:func:`forecast_at_lag`): column
    ``lag`` first, then ``ACCURACY_COLUMNS``; lags without cells are left out."""
    tables = []
    for lag in lags:
        at_lag = forecast_at_lag(forecasts, lag)
        if at_lag.empty or _cells(at_lag, sales, "item").empty:
            continue
        tables.append(forecast_accuracy(at_lag, sales, items).assign(lag=lag))
    if not tables:
        return pd.DataFrame(columns=["lag", *ACCURACY_COLUMNS])
    return pd.concat(tables, ignore_index=True)[["lag", *ACCURACY_COLUMNS]]


def layer_fva(
    layers: pd.DataFrame, sales: pd.DataFrame, items: pd.DataFrame, chain: Sequence[str]
) -> pd.DataFrame:
    """Forecast value added of each demand layer, at family level and as the item mean.

    ``layers``: layer, item, period, qty (a cell a layer lacks repeats the layer before
    it); ``chain``: the layers in order, statistical first. With the WAPEs of
    :func:`forecast_accuracy` of each layer's forecast::

        fva      = wape(previous layer) - wape(layer)            (family level)
        item_fva = item_wape(previous layer) - item_wape(layer)  (mean of items)

    Positive: the layer made the forecast better; NaN for the first layer. The two can
    disagree in sign: moving volume between items of a family can help every item on
    average yet miss the family total. Columns: ``FVA_COLUMNS``; rows by family (TOTAL
    last), then layer in chain order.
    """
    levels = layer_levels(layers, chain, "demand layers")
    tables = []
    for rank, name in enumerate(chain):
        forecast = levels[name].rename("qty").reset_index()
        tables.append(forecast_accuracy(forecast, sales, items).assign(layer=name, _r=rank))
    out = pd.concat(tables, ignore_index=True)
    before = out.groupby("family", sort=False)[["wape", "item_wape"]].shift(1)
    out["fva"] = before["wape"] - out["wape"]
    out["item_fva"] = before["item_wape"] - out["item_wape"]
    out = out.assign(_last=(out["family"] == TOTAL).astype(int))
    out = out.sort_values(["_last", "family", "_r"], kind="mergesort").reset_index(drop=True)
    return out[FVA_COLUMNS]


# ---- tracking signal --------------------------------------------------------------------


def _with_total(frame: pd.DataFrame, values: Sequence[str]) -> pd.DataFrame:
    """``frame`` (family, period, *values) plus TOTAL rows: the sum over families."""
    total = frame.groupby("period", as_index=False)[list(values)].sum().assign(family=TOTAL)
    return pd.concat([frame, total[frame.columns]], ignore_index=True)


def tracking_signal(forecast: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Running tracking signal of a family forecast against actuals.

    ``forecast`` and ``actual``: family, period, qty. Per family, over its periods with
    actuals up to and including each period t (error e = F - A)::

        cumulative_error_t = sum_{s<=t} e_s      mad_t = mean_{s<=t} |e_s|
        tracking_signal_t  = cumulative_error_t / mad_t   (0 when mad_t = 0: no error yet)

    It stays within about ±4 for an unbiased forecast; beyond, the forecast is biased high
    (positive) or low. TOTAL sums every family's F and A per period. Columns:
    ``TRACKING_COLUMNS``, rows by family then period.
    """
    cells = _cells(forecast, actual, "family")
    cells = _with_total(
        cells.rename(columns={"f": "forecast", "a": "actual"}), ["forecast", "actual"]
    )
    cells = _families_first(cells)
    cells["error"] = cells["forecast"] - cells["actual"]
    grouped = cells.groupby("family", sort=False)
    cells["cumulative_error"] = grouped["error"].cumsum()
    n = grouped.cumcount() + 1
    cells["mad"] = cells["error"].abs().groupby(cells["family"], sort=False).cumsum() / n
    mad = cells["mad"].to_numpy()
    cells["tracking_signal"] = np.where(
        mad > 0, cells["cumulative_error"].to_numpy() / np.where(mad > 0, mad, 1.0), 0.0
    )
    return cells[TRACKING_COLUMNS]


# ---- production plan adherence ----------------------------------------------------------


def plan_adherence(plan: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """How closely production followed the plan.

    ``plan``: family, period, production (the supply plan frame); ``actual``: family,
    period, qty (actual production). Over the plan's periods that have actuals::

        adherence = 1 - sum_p |actual_p - plan_p| / sum_p plan_p

    TOTAL pools every (family, period): deviations of two families do not cancel.
    Columns: ``ADHERENCE_COLUMNS`` (deviation = sum |actual - plan|).
    """
    require(plan, ["family", "period", "production"], "plan")
    cells = _cells(plan.rename(columns={"production": "qty"}), actual, "family")
    cells["dev"] = (cells["a"] - cells["f"]).abs()
    keys = pd.concat([cells["family"], pd.Series(TOTAL, index=cells.index)])
    stacked = pd.concat([cells, cells])
    sums = stacked.groupby(keys.to_numpy())[["f", "a", "dev"]].sum()
    counts = stacked.groupby(keys.to_numpy()).size()
    out = pd.DataFrame(
        {
            "family": sums.index,
            "periods": counts.reindex(sums.index).to_numpy(),
            "planned": sums["f"].to_numpy(),
            "actual": sums["a"].to_numpy(),
            "deviation": sums["dev"].to_numpy(),
        }
    )
    out["adherence"] = 1.0 - ratio(out["deviation"], out["planned"])
    return _families_first(out)[ADHERENCE_COLUMNS]


# ---- days of supply ---------------------------------------------------------------------


def _daily_demand(demand: pd.DataFrame, working_days: pd.DataFrame | None) -> pd.DataFrame:
    """family, _ord, daily = period demand / working days of the period; periods with no
    working day are left out (a daily rate is undefined there)."""
    require(demand, ["family", "period", "qty"], "demand")
    days: dict[str, float] = {}
    if working_days is not None:
        require(working_days, ["period", "working_days"], "working days")
        wd = numbers(working_days, "working_days", "working days")
        days = dict(zip(working_days["period"].astype(str), wd, strict=True))
    labels = demand["period"].astype(str)
    w = np.array([days.get(p, parse_period(p).weekdays) for p in labels], dtype=np.float64)
    qty = numbers(demand, "qty", "demand")
    out = pd.DataFrame(
        {"family": demand["family"], "_ord": ordinals(demand["period"], "demand"), "w": w}
    )
    out["daily"] = ratio(qty, w)
    return out.loc[w > 0, ["family", "_ord", "daily"]]


def days_of_supply(
    inventory: pd.DataFrame,
    demand: pd.DataFrame,
    working_days: pd.DataFrame | None = None,
    horizon: int = FORWARD_PERIODS,
) -> pd.DataFrame:
    """Days of demand the ending inventory of each period covers.

    ``inventory``: family, period, qty (ending inventory, planned or actual); ``demand``:
    family, period, qty; ``working_days``: period, working_days (a period it lacks has its
    Monday-to-Friday days). With d_q the demand and w_q the working days of period q::

        daily_t = mean_{q = t+1 .. t+horizon, q in demand} d_q / w_q
        days_of_supply_t = inventory_t / daily_t

    The forward periods are the next ``horizon`` ones (default ``FORWARD_PERIODS`` = 3)
    the demand frame holds; fewer near the end of the horizon. NaN without forward demand
    (no periods ahead, or zero demand). TOTAL: summed inventory over the summed daily
    demand of the families. Columns: ``SUPPLY_DAYS_COLUMNS``.
    """
    if horizon < 1:
        raise SnopError(f"days of supply: the forward horizon is {horizon}; give 1 or more")
    require(inventory, ["family", "period", "qty"], "inventory")
    daily = _daily_demand(demand, working_days)
    inv = pd.DataFrame(
        {
            "family": inventory["family"],
            "period": inventory["period"],
            "inventory": numbers(inventory, "qty", "inventory"),
            "_ord": ordinals(inventory["period"], "inventory"),
        }
    )
    total = np.zeros(len(inv))
    count = np.zeros(len(inv))
    for k in range(1, horizon + 1):
        ahead = inv[["family", "_ord"]].assign(_ord=inv["_ord"] + k)
        hit = ahead.merge(daily, on=["family", "_ord"], how="left")["daily"].to_numpy()
        total += np.nan_to_num(hit)
        count += ~np.isnan(hit)
    inv["daily_demand"] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    per_period = inv.groupby("period", as_index=False)[["inventory", "daily_demand"]].sum(
        min_count=1
    )
    inv = pd.concat([inv, per_period.assign(family=TOTAL)], ignore_index=True)
    inv["days_of_supply"] = ratio(inv["inventory"], inv["daily_demand"])
    return _families_first(inv)[SUPPLY_DAYS_COLUMNS]


# ---- inventory turns --------------------------------------------------------------------


def inventory_turns(
    flows: pd.DataFrame, unit_cost: pd.DataFrame, granularity: Granularity
) -> pd.DataFrame:
    """Annualised inventory turns.

    ``flows``: family, period, shipped, inventory (units shipped and ending inventory);
    ``unit_cost``: family, unit_cost. Over the n periods of a family, with c its unit
    cost and Y the periods in a year (12 months, 52 weeks, 4 quarters)::

        cogs = sum_p shipped_p * c
        average_inventory_value = mean_p inventory_p * c
        turns = (cogs * Y / n) / average_inventory_value

    The unit cost cancels for one family; it weighs the families in the TOTAL row (its
    inventory value per period summed over families, then averaged). Columns:
    ``TURNS_COLUMNS``.
    """
    require(flows, ["family", "period", "shipped", "inventory"], "flows")
    require(unit_cost, ["family", "unit_cost"], "unit cost")
    cost = unit_cost.drop_duplicates("family").set_index("family")["unit_cost"]
    c = flows["family"].map(cost)
    if c.isna().any():
        missing = flows.loc[c.isna(), "family"].iloc[0]
        raise SnopError(f"unit cost: family {missing!r} has no unit_cost")
    cells = pd.DataFrame(
        {
            "family": flows["family"],
            "period": flows["period"],
            "cogs": numbers(flows, "shipped", "flows") * c.to_numpy(dtype=np.float64),
            "value": numbers(flows, "inventory", "flows") * c.to_numpy(dtype=np.float64),
        }
    )
    cells = _with_total(cells, ["cogs", "value"])
    out = cells.groupby("family").agg(
        periods=("period", "nunique"),
        cogs=("cogs", "sum"),
        average_inventory_value=("value", "mean"),
    )
    out = out.reset_index()
    yearly = out["cogs"] * granularity.season_length / out["periods"]
    out["turns"] = ratio(yearly, out["average_inventory_value"])
    return _families_first(out)[TURNS_COLUMNS]


# ---- service level / fill rate ----------------------------------------------------------


def on_time(ordered: pd.Series, backlog: pd.Series, lost: pd.Series | None = None) -> pd.Series:
    """Units ordered in a period and shipped in it: ``max(ordered - backlog - lost, 0)``.

    Shipments serve the oldest orders first, so the backlog left at the end of the period
    (and what was lost) comes from its own orders first. Equivalently
    ``max(shipped - backlog at the start, 0)``.
    """
    short = backlog if lost is None else backlog + lost
    return (ordered - short).clip(lower=0.0)


def fill_rate(orders: pd.DataFrame) -> pd.DataFrame:
    """Service level: the share of ordered units shipped in the period they were ordered.

    ``orders``: family, period, ordered, backlog (end of period), optional lost_sales;
    for a plan, ordered is its demand; for actuals, the sales. With :func:`on_time`::

        fill_rate = sum_p on_time_p / sum_p ordered_p

    TOTAL pools every family. Columns: ``FILL_COLUMNS``.
    """
    require(orders, ["family", "period", "ordered", "backlog"], "orders")
    ordered = pd.Series(numbers(orders, "ordered", "orders"), index=orders.index)
    backlog = pd.Series(numbers(orders, "backlog", "orders"), index=orders.index)
    lost = None
    if "lost_sales" in orders.columns:
        lost = pd.Series(numbers(orders, "lost_sales", "orders"), index=orders.index)
    cells = pd.DataFrame(
        {
            "family": orders["family"],
            "period": orders["period"],
            "ordered": ordered,
            "on_time": on_time(ordered, backlog, lost),
        }
    )
    cells = _with_total(cells, ["ordered", "on_time"])
    out = cells.groupby("family").agg(
        periods=("period", "nunique"), ordered=("ordered", "sum"), on_time=("on_time", "sum")
    )
    out = out.reset_index()
    out["fill_rate"] = ratio(out["on_time"], out["ordered"])
    return _families_first(out)[FILL_COLUMNS]


# ---- the KPI card and its trend ---------------------------------------------------------


def _latest(table: pd.DataFrame, column: str) -> pd.Series:
    """Per family, ``column`` at its last period (tables are sorted by family, period)."""
    return table.groupby("family", sort=False)[column].last()


def kpi_card(
    accuracy: pd.DataFrame | None = None,
    tracking: pd.DataFrame | None = None,
    adherence: pd.DataFrame | None = None,
    supply_days: pd.DataFrame | None = None,
    turns: pd.DataFrame | None = None,
    fill: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per family (TOTAL last) with the headline of each table given.

    The inputs are the results of :func:`forecast_accuracy`, :func:`tracking_signal`,
    :func:`plan_adherence`, :func:`days_of_supply`, :func:`inventory_turns` and
    :func:`fill_rate`; a measure whose table is missing (its actuals have not arrived) is
    NaN. The tracking signal and days of supply are those of each family's last period.
    Columns: ``KPI_COLUMNS``.
    """
    parts: list[pd.Series] = []
    if accuracy is not None:
        acc = accuracy.set_index("family")
        parts += [
            acc[c] for c in ("accuracy", "bias", "item_accuracy", "item_bias", "wape", "mape")
        ]
    if tracking is not None:
        parts.append(_latest(tracking, "tracking_signal"))
    if adherence is not None:
        parts.append(adherence.set_index("family")["adherence"])
    if supply_days is not None:
        parts.append(_latest(supply_days, "days_of_supply"))
    if turns is not None:
        parts.append(turns.set_index("family")["turns"])
    if fill is not None:
        parts.append(fill.set_index("family")["fill_rate"])
    card = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=pd.Index([TOTAL]))
    card = card.rename_axis("family").reset_index()
    for col in KPI_COLUMNS:
        if col not in card.columns:
            card[col] = np.nan
    return _families_first(card)[KPI_COLUMNS]


def kpi_trend(cards: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The KPI cards of several cycles stacked, oldest first as given: one row per cycle
    per family, column ``cycle`` first, then ``KPI_COLUMNS``."""
    if not cards:
        return pd.DataFrame(columns=["cycle", *KPI_COLUMNS])
    stacked = [card.assign(cycle=cycle) for cycle, card in cards.items()]
    return pd.concat(stacked, ignore_index=True)[["cycle", *KPI_COLUMNS]]
