"""The plan in money, computed by hand: prices and standard cost from the item mix, the
costing rule, the gap to budget and its split, fiscal roll-ups, missing prices."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from snop.finance.budget import budget_gap, rollup
from snop.finance.fiscal import fiscal_quarter, fiscal_start_problem, fiscal_year
from snop.finance.plan import financial_plan
from snop.finance.rates import family_rates
from snop.learning.frames import TOTAL

P1, P2 = "2027-01", "2027-02"
ITEMS = pd.DataFrame(
    {
        "item": ["A", "B"],
        "family": ["F", "F"],
        "unit_price": [10.0, 20.0],
        "unit_cost": [6.0, 12.0],
    }
)
# consensus by item: 60 A + 40 B, then 30 A + 70 B
MIX = pd.DataFrame(
    {"item": ["A", "B", "A", "B"], "period": [P1, P1, P2, P2], "qty": [60.0, 40.0, 30.0, 70.0]}
)


def hand_plan() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Family F: opening stock 20; P1 makes 90 and buys 10, ships the 100 demanded (stock
    20); P2 makes 80, ships 90 of 100 (stock 10, backlog 10). Costs: material 4, regular
    2, subcontract 15 per unit, holding 0.5 per unit in stock, backlog 3 per unit owed."""
    plan = pd.DataFrame(
        {
            "family": ["F", "F"],
            "period": [P1, P2],
            "demand": [100.0, 100.0],
            "shipped": [100.0, 90.0],
            "production": [90.0, 80.0],
            "subcontract": [10.0, 0.0],
            "inventory": [20.0, 10.0],
            "backlog": [0.0, 10.0],
            "pool": [None, None],
            "labor_hours": [0.0, 0.0],
        }
    )
    rows = [
        ("material", P1, 360.0),
        ("material", P2, 320.0),
        ("regular_production", P1, 180.0),
        ("regular_production", P2, 160.0),
        ("subcontract", P1, 150.0),
        ("holding", P1, 10.0),
        ("holding", P2, 5.0),
        ("backlog", P2, 30.0),
    ]
    costs = pd.DataFrame(
        [(c, "family", "F", p, v) for c, p, v in rows],
        columns=["component", "owner_type", "owner", "period", "cost"],
    )
    return plan, costs


def test_family_price_follows_the_mix_and_cost_the_whole_plan() -> None:
    r = family_rates(ITEMS, MIX, [P1, P2])
    # (60 x 10 + 40 x 20) / 100 = 14; (30 x 10 + 70 x 20) / 100 = 17
    assert r.price("F", P1) == pytest.approx(14.0)
    assert r.price("F", P2) == pytest.approx(17.0)
    # (90 x 6 + 110 x 12) / 200 = 9.3
    assert r.cost("F") == pytest.approx(9.3)
    assert r.complete
    # a price for one period replaces unit_price there: B at 15 in P2 -> (300 + 1050) / 100
    promo = pd.DataFrame({"item": ["B"], "period": [P2], "unit_price": [15.0]})
    r = family_rates(ITEMS, MIX, [P1, P2], promo)
    assert r.price("F", P2) == pytest.approx(13.5)
    assert r.price("F", P1) == pytest.approx(14.0)


def test_the_financial_plan_by_hand() -> None:
    plan, costs = hand_plan()
    fp = financial_plan(plan, costs, family_rates(ITEMS, MIX, [P1, P2]), "EUR")
    p1, p2 = (fp.family("F").iloc[i] for i in (0, 1))
    # P1: revenue 100 x 14; production cost 360 + 180 + 150; stock 20 -> 20 at 9.3
    assert p1["revenue"] == pytest.approx(1400.0)
    assert (p1["material"], p1["labour"], p1["overtime"], p1["subcontract"]) == pytest.approx(
        (360.0, 180.0, 0.0, 150.0)
    )
    assert p1["production_cost"] == pytest.approx(690.0)
    assert p1["inventory_value"] == pytest.approx(186.0)
    assert p1["inventory_value_change"] == pytest.approx(0.0)
    assert p1["cogs"] == pytest.approx(690.0)
    assert p1["standard_cogs"] == pytest.approx(930.0)
    # the variance: 690 paid for 100 units supplied at a standard of 930
    assert p1["cost_variance"] == pytest.approx(-240.0)
    assert p1["gross_margin"] == pytest.approx(710.0)
    assert p1["margin_pct"] == pytest.approx(710.0 / 1400.0)
    assert p1["contribution"] == pytest.approx(700.0)
    # P2: revenue 90 x 17; cost 480; stock 20 -> 10 releases 93 of value into COGS
    assert p2["revenue"] == pytest.approx(1530.0)
    assert p2["demand_revenue"] == pytest.approx(1700.0)
    assert p2["inventory_value_change"] == pytest.approx(-93.0)
    assert p2["cogs"] == pytest.approx(573.0)
    assert p2["standard_cogs"] == pytest.approx(837.0)
    assert p2["cost_variance"] == pytest.approx(480.0 - 80 * 9.3)
    assert p2["gross_margin"] == pytest.approx(957.0)
    assert p2["contribution"] == pytest.approx(957.0 - 5.0 - 30.0)
    # every cost of the plan is in it once
    assert fp.total()["plan_cost"] == pytest.approx(costs["cost"].sum())
    assert fp.total()["revenue"] == pytest.approx(2930.0)


def test_the_gap_to_budget_splits_into_demand_and_supply() -> None:
    plan, costs = hand_plan()
    fp = financial_plan(plan, costs, family_rates(ITEMS, MIX, [P1, P2]))
    budget = pd.DataFrame(
        {
            "family": ["F", "F"],
            "period": [P1, P2],
            "revenue": [1500.0, 1600.0],
            "qty": [110.0, None],
        }
    )
    gap = budget_gap(fp.lines, budget).set_index(["family", "period"])
    g1, g2 = gap.loc[("F", P1)], gap.loc[("F", P2)]
    # P1: consensus 1400 vs budget 1500, all of it shipped
    assert (g1["demand_gap"], g1["supply_gap"], g1["gap"]) == pytest.approx((-100.0, 0.0, -100.0))
    assert (g1["demand_gap_qty"], g1["supply_gap_qty"], g1["gap_qty"]) == pytest.approx(
        (-10.0, 0.0, -10.0)
    )
    # P2: consensus 1700 is 100 above budget, supply ships 1530: 170 lost to supply
    assert (g2["demand_gap"], g2["supply_gap"], g2["gap"]) == pytest.approx((100.0, -170.0, -70.0))
    assert math.isnan(g2["gap_qty"])  # no budgeted quantity
    # the family is the whole company here: the total repeats it
    assert gap.loc[(TOTAL, P2), "gap"] == pytest.approx(-70.0)
    year = rollup(budget_gap(fp.lines, budget), "year").set_index("family").loc["F"]
    assert year["period"] == "FY2027" and year["periods"] == 2
    assert (year["demand_gap"], year["supply_gap"], year["gap"]) == pytest.approx(
        (0.0, -170.0, -170.0)
    )


def test_a_company_budget_row_is_the_total_and_unbudgeted_periods_have_no_gap() -> None:
    plan, costs = hand_plan()
    fp = financial_plan(plan, costs, family_rates(ITEMS, MIX, [P1, P2]))
    budget = pd.DataFrame(
        {"family": ["F", None], "period": [P1, P1], "revenue": [1500.0, 2000.0], "qty": [None] * 2}
    )
    gap = budget_gap(fp.lines, budget).set_index(["family", "period"])
    assert gap.loc[(TOTAL, P1), "budget_revenue"] == 2000.0
    assert gap.loc[(TOTAL, P1), "gap"] == pytest.approx(1400.0 - 2000.0)
    assert math.isnan(gap.loc[("F", P2), "gap"])
    year = rollup(budget_gap(fp.lines, budget), "year").set_index("family")
    # the year sums the budgeted period only, and says so
    assert year.at["F", "budgeted"] == 1 and year.at["F", "gap"] == pytest.approx(-100.0)


def test_missing_prices_are_listed_never_invented() -> None:
    items = ITEMS.assign(unit_price=[10.0, float("nan")])
    r = family_rates(items, MIX, [P1, P2])
    assert r.unpriced == {"F": ["B"]} and not r.uncosted and not r.complete
    # only A's revenue counts: 60 x 10 over 100 units
    assert r.price("F", P1) == pytest.approx(6.0)
    priced = r.prices.set_index("period")["priced_share"]
    assert priced[P1] == pytest.approx(0.6) and priced[P2] == pytest.approx(0.3)
    plan, costs = hand_plan()
    fp = financial_plan(plan, costs, r)
    assert not fp.complete and fp.unpriced == {"F": ["B"]}


def test_a_period_without_demand_takes_the_whole_plan_mix() -> None:
    mix = MIX[MIX["period"] == P1]  # nothing demanded in P2
    r = family_rates(ITEMS, mix, [P1, P2])
    assert r.price("F", P2) == pytest.approx(r.price("F", P1))
    # no quantity at all: the items weigh equally
    r = family_rates(ITEMS, MIX.iloc[0:0], [P1])
    assert r.price("F", P1) == pytest.approx(15.0) and r.cost("F") == pytest.approx(9.0)


def test_fiscal_years_are_named_after_the_year_they_end_in() -> None:
    assert fiscal_year("2026-07", 7) == "FY2027" and fiscal_year("2026-06", 7) == "FY2026"
    assert fiscal_quarter("2026-07", 7) == "FY2027-Q1"
    assert fiscal_quarter("2027-06", 7) == "FY2027-Q4"
    assert fiscal_quarter("2027-03") == "FY2027-Q1" and fiscal_year("2027-12") == "FY2027"
    assert fiscal_quarter("2027-W10", 4) == "FY2027-Q4"  # a week in March
    assert fiscal_start_problem("13") and fiscal_start_problem("x") and fiscal_start_problem("1.5")
    assert fiscal_start_problem("4") is None and fiscal_start_problem("") is None
