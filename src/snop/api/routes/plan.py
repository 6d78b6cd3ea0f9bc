"""The plan: supply plans per strategy, the family sheet, the plan in money and the gap to
budget, versions and what changed, KPIs and exceptions, the decisions log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.api.paging import Page, page
from snop.api.responses import SnopJSON
from snop.model.limits import MAX_ID, MAX_KEY_LENGTH, MAX_TEXT_LENGTH
from snop.model.vocabulary import Role, Strategy
from snop.services import compare, decisions, finance, kpis, sheet, supply, versions
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["plan"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
Key = Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)]
Bucket = Literal["period", "quarter", "year"]


# ---- supply --------------------------------------------------------------------------


class SupplyRun(BaseModel):
    """What ``snop plan`` takes: the strategies and the policy's overrides."""

    strategies: list[Strategy] = Field(
        default=[Strategy.OPTIMAL], min_length=1, max_length=len(Strategy)
    )
    integer_workforce: bool = False
    allow_ending_backlog: bool | None = None
    hard_safety_stock: bool | None = None


@router.get("/supply", summary="The current cycle's supply plans, one summary per strategy")
def supply_plans(uow: Store, actor: Reader) -> Any:
    return SnopJSON(supply.current_plans(uow, actor).summary())


@router.post("/supply/run", summary="Plan the current cycle's demand (snop plan)")
def supply_run(
    body: SupplyRun,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.SUPPLY_PLANNER))],
) -> Any:
    result = supply.plan_cycle_supply(
        uow,
        actor,
        list(dict.fromkeys(str(s) for s in body.strategies)),
        integer_workforce=body.integer_workforce,
        allow_ending_backlog=body.allow_ending_backlog,
        hard_safety_stock=body.hard_safety_stock,
    )
    return SnopJSON(result.summary())


@router.get(
    "/supply/{strategy}", summary="A strategy's plan: per family and period, workforce, costs"
)
def supply_plan(strategy: Strategy, uow: Store, actor: Reader) -> Any:
    p = supply.strategy_plan(uow, actor, strategy)
    return SnopJSON({**p.to_json(), "plan": p.plan, "workforce": p.workforce, "costs": p.costs})


@router.get("/supply/{strategy}/capacity", summary="A strategy's rough-cut capacity")
def supply_capacity(strategy: Strategy, uow: Store, actor: Reader) -> Any:
    return SnopJSON(supply.strategy_plan(uow, actor, strategy).capacity)


@router.get(
    "/supply/{strategy}/explanations",
    summary="What binds in a strategy's plan: shortages first, then by money at stake",
)
def supply_explanations(strategy: Strategy, uow: Store, actor: Reader) -> Any:
    return SnopJSON(supply.strategy_plan(uow, actor, strategy).explanations_frame())


# ---- the integrated plan ---------------------------------------------------------------


@router.get("/sheet", summary="The family S&OP sheet (every family and the total by default)")
def family_sheet(
    uow: Store,
    actor: Reader,
    family: Key = None,
    cycle: Key = None,
    strategy: Strategy | None = None,
    scenario: Key = None,
    history: Annotated[int, Query(ge=0, le=sheet.MAX_HISTORY)] = sheet.DEFAULT_HISTORY,
) -> Any:
    return SnopJSON(
        sheet.family_sheet(
            uow, actor, family, cycle=cycle, strategy=strategy, history=history, scenario=scenario
        )
    )


@router.get("/finance", summary="The plan in money by period, fiscal quarter or fiscal year")
def finance_table(
    uow: Store,
    actor: Reader,
    by: Bucket = "quarter",
    cycle: Key = None,
    strategy: Strategy | None = None,
    scenario: Key = None,
) -> Any:
    return SnopJSON(finance.finance_table(uow, actor, by, cycle, strategy, scenario))


@router.get("/finance/gap", summary="The gap to budget, split into demand and supply")
def finance_gap(
    uow: Store,
    actor: Reader,
    by: Bucket = "year",
    cycle: Key = None,
    strategy: Strategy | None = None,
    scenario: Key = None,
) -> Any:
    return SnopJSON(finance.finance_gap(uow, actor, by, cycle, strategy, scenario))


# ---- versions and what changed ---------------------------------------------------------


@router.get("/versions", summary="The approved versions, oldest first")
def version_list(uow: Store, actor: Reader) -> Any:
    return SnopJSON(versions.versions(uow, actor))


@router.get("/versions/{cycle}", summary="An approved version: header, demand, supply, money")
def version(cycle: str, uow: Store, actor: Reader) -> Any:
    return SnopJSON(versions.read_version(uow, actor, cycle).summary())


@router.get("/changes", summary="What changed since an approved version, by cause")
def changes(
    uow: Store,
    actor: Reader,
    with_version: Annotated[str | None, Query(alias="with", max_length=MAX_KEY_LENGTH)] = None,
) -> Any:
    return SnopJSON(compare.compare(uow, actor, with_version).to_json())


# ---- KPIs ------------------------------------------------------------------------------


@router.get("/kpis", summary="Plan against actual: the KPI card, its trend, targets, judged")
def kpi_card(uow: Store, actor: Reader) -> Any:
    return SnopJSON(kpis.kpi_report(uow, actor))


@router.get("/exceptions", summary="The exceptions of the plan and its actuals, paginated")
def exception_list(
    uow: Store,
    actor: Reader,
    paging: Page,
    owner: Role | None = None,
) -> Any:
    return page(kpis.exceptions(uow, actor, owner), paging)


# ---- decisions -------------------------------------------------------------------------


class NewDecision(BaseModel):
    what: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    owner: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    due: str = Field(min_length=1, max_length=10, description="YYYY-MM-DD")
    note: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)


class Note(BaseModel):
    note: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)


@router.get("/decisions", summary="A cycle's agenda: the open decisions and those closed in it")
def decision_agenda(uow: Store, actor: Reader, cycle: Key = None) -> Any:
    return SnopJSON(decisions.agenda(uow, actor, cycle))


@router.post("/decisions", summary="Record a decision of the executive meeting")
def decide(
    body: NewDecision,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.SOP_LEADER, Role.EXECUTIVE))],
) -> Any:
    return SnopJSON(
        decisions.add_decision(
            uow, actor, what=body.what, owner=body.owner, due=body.due, note=body.note
        )
    )


@router.post("/decisions/{decision_id}/close", summary="Close a decision (done or dropped)")
def close_decision(
    decision_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: Note,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(*PLANNERS))],
) -> Any:
    return SnopJSON(decisions.close_decision(uow, actor, decision_id, body.note))
