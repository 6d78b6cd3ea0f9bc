"""Sparklines: a trend in a table cell, drawn as inline SVG (no script, prints as shown)."""

from __future__ import annotations

import math
from collections.abc import Sequence

WIDTH, HEIGHT, PAD = 72, 18, 2


def sparkline(values: Sequence[float], *, width: int = WIDTH, height: int = HEIGHT) -> str:
    """An ``<svg>`` line through ``values`` (oldest first) scaled to its own range, the
    last point marked; blanks (NaN) are skipped. Empty string for fewer than two values."""
    points = [(i, v) for i, v in enumerate(values) if not math.isnan(v)]
    if len(points) < 2:
        return ""
    lo, hi = min(v for _, v in points), max(v for _, v in points)
    span = hi - lo or 1.0
    n = max(len(values) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = PAD + (width - 2 * PAD) * i / n
        y = height - PAD - (height - 2 * PAD) * (v - lo) / span
        return round(x, 1), round(y, 1)

    coords = [xy(i, v) for i, v in points]
    line = " ".join(f"{x},{y}" for x, y in coords)
    lx, ly = coords[-1]
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="trend of {len(points)} values">'
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.2" points="{line}"/>'
        f'<circle cx="{lx}" cy="{ly}" r="1.8" fill="currentColor"/></svg>'
    )
