"""Reading the stored master data and history: items, families, sales, filtered.

A filter naming an item or family the store does not have is refused with the ones it
has, so a typing mistake is not mistaken for "no rows".
"""

from __future__ import annotations

import pandas as pd

from snop.errors import NotFoundError, SnopError
from snop.model.periods import PeriodError, parse_period
from snop.model.workbook import Workbook
from snop.services.context import Actor, UnitOfWork, stored_workbook


def items(
    uow: UnitOfWork, actor: Actor, *, family: str | None = None, q: str | None = None
) -> pd.DataFrame:
    """The items (every column of the items table), of ``family`` when given, whose code
    contains ``q`` (case-insensitive) when given; by item code."""
    with uow.read() as tx:
        wb = stored_workbook(tx)
    rows = wb.items
    if family is not None:
        rows = rows[rows["family"] == _family(wb, family)]
    if q:
        rows = rows[rows["item"].astype(str).str.contains(q, case=False, regex=False)]
    return rows.sort_values("item", kind="stable").reset_index(drop=True)


def families(uow: UnitOfWork, actor: Actor) -> pd.DataFrame:
    """Each family with its number of items and the families table's columns."""
    with uow.read() as tx:
        wb = stored_workbook(tx)
    counts = wb.items.groupby("family").size()
    table = wb.table("families")
    out = pd.DataFrame({"family": wb.family_names})
    out["items"] = [int(counts.get(f, 0)) for f in out["family"]]
    if not table.empty:
        out = out.merge(table, on="family", how="left")
    return out


def sales(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item: str | None = None,
    family: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """The sales history (every column of the sales table), of ``item`` or the items of
    ``family``, from period ``start`` to ``end`` (both included); by item and period."""
    with uow.read() as tx:
        wb = stored_workbook(tx)
    rows = wb.sales
    if item is not None:
        if item not in set(wb.items["item"]):
            raise NotFoundError(f"item {item!r} is not in the store's items")
        rows = rows[rows["item"] == item]
    if family is not None:
        members = set(wb.items.loc[wb.items["family"] == _family(wb, family), "item"])
        rows = rows[rows["item"].isin(members)]
    if start is not None or end is not None:
        lo, hi = _ordinal(start, "from", -(2**62)), _ordinal(end, "to", 2**62)
        if hi < lo:
            raise SnopError(f"to {end} is before from {start}; give a range forwards")
        ords = {p: parse_period(p).ordinal for p in rows["period"].unique()}
        at = rows["period"].map(ords)
        rows = rows[(at >= lo) & (at <= hi)]
    order = rows.assign(_at=rows["period"].map(lambda p: parse_period(p).ordinal))
    return (
        order.sort_values(["item", "_at"], kind="stable").drop(columns="_at").reset_index(drop=True)
    )


def _family(wb: Workbook, family: str) -> str:
    names = wb.family_names
    if family not in names:
        raise NotFoundError(
            f"family {family!r} is not in the store; the families: {', '.join(names[:20])}"
            + (f" ... ({len(names)} in all)" if len(names) > 20 else "")
        )
    return family


def _ordinal(label: str | None, name: str, default: int) -> int:
    if label is None:
        return default
    try:
        return parse_period(label).ordinal
    except PeriodError as e:
        raise SnopError(f"{name}: {e}") from None
