"""Step 0 of the cycle, data gathering: load a workbook into the store, or write it back out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from snop.errors import NotFoundError
from snop.io import Problem, WorkbookInvalid, check_workbook, write_workbook
from snop.io.atomic import Written
from snop.store.db import write_transaction
from snop.store.workbook_repo import load_workbook, save_workbook


@dataclass
class ImportResult:
    rows: dict[str, int]
    warnings: list[Problem]


def import_workbook(engine: Engine, path: Path, replace_sales: bool = False) -> ImportResult:
    """Validate ``path`` merged over what the store holds and save it in one transaction.

    Tables the workbook contains replace the stored ones; tables it leaves out are kept.
    Sales rows are merged by key (item, period, location, customer, channel) so a file of new
    actuals adds to the history; ``replace_sales`` replaces the whole history instead.
    Raises :class:`WorkbookInvalid` (listing every error) and changes nothing on errors.
    The store is read under the write lock, so an import running at the same time is either
    wholly before this one (and merged into it) or wholly after.
    """
    with write_transaction(engine) as conn:
        base = load_workbook(conn)
        result = check_workbook(Path(path), base, replace_sales)
        if result.workbook is None:
            raise WorkbookInvalid(result.problems, str(path))
        rows = save_workbook(conn, result.workbook)
    return ImportResult(rows, result.warnings)


def export_store(engine: Engine, dest: Path) -> Written:
    """Write the stored workbook to a CSV folder or an .xlsx file (see :func:`write_workbook`:
    the files written, and the stale table CSVs removed from the folder)."""
    wb = load_workbook(engine)
    if wb is None:
        raise NotFoundError("the store is empty; run `snop import WORKBOOK` first")
    return write_workbook(wb, Path(dest))
