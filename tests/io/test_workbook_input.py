"""Hostile and unusual workbooks: every problem at once, planning-only workbooks, empty sales,
numbers and text the store cannot hold, files that are not workbooks."""

from __future__ import annotations

from pathlib import Path

from snop.io import check_workbook
from tests.workbooks import SMALL, write_small


def _edit(table: str, old: str, new: str, changes: dict[str, str]) -> None:
    text = changes.get(table, SMALL[table])
    assert old in text, (table, old)
    changes[table] = text.replace(old, new, 1)


def test_one_broken_header_does_not_hide_the_reference_errors(tmp_path: Path) -> None:
    changes: dict[str, str] = {}
    _edit("inventory", "item,on_hand", "item,onhand", changes)  # structural: table unusable
    _edit("sales", "A1,2026-06,110", "A9,2026-06,110", changes)  # row 3: unknown item
    _edit("families", "0.5,P1\n", "0.5,P9\n", changes)  # row 2: unknown pool
    _edit("routings", "F2,R1,0.2", "F2,R7,0.2", changes)  # row 3: unknown resource
    _edit("budget", "F1,2026-11,2000", "F7,2026-11,2000", changes)  # row 2: unknown family
    result = check_workbook(write_small(tmp_path / "wb", changes))
    found = {(p.source, p.row, p.column) for p in result.errors}
    assert ("inventory.csv", 1, "on_hand") in found  # the required column is missing
    for where in [("sales.csv", 3, "item"), ("families.csv", 2, "workforce_pool"),
                  ("routings.csv", 3, "resource"), ("budget.csv", 2, "family")]:
        assert where in found, (where, sorted(map(str, result.errors)))
    # the inventory table did not parse: its rows are not checked against items
    assert not any(p.source == "inventory.csv" and p.row not in (1, None) for p in result.errors)


def test_a_broken_referenced_table_is_not_blamed_on_its_users(tmp_path: Path) -> None:
    """The workforce table lacks its key column: the families naming pool P1 are not
    reported as naming an unknown pool (only the workforce header is)."""
    changes: dict[str, str] = {}
    _edit("workforce", "pool,initial_workers", "pol,initial_workers", changes)
    result = check_workbook(write_small(tmp_path / "wb", changes))
    sources = {p.source for p in result.errors}
    assert sources == {"workforce.csv"}, sorted(map(str, result.errors))
