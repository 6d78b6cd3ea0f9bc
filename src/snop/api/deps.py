"""Who is calling, checked on every request (docs/security.md).

* ``Authorization: Bearer TOKEN``: an API token of a user (scripts, ERPs, BI tools);
* else the session cookie of a login (the web pages), which is HTTP-only, Secure and
  SameSite=Lax; a request that changes something must then also carry the session's CSRF
  token, in the ``X-CSRF-Token`` header (HTMX sends it) or a ``csrf_token`` form field.

Write routes also say which roles may call them (:func:`writer`); the services then apply
their own finer rules (which layer a role edits, which step it signs, four eyes on the
approval). A store without users has no web doors: add one with ``snop user add``.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from snop.api.errors import ApiError
from snop.errors import NotAllowed
from snop.model.vocabulary import Role
from snop.services.context import Actor, UnitOfWork
from snop.services.users import actor_of_token, session_actor

SESSION_COOKIE = "snop_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# every role that plans (not the viewer, nor the admin, who manages users only)
PLANNERS = tuple(r for r in Role if r not in (Role.VIEWER, Role.ADMIN))


def store(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


async def current_actor(request: Request) -> Actor:
    """The caller, by token or by session (with its CSRF token on a change); 401 else."""
    if hasattr(request.state, "actor"):
        return request.state.actor  # type: ignore[no-any-return]
    uow = store(request)
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "send 'Authorization: Bearer TOKEN' (an API token)")
        try:
            actor = await run_in_threadpool(actor_of_token, uow, token.strip())
        except NotAllowed as e:
            raise ApiError(401, str(e)) from None
    else:
        actor = await _session(request, uow)
    request.state.actor = actor
    return actor


async def _session(request: Request, uow: UnitOfWork) -> Actor:
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        raise ApiError(401, "log in (POST /api/login), or send 'Authorization: Bearer TOKEN'")
    found = await run_in_threadpool(session_actor, uow, sid)
    if found is None:
        raise ApiError(401, "the session has ended; log in again")
    actor, csrf = found
    request.state.csrf = csrf
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and _is_form(request):
            sent = str((await request.form()).get(CSRF_FIELD) or "")
        if not sent or not secrets.compare_digest(sent, csrf):
            raise ApiError(403, f"the CSRF token is missing or wrong (send {CSRF_HEADER})")
    return actor


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def writer(*roles: Role | str) -> Callable[[Request], Awaitable[Actor]]:
    """A dependency: the caller, when they hold one of ``roles``; 403 otherwise."""
    allowed = tuple(str(r) for r in roles)

    async def check(request: Request) -> Actor:
        actor = await current_actor(request)
        if not set(allowed) & actor.roles:
            raise ApiError(
                403,
                f"{actor.name} (role {', '.join(sorted(actor.roles))}) may not do this; "
                f"role {' or '.join(allowed)} may",
            )
        return actor

    check.roles = allowed  # type: ignore[attr-defined]  # read by the route-table tests
    return check


class LoginLimiter:
    """At most ``limit`` failed logins per client address (and per user name) in
    ``window`` seconds; more is refused with 429 until the window moves on."""

    def __init__(self, limit: int = 5, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def check(self, *keys: str) -> None:
        at = time.monotonic()
        for key in keys:
            q = self.failures[key]
            while q and at - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                wait = int(self.window - (at - q[0])) + 1
                raise ApiError(
                    429, f"too many failed logins; try again in {wait} s", retry_after=wait
                )

    def failed(self, *keys: str) -> None:
        at = time.monotonic()
        for key in keys:
            self.failures[key].append(at)
