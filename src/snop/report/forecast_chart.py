"""The forecast of an item as a picture: its sales history, the forecast, the prediction
intervals as shaded bands and the flagged outliers, one chart per item; and which items a
page shows (``snop forecast --plot``, the executive pack and the web app share them).

The frames are those of :class:`snop.forecasting.ForecastResult` (forecast: item, period,
forecast, model, ``lo_<L>``/``hi_<L>``; outliers: item, period, qty, cleansed; report: one
row per item with model, mase, naive_mase, outliers) and a history frame (item, period, qty)
from :func:`sales_history`.
"""

from __future__ import annotations

import difflib
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from snop.errors import SnopError
from snop.forecasting.data import prepare_sales
from snop.forecasting.engine import level_label
from snop.model.periods import labels
from snop.report.page import fragment
from snop.report.theme import BAND, COLORS, base_layout

MAX_DEFAULT_ITEMS = 12  # charts on a page when no item is named: a page that still reads
SUGGESTIONS = 5  # valid items named when an asked one is unknown
MAX_TICKS = 16  # period labels along the x axis (a label every few periods beyond that)


def sales_history(sales: pd.DataFrame, *, source: str = "sales") -> pd.DataFrame:
    """The history the forecast saw, as item, period, qty: per item from its first non-zero
    period to the panel's last, the periods without rows as 0 and negatives as 0 (the
    cleaning of :func:`snop.forecasting.data.prepare_sales`)."""
    panel = prepare_sales(sales, source=source)
    t = panel.values.shape[1]
    cols = np.arange(t)
    keep = cols[None, :] >= panel.start[:, None]
    rows, at = np.nonzero(keep)
    periods = np.asarray(labels(panel.granularity, range(panel.first, panel.first + t)))
    names = np.asarray(panel.items, dtype=object)
    return pd.DataFrame({"item": names[rows], "period": periods[at], "qty": panel.values[rows, at]})


@dataclass
class ItemChoice:
    """The items a page draws, and whether they were picked by volume (none named)."""

    items: list[str]
    by_volume: bool
    total: int  # items in the forecast


def choose_items(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    asked: Sequence[str] = (),
    *,
    limit: int = MAX_DEFAULT_ITEMS,
) -> ItemChoice:
    """The items named in ``asked`` (in that order, once each), or else the ``limit`` items
    of most history volume (sum of qty; ties by code). Raises SnopError naming an item
    that is not in the forecast and a few that are."""
    known = list(dict.fromkeys(forecast["item"].astype(str)))
    ranked = _by_volume(history, known)
    if not asked:
        return ItemChoice(ranked[:limit], True, len(known))
    wanted = list(dict.fromkeys(str(a).strip() for a in asked))
    have = set(known)
    for code in wanted:
        if code not in have:
            close = difflib.get_close_matches(code, known, n=SUGGESTIONS)
            hint = close + [k for k in ranked if k not in close]
            raise SnopError(
                f"item {code!r} is not in the forecast; valid items include "
                f"{', '.join(hint[:SUGGESTIONS])} ({len(known)} in all)"
            )
    return ItemChoice(wanted, False, len(known))


def _by_volume(history: pd.DataFrame, known: list[str]) -> list[str]:
    volume = history.groupby(history["item"].astype(str))["qty"].sum()
    vol = volume.reindex(known).fillna(0.0)
    order = sorted(range(len(known)), key=lambda i: (-float(vol.iloc[i]), known[i]))
    return [known[i] for i in order]


def item_forecast_figure(
    item: str,
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    outliers: pd.DataFrame,
    levels: Sequence[float],
    *,
    height: int = 320,
) -> go.Figure:
    """One item's chart: the bands (widest first, so the narrower ones, drawn over it, read
    darker), the sales history, the forecast and the outliers at their original value (the
    cleansed value the model used in the hover). Frames may hold other items too; the
    history is drawn up to the item's first forecast period."""
    hist = _rows(history, item)
    fc = _rows(forecast, item)
    out = _rows(outliers, item)
    if len(fc):  # a series forecast from its own end: its history stops there
        hist = hist[hist["period"].astype(str) < str(fc["period"].iloc[0])]
    model = str(fc["model"].iloc[0]) if len(fc) else "no forecast"
    hx = hist["period"].astype(str).tolist()
    fx = fc["period"].astype(str).tolist()
    fig = go.Figure()
    for lv in sorted(levels, reverse=True):
        _band(fig, fx, fc, level_label(lv))
    fig.add_trace(
        go.Scatter(
            x=hx,
            y=hist["qty"].to_numpy(dtype=float),
            name="sales",
            mode="lines",
            line={"color": COLORS["actual"], "width": 1.6},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fx,
            y=fc["forecast"].to_numpy(dtype=float),
            name=f"forecast ({model})",
            mode="lines",
            line={"color": COLORS["forecast"], "width": 2},
        )
    )
    if len(out):
        cleansed = out["cleansed"].to_numpy(dtype=float)
        fig.add_trace(
            go.Scatter(
                x=out["period"].astype(str).tolist(),
                y=out["qty"].to_numpy(dtype=float),
                name="outlier",
                mode="markers",
                marker={"color": COLORS["outlier"], "size": 9, "symbol": "x"},
                text=[f"cleansed to {c:,.4g}" for c in cleansed],
                hovertemplate="%{y:,.4g} flagged, %{text}<extra>outlier</extra>",
            )
        )
    seen = set(hx)
    order = hx + [p for p in fx if p not in seen]
    # the right margin leaves room for the last period label, centred on the last period
    margin = {"l": 56, "r": 32, "t": 64, "b": 40}
    layout = base_layout(f"{item} · {model}", height=height, margin=margin)
    layout["xaxis"] = {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": order,
        "dtick": max(1, math.ceil(len(order) / MAX_TICKS)),  # labels that do not overlap
    }
    fig.update_layout(**layout)
    return fig


def _rows(frame: pd.DataFrame, item: str) -> pd.DataFrame:
    """The rows of ``item`` in period order (canonical labels sort as periods do)."""
    rows = frame[frame["item"].astype(str) == item]
    return rows.sort_values("period", kind="stable").reset_index(drop=True)


def _band(fig: go.Figure, x: list[str], fc: pd.DataFrame, lab: str) -> None:
    """The ``lab``% interval: its upper edge, then its lower edge filled up to it."""
    hi, lo = f"hi_{lab}", f"lo_{lab}"
    if hi not in fc.columns or lo not in fc.columns:
        raise ValueError(f"the forecast has no {lab}% interval (columns {lo}, {hi})")
    edge = {"width": 0, "color": BAND}
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fc[hi].to_numpy(dtype=float),
            name=f"{lab}% upper",
            mode="lines",
            line=edge,
            legendgroup=lab,
            showlegend=False,
            hovertemplate="%{y:,.4g}<extra>" + lab + "% upper</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fc[lo].to_numpy(dtype=float),
            name=f"{lab}% interval",
            mode="lines",
            line=edge,
            fill="tonexty",
            fillcolor=BAND,
            legendgroup=lab,
            hovertemplate="%{y:,.4g}<extra>" + lab + "% lower</extra>",
        )
    )


def chart_ids(items: Sequence[str]) -> list[str]:
    """An HTML id per item: ``forecast-`` and the code's letters, digits, '-' and '_' (other
    characters as '_'), numbered when two codes would give the same id."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        base = "forecast-" + re.sub(r"[^A-Za-z0-9_-]", "_", item)
        cid, k = base, 2
        while cid in seen:
            cid, k = f"{base}-{k}", k + 1
        seen.add(cid)
        out.append(cid)
    return out


def item_header(item: str, report: pd.DataFrame, *, model: str | None = None) -> str:
    """One line about ``item``'s forecast: model, backtest MASE against naive, outliers.

    ``model`` names the forecast's model when it differs from the backtested one (a launch
    curve laid over a new item's forecast after the run)."""
    rows = report[report["item"].astype(str) == item]
    if rows.empty:
        return f"model {model}" if model else "no backtest"
    r = rows.iloc[0]
    parts = [f"model {model or r['model']}"]
    mase, naive = _number(r.get("mase")), _number(r.get("naive_mase"))
    if mase is not None:
        vs = f" vs naive {naive:.3f}" if naive is not None else ""
        parts.append(f"backtest MASE {mase:.3f}{vs}")
    else:
        parts.append("no backtest (history too short)")
    n = int(r.get("outliers", 0) or 0)
    parts.append(f"{n} outlier{'s' if n != 1 else ''} flagged")
    return " · ".join(parts)


def _number(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def forecast_page_body(
    items: Sequence[str],
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    outliers: pd.DataFrame,
    report: pd.DataFrame,
    levels: Sequence[float],
    *,
    title: str = "Statistical forecast",
    note: str = "",
) -> str:
    """The body of a page: a heading, then per item a header line and its chart."""
    lab = ", ".join(f"{level_label(v)}%" for v in sorted(levels))
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="muted">{len(items)} item(s); shaded: the {lab} prediction intervals; '
        f"red crosses: outliers flagged (the model used the cleansed value). "
        f"{html.escape(note)}</p>",
    ]
    for item, cid in zip(items, chart_ids(items), strict=True):
        fig = item_forecast_figure(item, history, forecast, outliers, levels)
        models = forecast.loc[forecast["item"].astype(str) == item, "model"]
        model = str(models.iloc[0]) if len(models) else None
        head = html.escape(item_header(item, report, model=model))
        parts.append(f'<h3>{html.escape(item)} <span class="muted">· {head}</span></h3>')
        parts.append(fragment(fig, cid))
    return "\n".join(parts)
