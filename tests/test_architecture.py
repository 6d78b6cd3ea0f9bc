"""The layering rules, checked on the source: SQL only in store/, pure domain packages,
thin doors. See docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "snop"
DOMAIN = (
    "forecasting",
    "demand",
    "supply",
    "finance",
    "integrated",
    "learning",
    "scenario",
    "report",
)
DATABASE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg", "sqlite3")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _package(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 else ""


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (at any depth, also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_sql_lives_only_in_the_store(path: Path) -> None:
    if _package(path) == "store":
        return
    bad = sorted(m for m in _imports(path) if _under(m, *DATABASE_LIBRARIES))
    assert not bad, f"{path.name} imports {bad}: SQL belongs in snop/store/"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _package(p) in DOMAIN],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_domain_code_is_pure(path: Path) -> None:
    bad = sorted(
        m
        for m in _imports(path)
        if _under(m, "snop.store", "snop.services", "snop.cycle", "snop.cli")
    )
    assert not bad, f"{path.name} imports {bad}: domain code knows no store, service or door"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prints = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not prints, f"{path.name} prints (lines {prints}): domain code returns results"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if _package(p) == "cli"],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_doors_reach_the_store_only_through_services(path: Path) -> None:
    bad = sorted(m for m in _imports(path) if _under(m, "snop.store", "snop.cycle.rollforward"))
    assert not bad, f"{path.name} imports {bad}: a door calls a service (snop.services)"


def test_the_checks_see_the_packages() -> None:
    # a guard against the tests above passing on an empty or moved tree
    packages = {_package(p) for p in _modules()}
    assert {"store", "services", "cli", "cycle", *DOMAIN[:3]} <= packages
