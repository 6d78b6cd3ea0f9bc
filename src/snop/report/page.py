"""Self-contained HTML pages of charts: Plotly's JavaScript is embedded once per page, so a
page opens offline, with no CDN, from a file or an e-mail attachment.

Each chart is a :class:`plotly.graph_objects.Figure` built by :mod:`snop.report.charts`;
:func:`fragment` turns one into a ``<div>`` plus the script that draws it, and :func:`page`
puts fragments and HTML together under one ``<head>`` holding the library and the style.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

# Chart toolbar: no Plotly logo or cloud links; "download as PNG" stays (people paste charts
# into their own slides).
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}

STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --band: #f5f7fa;
  --good: #1b7f4b; --bad: #c0392b; --warn: #b7791f; --accent: #2563eb; }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 16px 24px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 18px 0 6px; }
h3 { font-size: 14px; margin: 12px 0 4px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: 4px 0 10px; }
th, td { padding: 2px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { text-align: left; background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart { width: 100%; }
"""


def fragment(fig: go.Figure, div_id: str) -> str:
    """One chart as HTML: its ``<div id=div_id>`` and the script drawing it (no library)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", div_id):
        raise ValueError(f"chart id {div_id!r}: letters, digits, '-' and '_' only")
    body: str = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG)
    return f'<div class="chart" data-chart="{div_id}">{body}</div>'


@cache
def plotly_js() -> str:
    """The Plotly library, as embedded in every page (about 4.8 MB of JavaScript)."""
    js: str = get_plotlyjs()
    return js


def page(title: str, body: str, *, style: str = "") -> str:
    """A whole HTML document: ``body`` (fragments and HTML) with Plotly and the style."""
    # "</script" inside the library would end the script element early; it is escaped the
    # way browsers read it back.
    js = plotly_js().replace("</script", "<\\/script")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{STYLE}{style}</style>\n"
        f'<script type="text/javascript">{js}</script>\n'
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_page(path: Path, title: str, body: str, *, style: str = "") -> Path:
    """Write :func:`page` to ``path`` (UTF-8) and return it."""
    path.write_text(page(title, body, style=style), encoding="utf-8")
    return path
