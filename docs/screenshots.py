"""Screenshots of the executive pack for the docs: the cover, a family page and the
capacity heat map, from a pack made by ``snop demo`` (or ``snop report``).

    python docs/screenshots.py snop-demo/pack.html docs/img

Needs Playwright and a Chromium (see docs/pack.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from snop.report.pdf import CHROMIUM_ARGS, find_chromium

SHOTS = {
    "pack-cover.png": "#cover",
    "pack-family.png": "#family-COOK",
    "pack-capacity.png": '[data-chart="capacity-heatmap"]',
    "pack-card.png": "#card",
}


def main(pack: Path, folder: Path) -> None:
    exe = find_chromium()
    if exe is None:
        raise SystemExit("no Chromium found; install chromium or set SNOP_CHROMIUM")
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(pack.resolve().as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        for name, css in SHOTS.items():
            page.locator(css).first.screenshot(path=str(folder / name))
            print(folder / name)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
