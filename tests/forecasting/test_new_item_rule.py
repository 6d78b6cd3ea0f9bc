"""One new-item rule: the forecast and the demand plan's launch curves agree on which
items are new (snop.forecasting.launch.history_length and is_new).

Sales run 2026-01..2026-12 (12 months). OLD sells every month; each other item names OLD
as its like item:

=====  ==============  ==========  ==========================  =====
item   launch_period   first sale  periods of history (L)      new
=====  ==============  ==========  ==========================  =====
N2     2026-11         2026-11     2026-11..12: 2              yes
NL     2026-10         2026-12     from the launch: 3          yes
NF     2027-02         none        launches later: 0           yes
N4     2026-09         2026-09     2026-09..12: 4              no
NE     2026-06         2026-11     from the launch: 7          no
NS     2026-12         2026-07     from the first sale: 6      no
=====  ==============  ==========  ==========================  =====
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from snop.demand.lifecycle import launches
from snop.forecasting.engine import forecast_panel
from snop.forecasting.launch import SHORT_LEN, history_length, is_new
from snop.io import check_workbook
from snop.model.periods import parse_period

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
ITEMS = {  # item: (launch_period, first month with sales)
    "N2": ("2026-11", "2026-11"),
    "NL": ("2026-10", "2026-12"),
    "NF": ("2027-02", None),
    "N4": ("2026-09", "2026-09"),
    "NE": ("2026-06", "2026-11"),
    "NS": ("2026-12", "2026-07"),
}
NEW = {"N2", "NL", "NF"}


def sales() -> pd.DataFrame:
    rows = [("OLD", p, 100.0 + 5 * (n % 3)) for n, p in enumerate(MONTHS)]
    for item, (_, first_sale) in ITEMS.items():
        rows += [
            (item, p, 20.0 + n) for n, p in enumerate(MONTHS) if first_sale and p >= first_sale
        ]
    return pd.DataFrame(rows, columns=["item", "period", "qty"])


def items() -> pd.DataFrame:
    rows = [("OLD", "F", None, None)]
    rows += [(item, "F", launch, "OLD") for item, (launch, _) in ITEMS.items()]
    return pd.DataFrame(rows, columns=["item", "family", "launch_period", "like_item"])


def test_history_length_by_hand() -> None:
    first, last = parse_period("2026-01").ordinal, parse_period("2026-12").ordinal
    order = list(ITEMS)
    launch = np.array([parse_period(ITEMS[i][0]).ordinal for i in order])
    first_sale = np.array(
        [parse_period(s).ordinal if (s := ITEMS[i][1]) else last + 1 for i in order]
    )
    length = history_length(first_sale, launch, first, last)
    assert dict(zip(order, length.tolist(), strict=True)) == {
        "N2": 2,
        "NL": 3,
        "NF": 0,
        "N4": 4,
        "NE": 7,
        "NS": 6,
    }
    assert {i for i, new in zip(order, is_new(length), strict=True) if new} == NEW
    # a launch before the history counts from its first period; none given: the first sale
    long_ago = np.array([first - 30, -1])
    assert history_length(np.array([first + 9, first + 9]), long_ago, first, last).tolist() == [
        12,
        3,
    ]
    assert SHORT_LEN == 4


def test_forecast_and_demand_plan_call_the_same_items_new(tmp_path: Path) -> None:
    # the forecast: new items take their like item's forecast
    result = forecast_panel(sales(), 3, items=items())
    models = result.report.set_index("item")["model"]
    by_forecast = {i for i in ITEMS if str(models[i]).startswith("LikeItem(")}
    # the demand plan: new items follow the like item's launch curve
    folder = tmp_path / "wb"
    folder.mkdir()
    sales().to_csv(folder / "sales.csv", index=False)
    items().to_csv(folder / "items.csv", index=False)
    wb = check_workbook(folder).workbook
    assert wb is not None
    by_plan = {la.item for la in launches(wb)}
    assert by_forecast == by_plan == NEW
