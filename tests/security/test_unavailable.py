"""The machine's trouble (a full disk, a busy store) is a 503 with its message: answered
once, not logged as a bug, and the client's connection kept (no exception re-raised)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.store.uow import UnitOfWork
from tests.security.apps import BY_ROLE, token_of, users_store


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    u = users_store(tmp_path)
    yield u
    u.dispose()


def test_a_full_disk_is_a_503_and_not_a_bug(uow: UnitOfWork, tmp_path: Path) -> None:
    app = create_app(uow)
    target = tmp_path / "pack.html"

    @app.get("/api/full-disk")
    def full_disk() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    @app.get("/api/a-bug")
    def a_bug() -> None:
        raise KeyError("a bug")

    # raise_server_exceptions: an exception that escapes the app fails the test
    c = TestClient(app, base_url="https://testserver", raise_server_exceptions=True)
    bearer = token_of(uow, BY_ROLE["viewer"])
    r = c.get("/api/full-disk", headers=bearer)
    assert r.status_code == 503
    assert r.json()["error"] == {
        "status": 503,
        "code": "unavailable",
        "message": f"disk full writing {target}: nothing was changed",
        "field": None,
    }
    with pytest.raises(KeyError):  # a bug still reaches the server's log
        c.get("/api/a-bug", headers=bearer)
    quiet = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    r = quiet.get("/api/a-bug", headers=bearer)
    assert r.status_code == 500 and r.json()["error"]["code"] == "bug"
