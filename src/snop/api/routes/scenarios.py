"""What-if scenarios (create, run, compare, promote, delete; made from a lever), the
gap-closure levers, and strategic initiatives."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.api.responses import SnopJSON
from snop.model.limits import MAX_KEY_LENGTH, MAX_QUANTITY, MAX_TEXT_LENGTH
from snop.model.vocabulary import Role, Strategy
from snop.scenario.parse import deltas_from_words
from snop.services import initiatives, levers, scenarios
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["scenarios"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
Planner = Annotated[Actor, Depends(writer(*PLANNERS))]
Name = Annotated[str, Field(min_length=1, max_length=MAX_KEY_LENGTH)]
MAX_CHANGES = 500
MAX_COMPARED = 20


class Change(BaseModel):
    """One change in the words ``snop scenario create`` takes (docs/scenarios.md), e.g.
    kind ``demand``, text ``family=APPL 2027-01..2027-06 +15%``."""

    kind: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class NewScenario(BaseModel):
    name: Name
    deltas: list[Change] = Field(default_factory=list, max_length=MAX_CHANGES)
    strategy: Strategy | None = None
    integer_workforce: bool | None = None
    replace: bool = False


class RunOn(BaseModel):
    cycle: str | None = Field(default=None, max_length=MAX_KEY_LENGTH)


class FromLever(BaseModel):
    """A lever as ``GET /api/levers`` lists it (kind, target, period, to_period), at
    ``amount`` (default: the lever's own)."""

    name: Name
    kind: Literal["hours", "workers", "subcontract", "price", "promotion"]
    target: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    period: str | None = Field(default=None, max_length=MAX_KEY_LENGTH)
    to_period: str | None = Field(default=None, max_length=MAX_KEY_LENGTH)
    amount: float | None = Field(default=None, gt=0, le=MAX_QUANTITY)
    replace: bool = False


@router.get("/scenarios", summary="The scenarios, their changes and their last run")
def scenario_list(uow: Store, actor: Reader) -> Any:
    return SnopJSON(scenarios.list_scenarios(uow, actor))


@router.post("/scenarios", summary="Create a scenario from changes in words")
def create(body: NewScenario, uow: Store, actor: Planner) -> Any:
    rows = deltas_from_words(
        body.name,
        [(c.kind, c.text) for c in body.deltas],
        body.strategy,
        body.integer_workforce,
    )
    made = scenarios.create_scenario(uow, actor, body.name, rows, replace=body.replace)
    return SnopJSON({"scenario": body.name, "deltas": made})


@router.post("/scenarios/from-lever", summary="Create a scenario from a gap-closure lever")
def from_lever(body: FromLever, uow: Store, actor: Planner) -> Any:
    made = levers.scenario_from_lever(
        uow,
        actor,
        body.name,
        kind=body.kind,
        target=body.target,
        period=body.period,
        to_period=body.to_period,
        amount=body.amount,
        replace=body.replace,
    )
    return SnopJSON({"scenario": body.name, "deltas": made})


@router.get("/scenarios/compare", summary="Scenarios beside the base, the last version, budget")
def compare(
    uow: Store,
    actor: Reader,
    name: Annotated[list[str], Query(max_length=MAX_COMPARED)],
    cycle: Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)] = None,
) -> Any:
    return SnopJSON(scenarios.compare_scenarios(uow, actor, name, cycle))


@router.post("/scenarios/{name}/run", summary="Re-plan supply and money with the changes")
def run(name: str, body: RunOn, uow: Store, actor: Planner) -> Any:
    return SnopJSON(scenarios.run_scenario(uow, actor, name, body.cycle).summary())


@router.post(
    "/scenarios/{name}/promote",
    summary="Make a scenario's plan the cycle's draft supply plan (a supply planner)",
)
def promote(
    name: str,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.SUPPLY_PLANNER))],
) -> Any:
    return SnopJSON(scenarios.promote_scenario(uow, actor, name))


@router.delete("/scenarios/{name}", summary="Delete a scenario and its run")
def delete(name: str, uow: Store, actor: Planner) -> Any:
    return SnopJSON({"scenario": name, "deleted": scenarios.delete_scenario(uow, actor, name)})


@router.get("/levers", summary="What closes the budget or service gap, ranked and re-solved")
def lever_list(
    uow: Store,
    actor: Reader,
    top: Annotated[int, Query(ge=0, le=50)] = 5,
    by: Literal["value", "budget", "service"] = "value",
    cycle: Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)] = None,
) -> Any:
    return SnopJSON(levers.gap_levers(uow, actor, cycle, top, by).to_json())


# ---- initiatives -----------------------------------------------------------------------


class NewInitiative(BaseModel):
    code: Name
    owner: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    start: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    end: str | None = Field(default=None, max_length=MAX_KEY_LENGTH)
    description: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    effects: list[Change] = Field(min_length=1, max_length=MAX_CHANGES)


@router.get("/initiatives", summary="The strategic initiatives, their status and effect")
def initiative_list(uow: Store, actor: Reader) -> Any:
    return SnopJSON(initiatives.list_initiatives(uow, actor))


@router.post("/initiatives", summary="Propose an initiative and its effect")
def propose(body: NewInitiative, uow: Store, actor: Planner) -> Any:
    effects = deltas_from_words(body.code, [(c.kind, c.text) for c in body.effects])
    return SnopJSON(
        initiatives.add_initiative(
            uow,
            actor,
            body.code,
            owner=body.owner,
            start=body.start,
            end=body.end,
            description=body.description,
            effects=effects,
        )
    )


Executive = Annotated[Actor, Depends(writer(Role.EXECUTIVE))]


@router.post("/initiatives/{code}/approve", summary="Approve an initiative (an executive)")
def approve(code: str, uow: Store, actor: Executive) -> Any:
    return SnopJSON(initiatives.decide_initiative(uow, actor, code, approve=True))


@router.post("/initiatives/{code}/defer", summary="Defer an initiative (an executive)")
def defer(code: str, uow: Store, actor: Executive) -> Any:
    return SnopJSON(initiatives.decide_initiative(uow, actor, code, approve=False))
