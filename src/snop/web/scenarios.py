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
from snop.services.pack_pages import scenarios_section
from snop.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[Actor, Depends(current_actor)]
Planner = Annotated[Actor, Depends(writer(*PLANNERS))]
Store = Annotated[UnitOfWork, Depends(store)]
EXAMPLE = "demand family=F1 2027-01..2027-03 +10% retailer upside\nshift S-ASSEMBLY 2027-01.. +400"


def _page(
    request: Request,
    uow: UnitOfWork,
    actor: Actor,
    compare: list[str],
    status: int = 200,
    saved: str = "",
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
    )


@router.get("/scenarios")
def scenarios(
    request: Request,
    uow: Store,
    actor: Reader,
    compare: Annotated[list[str], Query()] = [],  # noqa: B006  (FastAPI copies defaults)
) -> Response:
    if len(compare) == 1:
        raise SnopError("tick two or more scenarios to compare them")
    return _page(request, uow, actor, compare)


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
        request, uow, actor, [],
        saved=f"scenario {name} promoted: the {done.strategy} draft of cycle {done.cycle}",
    )  # fmt: skip
