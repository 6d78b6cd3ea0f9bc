"""The pack's HTML: every figure rounded by its unit, hostile text escaped, ids unique."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from snop.report.content import Chart, Pack, Section, Table, Tile
from snop.report.html import render_html, render_table

HOSTILE = '<script>alert("x")</script>&'


def _grid() -> Table:
    frame = pd.DataFrame(
        {
            "key": ["demand_plan", "fill_rate"],
            "label": ["Demand plan", "Fill rate"],
            "2026-11": [1234.5, 0.955],
            "2026-12": [float("nan"), 1.0],
        }
    )
    return Table(
        "sheet_F",
        f"family {HOSTILE}",
        frame,
        units={"label": "text"},
        row_units=["units", "ratio"],
        key_column="key",
        hidden=("key",),
        marks={(0, "2026-11"): "hist"},
    )


def test_a_grid_rounds_each_row_by_its_unit_and_keys_cells_by_row_and_column() -> None:
    html = str(render_table(_grid()))
    assert '<tr data-row="demand_plan">' in html and '<tr data-row="fill_rate">' in html
    assert '<td class="num hist" data-col="2026-11">1,235</td>' in html
    assert '<td class="num" data-col="2026-11">95.5%</td>' in html
    assert '<td class="num" data-col="2026-12"></td>' in html  # a blank stays blank
    assert ">key<" not in html.lower()  # the hidden key column
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_long_table_shows_its_first_rows_and_says_how_many_more() -> None:
    t = Table("long", "long", pd.DataFrame({"n": range(30)}), units={"n": "units"}, limit=10)
    html = str(render_table(t))
    assert html.count("<tr data-row=") == 10 and "and 20 more" in html


def test_the_page_escapes_names_and_gives_unique_ids() -> None:
    fig = go.Figure(go.Bar(x=["a"], y=[1.0]))
    pack = Pack(
        company=HOSTILE,
        cycle="2026-11",
        status="draft",
        strategy="optimal",
        currency="EUR",
        made_at="2026-11-30T00:00:00+00:00",
        subtitle="s",
        sections=[
            Section(
                "cover",
                "Cover",
                tiles=[Tile("revenue", "Revenue", 2.5e6, "money", 2.0e6, "budget", True)],
                notes=[HOSTILE],
            ),
            Section(
                "family-F",
                "Family F",
                charts=[Chart("demand-F", fig)],
                tables=[_grid()],
                family="F",
            ),
        ],
    )
    html = render_html(pack)
    body = html.split("</head>", 1)[1]
    assert "<script>alert" not in body
    assert '<div class="value" data-value="2500000.0">2.50M EUR</div>' in body
    assert "budget 2.00M EUR (+500.0k EUR)" in body
    ids = re.findall(r' id="([^"]+)"', body)
    assert len(ids) == len(set(ids)), ids
    assert 'data-family="F"' in body and 'data-chart="demand-F"' in body
