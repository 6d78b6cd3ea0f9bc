"""The plan's charts, shared by the executive pack, ``snop sheet --html`` and the web app.

Each function takes plain frames or series keyed by period label and returns a Plotly
figure; periods are category labels drawn in the order given. Nothing is rounded here:
hover text shows the values as :mod:`snop.report.fmt` would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from snop.report import fmt
from snop.report.theme import BAND, COLORS, base_layout

RIGHT_AXIS_MARGIN = {"l": 56, "r": 56, "t": 36, "b": 16}  # room for a right axis title
Series = Mapping[Any, Any]  # period label -> value (a number, or None or NaN for none)


def _xy(values: Series, periods: Sequence[str]) -> tuple[list[str], list[float]]:
    """The periods of ``periods`` that ``values`` has a number for, in order."""
    xs, ys = [], []
    for p in periods:
        v = values.get(p)
        if v is not None and not (isinstance(v, float) and np.isnan(v)):
            xs.append(p)
            ys.append(float(v))
    return xs, ys


def demand_chart(
    title: str,
    periods: Sequence[str],
    actual: Series,
    plans: Mapping[str, Series],
    band: pd.DataFrame | None = None,
) -> go.Figure:
    """Demand history then the plans over the horizon.

    ``actual``: sales by period. ``plans``: name -> series, drawn in order with the colour of
    the name (consensus, constrained, forecast, last_version). ``band``: period, lo, hi of the
    forecast's interval (its level in ``band.attrs['level']``), shaded.
    """
    fig = go.Figure(layout=base_layout(title, height=360, yaxis={"title": "units"}))
    if band is not None and not band.empty:
        level = band.attrs.get("level", "")
        fig.add_trace(
            go.Scatter(
                x=list(band["period"]) + list(band["period"])[::-1],
                y=list(band["hi"]) + list(band["lo"])[::-1],
                fill="toself",
                fillcolor=BAND,
                line={"width": 0},
                name=f"forecast {level:g}% interval" if level != "" else "forecast interval",
                hoverinfo="skip",
            )
        )
    x, y = _xy(actual, periods)
    fig.add_trace(go.Scatter(x=x, y=y, name="sales actual", line={"color": COLORS["actual"]}))
    dashes = {"constrained": "dot", "last_version": "dash", "forecast": "dashdot"}
    for name, values in plans.items():
        x, y = _xy(values, periods)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=name.replace("_", " "),
                line={"color": COLORS.get(name, COLORS["neutral"]), "dash": dashes.get(name)},
            )
        )
    fig.update_xaxes(categoryorder="array", categoryarray=list(periods))
    return fig


def production_chart(
    title: str,
    periods: Sequence[str],
    sources: Mapping[str, Series],
    utilisation: pd.DataFrame,
) -> go.Figure:
    """Production by source (stacked bars, units) against capacity: the utilisation of each
    resource the family uses (lines, right axis) and the 100 % line above which a resource
    would be overloaded.

    ``sources``: regular, overtime, subcontract -> series. ``utilisation``: resource, period,
    utilization (load over capacity).
    """
    fig = go.Figure(
        layout=base_layout(
            title,
            height=360,
            barmode="stack",
            yaxis={"title": "units"},
            margin=RIGHT_AXIS_MARGIN,
            yaxis2={
                "title": "utilisation",
                "overlaying": "y",
                "side": "right",
                "tickformat": ".0%",
                "rangemode": "tozero",
                "showgrid": False,
            },
        )
    )
    colors = {"regular": COLORS["production"], "overtime": COLORS["overtime"]}
    for name, values in sources.items():
        x, y = _xy(values, periods)
        fig.add_trace(
            go.Bar(x=x, y=y, name=name, marker_color=colors.get(name, COLORS["subcontract"]))
        )
    for resource, rows in utilisation.groupby("resource", sort=True):
        x, y = _xy(dict(zip(rows["period"], rows["utilization"], strict=True)), periods)
        fig.add_trace(
            go.Scatter(x=x, y=y, name=f"{resource} load", yaxis="y2", mode="lines+markers")
        )
    if len(periods):
        fig.add_trace(
            go.Scatter(
                x=list(periods),
                y=[1.0] * len(periods),
                yaxis="y2",
                name="capacity (100 %)",
                mode="lines",
                line={"color": COLORS["capacity"], "dash": "dash", "width": 1},
            )
        )
    fig.update_xaxes(categoryorder="array", categoryarray=list(periods))
    return fig


def inventory_chart(
    title: str,
    periods: Sequence[str],
    plan: Series,
    actual: Series,
    safety_stock: Series,
    days_of_supply: Series,
) -> go.Figure:
    """Inventory (plan and actual, units) against its target, with days of supply on the
    right axis."""
    fig = go.Figure(
        layout=base_layout(
            title,
            height=360,
            yaxis={"title": "units", "rangemode": "tozero"},
            margin=RIGHT_AXIS_MARGIN,
            yaxis2={
                "title": "days of supply",
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
            },
        )
    )
    for name, values, color, dash in (
        ("inventory actual", actual, COLORS["actual"], None),
        ("inventory plan", plan, COLORS["inventory"], None),
        ("safety stock", safety_stock, COLORS["safety_stock"], "dash"),
    ):
        x, y = _xy(values, periods)
        fig.add_trace(go.Scatter(x=x, y=y, name=name, line={"color": color, "dash": dash}))
    x, y = _xy(days_of_supply, periods)
    fig.add_trace(
        go.Bar(x=x, y=y, name="days of supply", yaxis="y2", marker_color="rgba(15,118,110,0.18)")
    )
    fig.update_xaxes(categoryorder="array", categoryarray=list(periods))
    return fig


def capacity_heatmap(title: str, utilisation: pd.DataFrame) -> go.Figure:
    """Rough-cut capacity: resources by period, coloured by load over capacity with the
    percentage printed in each cell (colour is never the only signal). Green below 85 %,
    amber to 100 %, red above (an overload the plan could not avoid or a required load
    above capacity).

    ``utilisation``: a pivot, resources as index, periods as columns, ratios as values.
    """
    z = utilisation.to_numpy(dtype=float)
    text = [[fmt.percent(float(v)) for v in row] for row in z]
    scale = [
        [0.0, "#e6f4ea"],
        [0.6, "#b7e1c1"],
        [0.85 / 1.2, "#fde68a"],
        [1.0 / 1.2, "#f59e0b"],
        [1.0 / 1.2 + 1e-9, "#f87171"],
        [1.0, "#b91c1c"],
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in utilisation.columns],
            y=[str(i) for i in utilisation.index],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale=scale,
            zmin=0.0,
            zmax=1.2,
            colorbar={"title": "load", "tickformat": ".0%"},
            hovertemplate="%{y} %{x}: %{z:.1%}<extra></extra>",
        ),
        layout=base_layout(title, height=max(240, 60 + 28 * len(utilisation.index))),
    )
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    return fig


def workforce_chart(title: str, periods: Sequence[str], workforce: pd.DataFrame) -> go.Figure:
    """Headcount per pool (whole people, steps) with hires and layoffs as bars.

    ``workforce``: pool, period, headcount, hires, layoffs.
    """
    fig = go.Figure(layout=base_layout(title, height=340, yaxis={"title": "people"}))
    for pool, rows in workforce.groupby("pool", sort=True):
        by = rows.set_index("period")
        x, y = _xy(by["headcount"].to_dict(), periods)
        fig.add_trace(go.Scatter(x=x, y=y, name=f"{pool} headcount", line={"shape": "hv"}))
        for col, color, sign in (("hires", COLORS["good"], 1), ("layoffs", COLORS["bad"], -1)):
            x, y = _xy((by[col] * sign).to_dict(), periods)
            if any(abs(v or 0) > 1e-9 for v in y):
                fig.add_trace(go.Bar(x=x, y=y, name=f"{pool} {col}", marker_color=color))
    fig.update_xaxes(categoryorder="array", categoryarray=list(periods))
    return fig


def money_chart(
    title: str,
    periods: Sequence[str],
    revenue: Series,
    margin: Series,
    budget: Series,
    currency: str,
) -> go.Figure:
    """Revenue and gross margin by period (bars) against the budget's revenue (line)."""
    fig = go.Figure(
        layout=base_layout(title, height=360, barmode="group", yaxis={"title": currency})
    )
    for name, values, color in (
        ("revenue", revenue, COLORS["consensus"]),
        ("gross margin", margin, COLORS["production"]),
    ):
        x, y = _xy(values, periods)
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=color))
    x, y = _xy(budget, periods)
    fig.add_trace(
        go.Scatter(x=x, y=y, name="budget revenue", line={"color": COLORS["budget"], "width": 3})
    )
    fig.update_xaxes(categoryorder="array", categoryarray=list(periods))
    return fig


def waterfall_chart(
    title: str,
    start: tuple[str, float],
    steps: Sequence[tuple[str, float]],
    end: str,
    unit: str,
) -> go.Figure:
    """From ``start`` (label, value) through each step's change to ``end``, the total
    (start plus every change, summed by Plotly from the same numbers)."""
    fig = go.Figure(
        go.Waterfall(
            x=[start[0], *(s[0] for s in steps), end],
            y=[start[1], *(s[1] for s in steps), 0.0],
            measure=["absolute", *(["relative"] * len(steps)), "total"],
            increasing={"marker": {"color": COLORS["good"]}},
            decreasing={"marker": {"color": COLORS["bad"]}},
            totals={"marker": {"color": COLORS["neutral"]}},
            connector={"line": {"color": "#9aa5b1", "width": 1}},
        ),
        layout=base_layout(title, height=360, yaxis={"title": unit}, showlegend=False),
    )
    levels = np.cumsum([start[1], *(s[1] for s in steps)])
    lo, hi = float(levels.min()), float(levels.max())
    if lo > 0 and hi - lo < 0.25 * hi:
        # changes of a few percent vanish on an axis from zero: zoom in on them (the axis
        # title says so)
        pad = max(hi - lo, 1e-9 * hi)
        fig.update_yaxes(range=[lo - pad, hi + 0.5 * pad], title=f"{unit} (axis not from 0)")
    return fig


def scenario_chart(title: str, measures: pd.DataFrame, currency: str) -> go.Figure:
    """A bar per plan (base, scenarios, last version) for each money measure.

    ``measures``: index = plan names, columns = measures (revenue, gap_to_budget, ...).
    """
    fig = go.Figure(
        layout=base_layout(title, height=360, barmode="group", yaxis={"title": currency})
    )
    fig.update_layout(xaxis={"type": "category", "tickangle": 0})
    for plan, row in measures.iterrows():
        fig.add_trace(go.Bar(x=list(measures.columns), y=list(row.to_numpy()), name=str(plan)))
    return fig
