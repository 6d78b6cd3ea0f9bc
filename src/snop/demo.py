"""The demo company, built from seeded code: Alder Housewares, a maker of kitchen goods.

Four families with the demand shapes planners meet (seasonal cookware, a trending
appliance range with launches and a phase-out, smooth cutlery, intermittent spare parts),
four years of monthly sales in two channels with promotions and noise, two plants each with a
workforce pool, six resources with routings, costs, a calendar and next year's budget.
Capacity is sized from the history so the seasonal peak strains it: the supply review has
real choices to make. The same seed always gives the same company.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.model.periods import Granularity, Period, parse_period, period_range
from snop.model.schema import TABLES, Kind
from snop.model.workbook import Workbook

HISTORY_MONTHS = 48
HORIZON = 18
# A company-wide cookware promotion the history records; marketing planned for it.
SUMMER_SALE = ("COOK", "2026-07", 1.3)


@dataclass(frozen=True)
class _FamilySpec:
    family: str
    description: str
    n_items: int
    base: tuple[float, float]  # monthly units per item, range
    price: tuple[float, float]
    season: tuple[float, ...]  # 12 monthly factors
    trend: float  # growth per year
    intermittent: bool
    category: str


_FLAT = (1.0,) * 12
_FAMILIES = (
    _FamilySpec(
        "COOK",
        "Cookware: pans, pots, roasters",
        16,
        (180, 900),
        (24, 140),
        (0.80, 0.75, 0.85, 0.90, 0.90, 0.85, 0.85, 0.95, 1.05, 1.20, 1.45, 1.65),
        0.02,
        False,
        "kitchen",
    ),
    _FamilySpec(
        "APPL",
        "Small appliances: kettles, blenders, toasters",
        14,
        (120, 600),
        (35, 180),
        (0.90, 0.85, 0.95, 0.95, 1.00, 0.95, 0.90, 0.95, 1.00, 1.10, 1.25, 1.40),
        0.12,
        False,
        "electric",
    ),
    _FamilySpec(
        "CUTL", "Cutlery and knives", 14, (250, 1200), (9, 75), _FLAT, 0.01, False, "kitchen"
    ),
    _FamilySpec(
        "SPAR", "Spare parts for appliances", 12, (1, 6), (6, 30), _FLAT, 0.0, True, "service"
    ),
)


def _periods(last_actual: Period, n: int) -> list[Period]:
    return period_range(last_actual + (1 - n), n)


def build_demo_workbook(
    seed: int = 7, last_actual: str = "2026-10", horizon: int = HORIZON
) -> Workbook:
    """The demo company as a validated-shape :class:`Workbook` (history ends at ``last_actual``;
    its plans run ``horizon`` periods)."""
    rng = np.random.default_rng(seed)
    last = parse_period(last_actual)
    hist = _periods(last, HISTORY_MONTHS)
    future = period_range(last + 1, horizon)
    items_rows: list[dict[str, object]] = []
    sales_rows: list[dict[str, object]] = []
    for fam in _FAMILIES:
        for k in range(fam.n_items):
            item = f"{fam.family}-{k + 1:03d}"
            price = round(float(rng.uniform(*fam.price)), 2)
            cost = round(price * float(rng.uniform(0.45, 0.7)), 2)
            row: dict[str, object] = {
                "item": item,
                "family": fam.family,
                "description": f"{fam.description.split(':')[0]} model {k + 1}",
                "unit_price": price,
                "unit_cost": cost,
                "launch_period": None,
                "end_period": None,
                "like_item": None,
                "category": fam.category,
                "brand": "Alder" if k % 3 else "Alder Pro",
            }
            start = 0
            if fam.family == "APPL" and k == fam.n_items - 2:  # launched five months ago
                start = HISTORY_MONTHS - 5
                row["launch_period"] = hist[start].label
                row["like_item"] = f"{fam.family}-001"
            if fam.family == "APPL" and k == fam.n_items - 1:  # launches in the horizon
                start = HISTORY_MONTHS  # sells 80% of what its like item sells
                row["launch_period"] = future[3].label
                row["like_item"] = f"{fam.family}-002"
                row["like_factor"] = 0.8
            if fam.family == "COOK" and k == fam.n_items - 1:  # phased out mid-horizon
                row["end_period"] = future[5].label
            items_rows.append(row)
            qty = _history(rng, fam, hist, start)
            labels = [p.label for p in hist]
            if fam.family == SUMMER_SALE[0] and SUMMER_SALE[1] in labels:
                qty[labels.index(SUMMER_SALE[1])] *= SUMMER_SALE[2]
            online_share = float(rng.uniform(0.2, 0.45))
            for t, p in enumerate(hist):
                if t < start:
                    continue
                online = round(qty[t] * online_share)
                for channel, q in (("retail", qty[t] - online), ("online", online)):
                    if q > 0 or not fam.intermittent:
                        sales_rows.append(
                            {
                                "item": item,
                                "period": p.label,
                                "qty": float(q),
                                "location": None,
                                "customer": None,
                                "channel": channel,
                            }
                        )
    items = pd.DataFrame(items_rows)
    sales = pd.DataFrame(sales_rows)
    monthly = _family_monthly_units(items, sales)
    families = _families(monthly)
    tables = {
        "items": items,
        "sales": sales,
        "families": families,
        "workforce": _workforce(monthly),
        "calendar": _calendar(future),
        "resources": _resources(monthly, future),
        "routings": _routings(),
        "inventory": _inventory(sales, items, families, hist[-3:]),
        "budget": _budget(items, sales, hist, future),
        "overrides": _overrides(sales, hist, future),
        "kpi_targets": _kpi_targets(),
        "settings": pd.DataFrame(
            {
                "name": ["company", "currency", "horizon"],
                "value": ["Alder Housewares", "USD", str(horizon)],
            }
        ),
    }
    return Workbook(
        Granularity.MONTH,
        {n: _conform(n, df) for n, df in tables.items()},
        attributes=["category", "brand"],
    )


def _history(
    rng: np.random.Generator, fam: _FamilySpec, hist: list[Period], start: int
) -> np.ndarray:
    n = len(hist)
    base = float(rng.uniform(*fam.base))
    t = np.arange(n)
    if fam.intermittent:
        occurs = rng.random(n) < rng.uniform(0.25, 0.6)
        size = rng.poisson(base * 2.0, n) + 1
        qty = np.where(occurs, size, 0).astype(float)
    else:
        season = np.array([fam.season[p.start.month - 1] for p in hist])
        item_trend = fam.trend + float(rng.normal(0, 0.04))
        trend = (1 + item_trend) ** (t / 12)
        noise = rng.lognormal(0.0, float(rng.uniform(0.06, 0.2)), n)
        qty = base * season * trend * noise
        promos = rng.choice(n, size=3, replace=False)
        for m in promos:  # a promotion lifts the month and borrows from the next one
            qty[m] *= rng.uniform(1.3, 1.7)
            if m + 1 < n:
                qty[m + 1] *= 0.85
        if rng.random() < 0.25:  # a lasting level shift (lost or won listing)
            shift = int(rng.integers(n // 3, n - 6))
            qty[shift:] *= rng.choice([0.7, 1.3])
    qty[:start] = 0.0
    if start > 0 and start < n:  # a launch ramps up over four months
        ramp = np.minimum(1.0, (np.arange(n - start) + 1) / 4)
        qty[start:] *= ramp
    return np.round(qty)


def _family_monthly_units(items: pd.DataFrame, sales: pd.DataFrame) -> pd.Series:
    fam = sales.merge(items[["item", "family"]], on="item")
    by_month = fam.groupby(["family", "period"])["qty"].sum()
    return by_month.groupby("family").apply(lambda s: s.tail(12).mean())


_LABOR_HOURS = {"COOK": 0.55, "APPL": 0.9, "CUTL": 0.2}
_POOL = {"COOK": "NORTH", "CUTL": "NORTH", "APPL": "SOUTH"}


def _families(monthly: pd.Series) -> pd.DataFrame:
    rows = []
    for fam in _FAMILIES:
        m = float(monthly[fam.family])
        unit_cost = {"COOK": 38.0, "APPL": 55.0, "CUTL": 18.0, "SPAR": 9.0}[fam.family]
        row: dict[str, object] = {
            "family": fam.family,
            "description": fam.description,
            "initial_inventory": round(m * 0.8),
            "initial_backlog": 0.0,
            "min_ending_inventory": round(m * 0.5),
            "safety_stock": round(m * 0.25),
            "holding_cost": round(unit_cost * 0.02, 2),
            "holding_basis": "ending",
            "backlog_cost": round(unit_cost * 0.15, 2),
            "material_cost": round(unit_cost * 0.5, 2),
            # the plants commit materials and crews this many months ahead
            "frozen_periods": {"COOK": 2.0, "APPL": 1.0, "CUTL": 1.0, "SPAR": 0.0}[fam.family],
        }
        if fam.family in _POOL:
            row["labor_hours_per_unit"] = _LABOR_HOURS[fam.family]
            row["workforce_pool"] = _POOL[fam.family]
        else:  # spare parts: a cell planned in units, no workforce
            row.update(
                regular_capacity=round(m * 1.1),
                regular_cost=3.5,
                overtime_capacity=round(m * 0.3),
                overtime_cost=5.0,
                backlog_cost=None,
                lost_sales_cost=12.0,
            )
        if fam.family == "APPL":
            row.update(
                subcontract_cost=round(unit_cost * 0.9, 2), subcontract_capacity=round(m * 0.2)
            )
        if fam.family == "COOK":
            row.update(
                max_inventory=round(m * 3.0), holding_basis="average", max_backlog=round(m * 0.5)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _workforce(monthly: pd.Series) -> pd.DataFrame:
    rows = []
    for pool, hours in (("NORTH", 8.0), ("SOUTH", None)):
        load = sum(float(monthly[f]) * _LABOR_HOURS[f] for f, p in _POOL.items() if p == pool)
        per_worker = 160.0 if hours is None else hours * 21
        workers = round(load / per_worker * 0.95)  # the average month runs at 95% of crew
        rows.append(
            {
                "pool": pool,
                "description": f"Plant {pool.title()} production crew",
                "initial_workers": float(workers),
                "regular_hours_per_worker": 160.0 if hours is None else None,
                "hours_per_worker_per_day": hours,
                "regular_wage": 24.0 if pool == "NORTH" else 27.0,
                "overtime_wage": 36.0 if pool == "NORTH" else 40.5,
                "max_overtime_hours_per_worker": 20.0,
                "hiring_cost": 2800.0,
                "layoff_cost": 4500.0,
                "min_workers": round(workers * 0.7),
                "max_workers": round(workers * 1.4),
            }
        )
    return pd.DataFrame(rows)


def _calendar(future: list[Period]) -> pd.DataFrame:
    holidays = {1: 1, 5: 1, 7: 1, 8: 5, 9: 1, 11: 2, 12: 4}  # plant shutdown in August
    return pd.DataFrame(
        {
            "period": [p.label for p in future],
            "working_days": [float(p.weekdays - holidays.get(p.start.month, 0)) for p in future],
        }
    )


_ROUTINGS = (
    ("COOK", "N-PRESS", 0.12),
    ("COOK", "N-FINISH", 0.20),
    ("COOK", "N-PACK", 0.05),
    ("CUTL", "N-FINISH", 0.06),
    ("CUTL", "N-PACK", 0.03),
    ("APPL", "S-ASSEMBLY", 0.35),
    ("APPL", "S-TEST", 0.10),
    ("APPL", "S-PACK", 0.06),
    ("SPAR", "S-ASSEMBLY", 0.05),
)


def _resources(monthly: pd.Series, future: list[Period]) -> pd.DataFrame:
    load: dict[str, float] = {}
    for fam, res, h in _ROUTINGS:
        load[res] = load.get(res, 0.0) + float(monthly[fam]) * h
    rows = []
    for res, hours in load.items():
        plant = "North" if res.startswith("N-") else "South"
        rows.append(
            {
                "resource": res,
                "period": None,
                "capacity_hours": round(hours * 1.15),
                "plant": plant,
                "description": f"{res.split('-')[1].title()} ({plant})",
            }
        )
    august = next(p for p in future if p.start.month == 8)
    rows.append(
        {
            "resource": "N-PRESS",
            "period": august.label,
            "capacity_hours": round(load["N-PRESS"] * 0.6),
            "plant": "North",
            "description": "Press line (North), August maintenance",
        }
    )
    return pd.DataFrame(rows)


def _routings() -> pd.DataFrame:
    return pd.DataFrame(_ROUTINGS, columns=["family", "resource", "hours_per_unit"])


def _inventory(
    sales: pd.DataFrame, items: pd.DataFrame, families: pd.DataFrame, last3: list[Period]
) -> pd.DataFrame:
    """Item on hand: each family's initial_inventory shared among its items sold in the last
    three months, in proportion to those sales, in whole units (largest remainders get the
    units rounding leaves), so the items add up to the family (docs/inventory.md)."""
    recent = sales[sales["period"].isin([p.label for p in last3])]
    sold = recent.groupby("item")["qty"].sum()
    fam_of = dict(zip(items["item"], items["family"], strict=True))
    frames = []
    for fam, total in zip(families["family"], families["initial_inventory"], strict=True):
        weight = sold[[fam_of.get(i) == fam for i in sold.index]]
        if weight.sum() <= 0:
            continue
        share = float(total) * weight.to_numpy() / weight.sum()
        units = np.floor(share)
        short = round(float(total) - float(units.sum()))
        units[np.argsort(units - share, kind="stable")[:short]] += 1
        frames.append(pd.DataFrame({"item": weight.index, "on_hand": units}))
    return pd.concat(frames, ignore_index=True)


def _budget(
    items: pd.DataFrame, sales: pd.DataFrame, hist: list[Period], future: list[Period]
) -> pd.DataFrame:
    """Next calendar year: last year's revenue by family and month, plus a growth target."""
    priced = sales.merge(items[["item", "family", "unit_price"]], on="item")
    priced["revenue"] = priced["qty"] * priced["unit_price"]
    next_year = [p for p in future if p.start.year == future[0].start.year + 1]
    rows = []
    for fam, growth in (("COOK", 1.05), ("APPL", 1.15), ("CUTL", 1.03), ("SPAR", 1.0)):
        sub = priced[priced["family"] == fam]
        for p in next_year:
            ly = (p + (-12)) if (p + (-12)) in hist else p + (-24)
            rev = sub.loc[sub["period"] == ly.label, "revenue"].sum() * growth
            qty = sub.loc[sub["period"] == ly.label, "qty"].sum() * growth
            rows.append(
                {
                    "family": fam,
                    "period": p.label,
                    "revenue": round(float(rev), -2),
                    "qty": float(round(qty)),
                }
            )
    return pd.DataFrame(rows)


def _kpi_targets() -> pd.DataFrame:
    """The report card's ranges (blank family: every family and the total); the fill rate
    is held to each family's service level, which needs no row."""
    rows = [
        ("accuracy", None, 0.8, None),
        ("bias", None, -0.1, 0.1),
        ("adherence", None, 0.95, None),
        ("days_of_supply", None, 5.0, 20.0),
        ("turns", None, 10.0, None),
        # spare parts sell a few units at a time in some months only: a lumpy series no
        # forecast gets to 80%
        ("accuracy", "SPAR", 0.6, None),
    ]
    return pd.DataFrame(rows, columns=["kpi", "family", "min", "max"])


def _overrides(sales: pd.DataFrame, hist: list[Period], future: list[Period]) -> pd.DataFrame:
    """What sales and marketing bring to this cycle's demand review in the workbook."""
    recent = sales[sales["period"].isin([p.label for p in hist[-3:]])]
    tender = float(round(recent[recent["item"] == "CUTL-002"]["qty"].sum() / 3 * 1.5, -1))
    return pd.DataFrame(
        [
            {
                "layer": "marketing",
                "level": "family",
                "key": "COOK",
                "period": future[7].label,
                "to_period": future[8].label,
                "pct": 25.0,
                "author": "maya",
                "reason": "promo",
                "event": "Summer sale 2027",
                "comment": "same mechanics as the 2026 summer sale, "
                "which lifted cookware about 30%",
            },
            {
                "layer": "sales",
                "level": "item",
                "key": "CUTL-002",
                "period": future[2].label,
                "to_period": future[4].label,
                "qty": tender,
                "lock": "yes",
                "author": "sam",
                "reason": "customer",
                "event": "Hotel tender",
                "comment": "hotel group won: three monthly call-offs",
            },
        ]
    )


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give a table every schema column, typed as the validator types them."""
    spec = TABLES[name]
    out = df.copy()
    for c in spec.columns:
        if c.name not in out:
            out[c.name] = np.nan if c.kind is Kind.NUMBER else None
        if c.kind is Kind.NUMBER:
            out[c.name] = pd.to_numeric(out[c.name]).astype(float)
        else:
            out[c.name] = out[c.name].astype(object).where(out[c.name].notna(), None)
    extras = [c for c in out.columns if c not in spec.names]
    return out[[*spec.names, *extras]].reset_index(drop=True)


# --- the demo's demand review ------------------------------------------------------------
# What the demo company's planners do in the demand review, through the same Python API
# the CLI uses: maya (marketing), sam (sales), dana (demand planner, owns the consensus)
# and erin (executive, approves).


def month_actuals(
    truth: Workbook,
    period: str,
    plan: pd.DataFrame,
    workforce: pd.DataFrame,
    opening: dict[str, tuple[float, float]],
    seed: int,
) -> dict[str, pd.DataFrame]:
    """What happened in ``period``, as the next month's import: the sales the company's
    model drew for it (``truth`` is the demo company with a longer history), production
    as planned give or take 3%, the crew as planned, and the inventory and backlog that
    follow from them (``opening``: family -> inventory, backlog at the start).
    """
    rng = np.random.default_rng([seed, parse_period(period).ordinal])
    sales = truth.sales[truth.sales["period"] == period].reset_index(drop=True)
    fam_of = truth.items.set_index("item")["family"]
    sold = sales.assign(family=sales["item"].map(fam_of)).groupby("family")["qty"].sum()
    rows = plan[plan["period"] == period]
    made = {
        str(f): round(float(q) * float(rng.normal(1.0, 0.03)))
        for f, q in zip(rows["family"], rows["production"], strict=True)
    }
    inventory = []
    for f, q in made.items():
        i0, b0 = opening.get(f, (0.0, 0.0))
        net = i0 - b0 + q - float(sold.get(f, 0.0))
        inventory.append(
            {"family": f, "period": period, "on_hand": max(net, 0.0), "backlog": max(-net, 0.0)}
        )
    crew = workforce[workforce["period"] == period]
    return {
        "sales": sales,
        "actual_production": pd.DataFrame(
            {"family": list(made), "period": period, "qty": [float(q) for q in made.values()]}
        ),
        "actual_inventory": pd.DataFrame(inventory),
        "actual_workers": pd.DataFrame(
            {
                "pool": crew["pool"].tolist(),
                "period": period,
                "workers": crew["headcount"].astype(float).tolist(),
            }
        ),
    }
