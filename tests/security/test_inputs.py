"""SQL injection and script tags in what users type are stored byte-exact and shown inert.

The text goes in through the services (a user's name, an override's reason and comment, a
decision's text), then comes back out of the store as typed, out of the JSON API as JSON
strings and out of every HTML page escaped. The routes are read from the app's route
table, so pages and API reads added later are crawled too.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from snop.demand.replay import Override
from snop.io.jsonable import dumps
from snop.report.content import Table
from snop.report.html import render_table
from snop.services.context import Actor
from snop.services.cycles import audit_trail
from snop.services.decisions import add_decision
from snop.services.demand_review import add_override, demand_plan
from snop.services.users import add_user, list_users
from snop.store.uow import UnitOfWork
from tests.security.apps import ADMIN, BY_ROLE, PASSWORD, client, session_of, token_of, users_store
from tests.security.test_route_table import routes

SQL = "x'); DROP TABLE app_user; --"
SCRIPT = '<script>alert("snop-xss")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
NAME = "o'brien" + SCRIPT  # a user name
REASON = f"promo {SQL} {SCRIPT}"
COMMENT = f"{ATTRIBUTE} ' OR 1=1 --"
WHAT = f"{SCRIPT} then {SQL}"  # a decision's text
NOTE = ATTRIBUTE
TYPED = (NAME, REASON, COMMENT, WHAT, NOTE)
# a typed text shows raw in a page only as one of these; escaped, it is harmless
RAW = (SCRIPT, ATTRIBUTE)
SKIPPED_PAGES = ("/static", "/vendor", "/docs", "/redoc", "/api/openapi.json", "/api/logout")
SAM = Actor.of(BY_ROLE["sales"], "sales")
ERIN = BY_ROLE["executive"]


@pytest.fixture(scope="module")
def uow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UnitOfWork]:
    """The small store after the hostile text went in, through the services."""
    u = users_store(Path(tmp_path_factory.mktemp("inputs")))
    add_user(u, ADMIN, NAME, ["viewer"])
    ov = Override("sales", "item", "A1", "2027-01", "2027-01", "delta", 5.0, reason=REASON)
    add_override(u, SAM, Override(**{**ov.__dict__, "comment": COMMENT}))
    add_decision(
        u, Actor.of(ERIN, "executive"), what=WHAT, owner="sales", due="2027-01-15", note=NOTE
    )
    yield u
    u.dispose()


def test_the_text_is_stored_byte_exact(uow: UnitOfWork) -> None:
    assert NAME in [u.name for u in list_users(uow, ADMIN)]
    added = [a for a in audit_trail(uow, ADMIN) if a["action"] == "user add"]
    assert added[-1]["detail"] == {"user": NAME, "roles": ["viewer"]}
    logged = demand_plan(uow, SAM).overrides[-1]
    assert (logged.reason, logged.comment, logged.author) == (REASON, COMMENT, SAM.name)
    with uow.read() as tx:
        decision = tx.cycles.decisions()[-1]
        assert (decision.what, decision.note) == (WHAT, NOTE)
        assert tx.users.count() == len(BY_ROLE) + 3  # the table is still there, and whole


def test_the_json_form_holds_the_text_as_strings(uow: UnitOfWork) -> None:
    logged = demand_plan(uow, SAM).overrides[-1]
    back = json.loads(dumps(logged))
    assert (back["reason"], back["comment"]) == (REASON, COMMENT)
    added = [a for a in json.loads(dumps(audit_trail(uow, ADMIN))) if a["action"] == "user add"]
    assert added[-1]["detail"]["user"] == NAME


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value (its keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def reads(c: TestClient, api: bool) -> list[str]:
    """The GET routes without path parameters: of the API (``api``) or the pages."""
    paths = []
    for route in routes(c.app):  # type: ignore[arg-type]
        path, methods = getattr(route, "path", None), getattr(route, "methods", None) or set()
        if not path or "GET" not in methods or "{" in path or path.startswith(SKIPPED_PAGES):
            continue
        if path.startswith("/api/") == api:
            paths.append(path)
    return paths


def test_the_api_returns_the_text_as_json_strings(uow: UnitOfWork) -> None:
    """Every API read: valid JSON, never a 500; a typed text comes back whole, as a string."""
    c = client(uow)
    bearer = token_of(uow, ERIN)
    found: set[str] = set()
    crawled = reads(c, api=True)
    assert "/api/cycle" in crawled and "/api/me" in crawled
    for path in crawled:
        r = c.get(path, headers=bearer)
        assert r.status_code < 500, f"GET {path}: {r.status_code} {r.text[:200]}"
        if not r.headers.get("content-type", "").startswith("application/json"):
            continue
        for s in strings(r.json()):
            found.update(t for t in TYPED if t in s)
    audit = [p for p in crawled if "audit" in p]
    if audit:  # the audit trail, where the user's name is
        assert NAME in found, f"{audit} do not show the user {NAME!r}"


def test_the_pages_escape_the_text(uow: UnitOfWork) -> None:
    """No page shows a typed text raw; the audit page (when there is one) shows it escaped."""
    c = client(uow)
    session_of(uow, c, ERIN)
    pages = reads(c, api=False)
    shown: set[str] = set()
    for path in pages:
        r = c.get(path, follow_redirects=True)
        assert r.status_code < 500, f"GET {path}: {r.status_code}"
        if "html" not in r.headers.get("content-type", ""):
            continue
        for raw in RAW:
            assert raw not in r.text, f"GET {path} shows {raw!r} unescaped"
        text = html.unescape(r.text)  # what the browser shows
        shown.update(t for t in TYPED if visible(t) in text)
    if "/audit" in pages:
        assert NAME in shown, "the audit page does not show the user's name (escaped)"


def visible(typed: str) -> str:
    """The part of ``typed`` a page shows as is: up to its first double quote (a page may
    show a detail as JSON, where a double quote is written \\")."""
    return typed.split('"')[0]


def test_a_table_of_the_pack_escapes_its_text() -> None:
    frame = pd.DataFrame({"who": [NAME, SQL], "reason": [REASON, COMMENT], "qty": [1.0, 2.0]})
    out = str(render_table(Table(SCRIPT, WHAT, frame, units={"who": "text", "reason": "text"})))
    for raw in RAW:
        assert raw not in out
    for typed in (NAME, REASON, COMMENT, WHAT):
        assert html.escape(typed) in out
    assert f'data-table="{html.escape(SCRIPT)}"' in out


def test_sql_in_a_login_is_refused(uow: UnitOfWork) -> None:
    c = client(uow)
    for name, password in [
        ("' OR 1=1 --", "' OR 1=1 --"),
        (f"{BY_ROLE['demand_planner']}' --", "anything-at-all"),
        (BY_ROLE["demand_planner"], "' OR '1'='1' --"),
    ]:
        r = c.post("/api/login", json={"name": name, "password": password})
        assert r.status_code == 401, (name, r.text)
        assert "session" not in r.text
    assert c.post(
        "/api/login", json={"name": BY_ROLE["demand_planner"], "password": PASSWORD}
    ).status_code in (200, 429)  # the right password still works (or waits its minute)


def test_sql_in_a_query_parameter_is_a_clean_refusal(uow: UnitOfWork) -> None:
    c = client(uow)
    r = c.get("/api/cycle", params={"cycle": "' OR 1=1 --"}, headers=token_of(uow, ERIN))
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["message"]
