"""The pack as PDF: the HTML pack printed by headless Chromium, driven by Playwright.

Chromium and not WeasyPrint because the charts are drawn by Plotly's JavaScript, which
WeasyPrint does not run (docs/decisions.md). The page is laid out at the printable width
of an A4 landscape sheet with the print CSS applied, the charts are redrawn at print
height, and each family's page then holds its charts and its sheet on one sheet of paper.

Chromium is the machine's (Debian's ``chromium``, or any Chrome), found on the PATH or
named by ``SNOP_CHROMIUM``; Playwright is the ``pdf`` extra (``pip install 'snop[pdf]'``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from snop.errors import SnopError
from snop.io.atomic import Written, atomic_file

CHROMIUM_ENV = "SNOP_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# No network at all: the pack is self-contained, and a browser reaching out for updates or
# sync waits on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_PX = (1062, 733)  # A4 landscape less 2 x 8 mm margins, in CSS px (96 per inch)
SCALE = 0.75  # pages are laid out a third wider than the paper and printed at 3/4
MIN_SCALE = 0.45
CHART_PRINT_HEIGHT = 300  # px before scaling
TIMEOUT_MS = 120_000

_REDRAW = """async (height) => {
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
  await Promise.all(charts.map(c => Plotly.relayout(c, {height: height, autosize: true})));
  return charts.length;
}"""
# the tallest page that must fit one sheet of paper: each family's
_TALLEST = """() => Math.max(0, ...Array.from(document.querySelectorAll('section[data-family]'))
  .map(s => s.getBoundingClientRect().height))"""


def find_chromium() -> str | None:
    """The Chromium to print with: ``$SNOP_CHROMIUM``, else the first on the PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if Path(named).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """:func:`find_chromium`'s Chromium; SnopError saying how to get one when there is none."""
    exe = find_chromium()
    if exe is None:
        where = os.environ.get(CHROMIUM_ENV)
        raise SnopError(
            (f"{CHROMIUM_ENV}={where} is not a file" if where else "no Chromium found")
            + ": the PDF is printed by Chromium; install it (Debian: apt-get install "
            f"chromium) or set {CHROMIUM_ENV} to a Chrome or Chromium, or write --format "
            "html and print that from a browser"
        )
    return exe


def html_to_pdf(html: str, path: Path) -> Written:
    """Print the HTML document ``html`` to the PDF ``path`` (atomically)."""
    sync_playwright = _playwright()
    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="snop-pack-") as tmp:
        source = Path(tmp) / "pack.html"
        source.write_text(html, encoding="utf-8")
        with sync_playwright() as p, atomic_file(Path(path)) as out:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=_viewport(SCALE))
                page.emulate_media(media="print")
                page.goto(source.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
                scale = _fit(page)
                page.pdf(
                    path=str(out),
                    prefer_css_page_size=True,
                    print_background=True,
                    scale=scale,
                )
            finally:
                browser.close()
    return Written([Path(path)])


def _viewport(scale: float) -> dict[str, int]:
    return {"width": round(PAGE_PX[0] / scale), "height": round(PAGE_PX[1] / scale)}


def _fit(page: Any) -> float:
    """The print scale at which the tallest family page fits one sheet: 3/4, or less for
    a sheet with many rows (the page is laid out again at the new width, which changes its
    height, hence the loop)."""
    scale = SCALE
    for _ in range(4):
        page.set_viewport_size(_viewport(scale))
        page.evaluate(_REDRAW, CHART_PRINT_HEIGHT)
        tallest = float(page.evaluate(_TALLEST))
        if tallest * scale <= PAGE_PX[1] or scale <= MIN_SCALE:
            break
        scale = max(MIN_SCALE, 0.98 * PAGE_PX[1] / tallest)
    return scale


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SnopError(
            "the PDF needs Playwright to drive Chromium: pip install 'snop[pdf]' "
            "(or write --format html and print that from a browser)"
        ) from None
    return sync_playwright
