"""Forecast value added and accuracy measures against hand-computed numbers."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.demand.fva import author_fva, error_measures, fva_table, lag_table

CHAIN = ["statistical", "sales", "consensus"]
PERIODS = ["2026-05", "2026-06", "2026-07"]

# The hand example: cycle 2026-05, lags 1..3; the last actual (2026-04) was A=12, B=8.
#              period:  05  06  07
ACTUAL = {"A": [10, 20, 10], "B": [5, 5, 10]}
PLAN = {
    "naive": {"A": [12, 12, 12], "B": [8, 8, 8]},
    "statistical": {"A": [11, 18, 12], "B": [6, 6, 9]},
    # sales fixes A-05 and B-07, makes A-07 and B-06 worse
    "sales": {"A": [10, 18, 14], "B": [6, 3, 10]},
    "consensus": {"A": [10, 19, 12], "B": [5, 5, 10]},
}
FAMILY = {"A": "F1", "B": "F2"}


def forecasts_frame(plan: dict[str, dict[str, list[int]]] = PLAN) -> pd.DataFrame:
    rows = [
        {
            "cycle": "2026-05",
            "layer": layer,
            "item": item,
            "family": FAMILY[item],
            "period": PERIODS[i],
            "lag": i + 1,
            "qty": float(q),
        }
        for layer, by_item in plan.items()
        for item, qtys in by_item.items()
        for i, q in enumerate(qtys)
    ]
    return pd.DataFrame(rows)


def actuals_frame() -> pd.DataFrame:
    rows = [
        {"item": item, "period": PERIODS[i], "qty": float(q)}
        for item, qtys in ACTUAL.items()
        for i, q in enumerate(qtys)
    ]
    return pd.DataFrame(rows)


def check(
    table: pd.DataFrame, expected: dict[tuple[Any, ...], dict[str, float]], keys: list[str]
) -> None:
    """Each expected (*keys, layer) row has exactly the given values (NaN matches NaN)."""
    assert len(table) == len(expected)
    for key, values in expected.items():
        mask = table["layer"] == key[-1]
        for col, k in zip(keys, key[:-1], strict=True):
            mask &= table[col] == k
        assert mask.sum() == 1, key
        row = table.loc[mask].iloc[0]
        for col, want in values.items():
            got = float(row[col])
            if math.isnan(want):
                assert math.isnan(got), (key, col, got)
            else:
                assert got == pytest.approx(want, abs=1e-9), (key, col)


NAN = float("nan")

# Totals over the 6 cells, actual = 10+20+10+5+5+10 = 60.
# abs errors per cell (A05 A06 A07 B05 B06 B07), APE = err / A:
#   naive: 2 8 2 3 3 2 = 20  APE .2 .4 .2 .6 .6 .2 = 2.2   F = 36+24 = 60
#   stat:  1 2 2 1 1 1 =  8  APE .1 .1 .2 .2 .2 .1 = 0.9   F = 41+21 = 62
#   sales: 0 2 4 1 2 0 =  9  APE 0 .1 .4 .2 .4 0   = 1.1   F = 42+19 = 61
#   cons:  0 1 2 0 0 0 =  3  APE 0 .05 .2 0 0 0   = 0.25  F = 41+20 = 61
TOTAL = {
    ("naive",): {
        "n": 6,
        "actual": 60,
        "forecast": 60,
        "mape": 100 * 2.2 / 6,
        "wape": 100 * 20 / 60,
        "bias": 0.0,
        "fva_prev": NAN,
        "fva_naive": NAN,
    },
    ("statistical",): {
        "n": 6,
        "actual": 60,
        "forecast": 62,
        "mape": 100 * 0.9 / 6,
        "wape": 100 * 8 / 60,
        "bias": 100 * 2 / 60,
        "fva_prev": NAN,
        # 33.333 - 13.333
        "fva_naive": 20.0,
    },
    ("sales",): {
        "n": 6,
        "actual": 60,
        "forecast": 61,
        "mape": 100 * 1.1 / 6,
        "wape": 15.0,
        "bias": 100 * 1 / 60,
        # 13.333 - 15 (sales made it worse overall); 33.333 - 15
        "fva_prev": -100 * 1 / 60,
        "fva_naive": 100 * 11 / 60,
    },
    ("consensus",): {
        "n": 6,
        "actual": 60,
        "forecast": 61,
        "mape": 100 * 0.25 / 6,
        "wape": 5.0,
        "bias": 100 * 1 / 60,
        # 15 - 5; 33.333 - 5
        "fva_prev": 10.0,
        "fva_naive": 100 * 17 / 60,
    },
}

# By family. F1 = item A, actual 40; F2 = item B, actual 20 (errors as above).
BY_FAMILY = {
    # naive A: err 2+8+2 = 12 -> 30 %, F 36 -> bias -4/40 = -10 %, APE .8/3
    ("F1", "naive"): {
        "n": 3,
        "actual": 40,
        "forecast": 36,
        "mape": 80 / 3,
        "wape": 30.0,
        "bias": -10.0,
        "fva_prev": NAN,
        "fva_naive": NAN,
    },
    # stat A: err 1+2+2 = 5 -> 12.5 %, F 41 -> +2.5 %, APE .4/3; vs naive 30 - 12.5
    ("F1", "statistical"): {
        "n": 3,
        "actual": 40,
        "forecast": 41,
        "mape": 40 / 3,
        "wape": 12.5,
        "bias": 2.5,
        "fva_prev": NAN,
        "fva_naive": 17.5,
    },
    # sales A: err 0+2+4 = 6 -> 15 %, F 42 -> +5 %, APE .5/3; 12.5 - 15; 30 - 15
    ("F1", "sales"): {
        "n": 3,
        "actual": 40,
        "forecast": 42,
        "mape": 50 / 3,
        "wape": 15.0,
        "bias": 5.0,
        "fva_prev": -2.5,
        "fva_naive": 15.0,
    },
    # cons A: err 0+1+2 = 3 -> 7.5 %, F 41 -> +2.5 %, APE .25/3; 15 - 7.5; 30 - 7.5
    ("F1", "consensus"): {
        "n": 3,
        "actual": 40,
        "forecast": 41,
        "mape": 25 / 3,
        "wape": 7.5,
        "bias": 2.5,
        "fva_prev": 7.5,
        "fva_naive": 22.5,
    },
    # naive B: err 3+3+2 = 8 -> 40 %, F 24 -> +20 %, APE 1.4/3
    ("F2", "naive"): {
        "n": 3,
        "actual": 20,
        "forecast": 24,
        "mape": 140 / 3,
        "wape": 40.0,
        "bias": 20.0,
        "fva_prev": NAN,
        "fva_naive": NAN,
    },
    # stat B: err 1+1+1 = 3 -> 15 %, F 21 -> +5 %, APE .5/3; 40 - 15
    ("F2", "statistical"): {
        "n": 3,
        "actual": 20,
        "forecast": 21,
        "mape": 50 / 3,
        "wape": 15.0,
        "bias": 5.0,
        "fva_prev": NAN,
        "fva_naive": 25.0,
    },
    # sales B: err 1+2+0 = 3 -> 15 %, F 19 -> -5 %, APE .6/3; 15 - 15 = 0 (one better, one
    # worse); 40 - 15
    ("F2", "sales"): {
        "n": 3,
        "actual": 20,
        "forecast": 19,
        "mape": 20.0,
        "wape": 15.0,
        "bias": -5.0,
        "fva_prev": 0.0,
        "fva_naive": 25.0,
    },
    # cons B: exact -> 0 %; 15 - 0; 40 - 0
    ("F2", "consensus"): {
        "n": 3,
        "actual": 20,
        "forecast": 20,
        "mape": 0.0,
        "wape": 0.0,
        "bias": 0.0,
        "fva_prev": 15.0,
        "fva_naive": 40.0,
    },
}


def test_hand_example_total() -> None:
    table = fva_table(forecasts_frame(), actuals_frame(), CHAIN)
    assert list(table.columns) == [
        "layer",
        "n",
        "actual",
        "forecast",
        "mape",
        "wape",
        "bias",
        "fva_prev",
        "fva_naive",
    ]
    assert table["layer"].tolist() == ["naive", *CHAIN]
    check(table, TOTAL, [])


def test_hand_example_by_family() -> None:
    table = fva_table(forecasts_frame(), actuals_frame(), CHAIN, by=["family"])
    assert table.columns[0] == "family"
    assert table["family"].tolist() == ["F1"] * 4 + ["F2"] * 4
    assert table["layer"].tolist() == ["naive", *CHAIN] * 2
    check(table, BY_FAMILY, ["family"])


def test_result_does_not_depend_on_row_order() -> None:
    fc = forecasts_frame().sample(frac=1.0, random_state=7)
    act = actuals_frame().sample(frac=1.0, random_state=3)
    shuffled = fva_table(fc, act, CHAIN, by=["family"])
    pd.testing.assert_frame_equal(
        shuffled, fva_table(forecasts_frame(), actuals_frame(), CHAIN, by=["family"])
    )


def test_fva_prev_sums_to_first_minus_last_in_hand_example() -> None:
    table = fva_table(forecasts_frame(), actuals_frame(), CHAIN)
    # -1.667 + 10 = 8.333 = 13.333 (statistical) - 5 (consensus)
    assert table["fva_prev"].sum() == pytest.approx(100 * 8 / 60 - 5.0, abs=1e-9)


def test_mape_skips_zero_actuals() -> None:
    # cells (A, F): (0, 2) (10, 8) (0, 1). MAPE only over A=10: |10-8|/10 = 20 %.
    # WAPE = (2 + 2 + 1) / 10 = 50 %; bias = (2 - 2 + 1) / 10 = 10 %.
    m = error_measures(np.array([0.0, 10.0, 0.0]), np.array([2.0, 8.0, 1.0]))
    assert m["mape"] == pytest.approx(20.0, abs=1e-9)
    assert m["wape"] == pytest.approx(50.0, abs=1e-9)
    assert m["bias"] == pytest.approx(10.0, abs=1e-9)


def test_all_zero_actuals_give_nan_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = error_measures(np.array([0.0, 0.0]), np.array([1.0, 2.0]))
        assert all(math.isnan(v) for v in m.values())
        empty = error_measures(np.array([]), np.array([]))
        assert all(math.isnan(v) for v in empty.values())

        zero = {"A": [0, 0, 0], "B": [0, 0, 0]}
        act = pd.DataFrame(
            [
                {"item": i, "period": PERIODS[k], "qty": float(q)}
                for i, qs in zero.items()
                for k, q in enumerate(qs)
            ]
        )
        table = fva_table(forecasts_frame(), act, CHAIN)
    assert table["n"].tolist() == [6, 6, 6, 6]
    for col in ["mape", "wape", "bias", "fva_prev", "fva_naive"]:
        assert table[col].isna().all(), col


def test_error_measures_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shape"):
        error_measures(np.array([1.0, 2.0]), np.array([1.0]))


def test_lag_table_keeps_requested_lags_that_have_cells() -> None:
    table = lag_table(forecasts_frame(), actuals_frame(), CHAIN)  # lags (1, 3, 6)
    # data reaches lag 3 only: lag 6 is absent, lag 2 was not asked for
    assert table["lag"].tolist() == [1] * 4 + [3] * 4
    assert table["layer"].tolist() == ["naive", *CHAIN] * 2
    expected = {
        # lag 1 = period 05, A=10, B=5, actual 15
        # naive 12, 8: err 2+3 = 5 -> 33.33 %, F 20 -> +5/15, APE (.2+.6)/2 = 40 %
        (1, "naive"): {
            "n": 2,
            "actual": 15,
            "forecast": 20,
            "mape": 40.0,
            "wape": 100 * 5 / 15,
            "bias": 100 * 5 / 15,
            "fva_prev": NAN,
            "fva_naive": NAN,
        },
        # stat 11, 6: err 1+1 = 2, F 17, APE (.1+.2)/2 = 15 %; vs naive (5-2)/15
        (1, "statistical"): {
            "n": 2,
            "actual": 15,
            "forecast": 17,
            "mape": 15.0,
            "wape": 100 * 2 / 15,
            "bias": 100 * 2 / 15,
            "fva_prev": NAN,
            "fva_naive": 100 * 3 / 15,
        },
        # sales 10, 6: err 0+1 = 1, F 16, APE (0+.2)/2 = 10 %; (2-1)/15; (5-1)/15
        (1, "sales"): {
            "n": 2,
            "actual": 15,
            "forecast": 16,
            "mape": 10.0,
            "wape": 100 * 1 / 15,
            "bias": 100 * 1 / 15,
            "fva_prev": 100 * 1 / 15,
            "fva_naive": 100 * 4 / 15,
        },
        # cons 10, 5: exact; (1-0)/15; (5-0)/15
        (1, "consensus"): {
            "n": 2,
            "actual": 15,
            "forecast": 15,
            "mape": 0.0,
            "wape": 0.0,
            "bias": 0.0,
            "fva_prev": 100 * 1 / 15,
            "fva_naive": 100 * 5 / 15,
        },
        # lag 3 = period 07, A=10, B=10, actual 20
        # naive 12, 8: err 2+2 = 4 -> 20 %, F 20 -> 0, APE (.2+.2)/2 = 20 %
        (3, "naive"): {
            "n": 2,
            "actual": 20,
            "forecast": 20,
            "mape": 20.0,
            "wape": 20.0,
            "bias": 0.0,
            "fva_prev": NAN,
            "fva_naive": NAN,
        },
        # stat 12, 9: err 2+1 = 3 -> 15 %, F 21 -> +5 %, APE (.2+.1)/2 = 15 %; 20 - 15
        (3, "statistical"): {
            "n": 2,
            "actual": 20,
            "forecast": 21,
            "mape": 15.0,
            "wape": 15.0,
            "bias": 5.0,
            "fva_prev": NAN,
            "fva_naive": 5.0,
        },
        # sales 14, 10: err 4+0 = 4 -> 20 %, F 24 -> +20 %, APE .4/2 = 20 %; 15 - 20; 20 - 20
        (3, "sales"): {
            "n": 2,
            "actual": 20,
            "forecast": 24,
            "mape": 20.0,
            "wape": 20.0,
            "bias": 20.0,
            "fva_prev": -5.0,
            "fva_naive": 0.0,
        },
        # cons 12, 10: err 2+0 = 2 -> 10 %, F 22 -> +10 %, APE .2/2 = 10 %; 20 - 10; 20 - 10
        (3, "consensus"): {
            "n": 2,
            "actual": 20,
            "forecast": 22,
            "mape": 10.0,
            "wape": 10.0,
            "bias": 10.0,
            "fva_prev": 10.0,
            "fva_naive": 10.0,
        },
    }
    check(table, expected, ["lag"])


def test_forecasts_without_actuals_are_ignored() -> None:
    # cycle 2026-05 also forecast 2026-08 (lag 4) and 2026-12 (lag 8): not happened yet
    future = pd.DataFrame(
        [
            {
                "cycle": "2026-05",
                "layer": layer,
                "item": item,
                "family": FAMILY[item],
                "period": period,
                "lag": lag,
                "qty": 999.0,
            }
            for layer in ["naive", *CHAIN]
            for item in ["A", "B"]
            for period, lag in [("2026-08", 4), ("2026-12", 8)]
        ]
    )
    fc = pd.concat([forecasts_frame(), future], ignore_index=True)
    check(fva_table(fc, actuals_frame(), CHAIN), TOTAL, [])
    check(fva_table(fc, actuals_frame(), CHAIN, by=["family"]), BY_FAMILY, ["family"])
    lags = lag_table(fc, actuals_frame(), CHAIN, lags=range(1, 13))
    assert sorted(set(lags["lag"])) == [1, 2, 3]
    # a NaN actual has not happened either
    act = pd.concat(
        [actuals_frame(), pd.DataFrame([{"item": "A", "period": "2026-08", "qty": np.nan}])],
        ignore_index=True,
    )
    check(fva_table(fc, act, CHAIN), TOTAL, [])


def test_missing_layer_is_skipped_and_chain_closes_over_it() -> None:
    chain = ["statistical", "sales", "marketing", "consensus"]  # no marketing rows
    table = fva_table(forecasts_frame(), actuals_frame(), chain)
    assert table["layer"].tolist() == ["naive", *CHAIN]
    check(table, TOTAL, [])  # consensus still compared with sales: 15 - 5 = 10


def test_missing_group_keys_form_their_own_group_last() -> None:
    fc = forecasts_frame()
    fc["family"] = fc["family"].where(fc["item"] == "A", None)  # B has no family
    table = fva_table(fc, actuals_frame(), CHAIN, by=["family"])
    assert table["family"].iloc[:4].tolist() == ["F1"] * 4
    assert table["family"].iloc[4:].isna().all()
    # the missing-key group is item B's numbers
    assert table["wape"].iloc[4:].tolist() == pytest.approx([40.0, 15.0, 15.0, 0.0])


def test_empty_inputs_give_empty_frames_with_the_columns() -> None:
    fc = forecasts_frame().iloc[:0]
    table = fva_table(fc, actuals_frame(), CHAIN, by=["family"])
    assert table.empty
    assert list(table.columns) == [
        "family",
        "layer",
        "n",
        "actual",
        "forecast",
        "mape",
        "wape",
        "bias",
        "fva_prev",
        "fva_naive",
    ]
    lags = lag_table(forecasts_frame(), actuals_frame().iloc[:0], CHAIN)
    assert lags.empty
    assert list(lags.columns)[:2] == ["lag", "layer"]
    eff = pd.DataFrame(
        columns=[
            "cycle",
            "override_id",
            "layer",
            "author",
            "reason",
            "event",
            "item",
            "period",
            "before",
            "after",
        ]
    )
    authors = author_fva(eff, actuals_frame())
    assert authors.empty
    assert list(authors.columns) == [
        "author",
        "overrides",
        "n",
        "actual",
        "wape_before",
        "wape_after",
        "fva",
    ]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        fva_table(forecasts_frame(), actuals_frame(), ["naive", "sales"])
    with pytest.raises(ValueError, match="missing column"):
        fva_table(forecasts_frame(), actuals_frame(), CHAIN, by=["region"])
    with pytest.raises(ValueError, match="output column"):
        fva_table(forecasts_frame(), actuals_frame(), CHAIN, by=["layer"])


def effects_frame() -> pd.DataFrame:
    # (override, layer, author, item, period, before, after); sales is statistical plus
    # ann's o1 and bob's o2, consensus is sales plus bob's o3 and ann's o4. A-07 (o1, o3)
    # and B-06 (o2, o4) were changed by both authors.
    rows = [
        ("o1", "sales", "ann", "A", "2026-05", 11, 10),
        ("o1", "sales", "ann", "A", "2026-07", 12, 14),
        ("o2", "sales", "bob", "B", "2026-06", 6, 3),
        ("o3", "consensus", "bob", "A", "2026-07", 14, 12),
        ("o3", "consensus", "bob", "A", "2026-06", 18, 19),
        ("o3", "consensus", "bob", "A", "2026-08", 18, 30),  # no actual yet: dropped
        ("o4", "consensus", "ann", "B", "2026-05", 6, 5),
        ("o4", "consensus", "ann", "B", "2026-06", 3, 5),
    ]
    return pd.DataFrame(
        [
            {
                "cycle": "2026-05",
                "override_id": o,
                "layer": layer,
                "author": who,
                "reason": "promo",
                "event": None,
                "item": item,
                "period": period,
                "before": float(b),
                "after": float(a),
            }
            for o, layer, who, item, period, b, a in rows
        ]
    )


def test_author_fva_hand_example() -> None:
    table = author_fva(effects_frame(), actuals_frame())
    assert table["author"].tolist() == ["ann", "bob"]
    # ann: A05 (A 10: 11 -> 10), A07 (10: 12 -> 14), B05 (5: 6 -> 5), B06 (5: 3 -> 5)
    #   actual 10+10+5+5 = 30; |err| before 1+2+1+2 = 6 -> 20 %; after 0+4+0+0 = 4 -> 13.33 %
    # bob: B06 (5: 6 -> 3), A07 (10: 14 -> 12), A06 (20: 18 -> 19); A-08 has no actual
    #   actual 5+10+20 = 35; before 1+4+2 = 7 -> 20 %; after 2+2+1 = 5 -> 14.29 %
    ann, bob = table.iloc[0], table.iloc[1]
    assert (ann["overrides"], ann["n"], ann["actual"]) == (2, 4, 30.0)
    assert ann["wape_before"] == pytest.approx(20.0, abs=1e-9)
    assert ann["wape_after"] == pytest.approx(100 * 4 / 30, abs=1e-9)
    assert ann["fva"] == pytest.approx(100 * 2 / 30, abs=1e-9)
    assert (bob["overrides"], bob["n"], bob["actual"]) == (2, 3, 35.0)
    assert bob["wape_before"] == pytest.approx(20.0, abs=1e-9)
    assert bob["wape_after"] == pytest.approx(100 * 5 / 35, abs=1e-9)
    assert bob["fva"] == pytest.approx(100 * 2 / 35, abs=1e-9)


def test_author_fva_total_and_by_layer() -> None:
    total = author_fva(effects_frame(), actuals_frame(), by=())
    # all 7 scored changes: actual 65, before 6+7 = 13 -> 20 %, after 4+5 = 9 -> 13.85 %
    assert list(total.columns) == ["overrides", "n", "actual", "wape_before", "wape_after", "fva"]
    row = total.iloc[0]
    assert (row["overrides"], row["n"], row["actual"]) == (4, 7, 65.0)
    assert row["wape_after"] == pytest.approx(100 * 9 / 65, abs=1e-9)
    assert row["fva"] == pytest.approx(100 * 4 / 65, abs=1e-9)

    by_layer = author_fva(effects_frame(), actuals_frame(), by=["layer"])
    assert by_layer["layer"].tolist() == ["consensus", "sales"]
    # consensus (o3, o4): A07 A06 B05 B06, actual 10+20+5+5 = 40; before 4+2+1+2 = 9 ->
    #   22.5 %; after 2+1+0+0 = 3 -> 7.5 %; fva +15
    # sales (o1, o2): A05 A07 B06, actual 10+10+5 = 25; before 1+2+1 = 4 -> 16 %;
    #   after 0+4+2 = 6 -> 24 %; fva -8 (matches sales' overall damage in the plan)
    assert by_layer["wape_before"].tolist() == pytest.approx([22.5, 16.0], abs=1e-9)
    assert by_layer["wape_after"].tolist() == pytest.approx([7.5, 24.0], abs=1e-9)
    assert by_layer["fva"].tolist() == pytest.approx([15.0, -8.0], abs=1e-9)


def test_author_fva_keeps_authors_that_are_missing() -> None:
    eff = effects_frame()
    eff.loc[eff["override_id"] == "o2", "author"] = None  # e.g. an imported adjustment
    table = author_fva(eff, actuals_frame())
    assert table["author"].iloc[:2].tolist() == ["ann", "bob"]
    assert pd.isna(table["author"].iloc[2])
    # o2 alone: B06 (5: 6 -> 3): before 1/5 = 20 %, after 2/5 = 40 %
    assert table["fva"].iloc[2] == pytest.approx(-20.0, abs=1e-9)


@st.composite
def chains(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    n_cells = draw(st.integers(1, 8))
    n_layers = draw(st.integers(1, 4))
    layers = [f"l{i}" for i in range(n_layers)]
    qty = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
    actual = draw(st.lists(st.integers(0, 1000), min_size=n_cells, max_size=n_cells))
    rows = []
    for layer in ["naive", *layers]:
        values = draw(st.lists(qty, min_size=n_cells, max_size=n_cells))
        rows += [
            {"layer": layer, "item": f"i{c}", "period": "2026-05", "lag": 1, "qty": v}
            for c, v in enumerate(values)
        ]
    act = pd.DataFrame(
        {
            "item": [f"i{c}" for c in range(n_cells)],
            "period": "2026-05",
            "qty": [float(a) for a in actual],
        }
    )
    return pd.DataFrame(rows), act, layers


@settings(max_examples=50, deadline=None)
@given(chains())
def test_properties_of_measures_and_telescoping(
    case: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    fc, act, layers = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = fva_table(fc, act, layers)
    assert table["layer"].tolist() == ["naive", *layers]
    if act["qty"].sum() == 0:
        assert table["wape"].isna().all() and table["bias"].isna().all()
        return
    wape, bias = table["wape"].to_numpy(), table["bias"].to_numpy()
    assert (wape >= 0).all()
    assert (np.abs(bias) <= wape + 1e-9 * np.maximum(1.0, wape)).all()
    chain = table.iloc[1:]
    telescoped = chain["wape"].iloc[0] - chain["wape"].iloc[-1]
    assert chain["fva_prev"].fillna(0.0).sum() == pytest.approx(telescoped, rel=1e-9, abs=1e-6)
