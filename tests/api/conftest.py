"""An API over a small store: the small workbook (cycle 2026-11, naive baseline) with one
user per role the tests act as, each with an API token, and ``dana`` with a password.

The store is built once per test process and copied for each test (tests.stores), so a
test may change it freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.services.context import Actor
from snop.services.forecast import run_baseline
from snop.services.users import add_user, create_token
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.demand.cycles import ANN
from tests.stores import built_store
from tests.workbooks import write_small

PASSWORD = "api-test-password"
ROLES = {
    "ada": "admin",
    "dana": "demand_planner",
    "sam": "sales",
    "maya": "marketing",
    "erin": "executive",
    "vic": "viewer",
}
_TOKENS: dict[str, str] = {}  # made with the store, once per process


def _build(uow: UnitOfWork, folder: Path) -> None:
    import_workbook(uow, ANN, write_small(folder / "wb"))
    run_baseline(uow, ANN, method="naive")
    admin = Actor.of("ada", "admin")
    for name, role in ROLES.items():  # a password costs an argon2 hash: only who logs in
        add_user(uow, admin, name, [role], PASSWORD if name in ("ada", "dana") else None)
        _TOKENS[name] = create_token(uow, admin, name, "tests").token


@dataclass
class Api:
    """A client of the app over its own copy of the store, and the store."""

    client: TestClient
    uow: UnitOfWork

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {_TOKENS[user]}"}

    def get(self, url: str, user: str = "dana", **params: object) -> object:
        r = self.client.get(url, params=params, headers=self.headers(user))
        assert r.status_code == 200, r.text
        return r.json()

    def post(self, url: str, body: object, user: str = "dana"):  # type: ignore[no-untyped-def]
        return self.client.post(url, json=body, headers=self.headers(user))


def _api(folder: Path) -> Iterator[Api]:
    uow = built_store(f"sqlite:///{folder / 'store.db'}", folder, "api", _build)
    with TestClient(create_app(uow), base_url="https://testserver") as client:
        yield Api(client, uow)
    uow.dispose()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """An API over a store of its own, to change."""
    yield from _api(tmp_path)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API over a store shared by the tests of a module that change nothing."""
    yield from _api(tmp_path_factory.mktemp("api"))
