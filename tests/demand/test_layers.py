"""The demand package is pure domain code: no SQL, no store, no services, no printing."""

from __future__ import annotations

import ast
from pathlib import Path

import snop

DEMAND = Path(snop.__file__).parent / "demand"
FORBIDDEN = ("sqlalchemy", "snop.store", "snop.services", "snop.cli")
LEAVING = {"cycle_step.py"}  # the cycle step moves out of the package


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_demand_package_imports_no_store_and_prints_nothing() -> None:
    modules = sorted(p for p in DEMAND.glob("*.py") if p.name not in LEAVING)
    assert {p.name for p in modules} >= {"review.py", "accuracy.py", "replay.py"}
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad = [n for n in _imports(tree) if n.startswith(FORBIDDEN)]
        assert bad == [], f"{path.name} imports {bad}"
        prints = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ]
        assert prints == [], f"{path.name} prints on lines {prints}"
