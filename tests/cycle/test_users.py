"""``snop user``: the store's users, their roles, passwords and tokens; the CLI acting as a
user of the store once it has users; ``snop serve`` refusing a store without users."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from snop.services.context import UnitOfWork
from snop.services.users import authenticate, digest
from tests.cli import snop

PASSWORD = "correct horse battery"


def _add(db: Path, name: str, *roles: str, by: str | None = None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    who = ["--user", by] if by else []
    args = [a for r in roles for a in ("--role", r)]
    return snop(
        "--db", db, *who, "user", "add", name, *args, "--password-stdin", input=password + "\n"
    )


def test_users_roles_passwords_and_tokens(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    r = _add(db, "ada", "sales")
    assert r.exit_code == 1 and "the first user" in r.stderr and "--role admin" in r.stderr
    assert _add(db, "ada", "admin").exit_code == 0
    # now the store has users: who acts must be one of them, and an admin adds users
    r = _add(db, "bob", "sales")
    assert r.exit_code == 1 and "is not a user of this store" in r.stderr
    assert _add(db, "bob", "sales", "marketing", by="ada").exit_code == 0
    r = _add(db, "cy", "sales", by="bob")
    assert r.exit_code == 1 and "bob may not add users: an admin may" in r.stderr
    r = _add(db, "cy", "wizard", by="ada")
    assert r.exit_code == 1 and "role wizard is not known" in r.stderr
    r = _add(db, "cy", "sales", by="ada", password="short")
    assert r.exit_code == 1 and "at least 10 characters" in r.stderr
    listed = snop("--db", db, "--user", "bob", "user", "list", "--json").json()
    assert [(u["name"], u["roles"], u["demo"]) for u in listed] == [
        ("ada", ["admin"], False),
        ("bob", ["marketing", "sales"], False),
    ]
    # a token: shown once, kept as its SHA-256, acting as its user
    made = snop("--db", db, "--user", "bob", "user", "token", "bob", "--json").json()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select token_hash from api_token")).scalar_one()
        hashed = conn.execute(sa.text("select password_hash from app_user")).scalars().all()
    engine.dispose()
    assert stored == digest(made["token"]) and made["token"] not in stored
    assert all(h.startswith("$argon2") for h in hashed)
    # passwords: bob changes his own; not ada's
    r = snop(
        "--db",
        db,
        "--user",
        "bob",
        "user",
        "passwd",
        "bob",
        "--password-stdin",
        input="a new long password\n",
    )
    assert r.exit_code == 0
    r = snop(
        "--db",
        db,
        "--user",
        "bob",
        "user",
        "passwd",
        "ada",
        "--password-stdin",
        input="a new long password\n",
    )
    assert r.exit_code == 1 and "may not change the password of ada" in r.stderr
    uow = UnitOfWork.open(str(db))
    try:
        assert authenticate(uow, "bob", "a new long password").roles == {"sales", "marketing"}
    finally:
        uow.dispose()


def test_the_cli_acts_only_in_the_roles_a_user_holds(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert _add(db, "ada", "admin").exit_code == 0
    assert _add(db, "sam", "sales", by="ada").exit_code == 0
    token = snop("--db", db, "--user", "ada", "user", "token", "sam", "--json").json()["token"]
    r = snop(
        "--db", db, "--user", "sam", "cycle", "signoff", "demand_review", "--role", "demand_planner"
    )
    assert r.exit_code == 1 and "sam does not hold role demand_planner" in r.stderr
    r = snop("--db", db, "user", "list", env={"SNOP_TOKEN": token})
    assert r.exit_code == 0, r.stderr
    r = snop("--db", db, "--user", "ada", "user", "list", env={"SNOP_TOKEN": token})
    assert r.exit_code == 1 and "a token of sam, not of ada" in r.stderr
    r = snop("--db", db, "user", "list", env={"SNOP_TOKEN": "snop_forged"})
    assert r.exit_code == 1 and "not valid" in r.stderr


def test_serve_refuses_a_store_without_users(tmp_path: Path) -> None:
    r = snop("--db", tmp_path / "s.db", "serve", "--port", "0")
    assert r.exit_code == 1 and "snop user add NAME --role admin" in r.stderr
