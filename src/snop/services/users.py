"""Users, their roles, passwords, API tokens and web sessions (docs/security.md).

A store without users is a single planner's: the local CLI acts in the roles it is told.
Once a user exists, every door acts as a known user in that user's roles only: the web app
and the API after a login or with a token, the CLI as ``--user`` (or the user of the token
in ``SNOP_TOKEN``). There is no default password; the demo company's users are marked as
demo users and their passwords are documented.

Passwords are kept as argon2 hashes; API tokens and session ids are 256 random bits, kept
as their SHA-256 (a fast hash suffices for random secrets and keeps each request cheap).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from snop.errors import NotAllowed, NotFoundError, SnopError
from snop.model.limits import text_problem
from snop.model.vocabulary import Role
from snop.services.context import Actor, Tx, UnitOfWork, now
from snop.store.user_repo import UserRow

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; a cap stops a megabyte "password"
SESSION_HOURS = 12
TOKEN_PREFIX = "snop_"
# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): tens of milliseconds
# a login on a small server, and still memory-hard against guessing on GPUs
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# verified when the user is unknown, so that a wrong name takes as long as a wrong password
_DUMMY = _HASHER.hash("not a password of anyone")
ROLES = tuple(r.value for r in Role)


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]
    demo: bool
    created_at: str
    has_password: bool
    disabled: bool = False


@dataclass(frozen=True)
class NewToken:
    """A token as created: ``token`` is shown once and never stored."""

    id: int
    user: str
    label: str
    token: str


@dataclass(frozen=True)
class Session:
    id: str  # the cookie's value, shown once
    csrf: str  # the token forms and HTMX requests send back
    user: str
    expires_at: str


def digest(secret: str) -> str:
    """The SHA-256 a token or session id is kept as."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def users_exist(uow: UnitOfWork) -> bool:
    with uow.read() as tx:
        return tx.users.count() > 0


def list_users(uow: UnitOfWork, actor: Actor) -> list[User]:
    with uow.read() as tx:
        return [_public(u) for u in tx.users.all()]


def add_user(
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    roles: list[str],
    password: str | None = None,
    *,
    demo: bool = False,
) -> User:
    """Add user ``name`` in ``roles``. Only an admin may, once users exist; the first user
    of a store must be an admin (whoever sets the store up)."""
    name = (name or "").strip()
    problem = text_problem(name, key=True)
    if not name or problem:
        raise SnopError(f"user name {name!r}: {problem or 'give a name'}")
    roles = check_roles(roles)
    if password is not None:
        check_password(password, name)
    with uow.write(plans=False) as tx:
        first = tx.users.count() == 0
        if first and Role.ADMIN.value not in roles:
            raise SnopError(
                "the first user of a store manages the others: give them --role admin too"
            )
        if not first:
            _admin(tx, actor, "add users")
        if tx.users.get(name) is not None:
            raise SnopError(f"user {name} exists already; snop user passwd changes a password")
        row = UserRow(
            name,
            tuple(roles),
            None if password is None else _HASHER.hash(password),
            demo,
            now(),
        )
        tx.users.add(row)
        tx.cycles.audit(
            row.created_at, actor.name, "user add", None, {"user": name, "roles": roles}
        )
    return _public(row)


def set_password(uow: UnitOfWork, actor: Actor, name: str, password: str) -> None:
    """A user changes their own password, or an admin anyone's; their sessions end."""
    check_password(password, name)
    with uow.write(plans=False) as tx:
        _user(tx, name)
        if actor.name != name:
            _admin(tx, actor, f"change the password of {name}")
        tx.users.update(name, password_hash=_HASHER.hash(password))
        tx.users.end_sessions(name)
        tx.cycles.audit(now(), actor.name, "user passwd", None, {"user": name})


def set_roles(uow: UnitOfWork, actor: Actor, name: str, roles: list[str]) -> User:
    roles = check_roles(roles)
    with uow.write(plans=False) as tx:
        before = _user(tx, name)
        _admin(tx, actor, "change roles")
        tx.users.update(name, roles=tuple(roles))
        tx.cycles.audit(
            now(),
            actor.name,
            "user roles",
            None,
            {"user": name, "before": list(before.roles), "after": roles},
        )
        after = tx.users.get(name)
    assert after is not None
    return _public(after)


def create_token(uow: UnitOfWork, actor: Actor, name: str, label: str = "") -> NewToken:
    """A new API token of ``name`` (for themselves, or an admin for anyone)."""
    label = (label or "api").strip()
    problem = text_problem(label, key=False)
    if problem:
        raise SnopError(f"token label: {problem}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow.write(plans=False) as tx:
        _user(tx, name)
        if actor.name != name:
            _admin(tx, actor, f"make a token for {name}")
        at = now()
        token_id = tx.users.add_token(name, digest(token), label, at)
        tx.cycles.audit(at, actor.name, "token add", None, {"user": name, "id": token_id})
    return NewToken(token_id, name, label, token)


def revoke_token(uow: UnitOfWork, actor: Actor, name: str, token_id: int) -> None:
    with uow.write(plans=False) as tx:
        _user(tx, name)
        if actor.name != name:
            _admin(tx, actor, f"revoke a token of {name}")
        if not tx.users.revoke_token(token_id, name, now()):
            raise NotFoundError(f"user {name} has no live token {token_id}")
        tx.cycles.audit(now(), actor.name, "token revoke", None, {"user": name, "id": token_id})


# ------------------------------------------------------------------ who is acting


def authenticate(uow: UnitOfWork, name: str, password: str) -> Actor:
    """The actor of a correct user name and password; NotAllowed otherwise (the same
    message for a wrong name and a wrong password)."""
    refused = NotAllowed("wrong user name or password")
    if len(password) > MAX_PASSWORD:
        raise refused
    with uow.read() as tx:
        user = tx.users.get(name)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if user is None or not user.password_hash or user.disabled_at:
        raise refused
    return Actor(user.name, frozenset(user.roles))


def actor_of_token(uow: UnitOfWork, token: str) -> Actor:
    with uow.read() as tx:
        name = tx.users.token_user(digest(token))
        user = None if name is None else tx.users.get(name)
    if user is None or user.disabled_at:
        raise NotAllowed("the token is not valid (revoked, or not a token of this store)")
    return Actor(user.name, frozenset(user.roles))


def actor_of_user(uow: UnitOfWork, name: str, roles: list[str]) -> Actor:
    """A named user of the store acting in ``roles`` (each one theirs; none: all theirs)."""
    with uow.read() as tx:
        user = tx.users.get(name)
        names = [u.name for u in tx.users.all()][:8]
    if user is None or user.disabled_at:
        raise NotAllowed(
            f"{name!r} is not a user of this store, which has users ({', '.join(names)}): "
            "act as one with --user NAME, or with their token in SNOP_TOKEN"
        )
    foreign = [r for r in roles if r not in user.roles]
    if foreign:
        raise NotAllowed(
            f"{name} does not hold role {', '.join(foreign)} (their roles: {', '.join(user.roles)})"
        )
    return Actor(user.name, frozenset(roles or user.roles))


def start_session(uow: UnitOfWork, actor: Actor, hours: int = SESSION_HOURS) -> Session:
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = datetime.now(UTC)
    until = (at + timedelta(hours=hours)).isoformat(timespec="seconds")
    with uow.write(plans=False) as tx:
        tx.users.add_session(digest(sid), actor.name, csrf, at.isoformat(timespec="seconds"), until)
        tx.cycles.audit(now(), actor.name, "login", None, {})
    return Session(sid, csrf, actor.name, until)


def session_actor(uow: UnitOfWork, session_id: str) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session, or None."""
    with uow.read() as tx:
        found = tx.users.session(digest(session_id), now())
        user = None if found is None else tx.users.get(found[0])
    if found is None or user is None or user.disabled_at:
        return None
    return Actor(user.name, frozenset(user.roles)), found[1]


def end_session(uow: UnitOfWork, session_id: str) -> None:
    with uow.write(plans=False) as tx:
        tx.users.end_session(digest(session_id))


# ------------------------------------------------------------------ rules


def check_roles(roles: list[str]) -> list[str]:
    out = sorted({(r or "").strip() for r in roles if (r or "").strip()})
    if not out:
        raise SnopError(f"give a user at least one role: {', '.join(ROLES)}")
    unknown = [r for r in out if r not in ROLES]
    if unknown:
        raise SnopError(f"role {', '.join(unknown)} is not known; the roles: {', '.join(ROLES)}")
    return out


def check_password(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise SnopError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise SnopError(f"a password has at most {MAX_PASSWORD} characters")
    if password.strip().lower() == name.lower():
        raise SnopError("a password must not be the user name")


def _admin(tx: Tx, actor: Actor, what: str) -> None:
    user = tx.users.get(actor.name)
    if user is None or Role.ADMIN.value not in user.roles:
        raise NotAllowed(f"{actor.name} may not {what}: an admin may")


def _user(tx: Tx, name: str) -> UserRow:
    user = tx.users.get(name)
    if user is None:
        raise NotFoundError(f"there is no user {name!r}")
    return user


def _public(u: UserRow) -> User:
    return User(
        u.name,
        u.roles,
        u.demo,
        u.created_at,
        u.password_hash is not None,
        u.disabled_at is not None,
    )
