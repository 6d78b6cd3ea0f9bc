"""The audit trail: who changed what and when, before and after; filtered, paged, as CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from snop.api.deps import current_actor, store
from snop.api.paging import Page, paged
from snop.model.limits import MAX_KEY_LENGTH
from snop.services.audit import MAX_PAGE, audit_csv, audit_log
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["audit"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
Text = Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)]
When = Annotated[
    str | None, Query(max_length=40, description="A date or ISO 8601 time (UTC unless it says)")
]


@router.get(
    "/audit",
    response_model=None,
    summary="The audit trail, oldest first: filter by who, action, cycle, time",
)
def audit(
    uow: Store,
    actor: Reader,
    paging: Page,
    by: Annotated[str | None, Query(alias="actor", max_length=MAX_KEY_LENGTH)] = None,
    action: Text = None,
    cycle: Annotated[str | None, Query(max_length=16)] = None,
    since: When = None,
    until: When = None,
) -> Any:
    got = audit_log(
        uow,
        actor,
        actor_name=by,
        action=action,
        cycle=cycle,
        since=since,
        until=until,
        offset=paging.offset,
        limit=paging.limit,
    )
    return paged(got.entries, got.total, paging)


@router.get(
    "/audit.csv",
    response_model=None,
    summary="The audit trail as CSV (same filters; every entry that matches)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def audit_as_csv(
    uow: Store,
    actor: Reader,
    by: Annotated[str | None, Query(alias="actor", max_length=MAX_KEY_LENGTH)] = None,
    action: Text = None,
    cycle: Annotated[str | None, Query(max_length=16)] = None,
    since: When = None,
    until: When = None,
) -> Response:
    got = audit_log(
        uow,
        actor,
        actor_name=by,
        action=action,
        cycle=cycle,
        since=since,
        until=until,
        limit=MAX_PAGE,
    )
    return Response(
        audit_csv(got),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
