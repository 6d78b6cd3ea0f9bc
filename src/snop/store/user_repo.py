"""Users, API tokens and web sessions (the SQL; the rules are in snop.services.users)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from snop.store.tables import api_token, app_user, web_session


@dataclass(frozen=True)
class UserRow:
    name: str
    roles: tuple[str, ...]
    password_hash: str | None
    demo: bool
    created_at: str
    disabled_at: str | None = None


@dataclass(frozen=True)
class TokenRow:
    id: int
    user_name: str
    label: str
    created_at: str
    revoked_at: str | None = None


class UserRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(app_user)).scalar_one())

    def get(self, name: str) -> UserRow | None:
        r = self.conn.execute(sa.select(app_user).where(app_user.c.name == name)).mappings().first()
        return None if r is None else _user(dict(r))

    def all(self) -> list[UserRow]:
        rows = self.conn.execute(sa.select(app_user).order_by(app_user.c.name)).mappings()
        return [_user(dict(r)) for r in rows]

    def add(self, user: UserRow) -> None:
        self.conn.execute(
            app_user.insert().values(
                name=user.name,
                roles=",".join(user.roles),
                password_hash=user.password_hash,
                demo=user.demo,
                created_at=user.created_at,
                disabled_at=user.disabled_at,
            )
        )

    def update(self, name: str, **values: object) -> int:
        if "roles" in values:
            values["roles"] = ",".join(values["roles"])  # type: ignore[arg-type]
        done = self.conn.execute(app_user.update().where(app_user.c.name == name).values(**values))
        return int(done.rowcount)

    def add_token(self, user: str, token_hash: str, label: str, at: str) -> int:
        done = self.conn.execute(
            api_token.insert().values(
                user_name=user, token_hash=token_hash, label=label, created_at=at
            )
        )
        return int(done.inserted_primary_key[0])  # type: ignore[index]

    def token_user(self, token_hash: str) -> str | None:
        """The user of a live token (not revoked)."""
        q = sa.select(api_token.c.user_name).where(
            api_token.c.token_hash == token_hash, api_token.c.revoked_at.is_(None)
        )
        found = self.conn.execute(q).scalar_one_or_none()
        return None if found is None else str(found)

    def tokens(self, user: str) -> list[TokenRow]:
        q = (
            sa.select(
                api_token.c.id,
                api_token.c.user_name,
                api_token.c.label,
                api_token.c.created_at,
                api_token.c.revoked_at,
            )
            .where(api_token.c.user_name == user)
            .order_by(api_token.c.id)
        )
        return [TokenRow(**dict(r)) for r in self.conn.execute(q).mappings()]

    def revoke_token(self, token_id: int, user: str, at: str) -> int:
        done = self.conn.execute(
            api_token.update()
            .where(
                api_token.c.id == token_id,
                api_token.c.user_name == user,
                api_token.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return int(done.rowcount)

    def add_session(self, session_hash: str, user: str, csrf: str, at: str, until: str) -> None:
        self.conn.execute(
            web_session.insert().values(
                session_hash=session_hash,
                user_name=user,
                csrf=csrf,
                created_at=at,
                expires_at=until,
            )
        )

    def session(self, session_hash: str, at: str) -> tuple[str, str] | None:
        """(user, csrf token) of a session that has not expired at ``at``."""
        q = sa.select(web_session.c.user_name, web_session.c.csrf).where(
            web_session.c.session_hash == session_hash, web_session.c.expires_at > at
        )
        r = self.conn.execute(q).first()
        return None if r is None else (str(r[0]), str(r[1]))

    def end_session(self, session_hash: str) -> None:
        self.conn.execute(web_session.delete().where(web_session.c.session_hash == session_hash))

    def end_sessions(self, user: str) -> None:
        self.conn.execute(web_session.delete().where(web_session.c.user_name == user))


def _user(r: dict[str, object]) -> UserRow:
    roles = tuple(x for x in str(r.pop("roles")).split(",") if x)
    return UserRow(roles=roles, **r)  # type: ignore[arg-type]
