"""Workbook import and export: read, validate, write."""

from __future__ import annotations

from pathlib import Path

from snop.io.problems import Problem, Severity, WorkbookInvalid
from snop.io.reader import read_raw
from snop.io.validate import ValidationResult, validate
from snop.io.writer import write_workbook
from snop.model.workbook import Workbook

__all__ = [
    "Problem",
    "Severity",
    "ValidationResult",
    "WorkbookInvalid",
    "check_workbook",
    "read_workbook",
    "write_workbook",
]


def check_workbook(
    path: Path, base: Workbook | None = None, replace_sales: bool = False
) -> ValidationResult:
    """Read and validate a CSV folder or .xlsx (merged over ``base`` when given)."""
    return validate(read_raw(Path(path)), base, replace_sales)


def read_workbook(path: Path) -> Workbook:
    """Read a workbook on its own; raise :class:`WorkbookInvalid` listing every error."""
    result = check_workbook(Path(path))
    if result.workbook is None:
        raise WorkbookInvalid(result.problems, str(path), "the workbook was not used")
    return result.workbook
