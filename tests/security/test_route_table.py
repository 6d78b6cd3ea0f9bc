"""Every write route of the app refuses whoever may not write, before anything else.

The routes are read from the app's own route table, so a route added later is checked
without being listed here. For each route whose methods include POST, PUT, PATCH or
DELETE (but the login, which is how one gets credentials):

* with no credentials: 401 (a page outside /api may redirect to /login instead);
* with a viewer's API token: 403 (logout excepted: anyone may end their own session);
* with a session cookie but no CSRF token: 403, naming the CSRF token;

and every such route depends on :func:`snop.api.deps.writer` (a dependency whose callable
has ``roles``), none of whose roles is the viewer. The body is ``{}``: the checks come
before any validation of the request, so nothing about the route's input need be known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from snop.model.vocabulary import Role
from snop.store.uow import UnitOfWork
from tests.security.apps import BY_ROLE, client, login, session_of, token_of, users_store

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN = frozenset({"/api/login", "/login"})  # how one gets credentials
# a signed-in user's own session: anyone may end it (still not anonymously, nor by CSRF)
OWN_SESSION = frozenset({"/api/logout", "/logout"})
# plausible values of path parameters by name; any other name gets "x" (or 1 if an int)
PATH_VALUES = {
    "step": "demand_review",
    "name": "x",
    "id": "1",
    "cycle": "2026-11",
    "period": "2026-11",
    "family": "F1",
    "item": "A1",
    "layer": "sales",
    "scenario": "x",
    "strategy": "optimal",
    "user": "dana",
    "kind": "x",
    "format": "html",
}
PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")
REFUSED_ANONYMOUSLY = (401, 302, 303, 307)


@dataclass(frozen=True)
class Write:
    """One write route: a method and a concrete URL for it."""

    method: str
    path: str  # as declared (with its router's prefix), with its {parameters}
    url: str  # with plausible values in the parameters
    dependant: Dependant | None  # its dependencies (None: not a FastAPI route)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")


def fill(path: str) -> str:
    """``path`` with each ``{param}`` (or ``{param:convertor}``) given a plausible value."""

    def value(m: re.Match[str]) -> str:
        name, conv = m.group(1), m.group(2)
        if conv in ("int", "float") or name.endswith("_id"):
            return "1"
        return PATH_VALUES.get(name, "x")

    return PARAM.sub(value, path)


def routes(app: FastAPI) -> Iterator[Any]:
    """Every route of ``app``, those of included routers too, with their full path and
    every dependency (their router's included). FastAPI 0.16x keeps included routers as
    such in ``app.routes``; ``iter_route_contexts`` flattens them (before, they were flat)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - an older FastAPI: app.routes is flat
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def write_routes(app: FastAPI) -> list[Write]:
    """Every (method, route) of ``app`` that changes something, but the login."""
    out = []
    for route in routes(app):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path is None or not methods:  # mounts (static files) serve GET only
            continue
        for method in sorted(set(methods) & WRITES):
            if path not in OPEN:
                dependant = getattr(route, "dependant", None)
                out.append(Write(method, path, fill(path), dependant))
    return out


def writer_roles(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles of the :func:`writer` dependency among ``dependant``'s, or None."""
    for dep in dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
        found = writer_roles(dep)
        if found is not None:
            return found
    return None


@pytest.fixture(scope="module")
def uow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UnitOfWork]:
    u = users_store(Path(tmp_path_factory.mktemp("routes")))
    yield u
    u.dispose()


@pytest.fixture(scope="module")
def writes(uow: UnitOfWork) -> list[Write]:
    found = write_routes(client(uow).app)  # type: ignore[arg-type]
    return found


def call(c: TestClient, w: Write, **kw: Any) -> Any:
    return c.request(w.method, w.url, json={}, **kw)


def message(r: Any) -> str:
    """The error's message: the JSON error's, else the page's text (an HTML page)."""
    try:
        return str(r.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return " ".join(re.sub(r"<[^>]*>", " ", r.text).split())


def refused_for_csrf(r: Any) -> bool:
    return bool(r.status_code == 403 and "csrf" in message(r).lower())


def test_the_route_table_has_the_write_routes_of_the_cycle(writes: list[Write]) -> None:
    """The walk finds routes (a walk that finds none would check nothing)."""
    names = {str(w) for w in writes}
    assert {"POST /api/cycle/steps/{step}/signoff", "POST /api/cycle/approve"} <= names
    assert "POST /api/logout" in names
    assert not any(w.path in OPEN for w in writes)
    assert fill("/api/cycle/steps/{step}/signoff") == "/api/cycle/steps/demand_review/signoff"
    assert fill("/api/x/{override_id:int}/{what}") == "/api/x/1/x"


def test_every_write_route_depends_on_writer(writes: list[Write]) -> None:
    """A new endpoint cannot forget the role check: it must depend on ``writer(...)``,
    and no viewer may be among its roles."""
    missing, viewer = [], []
    for w in writes:
        if w.path in OWN_SESSION:
            continue
        roles = None if w.dependant is None else writer_roles(w.dependant)
        if roles is None:
            missing.append(str(w))
        elif Role.VIEWER.value in roles:
            viewer.append(str(w))
    assert not missing, f"write routes without a writer(...) dependency: {missing}"
    assert not viewer, f"write routes a viewer may call: {viewer}"


def test_every_write_route_refuses_an_anonymous_caller(
    uow: UnitOfWork, writes: list[Write]
) -> None:
    c = client(uow)
    wrong = []
    for w in writes:
        r = call(c, w)
        if r.status_code == 401 and not w.page:
            continue
        if w.page and r.status_code in REFUSED_ANONYMOUSLY:
            where = r.headers.get("location", "")
            if r.status_code == 401 or where.split("?")[0].endswith("/login"):
                continue
        wrong.append(f"{w}: {r.status_code} {message(r)[:200]}")
    assert not wrong, f"write routes that did not refuse an anonymous caller: {wrong}"


def test_every_write_route_refuses_a_viewer(uow: UnitOfWork, writes: list[Write]) -> None:
    c = client(uow)
    viewer = token_of(uow, BY_ROLE["viewer"])
    wrong = []
    for w in writes:
        r = call(c, w, headers=viewer)
        if w.path in OWN_SESSION:
            ok = r.status_code < 400  # a viewer's own session (none, with a token) ends
        else:
            ok = r.status_code == 403 and not refused_for_csrf(r)
        if not ok:
            wrong.append(f"{w}: {r.status_code} {message(r)[:200]}")
    assert not wrong, f"write routes that did not refuse a viewer with 403: {wrong}"


def test_every_write_route_refuses_a_session_without_its_csrf_token(
    uow: UnitOfWork, writes: list[Write]
) -> None:
    """Signed in as a user who holds a role the route allows, so the 403 is the CSRF
    check's; then the same session, with its token, gets past it."""
    wrong = []
    for w in writes:
        roles = None if w.dependant is None else writer_roles(w.dependant)
        allowed = [r for r in roles or ("executive",) if r in BY_ROLE]
        c = client(uow)
        csrf = session_of(uow, c, BY_ROLE[allowed[0] if allowed else "executive"])
        r = call(c, w)
        if not refused_for_csrf(r):
            wrong.append(f"{w}: {r.status_code} {message(r)[:200]}")
        r = call(c, w, headers={"X-CSRF-Token": csrf + "x"})
        if not refused_for_csrf(r):
            wrong.append(f"{w} with a wrong CSRF token: {r.status_code} {message(r)[:200]}")
    assert not wrong, f"write routes that did not refuse a missing CSRF token: {wrong}"


def test_a_session_with_its_csrf_token_gets_past_the_check(uow: UnitOfWork) -> None:
    """The control: the same session with its token is not refused for CSRF (signing
    off the data step as the demand planner)."""
    c = client(uow)
    csrf = login(c, BY_ROLE["demand_planner"])
    r = c.post("/api/cycle/steps/data/signoff", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert r.json()["signed_by"] == BY_ROLE["demand_planner"]


def test_every_mount_serves_static_files_only(uow: UnitOfWork) -> None:
    """A mounted sub-application would hide its routes from the walk above."""
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    app = client(uow).app
    mounts = [r for r in routes(app) if isinstance(getattr(r, "original_route", r), Mount)]  # type: ignore[arg-type]
    assert mounts, "the app mounts /static"
    others = [m.path for m in mounts if not isinstance(m.app, StaticFiles)]
    assert not others, f"mounted applications whose routes are not checked: {others}"
