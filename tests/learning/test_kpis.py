"""The KPIs of plan against actual on small cases computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from snop.errors import SnopError
from snop.learning.frames import TOTAL
from snop.learning.kpis import (
    ACCURACY_COLUMNS,
    FVA_COLUMNS,
    KPI_COLUMNS,
    accuracy_by_lag,
    days_of_supply,
    fill_rate,
    forecast_accuracy,
    forecast_at_lag,
    inventory_turns,
    kpi_card,
    kpi_trend,
    layer_fva,
    plan_adherence,
    tracking_signal,
)
from snop.model.periods import Granularity

P1, P2, P3, P4 = "2027-01", "2027-02", "2027-03", "2027-04"
ITEMS = pd.DataFrame({"item": ["a", "b", "c"], "family": ["F", "F", "G"]})


def frame(rows: list[tuple[str, str, float]], key: str = "item") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[key, "period", "qty"])


# Family F: item a is over-forecast five-fold (F=5, A=1), item b a little under (F=90,
# A=100), in both periods. Family G: item c right in P1, forecast 12 in P2 where it sold
# nothing (no sales row: zero sales).
FORECAST = frame(
    [("a", P1, 5), ("b", P1, 90), ("c", P1, 10), ("a", P2, 5), ("b", P2, 90), ("c", P2, 12)]
)
SALES = frame([("a", P1, 1), ("b", P1, 100), ("c", P1, 10), ("a", P2, 1), ("b", P2, 100)])


def row(table: pd.DataFrame, family: str) -> pd.Series:
    found = table[table["family"] == family]
    assert len(found) == 1, family
    return found.iloc[0]


def test_family_level_nets_item_errors_and_disagrees_in_sign_with_the_item_mean() -> None:
    table = forecast_accuracy(FORECAST, SALES, ITEMS)
    assert list(table.columns) == ACCURACY_COLUMNS
    assert list(table["family"]) == ["F", "G", TOTAL]
    f = row(table, "F")
    # family level: F_p = 95, A_p = 101 in each period
    assert f["wape"] == pytest.approx(12 / 202)
    assert f["accuracy"] == pytest.approx(1 - 12 / 202)
    assert f["bias"] == pytest.approx(-12 / 202)
    assert f["mape"] == pytest.approx(6 / 101)
    # items: a has wape 8/2 = 4, bias +4; b wape 20/200 = 0.1, bias -0.1
    assert f["item_wape"] == pytest.approx((4 + 0.1) / 2)
    assert f["item_accuracy"] == pytest.approx(((1 - 4) + (1 - 0.1)) / 2)
    assert f["item_bias"] == pytest.approx((4 - 0.1) / 2)
    assert f["item_mape"] == pytest.approx((4 + 0.1) / 2)
    # the point: the family is a little under-forecast and accurate, the item mean says
    # over-forecast and worse than useless
    assert f["bias"] < 0 < f["item_bias"]
    assert f["item_accuracy"] < 0 < f["accuracy"]
    assert (f["periods"], f["items"], f["actual"], f["forecast"]) == (2, 2, 202, 190)


def test_a_missing_sales_row_is_zero_sales_and_mape_skips_zero_actuals() -> None:
    g = row(forecast_accuracy(FORECAST, SALES, ITEMS), "G")
    assert g["wape"] == pytest.approx(12 / 10)  # |10-10| + |12-0| over 10 sold
    assert g["bias"] == pytest.approx(12 / 10)
    assert g["mape"] == 0.0  # only P1 has a non-zero actual, and it was exact


def test_the_total_nets_within_families_not_across_them() -> None:
    total = row(forecast_accuracy(FORECAST, SALES, ITEMS), TOTAL)
    # family-period errors: F -6, -6; G 0, +12 -> sum|e| 24, sum e 0, sum A 212
    assert total["wape"] == pytest.approx(24 / 212)
    assert total["bias"] == 0.0
    assert total["mape"] == pytest.approx((6 / 101 + 6 / 101 + 0) / 3)
    assert total["item_wape"] == pytest.approx((4 + 0.1 + 1.2) / 3)
    assert total["item_bias"] == pytest.approx((4 - 0.1 + 1.2) / 3)
    assert total["items"] == 3


def test_periods_without_actuals_are_not_judged() -> None:
    later = pd.concat([FORECAST, frame([("a", P3, 1000)])], ignore_index=True)
    pd.testing.assert_frame_equal(
        forecast_accuracy(later, SALES, ITEMS), forecast_accuracy(FORECAST, SALES, ITEMS)
    )


def test_an_item_outside_the_items_table_is_named() -> None:
    with pytest.raises(SnopError, match="item 'z' is in no family"):
        forecast_accuracy(frame([("z", P1, 1)]), frame([("z", P1, 1)]), ITEMS)


def test_the_lag_k_forecast_comes_from_the_plan_starting_k_periods_before() -> None:
    # the January plan says 8 for February (lag 1), the February plan 11 (lag 0)
    plans = pd.DataFrame(
        [
            (P1, "a", P1, 9.0),
            (P1, "a", P2, 8.0),
            (P2, "a", P2, 11.0),
            (P2, "a", P3, 12.0),
        ],
        columns=["origin", "item", "period", "qty"],
    )
    lag1 = forecast_at_lag(plans, 1)
    assert list(lag1.itertuples(index=False, name=None)) == [("a", P2, 8.0), ("a", P3, 12.0)]
    sales = frame([("a", P1, 10), ("a", P2, 10)])
    table = accuracy_by_lag(plans, sales, ITEMS, lags=[0, 1, 2])
    f = table[table["family"] == "F"].set_index("lag")
    assert f.loc[0, "wape"] == pytest.approx((1 + 1) / 20)  # 9 vs 10 and 11 vs 10
    assert f.loc[1, "wape"] == pytest.approx(2 / 10)  # 8 vs 10; P3 has no actual
    assert f.loc[1, "bias"] == pytest.approx(-0.2)
    assert 2 not in set(table["lag"])  # no plan two periods before a period with actuals


def test_tracking_signal_is_the_running_cumulative_error_over_the_mad() -> None:
    fc = frame([("F", p, 10) for p in (P1, P2, P3, P4)], key="family")
    act = frame([("F", P1, 8), ("F", P2, 9), ("F", P3, 12), ("F", P4, 5)], key="family")
    ts = tracking_signal(fc, act)
    f = ts[ts["family"] == "F"]
    # errors 2, 1, -2, 5: cumulative 2, 3, 1, 6; MAD 2, 1.5, 5/3, 2.5
    assert list(f["cumulative_error"]) == [2, 3, 1, 6]
    assert list(f["mad"]) == pytest.approx([2, 1.5, 5 / 3, 2.5])
    assert list(f["tracking_signal"]) == pytest.approx([1, 2, 0.6, 2.4])
    assert list(ts[ts["family"] == TOTAL]["tracking_signal"]) == pytest.approx([1, 2, 0.6, 2.4])


def test_tracking_signal_without_error_is_zero_not_nan() -> None:
    fc = frame([("F", P1, 10), ("F", P2, 10)], key="family")
    ts = tracking_signal(fc, fc)
    assert list(ts["tracking_signal"]) == [0.0] * 4


def test_plan_adherence_pools_absolute_deviations() -> None:
    plan = pd.DataFrame(
        [
            ("F", P1, 100.0),
            ("F", P2, 100.0),
            ("F", P3, 50.0),
            ("F", P4, 70.0),
            ("G", P1, 100.0),
            ("G", P2, 100.0),
        ],
        columns=["family", "period", "production"],
    )
    # F made 10 less, then 10 more (they do not cancel); G reported nothing in P2: zero;
    # P4 has no actual production yet
    actual = frame([("F", P1, 90), ("F", P2, 110), ("F", P3, 50), ("G", P1, 100)], key="family")
    table = plan_adherence(plan, actual)
    assert row(table, "F")["adherence"] == pytest.approx(1 - 20 / 250)
    assert row(table, "G")["adherence"] == pytest.approx(1 - 100 / 200)
    assert row(table, TOTAL)["adherence"] == pytest.approx(1 - 120 / 450)
    assert row(table, "F")["periods"] == 3


def test_days_of_supply_over_the_next_periods_daily_demand() -> None:
    inventory = frame([("F", P1, 400), ("F", P2, 300), ("F", P4, 80)], key="family")
    demand = frame([("F", P2, 200), ("F", P3, 250), ("F", P4, 200)], key="family")
    days = pd.DataFrame({"period": [P2, P3, P4], "working_days": [20.0, 25.0, 10.0]})
    table = days_of_supply(inventory, demand, days)
    f = table[table["family"] == "F"].set_index("period")
    # daily demand 10, 10, 20: from P1 the mean of three is 40/3, from P2 of two is 15
    assert f.loc[P1, "days_of_supply"] == pytest.approx(400 / (40 / 3))
    assert f.loc[P2, "days_of_supply"] == pytest.approx(300 / 15)
    assert pd.isna(f.loc[P4, "days_of_supply"])  # no demand ahead
    assert f.loc[P1, "daily_demand"] == pytest.approx(40 / 3)
    # one period ahead, Monday-to-Friday days: March 2027 has 23
    one = days_of_supply(frame([("F", P2, 50)], key="family"), demand, horizon=1)
    assert row(one, "F")["days_of_supply"] == pytest.approx(50 / (250 / 23))


def test_days_of_supply_total_adds_inventory_and_daily_demand() -> None:
    inventory = frame([("F", P1, 100), ("G", P1, 50)], key="family")
    demand = frame([("F", P2, 200), ("G", P2, 100)], key="family")
    days = pd.DataFrame({"period": [P2], "working_days": [20.0]})
    table = days_of_supply(inventory, demand, days, horizon=1)
    assert row(table, TOTAL)["days_of_supply"] == pytest.approx(150 / 15)


def test_inventory_turns_are_annualised_cogs_over_average_inventory_value() -> None:
    flows = pd.DataFrame(
        [("F", P1, 100.0, 50.0), ("F", P2, 100.0, 100.0), ("F", P3, 100.0, 150.0)]
        + [("G", p, 10.0, 30.0) for p in (P1, P2, P3)],
        columns=["family", "period", "shipped", "inventory"],
    )
    cost = pd.DataFrame({"family": ["F", "G"], "unit_cost": [2.0, 10.0]})
    table = inventory_turns(flows, cost, Granularity.MONTH)
    f = row(table, "F")
    assert (f["cogs"], f["average_inventory_value"]) == (600.0, 200.0)
    assert f["turns"] == pytest.approx(600 * 12 / 3 / 200)
    assert row(table, "G")["turns"] == pytest.approx(300 * 12 / 3 / 300)
    # total: COGS 900; value per period 400, 500, 600 -> mean 500
    assert row(table, TOTAL)["turns"] == pytest.approx(900 * 12 / 3 / 500)
    weekly = inventory_turns(flows, cost, Granularity.WEEK)
    assert row(weekly, "F")["turns"] == pytest.approx(600 * 52 / 3 / 200)


def test_turns_need_a_unit_cost_for_every_family() -> None:
    flows = pd.DataFrame(
        [("F", P1, 1.0, 1.0)], columns=["family", "period", "shipped", "inventory"]
    )
    with pytest.raises(SnopError, match="family 'F' has no unit_cost"):
        inventory_turns(
            flows, pd.DataFrame({"family": ["G"], "unit_cost": [1.0]}), Granularity.MONTH
        )


def test_fill_rate_counts_what_shipped_in_the_period_it_was_ordered() -> None:
    orders = pd.DataFrame(
        [
            ("F", P1, 100.0, 0.0),  # all shipped
            ("F", P2, 100.0, 30.0),  # 30 left over: 70 on time
            ("F", P3, 50.0, 40.0),  # ships 40 (30 old first, then 10 new): 10 on time
            ("F", P4, 20.0, 0.0),  # catches up: its own 20 on time
        ],
        columns=["family", "period", "ordered", "backlog"],
    )
    f = row(fill_rate(orders), "F")
    assert (f["ordered"], f["on_time"]) == (270.0, 200.0)
    assert f["fill_rate"] == pytest.approx(200 / 270)
    lost = orders.assign(lost_sales=[25.0, 0.0, 0.0, 0.0])
    assert row(fill_rate(lost), "F")["on_time"] == 175.0


def test_the_card_and_its_trend_have_one_row_per_cycle_and_family() -> None:
    fc = frame([("F", P1, 10), ("F", P2, 10)], key="family")
    act = frame([("F", P1, 8), ("F", P2, 13)], key="family")
    card = kpi_card(
        accuracy=forecast_accuracy(FORECAST, SALES, ITEMS),
        tracking=tracking_signal(fc, act),
        adherence=plan_adherence(fc.rename(columns={"qty": "production"}), act),
    )
    assert list(card.columns) == KPI_COLUMNS
    assert list(card["family"]) == ["F", "G", TOTAL]
    f = row(card, "F")
    assert f["tracking_signal"] == pytest.approx(-1 / 2.5)  # errors 2, -3
    assert f["accuracy"] == pytest.approx(1 - 12 / 202)
    assert pd.isna(f["turns"])  # not given: NaN
    assert pd.isna(row(card, "G")["adherence"])
    trend = kpi_trend({"2027-02": card, "2027-03": card})
    assert len(trend) == 6
    assert list(trend["cycle"]) == ["2027-02"] * 3 + ["2027-03"] * 3
    assert list(trend.columns) == ["cycle", *KPI_COLUMNS]


def test_fva_at_family_level_can_say_hurt_where_the_item_mean_says_helped() -> None:
    # a and b sold 100 each. The statistical forecast misses both by 20 in opposite
    # directions (family exact); the consensus fixes a and trims b to 90 (family short 10).
    layers = pd.DataFrame(
        [
            ("statistical", "a", P1, 80.0),
            ("statistical", "b", P1, 120.0),
            ("consensus", "a", P1, 100.0),
            ("consensus", "b", P1, 90.0),
        ],
        columns=["layer", "item", "period", "qty"],
    )
    sales = frame([("a", P1, 100), ("b", P1, 100)])
    table = layer_fva(layers, sales, ITEMS, ["statistical", "sales", "consensus"])
    assert list(table.columns) == FVA_COLUMNS
    f = table[table["family"] == "F"].set_index("layer")
    assert list(f.index) == ["statistical", "sales", "consensus"]
    assert pd.isna(f.loc["statistical", "fva"])
    # the sales layer repeats the statistical one: no value added either way
    assert (f.loc["sales", "fva"], f.loc["sales", "item_fva"]) == (0.0, 0.0)
    assert f.loc["consensus", "wape"] == pytest.approx(10 / 200)
    assert f.loc["consensus", "item_wape"] == pytest.approx((0 + 0.1) / 2)
    assert f.loc["consensus", "fva"] == pytest.approx(0 - 10 / 200)  # hurt the family
    assert f.loc["consensus", "item_fva"] == pytest.approx(0.2 - 0.05)  # helped the items
