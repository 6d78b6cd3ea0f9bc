"""The kpi_targets workbook table: each target names a KPI of the card, a family of the
workbook (blank: every family and the total) and a range with at least one bound."""

from __future__ import annotations

import math
from pathlib import Path

from snop.io import check_workbook
from tests.workbooks import write_small

TARGETS = """kpi,family,min,max
accuracy,,0.8,
bias,,-0.05,0.05
days_of_supply,,5,20
accuracy,F2,0.6,
tracking_signal,F1,-4,4
"""

# One bad row per rule: (line, column, phrase of the message)
BAD: list[tuple[str, str, str]] = [
    ("accuracy,F9,0.5,", "family", "is not a family"),
    ("turns,F1,,", "min", "is blank, and so is max; give the lowest turns on target"),
    ("days_of_supply,F1,20,5", "min", "20 is above max 5; the days_of_supply target is"),
    ("speed,,1,", "kpi", "expected one of accuracy, bias, item_accuracy"),
    # a bound that is not a number is its own error, not also "both blank"
    ("fill_rate,F2,abc,", "min", "is not a number"),
]


def test_valid_targets_have_no_problems(tmp_path: Path) -> None:
    result = check_workbook(write_small(tmp_path / "wb", {"kpi_targets": TARGETS}))
    assert result.problems == []
    assert result.workbook is not None
    t = result.workbook.table("kpi_targets")
    assert list(t["kpi"]) == ["accuracy", "bias", "days_of_supply", "accuracy", "tracking_signal"]
    assert list(t["min"]) == [0.8, -0.05, 5.0, 0.6, -4.0]
    assert math.isnan(t["max"].iloc[0]) and t["max"].iloc[2] == 20.0
    # the blank family reads as no family
    assert [isinstance(f, str) for f in t["family"]] == [False, False, False, True, True]


def test_each_rule_names_row_column_and_what_is_valid(tmp_path: Path) -> None:
    text = TARGETS
    where: list[tuple[int, str, str]] = []
    for line, column, phrase in BAD:
        where.append((text.count("\n") + 1, column, phrase))
        text += line + "\n"
    result = check_workbook(write_small(tmp_path / "wb", {"kpi_targets": text}))
    errors = {(p.source, p.row, p.column): str(p) for p in result.errors}
    assert sorted(errors) == sorted(("kpi_targets.csv", r, c) for r, c, _ in where), errors
    for row, column, phrase in where:
        assert phrase in errors[("kpi_targets.csv", row, column)], (row, errors)


def test_a_duplicate_target_is_refused(tmp_path: Path) -> None:
    text = TARGETS + "accuracy,,0.7,\n"
    result = check_workbook(write_small(tmp_path / "wb", {"kpi_targets": text}))
    assert [(p.source, p.row) for p in result.errors] == [("kpi_targets.csv", 7)]
