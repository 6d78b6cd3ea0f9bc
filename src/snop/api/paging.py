"""The one shape of every list the API returns, a page at a time::

    {"items": [...], "total": 1234, "offset": 200, "limit": 100}

``offset`` (default 0) and ``limit`` (default 100, at most 1,000) are query parameters;
``total`` counts every row that matches the filters, so a client knows when to stop.

A page is a ``SnopJSON`` response (:mod:`snop.api.responses`): its rows are converted to
JSON once, where FastAPI would walk a plain return value with its own encoder first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, Query

from snop.api.responses import SnopJSON

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


def paging(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Rows to return (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
) -> Paging:
    return Paging(offset, limit)


Page = Annotated[Paging, Depends(paging)]


def page(rows: pd.DataFrame | Sequence[Any], p: Paging) -> SnopJSON:
    """One page of ``rows`` (every row that matched)."""
    part = (
        rows.iloc[p.offset : p.offset + p.limit]
        if isinstance(rows, pd.DataFrame)
        else rows[p.offset : p.offset + p.limit]
    )
    return paged(part, len(rows), p)


def paged(items: Any, total: int, p: Paging) -> SnopJSON:
    """A page a service already cut (``total``: the rows that matched in all)."""
    return SnopJSON({"items": items, "total": total, "offset": p.offset, "limit": p.limit})
