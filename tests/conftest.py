"""Shared fixtures: store URLs for every supported database, small workbooks.

Tests that need a PostgreSQL server read its URL from SNOP_TEST_POSTGRES_URL. Locally they
skip when it is not set; CI sets SNOP_REQUIRE_SERVICES=1, which turns such skips into failures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("SNOP_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real part a test needs is missing."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (SNOP_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL on each supported database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = os.environ.get("SNOP_TEST_POSTGRES_URL")
    need(bool(base), "PostgreSQL not available: set SNOP_TEST_POSTGRES_URL")
    import sqlalchemy as sa

    assert base is not None
    name = f"snop_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


# CI runs the property tests on a fixed sequence of examples, so a run can be repeated
# exactly; locally they explore new examples every run (and replay the failures found).
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True)
    settings.load_profile("ci")


def snop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m snop ARGS`` as a separate process (only for the smoke test)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "snop", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``snop demo --dir demo`` run once, over the folder a previous demo left (tests using
    it are marked ``xdist_group("demo")``, so that one worker runs it once)."""
    from snop.cli.demo_cmd import _record

    root = tmp_path_factory.mktemp("demo")
    old = root / "demo"
    (old / "workbook-2026-04").mkdir(parents=True)
    (old / "workbook-2026-04" / "sales.csv").write_text("item,period,qty\n")
    (old / "snop.db").write_bytes(b"an old store")
    _record(old)  # as the demo leaves it: every entry listed in the marker
    return root, snop("demo", "--dir", "demo", cwd=root)
