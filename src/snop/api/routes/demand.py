"""The demand review of the current cycle: its status and layers, the review grid,
overrides (with the split's preview, and optimistic locking), submit, approve, reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.api.errors import ApiError
from snop.api.paging import Page, page
from snop.api.responses import SnopJSON
from snop.demand.config import FAMILY
from snop.errors import StaleValue
from snop.model.limits import MAX_KEY_LENGTH, MAX_QUANTITY, MAX_TEXT_LENGTH
from snop.model.vocabulary import OverrideKind
from snop.services import demand_review as svc
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api/demand", tags=["demand"])
Reader = Annotated[Actor, Depends(current_actor)]
Planner = Annotated[Actor, Depends(writer(*PLANNERS))]
Store = Annotated[UnitOfWork, Depends(store)]
Cycle = Annotated[
    str | None,
    Query(max_length=16, description="A cycle (its first period); default: the current one."),
]
PERIOD = 16  # the longest period label, with room: 2026-W45


class Note(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class OverrideIn(BaseModel):
    """A change to one layer at one level, for a period or a range (as `snop demand
    override`): ``value`` is the new quantity (qty), the change in units (delta) or in
    percent (pct) in each period; an unlock takes none."""

    model_config = ConfigDict(extra="forbid")

    layer: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    level: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    key: str = Field(default="", max_length=MAX_KEY_LENGTH, description="Not for level total.")
    period: str = Field(min_length=1, max_length=PERIOD)
    to_period: str | None = Field(default=None, max_length=PERIOD)
    kind: OverrideKind
    value: float | None = Field(
        default=None, allow_inf_nan=False, ge=-MAX_QUANTITY, le=MAX_QUANTITY
    )
    split: str = Field(default="proportional", max_length=MAX_KEY_LENGTH)
    reason: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    comment: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    event: str | None = Field(default=None, max_length=MAX_KEY_LENGTH)
    locked: bool = False
    expected: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="The value of the cells (the key, summed over the periods, in the "
        "layer) as you read it: if it moved since, the answer is 409 with the value now.",
    )
    preview: bool = Field(default=False, description="Only show the split; store nothing.")


@router.get(
    "", response_model=None, summary="The demand plan: status record, layers and their owner roles"
)
def summary(uow: Store, actor: Reader, cycle: Cycle = None) -> Any:
    return SnopJSON(svc.demand_summary(uow, actor, cycle))


@router.get(
    "/grid", response_model=None, summary="The review grid: a level x periods, one column per layer"
)
def grid(
    uow: Store,
    actor: Reader,
    level: Annotated[
        str, Query(max_length=MAX_KEY_LENGTH, description="item, family, total or an attribute")
    ] = FAMILY,
    key: Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)] = None,
    layers: Annotated[
        str | None, Query(max_length=2000, description="Layers, comma-separated; default all.")
    ] = None,
    start: Annotated[str | None, Query(alias="from", max_length=PERIOD)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=PERIOD)] = None,
    cycle: Cycle = None,
) -> Any:
    names = [n.strip() for n in layers.split(",") if n.strip()] if layers else None
    return SnopJSON(
        svc.demand_grid(
            uow, actor, level=level, key=key, layers=names, start=start, end=end, cycle=cycle
        )
    )


@router.get(
    "/overrides", response_model=None, summary="The override log (withdrawals included), in order"
)
def overrides(uow: Store, actor: Reader, paging: Page, cycle: Cycle = None) -> Any:
    return page(svc.override_log(uow, actor, cycle), paging)


@router.post(
    "/overrides",
    response_model=None,
    summary="Change a layer (or preview the split); 409 if it moved",
)
def add_override(body: OverrideIn, uow: Store, actor: Planner) -> Any:
    ov = svc.override_of(**body.model_dump(exclude={"expected", "preview"}), source="api")
    try:
        return SnopJSON(
            svc.add_override(uow, actor, ov, preview=body.preview, expected=body.expected)
        )
    except StaleValue as e:  # the value now, so the client can show it and ask again
        raise ApiError(
            409, str(e), field="expected", current=e.current, expected=e.expected
        ) from None


@router.delete(
    "/overrides/{override_id}", response_model=None, summary="Withdraw an override of the draft"
)
def withdraw(
    override_id: Annotated[int, Path(ge=1, le=2**62)],
    uow: Store,
    actor: Planner,
    reason: Annotated[str, Query(min_length=1, max_length=MAX_KEY_LENGTH)] = "withdrawn",
    comment: Annotated[str | None, Query(max_length=MAX_TEXT_LENGTH)] = None,
) -> Any:
    return SnopJSON(
        svc.delete_override(uow, actor, override_id, reason=reason, comment=comment, source="api")
    )


@router.post(
    "/submit", response_model=None, summary="Submit the draft for approval (the consensus owner)"
)
def submit(body: Note, uow: Store, actor: Planner) -> Any:
    return SnopJSON(svc.summary_of(svc.submit(uow, actor, note=body.note)))


@router.post(
    "/approve",
    response_model=None,
    summary="Approve the submitted plan and freeze it (the approver)",
)
def approve(body: Note, uow: Store, actor: Planner) -> Any:
    return SnopJSON(svc.summary_of(svc.approve(uow, actor, note=body.note)))


@router.post(
    "/reject", response_model=None, summary="Send the submitted plan back to draft (the approver)"
)
def reject(body: Note, uow: Store, actor: Planner) -> Any:
    return SnopJSON(svc.summary_of(svc.reject(uow, actor, note=body.note)))
