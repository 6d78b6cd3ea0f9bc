"""One look for every chart: colours by meaning and the base layout.

A colour means the same thing on every chart (the actuals are always the same grey, the
consensus always the same blue), so a reader who learned one chart can read the next.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

COLORS = {
    "actual": "#3e4c59",  # what happened: sales, production, inventory actuals
    "forecast": "#2563eb",  # the statistical forecast and its band
    "consensus": "#1d4ed8",  # the demand plan
    "constrained": "#059669",  # what the supply plan ships
    "last_version": "#9333ea",  # the last approved version's plan
    "budget": "#b7791f",
    "production": "#0f766e",
    "overtime": "#f59e0b",
    "subcontract": "#a16207",
    "capacity": "#c0392b",
    "safety_stock": "#c0392b",
    "inventory": "#0f766e",
    "outlier": "#dc2626",
    "good": "#1b7f4b",
    "bad": "#c0392b",
    "neutral": "#94a3b8",
}
BAND = "rgba(37, 99, 235, 0.15)"  # a prediction interval around the forecast
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"

# A small template instead of Plotly's default one: each figure carries its template in
# the page, and the default holds some 7 KB of settings per chart.
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 12, "color": "#1f2933"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#eef2f6", "linecolor": "#9aa5b1", "ticks": "outside"},
        "yaxis": {"gridcolor": "#eef2f6", "linecolor": "#9aa5b1", "zerolinecolor": "#cbd2d9"},
        # below the plot: above it, a legend of several lines runs into the title
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "font": {"size": 10}},
        "hovermode": "x unified",
    }
)


def base_layout(title: str, *, height: int = 300, **more: Any) -> dict[str, Any]:
    """The layout of a chart titled ``title`` (``more`` overrides or adds settings)."""
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0, "font": {"size": 14}},
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 36, "b": 16},
        # periods are labels (2026-11), not dates to rescale; slanted so that 40 fit
        "xaxis": {"type": "category", "tickangle": -45, "automargin": True},
    }
    layout.update(more)
    return layout
