"""A real Chromium for the tests that look at pages: the machine's (Debian's ``chromium``),
driven by Playwright. Locally such tests skip when either is missing; CI installs both
(SNOP_REQUIRE_SERVICES=1 turns the skip into a failure)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from snop.report.pdf import CHROMIUM_ARGS, find_chromium
from tests.conftest import need


@contextmanager
def browser_page(width: int = 1400, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A page of a headless Chromium and the list its console errors and page errors go to."""
    exe = find_chromium()
    need(exe is not None, "Chromium not available: install chromium (or set SNOP_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright not installed: pip install playwright")
        raise
    errors: list[str] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, errors
        finally:
            b.close()


def need_poppler() -> None:
    need(
        shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None,
        "poppler-utils not available (pdftoppm, pdftotext): apt-get install poppler-utils",
    )
