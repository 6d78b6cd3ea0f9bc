"""Screenshots of the web pages for the docs: home, the demand grid with a split preview
open, the supply review and the executive view, from a copy of the store ``snop demo``
made (its last cycle is approved: the copy opens the next one, forecasts and plans it, so
the demand plan is a draft to edit).

    python docs/web_screenshots.py snop-demo/snop.db docs/img

Needs Playwright and a Chromium (see docs/pack.md).
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from snop.api.app import create_app
from snop.report.pdf import CHROMIUM_ARGS, find_chromium
from snop.services.context import Actor
from snop.services.cycles import open_cycle
from snop.services.demo import DEMO_PASSWORD
from snop.services.forecast import run_baseline
from snop.services.supply import plan_cycle_supply
from snop.store.uow import UnitOfWork


@contextmanager
def served(uow: UnitOfWork) -> Iterator[str]:
    """The app over ``uow`` on a free loopback port, in a thread; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(uow), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def log_in(page: Page, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def next_cycle(store: Path) -> UnitOfWork:
    """A copy of ``store`` with its next cycle open, forecast and planned."""
    copy = Path(tempfile.mkdtemp(prefix="snop-web-shots-")) / "store.db"
    shutil.copyfile(store, copy)
    uow = UnitOfWork.open(str(copy))
    dana = Actor.of("dana", "demand_planner")
    open_cycle(uow, dana)
    run_baseline(uow, dana)
    plan_cycle_supply(uow, Actor.of("sid", "supply_planner"))
    return uow


def main(store: Path, folder: Path) -> None:
    exe = find_chromium()
    if exe is None:
        raise SystemExit("no Chromium found; install chromium or set SNOP_CHROMIUM")
    folder.mkdir(parents=True, exist_ok=True)
    uow = next_cycle(store)
    with served(uow) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        log_in(page, base, "dana")
        page.screenshot(path=str(folder / "web-home.png"), full_page=True)
        page.goto(f"{base}/demand")
        cell = page.locator("tr[data-layer=consensus] td.editable").nth(2)
        cell.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(str(round(float(cell.get_attribute("data-value") or 0) * 1.1)))
        page.keyboard.press("Enter")
        page.wait_for_selector("#preview-panel")
        page.screenshot(path=str(folder / "web-demand.png"), full_page=False)
        log_in(page, base, "sid")
        page.goto(f"{base}/supply")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        page.screenshot(path=str(folder / "web-supply.png"), full_page=False)
        log_in(page, base, "erin")
        page.goto(f"{base}/executive", timeout=120_000)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        page.screenshot(path=str(folder / "web-executive.png"), full_page=False)
        browser.close()
    for name in ("home", "demand", "supply", "executive"):
        print(folder / f"web-{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
