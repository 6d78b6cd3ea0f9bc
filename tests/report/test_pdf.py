"""Printing the pack needs a Chromium: without one the error says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from snop.errors import SnopError
from snop.report.pdf import CHROMIUM_ENV, find_chromium, html_to_pdf


def test_a_missing_chromium_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chrome"))
    assert find_chromium() is None
    with pytest.raises(SnopError, match=r"is not a file.*apt-get install chromium"):
        html_to_pdf("<html></html>", tmp_path / "pack.pdf")
    assert not (tmp_path / "pack.pdf").exists()
