"""The cycle: its steps and their status, sign-offs, approval, the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.model.vocabulary import Role
from snop.services import cycles as svc
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["cycles"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]


class Note(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


@router.get("/cycles", summary="Every cycle, oldest first")
def list_cycles(uow: Store, actor: Reader) -> Any:
    return svc.cycles(uow, actor)


@router.get("/cycle", summary="The current cycle: each step's owner, status, due date")
def cycle_status(uow: Store, actor: Reader, cycle: str | None = None) -> Any:
    return svc.cycle_status(uow, actor, cycle)


@router.post("/cycle/steps/{step}/signoff", summary="Sign off a step, as its owner role")
def signoff(
    step: str,
    body: Note,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(*PLANNERS))],
) -> Any:
    return svc.signoff(uow, actor, step, body.note)


@router.post("/cycle/approve", summary="Approve the cycle: freeze the plan as its version")
def approve(
    body: Note, uow: Store, actor: Annotated[Actor, Depends(writer(Role.EXECUTIVE))]
) -> Any:
    return svc.approve_cycle(uow, actor, note=body.note)
