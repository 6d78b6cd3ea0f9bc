"""docs/workbook.md documents every table and column of the schema."""

from __future__ import annotations

from pathlib import Path

from snop.model.schema import TABLES

DOC = Path(__file__).parents[1] / "docs" / "workbook.md"


def test_every_table_and_column_is_documented() -> None:
    text = DOC.read_text()
    for name, spec in TABLES.items():
        assert f"## `{name}`" in text, name
        for col in spec.columns:
            assert f"| `{col.name}` |" in text, f"{name}.{col.name}"
