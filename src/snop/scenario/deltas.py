"""Scenario deltas: named changes applied on a plan's inputs, never a copy of the data.

A delta is one row of ``scenario_deltas``. :func:`apply_deltas` applies a scenario's rows in
order to the cycle's workbook and item demand and returns new ones (the inputs are not
changed); :func:`delta_problems` says, row by row, why a delta cannot apply. Both use the
same matching, so a scenario that validates applies.

What each kind changes, per period ``t`` of its range (blank: every plan period), with a
change given as ``pct`` (x (1 + pct/100)), ``delta`` (+ delta) or ``qty`` (= qty):

* ``demand``/``promotion``: the item demand of the items selected by ``level``/``key``
  (an item, a family, an items attribute value, or the total). A ``pct`` scales each item;
  a ``delta`` or a ``qty`` moves the selection's total, spread over its items in
  proportion to their demand (equally when they have none).
* ``price``: the unit price of an item, or of each item of a family (``prices`` rows).
* ``capacity``/``shift``: the hours of a resource (``resources`` rows for the period).
* ``workers``: a pool's ``max_workers`` or ``min_workers`` (``workforce_periods``).
* ``cost``: a cost column of a family (``family_periods``) or a pool (``workforce_periods``).
* ``subcontract``: a family's ``subcontract_capacity`` (``family_periods``).
* ``strategy``: the plan's strategy and whole-worker choice.

Two rows that set (``qty``) the same cell to different values contradict each other and are
refused, naming both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.errors import SnopError
from snop.model.periods import parse_period
from snop.model.schema import TABLES, Kind, numeric_columns
from snop.model.workbook import Workbook

DEMAND_KINDS = ("demand", "promotion")
RESOURCE_KINDS = ("capacity", "shift")
WORKER_COLUMNS = ("max_workers", "min_workers")
ITEM_LEVELS = ("item", "family", "total")
OPEN_END = ".."  # a to_period written ``2027-01..``: to the plan's last period


class DeltaError(SnopError):
    """A delta that cannot apply (unknown key, period, column; a contradiction)."""


@dataclass(frozen=True)
class Delta:
    """One change of a scenario (a ``scenario_deltas`` row); ``row`` its number for errors."""

    scenario: str
    kind: str
    level: str | None = None
    key: str | None = None
    period: str | None = None
    to_period: str | None = None
    column: str | None = None
    pct: float | None = None
    delta: float | None = None
    qty: float | None = None
    strategy: str | None = None
    integer_workforce: str | None = None
    note: str | None = None
    row: int | None = None

    def describe(self) -> str:
        """The change in words: ``demand family COOK 2027-03..2027-05 +20%``."""
        what = " ".join(str(x) for x in (self.kind, self.level, self.key, self.column) if x)
        when = self.period or "every period"
        if self.to_period and self.to_period != self.period:
            when += f"..{self.to_period}"
        if self.kind == "strategy":
            return (
                f"strategy {self.strategy or ''} integer workforce {self.integer_workforce or 'no'}"
            )
        how = (
            f"{self.pct:+g}%"
            if self.pct is not None
            else f"{self.delta:+g}"
            if self.delta is not None
            else f"= {self.qty:g}"
            if self.qty is not None
            else ""
        )
        return f"{what} {when} {how}".strip()


COLUMNS = [c.name for c in TABLES["scenario_deltas"].columns]


def deltas_of(table: pd.DataFrame, scenario: str | None = None) -> list[Delta]:
    """The ``scenario_deltas`` rows (of one scenario) as deltas, in table order."""
    names = COLUMNS
    rows = table if scenario is None else table[table["scenario"] == scenario]
    out = []
    for pos, rec in enumerate(rows.to_dict("records")):
        values = {n: _clean(rec.get(n)) for n in names}
        out.append(Delta(**values, row=int(rec.get("_row", pos + 2))))
    return out


def deltas_frame(deltas: Sequence[Delta]) -> pd.DataFrame:
    """Deltas as ``scenario_deltas`` rows (the inverse of :func:`deltas_of`)."""
    return pd.DataFrame([{c: getattr(d, c) for c in COLUMNS} for d in deltas], columns=COLUMNS)


def named(deltas: Sequence[Delta], scenario: str, periods: list[str]) -> list[Delta]:
    """``deltas`` as rows of ``scenario``, numbered (for errors) and with an open end
    (``2027-01..``) written as the plan's last period, as a stored row must be."""
    return [
        Delta(
            **{
                **d.__dict__,
                "scenario": scenario,
                "row": d.row or i + 1,
                "to_period": periods[-1] if d.to_period == OPEN_END else d.to_period,
            }
        )
        for i, d in enumerate(deltas)
    ]


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


@dataclass
class Applied:
    """A scenario's inputs: the workbook and item demand with its deltas applied."""

    workbook: Workbook
    demand: pd.DataFrame  # item, period, qty
    strategy: str | None = None
    integer_workforce: bool | None = None
    applied: list[str] = field(default_factory=list)  # each delta in words


def apply_deltas(
    wb: Workbook, demand: pd.DataFrame, deltas: Sequence[Delta], periods: list[str]
) -> Applied:
    """``wb`` and ``demand`` (item, period, qty) with ``deltas`` applied in order;
    DeltaError naming the row of the first delta that cannot apply."""
    state = _State(wb, demand, periods)
    for d in deltas:
        try:
            state.apply(d)
        except DeltaError as exc:
            where = f"row {d.row}: " if d.row else ""
            raise DeltaError(f"scenario {d.scenario}, {where}{exc}") from None
    return state.result()


def delta_problems(wb: Workbook, deltas: Sequence[Delta], periods: list[str]) -> list[str]:
    """Why each delta cannot apply (one message per bad row; empty when all apply)."""
    problems = []
    by_scenario: dict[str, list[Delta]] = {}
    for d in deltas:
        by_scenario.setdefault(d.scenario, []).append(d)
    for rows in by_scenario.values():
        state = _State(wb, _no_demand(), periods)
        for d in rows:
            try:
                state.apply(d)
            except DeltaError as exc:
                problems.append(f"row {d.row}: {exc}" if d.row else str(exc))
    return problems


def _no_demand() -> pd.DataFrame:
    return pd.DataFrame({"item": [], "period": [], "qty": []})


class _State:
    """The tables a scenario changes, and the cells its rows set (for contradictions)."""

    def __init__(self, wb: Workbook, demand: pd.DataFrame, periods: list[str]) -> None:
        self.wb = wb
        self.tables = dict(wb.tables)
        self.periods = list(periods)
        self.demand = demand[["item", "period", "qty"]].astype({"qty": float}).copy()
        self.strategy: str | None = None
        self.integer: bool | None = None
        self.set_by: dict[tuple[str, ...], tuple[float, int | None]] = {}
        self.applied: list[str] = []

    def result(self) -> Applied:
        out = Workbook(self.wb.granularity, self.tables, list(self.wb.attributes))
        return Applied(out, self.demand, self.strategy, self.integer, self.applied)

    def apply(self, d: Delta) -> None:
        if d.kind == "strategy":
            self._strategy(d)
        else:
            span = self._span(d)
            self._change_given(d)
            {
                "demand": self._demand,
                "promotion": self._demand,
                "price": self._price,
                "capacity": self._capacity,
                "shift": self._capacity,
                "workers": self._workers,
                "cost": self._cost,
                "subcontract": self._subcontract,
            }[d.kind](d, span)
        self.applied.append(d.describe())

    # ---- checks shared by every kind ---------------------------------------------------

    def _span(self, d: Delta) -> list[str]:
        """The plan periods of the delta's range."""
        if d.to_period == OPEN_END:
            d = Delta(**{**d.__dict__, "to_period": self.periods[-1]})
        for label in (d.period, d.to_period):
            if label is not None and label not in self.periods:
                raise DeltaError(
                    f"period {label} is not a period of the plan ({self.periods[0]} to "
                    f"{self.periods[-1]})"
                )
        if d.period is None:
            return self.periods
        last = d.to_period or d.period
        span = [p for p in self.periods if d.period <= p <= last]
        if not span:
            raise DeltaError(f"to_period {last} is before period {d.period}")
        return span

    def _change_given(self, d: Delta) -> None:
        given = [x for x in (d.pct, d.delta, d.qty) if x is not None]
        if len(given) != 1:
            raise DeltaError(f"{d.kind}: give exactly one of pct, delta and qty")

    def _claim(self, cell: tuple[str, ...], d: Delta) -> None:
        """A ``qty`` sets the cell: another row setting it to another value contradicts."""
        if d.qty is None:
            return
        before = self.set_by.get(cell)
        if before is not None and before[0] != d.qty:
            other = f"row {before[1]}" if before[1] else "another row"
            raise DeltaError(
                f"sets {' '.join(cell)} to {d.qty:g}, but {other} sets it to {before[0]:g}"
            )
        self.set_by[cell] = (d.qty, d.row)

    @staticmethod
    def _changed(base: float, d: Delta) -> float:
        if d.qty is not None:
            return float(d.qty)
        if d.pct is not None:
            return base * (1 + d.pct / 100)
        return base + float(d.delta or 0.0)

    # ---- the kinds ---------------------------------------------------------------------

    def _strategy(self, d: Delta) -> None:
        if d.strategy is None and d.integer_workforce is None:
            raise DeltaError("strategy: give the strategy, integer_workforce or both")
        self.strategy = d.strategy or self.strategy
        if d.integer_workforce is not None:
            self.integer = d.integer_workforce == "yes"

    def _items(self, d: Delta) -> np.ndarray:
        """The items a demand or price delta selects."""
        items = self.wb.items
        level = d.level or "item"
        if level == "total":
            return items["item"].to_numpy()
        if level not in items.columns or level in ("description", "unit_price", "unit_cost"):
            valid = ", ".join([*ITEM_LEVELS, *self.wb.attributes])
            raise DeltaError(f"level {level!r} is not one of {valid}")
        hit = items.loc[items[level].astype(str) == str(d.key), "item"].to_numpy()
        if hit.size == 0:
            raise DeltaError(f"{level} {d.key!r} is not in the items table")
        return hit

    def _demand(self, d: Delta, span: list[str]) -> None:
        chosen = self._items(d)
        for period in span:
            self._claim(("demand", d.level or "item", str(d.key), period), d)
            mask = self.demand["item"].isin(chosen) & (self.demand["period"] == period)
            missing = sorted(set(chosen) - set(self.demand.loc[mask, "item"]))
            if missing:  # items without a demand row in the period: they join at 0
                extra = pd.DataFrame({"item": missing, "period": period, "qty": 0.0})
                self.demand = pd.concat([self.demand, extra], ignore_index=True)
                mask = self.demand["item"].isin(chosen) & (self.demand["period"] == period)
            now = self.demand.loc[mask, "qty"].to_numpy(dtype=float)
            self.demand.loc[mask, "qty"] = _spread(now, d)

    def _price(self, d: Delta, span: list[str]) -> None:
        if (d.level or "item") not in ("item", "family"):
            raise DeltaError(f"price: level must be item or family, not {d.level!r}")
        chosen = self._items(d)
        prices = self.tables.get("prices")
        base = self.wb.items.set_index("item")["unit_price"]
        rows = []
        for item in chosen:
            for period in span:
                self._claim(("price", str(item), period), d)
                now = _price_of(prices, item, period, base.get(item))
                if now is None and d.qty is None:
                    raise DeltaError(f"item {item} has no unit_price to change; give qty")
                rows.append((item, period, self._changed(now or 0.0, d)))
        new = pd.DataFrame(rows, columns=["item", "period", "unit_price"])
        self.tables["prices"] = _upsert(prices, new, ["item", "period"])

    def _capacity(self, d: Delta, span: list[str]) -> None:
        res = self.tables.get("resources")
        if res is None or d.key not in set(res["resource"]):
            known = ", ".join(sorted(set(res["resource"]))) if res is not None else "none"
            raise DeltaError(f"resource {d.key!r} is not in the resources table ({known})")
        rows = []
        for period in span:
            self._claim(("capacity", str(d.key), period), d)
            rows.append((d.key, period, self._changed(_hours(res, str(d.key), period), d)))
        new = pd.DataFrame(rows, columns=["resource", "period", "capacity_hours"])
        self.tables["resources"] = _upsert(res, new, ["resource", "period"])

    def _workers(self, d: Delta, span: list[str]) -> None:
        if d.column not in WORKER_COLUMNS:
            raise DeltaError(f"workers: column must be {' or '.join(WORKER_COLUMNS)}")
        self._per_period("workforce", "pool", d, span, str(d.column))

    def _cost(self, d: Delta, span: list[str]) -> None:
        table = "workforce" if d.level == "pool" else "families"
        money = [
            c.name
            for c in TABLES[table].columns
            if c.kind is Kind.NUMBER and c.unit.startswith("currency") and c.per_period
        ]
        if d.column not in money:
            raise DeltaError(f"cost: column of {table} must be one of {', '.join(money)}")
        self._per_period(table, "pool" if table == "workforce" else "family", d, span, d.column)

    def _subcontract(self, d: Delta, span: list[str]) -> None:
        self._per_period("families", "family", d, span, "subcontract_capacity")

    def _per_period(self, table: str, key: str, d: Delta, span: list[str], column: str) -> None:
        """Set ``column`` of one family or pool in each period of ``span``, through the
        ``*_periods`` table (the planning data reads a value per period from it)."""
        names = self._keys(table, key)
        if d.key not in names:
            raise DeltaError(f"{key} {d.key!r} is not one of {', '.join(sorted(names)) or 'none'}")
        if column not in numeric_columns(table):
            raise DeltaError(f"{column} cannot change by period")
        values = self.wb.period_values(table, [parse_period(p) for p in span])[column]
        rows = []
        for period in span:
            self._claim((table, str(d.key), column, period), d)
            now = float(values.at[d.key, period]) if d.key in values.index else math.nan  # type: ignore[arg-type]
            if math.isnan(now) and d.qty is None:
                raise DeltaError(f"{key} {d.key} has no {column} to change (unlimited); give qty")
            rows.append((d.key, period, self._changed(now, d)))
        name = f"{'family' if table == 'families' else 'workforce'}_periods"
        new = pd.DataFrame(rows, columns=[key, "period", column])
        self.tables[name] = _upsert(self.tables.get(name), new, [key, "period"])

    def _keys(self, table: str, key: str) -> set[str]:
        if table == "families":
            return set(self.wb.family_names)
        return set(self.wb.table(table)[key].dropna())


def _spread(now: np.ndarray, d: Delta) -> np.ndarray:
    """The selection's new quantities: scaled by pct, or moved to a new total (qty, or
    the total plus delta) in proportion to ``now`` (equally when it is all zero)."""
    if d.pct is not None:
        return now * (1 + d.pct / 100)
    total = now.sum()
    target = float(d.qty) if d.qty is not None else total + float(d.delta or 0.0)
    if target < 0:
        raise DeltaError(f"demand would fall to {target:g}, below zero")
    share = now / total if total > 0 else np.full(now.size, 1.0 / max(now.size, 1))
    return share * target


def _price_of(prices: pd.DataFrame | None, item: str, period: str, base: Any) -> float | None:
    if prices is not None and not prices.empty:
        hit = prices[(prices["item"] == item) & (prices["period"] == period)]
        if not hit.empty:
            return float(hit["unit_price"].iloc[0])
    return None if base is None or (isinstance(base, float) and math.isnan(base)) else float(base)


def _hours(res: pd.DataFrame, resource: str, period: str) -> float:
    rows = res[res["resource"] == resource]
    hit = rows[rows["period"] == period]
    if hit.empty:
        hit = rows[rows["period"].isna()]
    if hit.empty:
        raise DeltaError(f"resource {resource} has no capacity for {period}")
    return float(hit["capacity_hours"].iloc[0])


def _upsert(old: pd.DataFrame | None, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``old`` with the cells of ``new`` set (rows added where ``old`` has none)."""
    if old is None or old.empty:
        return new.reset_index(drop=True)
    merged = old.set_index(keys)
    for rec in new.to_dict("records"):
        idx = tuple(rec[k] for k in keys)
        for col, value in rec.items():
            if col not in keys:
                if col not in merged.columns:
                    merged[col] = np.nan
                merged.loc[idx, col] = value
    return merged.reset_index()
