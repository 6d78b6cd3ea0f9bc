"""snop.learning is domain code: no store, service, cycle or door, no SQL, no printing.

(tests/test_architecture.py checks the older domain packages the same way.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "snop" / "learning"
FORBIDDEN = ("snop.store", "snop.services", "snop.cycle", "snop.cli", "sqlalchemy", "sqlite3")


def _imports(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


MODULES = sorted(PACKAGE.glob("*.py"))


def test_the_package_is_there() -> None:
    assert {p.name for p in MODULES} >= {"kpis.py", "exceptions.py", "waterfall.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_learning_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = sorted(
        m for m in _imports(tree) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    )
    assert not bad, f"{path.name} imports {bad}"
    prints = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
    ]
    assert not prints, f"{path.name} prints at lines {prints}"
