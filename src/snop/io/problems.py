"""Problems found in a workbook: where (file, row, column), what was there, what is valid."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from snop.errors import SnopError


class Severity(StrEnum):
    ERROR = "error"  # blocks the import
    WARNING = "warning"  # imported as documented, but worth a look


@dataclass(frozen=True)
class Problem:
    """One problem. ``row`` is the row number the user sees (header = row 1), 0 = stored."""

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.source
        if self.row:
            where += f" row {self.row}"
        elif self.row == 0:
            where += " (already in the store)"
        if self.column:
            where += f", column {self.column}"
        value = "" if self.value is None else f"{self.value!r}: "
        return f"{where}: {value}{self.message}"


class WorkbookInvalid(SnopError):
    """A workbook with errors; carries every problem found, not only the first."""

    def __init__(
        self, problems: list[Problem], source: str, outcome: str = "nothing was imported"
    ) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if len(errors) == 1:  # one line, as every other user error
            super().__init__(f"{errors[0]} ({outcome})")
            return
        lines = [f"{source}: {len(errors)} error(s); {outcome}."]
        lines += [f"  {p}" for p in errors]
        super().__init__("\n".join(lines))
