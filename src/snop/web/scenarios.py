"""The scenarios page: the scenarios of the current cycle, create one from deltas typed
as text, run, compare two or more (the pack's comparison table and chart), promote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.errors import SnopError
from snop.model.vocabulary import Role
from snop.scenario.parse import KINDS, deltas_from_lines
from snop.services import scenarios as svc
from snop.services.context import Actor, UnitOfWork
from snop.services.levers import gap_levers, lever_what, scenario_from_lever
from snop.services.pack_pages import scenarios_section
from snop.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[Actor, Depends(current_actor)]
Planner = Annotated[Actor, Depends(writer(*PLANNERS))]
Store = Annotated[UnitOfWork, Depends(store)]
LEVERS_SHOWN = 8
EXAMPLE = "demand family=F1 2027-01..2027-03 +10% retailer upside\nshift S-ASSEMBLY 2027-01.. +400"


def _page(
    request: Request,
    uow: UnitOfWork,
    actor: Actor,
    compare: list[str],
    status: int = 200,
    saved: str = "",
    levers: bool = False,
) -> Response:
    comparison = None
    if len(compare) >= 2:
        comparison = scenarios_section(svc.compare_scenarios(uow, actor, compare))
    return render(
        request,
        "scenarios.html",
        status,
        scenarios=svc.list_scenarios(uow, actor),
        compare=compare,
        comparison=comparison,
        kinds=KINDS,
        example=EXAMPLE,
        saved=saved,
        promoter=Role.SUPPLY_PLANNER.value in actor.roles,
        levers=_levers(uow, actor) if levers else None,
    )


def _levers(uow: UnitOfWork, actor: Actor) -> list[dict[str, object]]:
    """The cycle's levers by value (no re-solves: a page must answer fast), each as
    ``snop levers --json`` lists it, with its words."""
    report = gap_levers(uow, actor, top=0)
    rows = report.to_json()["levers"][:LEVERS_SHOWN]
    return [{**row, "what": lever_what(row), "currency": report.currency} for row in rows]


@router.get("/scenarios")
def scenarios(
    request: Request,
    uow: Store,
    actor: Reader,
    compare: Annotated[list[str], Query()] = [],  # noqa: B006  (FastAPI copies defaults)
    levers: bool = False,
) -> Response:
    if len(compare) == 1:
        raise SnopError("tick two or more scenarios to compare them")
    return _page(request, uow, actor, compare, levers=levers)


@router.post("/scenarios/from-lever")
def from_lever(
    request: Request,
    uow: Store,
    actor: Planner,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(max_length=50)],
    target: Annotated[str, Form(max_length=200)],
    period: Annotated[str, Form(max_length=20)] = "",
    to_period: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    said = scenario_from_lever(
        uow,
        actor,
        name.strip(),
        kind=kind,
        target=target,
        period=period or None,
        to_period=to_period or None,
    )
    return _page(request, uow, actor, [], saved=f"scenario {name} created: " + "; ".join(said))


@router.post("/scenarios")
def create(
    request: Request,
    uow: Store,
    actor: Planner,
    name: Annotated[str, Form(max_length=100)],
    deltas: Annotated[str, Form(max_length=20000)],
    replace: Annotated[bool, Form()] = False,
) -> Response:
    said = svc.create_scenario(
        uow,
        actor,
        name.strip(),
        deltas_from_lines(name.strip(), deltas, EXAMPLE.splitlines()[0]),
        replace=replace,
    )
    return _page(request, uow, actor, [], saved=f"scenario {name} created: " + "; ".join(said))


@router.post("/scenarios/{name}/run")
def run(request: Request, name: str, uow: Store, actor: Planner) -> Response:
    result = svc.run_scenario(uow, actor, name)
    state = "a plan" if result.ok else "no feasible plan"
    return _page(request, uow, actor, [], saved=f"scenario {name} ran: {state}")


@router.post("/scenarios/{name}/promote")
def promote(request: Request, name: str, uow: Store, actor: Planner) -> Response:
    done = svc.promote_scenario(uow, actor, name)
    return _page(
        request,
        uow,
        actor,
        [],
        saved=f"scenario {name} promoted: the {done.strategy} draft of cycle {done.cycle}",
    )
