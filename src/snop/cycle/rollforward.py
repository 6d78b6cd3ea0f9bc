"""Rolling the plan forward one cycle: where the new cycle starts from.

Pure functions over the workbook and the last approved version; the cycle service stores
what they return. See docs/decisions.md for the treatment of missing and late actuals.
"""

from __future__ import annotations

import pandas as pd

from snop.cycle.model import Opening
from snop.model.workbook import Workbook

# opening measure -> (workbook table, key column, column it replaces)
OPENING_COLUMNS = {
    "inventory": ("families", "family", "initial_inventory"),
    "backlog": ("families", "family", "initial_backlog"),
    "workers": ("workforce", "pool", "initial_workers"),
}


def apply_openings(wb: Workbook, openings: list[Opening]) -> Workbook:
    """``wb`` with the cycle's opening inventory, backlog and workers in place of the
    workbook's initial values (families or pools missing from a table get a row)."""
    if not openings:
        return wb
    tables = dict(wb.tables)
    for measure, (table, key, column) in OPENING_COLUMNS.items():
        given = {o.key: o.value for o in openings if o.measure == measure}
        if not given:
            continue
        df = wb.table(table).copy()
        missing = [k for k in given if k not in set(df[key])]
        if missing:
            extra = pd.DataFrame({key: missing})
            df = pd.concat([df, extra.reindex(columns=df.columns)], ignore_index=True)
        df[column] = [given.get(k, v) for k, v in zip(df[key], df[column], strict=True)]
        tables[table] = df
    return Workbook(wb.granularity, tables, list(wb.attributes))
