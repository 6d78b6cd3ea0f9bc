"""Passwords, tokens and sessions; the login's rate limit; four eyes; the CLI as a user.

Each test works on a copy of the small store with one user per role (tests/security/apps.py).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from snop.api.deps import SESSION_COOKIE, LoginLimiter
from snop.errors import NotAllowed
from snop.model.vocabulary import PlanStatus
from snop.services.context import Actor
from snop.services.demand_review import approve, submit
from snop.services.users import create_token, revoke_token, start_session
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.security.apps import BY_ROLE, PASSWORD, client, login, token_of, users_store

DANA = BY_ROLE["demand_planner"]


@pytest.fixture
def uow(tmp_path: Path) -> Iterator[UnitOfWork]:
    u = users_store(tmp_path)
    yield u
    u.dispose()


def dump(db: Path) -> str:
    """Every row of the SQLite store, as SQL text."""
    with sqlite3.connect(db) as conn:
        return "\n".join(conn.iterdump())


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ------------------------------------------------------------------ what the store keeps


def test_the_store_keeps_argon2_hashes_and_sha256_of_secrets_only(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    token = create_token(uow, Actor.of(DANA), DANA, "erp").token
    c = client(uow)
    c.post("/api/login", json={"name": DANA, "password": PASSWORD})
    sid = c.cookies[SESSION_COOKIE]
    with uow.read() as tx:
        stored = tx.users.get(DANA)
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)
    everything = dump(tmp_path / "store.db")
    for secret in (PASSWORD, token, sid):
        assert secret not in everything
    assert sha256(token) in everything and sha256(sid) in everything
    assert len(token) >= 40 and len(sid) >= 40  # 256 random bits, url-safe base64


# ------------------------------------------------------------------ tokens and sessions


def test_a_revoked_token_is_refused(uow: UnitOfWork) -> None:
    new = create_token(uow, Actor.of(DANA), DANA, "erp")
    c = client(uow)
    bearer = {"Authorization": f"Bearer {new.token}"}
    assert c.get("/api/me", headers=bearer).json()["user"] == DANA
    revoke_token(uow, Actor.of(DANA), DANA, new.id)
    r = c.get("/api/me", headers=bearer)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert c.get("/api/me", headers={"Authorization": "Bearer snop_forged"}).status_code == 401
    assert c.get("/api/me", headers={"Authorization": f"Basic {new.token}"}).status_code == 401


def test_an_expired_session_is_refused(uow: UnitOfWork) -> None:
    live = start_session(uow, Actor.of(DANA))
    gone = start_session(uow, Actor.of(DANA), hours=-1)  # ended an hour ago
    c, d = client(uow), client(uow)
    c.cookies.set(SESSION_COOKIE, live.id)
    d.cookies.set(SESSION_COOKIE, gone.id)
    assert c.get("/api/me").status_code == 200
    r = d.get("/api/me")
    assert r.status_code == 401
    assert "ended" in r.json()["error"]["message"]


def test_logout_ends_the_session_in_the_store(uow: UnitOfWork) -> None:
    c = client(uow)
    csrf = login(c, DANA)
    sid = c.cookies[SESSION_COOKIE]
    assert c.get("/api/me").json() == {
        "user": DANA,
        "roles": ["demand_planner"],
        "csrf_token": csrf,
    }
    assert c.post("/api/logout", headers={"X-CSRF-Token": csrf}).json()["logged_out"] is True
    # the old cookie, sent again, no longer opens anything
    other = client(uow)
    other.cookies.set(SESSION_COOKIE, sid)
    assert other.get("/api/me").status_code == 401
    with uow.read() as tx:
        assert tx.users.session(sha256(sid), "0000") is None


def test_the_session_cookie_is_httponly_secure_and_samesite_lax(uow: UnitOfWork) -> None:
    r = client(uow).post("/api/login", json={"name": DANA, "password": PASSWORD})
    assert r.status_code == 200
    raw = r.headers["set-cookie"]
    morsel = SimpleCookie(raw)[SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert r.json()["csrf_token"] not in raw  # the CSRF token is not in the cookie


# ------------------------------------------------------------------ logins


def test_a_wrong_password_and_an_unknown_user_get_the_same_refusal(uow: UnitOfWork) -> None:
    c = client(uow)
    wrong = c.post("/api/login", json={"name": DANA, "password": "not-her-password"})
    nobody = c.post("/api/login", json={"name": "nobody", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()
    assert SESSION_COOKIE not in c.cookies


def test_logins_are_rate_limited_even_the_right_password(uow: UnitOfWork) -> None:
    """Five failures a minute, then even the right password gets 429; once the window
    has moved on past the failures, the right password logs in again."""
    c = client(uow)
    codes = [
        c.post("/api/login", json={"name": DANA, "password": f"guess-number-{k}"}).status_code
        for k in range(5)
    ]
    assert codes == [401] * 5
    r = c.post("/api/login", json={"name": DANA, "password": PASSWORD})
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "too_many"
    assert 50 <= r.json()["error"]["retry_after"] <= 61
    assert SESSION_COOKIE not in c.cookies
    # another user from the same address is refused too (the address's own count)
    other = c.post("/api/login", json={"name": BY_ROLE["executive"], "password": PASSWORD})
    assert other.status_code == 429
    limiter: LoginLimiter = c.app.state.logins  # type: ignore[attr-defined]
    for failures in limiter.failures.values():  # a minute and a second ago
        aged = [at - 61.0 for at in failures]
        failures.clear()
        failures.extend(aged)
    assert c.post("/api/login", json={"name": DANA, "password": PASSWORD}).status_code == 200


# ------------------------------------------------------------------ four eyes


def test_the_submitter_may_not_approve_their_own_plan(uow: UnitOfWork) -> None:
    eve, ed = Actor.of("eve", "executive"), Actor.of("ed", "executive")
    assert submit(uow, eve).status == PlanStatus.SUBMITTED
    with pytest.raises(NotAllowed, match="eve submitted this plan and may not also approve"):
        approve(uow, eve)
    plan = approve(uow, ed)
    assert plan.status == PlanStatus.APPROVED
    assert (plan.record["submitted_by"], plan.record["approved_by"]) == ("eve", "ed")


def test_the_setting_allow_self_approval_lets_the_submitter_approve(tmp_path: Path) -> None:
    uow = users_store(tmp_path, self_approval=True)
    try:
        eve = Actor.of("eve", "executive")
        submit(uow, eve)
        plan = approve(uow, eve)
        assert plan.status == PlanStatus.APPROVED
        assert plan.record["submitted_by"] == plan.record["approved_by"] == "eve"
    finally:
        uow.dispose()


# ------------------------------------------------------------------ the CLI as a user


def test_the_cli_refuses_an_unknown_user(uow: UnitOfWork, tmp_path: Path) -> None:
    r = snop("--db", tmp_path / "store.db", "--user", "mallory", "cycle", "signoff", "data")
    assert r.exit_code == 1 and not r.traceback
    assert "'mallory' is not a user of this store" in r.stderr
    assert "--user NAME" in r.stderr


def test_the_cli_acts_as_the_user_of_snop_token(uow: UnitOfWork, tmp_path: Path) -> None:
    token = token_of(uow, DANA)["Authorization"].removeprefix("Bearer ")
    db = tmp_path / "store.db"
    r = snop("--db", db, "cycle", "signoff", "data", "--json", env={"SNOP_TOKEN": token})
    assert r.exit_code == 0, r.stderr
    assert r.json()["signed_by"] == DANA
    # the token's user, not another name
    r = snop("--db", db, "--user", "erin", "cycle", "status", env={"SNOP_TOKEN": token})
    assert r.exit_code == 1 and f"SNOP_TOKEN is a token of {DANA}, not of erin" in r.stderr
    r = snop("--db", db, "cycle", "status", env={"SNOP_TOKEN": "snop_forged"})
    assert r.exit_code == 1 and not r.traceback and "not valid" in r.stderr


def test_the_cli_refuses_a_role_the_user_does_not_hold(uow: UnitOfWork, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    r = snop("--db", db, "--user", DANA, "cycle", "signoff", "data", "--role", "executive")
    assert r.exit_code == 1 and not r.traceback
    assert f"{DANA} does not hold role executive" in r.stderr
    with uow.read() as tx:
        assert not [a for a in tx.cycles.audit_trail() if a["action"] == "signoff"]
    r = snop("--db", db, "--user", DANA, "cycle", "signoff", "data", "--role", "demand_planner")
    assert r.exit_code == 0, r.stderr
