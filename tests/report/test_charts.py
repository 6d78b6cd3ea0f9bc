"""The charts carry the numbers they are given, where a reader looks for them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snop.report import charts
from snop.report.sparkline import sparkline

PERIODS = ["2026-09", "2026-10", "2026-11", "2026-12"]


def test_demand_chart_draws_history_plans_and_the_band() -> None:
    band = pd.DataFrame({"period": PERIODS[2:], "lo": [80.0, 85.0], "hi": [120.0, 130.0]})
    band.attrs["level"] = 80.0
    fig = charts.demand_chart(
        "F",
        PERIODS,
        {"2026-09": 90.0, "2026-10": 110.0},
        {"consensus": {"2026-11": 100.0, "2026-12": np.nan}, "constrained": {}},
        band,
    )
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["sales actual"].y) == [90.0, 110.0]
    assert list(by_name["consensus"].x) == ["2026-11"]  # a blank is not drawn as 0
    area = by_name["forecast 80% interval"]
    # the band's outline: the upper bounds forward, then the lower ones back
    assert list(area.y) == [120.0, 130.0, 85.0, 80.0]
    assert list(fig.layout.xaxis.categoryarray) == PERIODS


def test_heatmap_prints_each_load_and_keeps_the_resources_order() -> None:
    load = pd.DataFrame([[0.5, 1.0], [1.104, np.nan]], index=["PRESS", "PACK"], columns=PERIODS[:2])
    fig = charts.capacity_heatmap("load", load)
    heat = fig.data[0]
    assert list(heat.y) == ["PRESS", "PACK"]
    assert [list(r) for r in heat.text] == [["50%", "100%"], ["110%", ""]]
    assert heat.zmax == pytest.approx(1.2)


def test_waterfall_ends_at_start_plus_changes_and_zooms_on_small_changes() -> None:
    fig = charts.waterfall_chart("w", ("budget", 1000.0), [("a", 30.0), ("b", -10.0)], "plan", "u")
    w = fig.data[0]
    assert list(w.measure) == ["absolute", "relative", "relative", "total"]
    assert list(w.x) == ["budget", "a", "b", "plan"]
    levels = np.cumsum(w.y[:3])
    assert levels[-1] == 1020.0  # the total Plotly draws
    lo, hi = fig.layout.yaxis.range
    assert lo < 1000.0 < 1030.0 < hi and lo > 0  # changes of 3 % are visible


def test_sparkline_scales_to_its_range_and_marks_the_last_point() -> None:
    svg = sparkline([1.0, 3.0, 2.0], width=42, height=12)
    # x from 2 to 40 in two steps; y: 3 at the top (2), 1 at the bottom (10)
    assert 'points="2.0,10.0 21.0,2.0 40.0,6.0"' in svg
    assert '<circle cx="40.0" cy="6.0"' in svg
    assert sparkline([1.0]) == "" and sparkline([np.nan, 2.0]) == ""
