"""Use cases of the data step: check a workbook, import it into the store, export it.

The first import into an empty store opens the first cycle (its first planning period
after the last actuals); later imports never move the current cycle. Sales of periods up to
the current cycle's actuals cut-off that an import adds or changes are *late actuals*: the
history takes them (the next forecast uses them), approved versions keep what they were
planned on, and each import that brings some writes an audit entry listing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from snop.cycle.model import Cycle
from snop.io import Problem, ValidationResult, WorkbookInvalid, check_workbook, write_workbook
from snop.io.atomic import Written
from snop.model.periods import parse_period
from snop.model.vocabulary import CycleStatus
from snop.model.workbook import Workbook
from snop.services.context import Actor, UnitOfWork, now, stored_workbook
from snop.services.steps import record_run

SALES_KEY = ["item", "period", "location", "customer", "channel"]


@dataclass(frozen=True)
class LateActual:
    """Sales of a period at or before the current cycle's cut-off that an import changed."""

    period: str
    rows: int  # rows added, changed or removed
    before: float  # the period's total units before the import
    after: float


@dataclass
class ImportResult:
    path: str
    rows: dict[str, int]
    warnings: list[Problem]
    cycle: Cycle
    opened: bool  # this import opened the store's first cycle
    late_actuals: list[LateActual] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # steps this import made stale


def validate_workbook(path: Path) -> ValidationResult:
    """Every problem of the workbook at ``path`` (nothing is stored)."""
    return check_workbook(Path(path))


def import_workbook(
    uow: UnitOfWork,
    actor: Actor,
    path: Path,
    *,
    replace_sales: bool = False,
    name: str | None = None,
) -> ImportResult:
    """Validate ``path`` merged over what the store holds and save it, all or nothing.

    Tables the workbook contains replace the stored ones; tables it leaves out are kept.
    Sales rows merge by key (item, period, location, customer, channel); ``replace_sales``
    replaces the whole history. Raises :class:`WorkbookInvalid` listing every error.
    ``name``: what the file is called in the result, the errors and the audit trail (an
    upload's own name, not where it was saved); default its path.
    """
    from snop.services.cycles import open_first_cycle

    shown = name or str(path)
    with uow.write() as tx:
        base = tx.workbook()
        result = check_workbook(Path(path), base, replace_sales)
        if result.workbook is None:
            raise WorkbookInvalid(result.problems, shown)
        wb = result.workbook
        current = tx.cycles.current()
        late = (
            late_actuals(base, wb, current.actuals_cutoff)
            if base is not None and current is not None and current.actuals_cutoff
            else []
        )
        rows = tx.save_workbook(wb)
        stale: list[str] = []
        opened = current is None
        if current is None:
            current = open_first_cycle(tx, actor, wb)
        elif current.status is CycleStatus.OPEN:
            stale = record_run(tx, actor, current.period, "data", {"rows": rows})
        if late:
            tx.cycles.audit(
                now(),
                actor.name,
                "late_actuals",
                current.period,
                {"file": shown, "periods": [la.__dict__ for la in late]},
            )
        tx.cycles.audit(now(), actor.name, "import", current.period, {"file": shown, "rows": rows})
    return ImportResult(shown, rows, result.warnings, current, opened, late, stale)


def late_actuals(old: Workbook, new: Workbook, cutoff: str) -> list[LateActual]:
    """Per period up to ``cutoff``: the sales rows the new history adds, changes or drops."""
    limit = parse_period(cutoff).ordinal

    def upto(wb: Workbook) -> pd.DataFrame:
        s = wb.sales
        if s.empty:
            return pd.DataFrame(columns=[*SALES_KEY, "qty"])
        keep = [parse_period(p).ordinal <= limit for p in s["period"]]
        return s.loc[keep, [*SALES_KEY, "qty"]].fillna({k: "" for k in SALES_KEY})

    a, b = upto(old), upto(new)
    both = a.merge(b, on=SALES_KEY, how="outer", suffixes=("_old", "_new"))
    changed = both[~(both["qty_old"] == both["qty_new"])]
    out = []
    for period, part in changed.groupby("period", sort=False):
        out.append(
            LateActual(
                str(period),
                len(part),
                float(a.loc[a["period"] == period, "qty"].sum()),
                float(b.loc[b["period"] == period, "qty"].sum()),
            )
        )
    return sorted(out, key=lambda la: parse_period(la.period).ordinal)


def export_store(uow: UnitOfWork, actor: Actor, dest: Path) -> Written:
    """Write the stored workbook to a CSV folder or an .xlsx file."""
    with uow.read() as tx:
        wb = stored_workbook(tx)
    return write_workbook(wb, Path(dest))
