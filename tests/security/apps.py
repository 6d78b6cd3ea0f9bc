"""A small store with the demo's users (one per role), and the web app over it.

The store is the small workbook with its naive baseline and cycle 2026-11 open, its
demand plan a draft (:mod:`tests.demand.cycles`), built once per test process and copied.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.api.deps import SESSION_COOKIE
from snop.services.context import Actor
from snop.services.demo import DEMO_PASSWORD, DEMO_USERS
from snop.services.forecast import run_baseline
from snop.services.users import add_user, create_token, start_session
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.demand.cycles import ANN
from tests.stores import built_store
from tests.workbooks import SMALL, write_small

PASSWORD = DEMO_PASSWORD
# the demo's users by role: ada admin, dana demand_planner, sam sales, maya marketing,
# sid supply_planner, fay finance, lee sop_leader, erin executive, vic viewer
BY_ROLE = {next(iter(u.roles)): u.name for u in DEMO_USERS}
ADMIN = Actor.of(BY_ROLE["admin"], "admin")
SELF_APPROVAL = {"settings": SMALL["settings"] + "allow_self_approval,yes\n"}


# the users who log in with a password in the tests; the others use tokens and sessions
# made by the services (an argon2 hash takes the better part of a second here)
LOG_IN = ("dana", "erin")


def users_store(tmp_path: Path, *, self_approval: bool = False) -> UnitOfWork:
    """The small store with one user per role (:data:`LOG_IN` with password
    :data:`PASSWORD`); with ``self_approval`` its settings say ``allow_self_approval=yes``."""
    changes = SELF_APPROVAL if self_approval else None

    def build(uow: UnitOfWork, folder: Path) -> None:
        import_workbook(uow, ANN, write_small(folder / "wb", changes))
        run_baseline(uow, ANN, method="naive")
        for who in DEMO_USERS:
            password = PASSWORD if who.name in LOG_IN and not self_approval else None
            add_user(uow, ADMIN, who.name, sorted(who.roles), password, demo=True)
        # two more executives: one submits, the other approves (four eyes)
        for name in ("eve", "ed"):
            add_user(uow, ADMIN, name, ["executive"])

    name = "small-users-self" if self_approval else "small-users"
    return built_store(f"sqlite:///{tmp_path / 'store.db'}", tmp_path, name, build)


def client(uow: UnitOfWork) -> TestClient:
    """A client of the app over ``uow``, on https (the session cookie is Secure)."""
    return TestClient(create_app(uow), base_url="https://testserver", follow_redirects=False)


def token_of(uow: UnitOfWork, name: str) -> dict[str, str]:
    """The Authorization header of a new API token of user ``name``."""
    new = create_token(uow, Actor.of(name), name, "tests")
    return {"Authorization": f"Bearer {new.token}"}


def session_of(uow: UnitOfWork, c: TestClient, name: str) -> str:
    """Give ``c`` a session of user ``name`` (as a login does); the CSRF token."""
    with uow.read() as tx:
        user = tx.users.get(name)
    assert user is not None
    session = start_session(uow, Actor(name, frozenset(user.roles)))
    c.cookies.set(SESSION_COOKIE, session.id)
    return session.csrf


def login(c: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log ``c`` in as ``name`` (its cookie jar keeps the session); the CSRF token."""
    r = c.post("/api/login", json={"name": name, "password": password})
    assert r.status_code == 200, r.text
    csrf: str = r.json()["csrf_token"]
    return csrf
