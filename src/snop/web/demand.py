"""The demand review grid: a level's keys with the plan's layers as rows and the periods
as columns, the sales of a year before under them; a cell of a layer the reader owns is
edited in place: the change's split is previewed first, then saved with a reason code
and the value the reader saw (optimistic locking: a cell someone else changed meanwhile
is shown as a conflict, never overwritten). Submit, approve and send back for the roles
that may."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.demand.replay import Override
from snop.errors import SnopError, StaleValue
from snop.model.vocabulary import Level
from snop.services import demand_review as dr
from snop.services.context import Actor, UnitOfWork
from snop.services.review_page import review_page
from snop.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[Actor, Depends(current_actor)]
Planner = Annotated[Actor, Depends(writer(*PLANNERS))]
Store = Annotated[UnitOfWork, Depends(store)]
Text = Annotated[str, Form(max_length=200)]
# the reason codes offered; the store takes any code (see snop.demand.rules.reason_error)
REASONS = ("promo", "customer", "price", "event", "market", "new_item", "correction", "other")
AREA = {"HX-Retarget": "#demand-area", "HX-Reswap": "outerHTML"}


def _area(
    request: Request, uow: UnitOfWork, actor: Actor, level: str, page: int, saved: str = ""
) -> Response:
    grid = review_page(uow, actor, level, page=page)
    response = render(request, "_demand_area.html", grid=grid, saved=saved)
    response.headers.update(AREA)
    return response


@router.get("/demand")
def demand_page(
    request: Request, uow: Store, actor: Reader, level: str = Level.FAMILY.value, page: int = 1
) -> Response:
    grid = review_page(uow, actor, level, page=page)
    return render(request, "demand.html", grid=grid, saved="", reasons=REASONS)


@router.get("/demand/area")
def demand_area(
    request: Request, uow: Store, actor: Reader, level: str = Level.FAMILY.value, page: int = 1
) -> Response:
    return _area(request, uow, actor, level, page)


def number(text: str, field: str) -> float:
    """A number as typed: thousands separators and spaces are allowed (1,234.5)."""
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise SnopError(f"{field} {text!r} is not a number; type e.g. 1,250") from None
    if not math.isfinite(value):
        raise SnopError(f"{field} {text!r} is not a number; type e.g. 1,250")
    return value


def _override(
    layer: str, level: str, key: str, period: str, value: str, reason: str, comment: str
) -> Override:
    return Override(
        layer=layer,
        level=level,
        key="" if level == Level.TOTAL else key,
        period=period,
        to_period=period,
        kind="qty",
        value=number(value, "the new value"),
        reason=reason,
        comment=comment or None,
        source="web",
    )


@router.post("/demand/preview")
def preview(
    request: Request,
    uow: Store,
    actor: Planner,
    layer: Text,
    level: Text,
    key: Text,
    period: Text,
    value: Text,
    shown: Text,
    page: Annotated[int, Form()] = 1,
) -> Response:
    """The split of a typed cell, nothing stored: the items' changes, then the form that
    saves it with a reason."""
    ov = _override(layer, level, key, period, value, "preview", "")
    expected = number(shown, "the value shown")
    result = dr.add_override(uow, actor, ov, preview=True, expected=expected)
    effects = result.effects.assign(change=lambda d: d["after"] - d["before"])
    return render(
        request,
        "_preview.html",
        ov=ov,
        typed=value,
        shown=shown,
        effects=effects.to_dict("records"),
        total=effects[["before", "after", "change"]].sum().to_dict(),
        reasons=REASONS,
        describe=ov.describe(),
        page=page,
    )


@router.post("/demand/override")
def save_override(
    request: Request,
    uow: Store,
    actor: Planner,
    layer: Text,
    level: Text,
    key: Text,
    period: Text,
    value: Text,
    shown: Text,
    reason: Text,
    comment: Annotated[str, Form(max_length=2000)] = "",
    page: Annotated[int, Form()] = 1,
) -> Response:
    """Save a previewed change, if the cell still holds the value shown; a conflict
    otherwise."""
    ov = _override(layer, level, key, period, value, reason, comment)
    try:
        result = dr.add_override(uow, actor, ov, expected=number(shown, "the value shown"))
    except StaleValue as e:
        return render(
            request,
            "_conflict.html",
            409,
            ov=ov,
            typed=value,
            current=e.current,
            reason=reason,
            comment=comment,
            message=str(e),
            page=page,
        )
    saved = f"saved as override {result.override.id}: {result.override.describe()}"
    return _area(request, uow, actor, level, page, saved)


@router.post("/demand/submit")
def submit(
    request: Request,
    uow: Store,
    actor: Planner,
    level: Text = Level.FAMILY.value,
    page: Annotated[int, Form()] = 1,
) -> Response:
    plan = dr.submit(uow, actor)
    return _area(request, uow, actor, level, page, f"demand plan of cycle {plan.cycle} submitted")


@router.post("/demand/approve")
def approve(
    request: Request,
    uow: Store,
    actor: Planner,
    level: Text = Level.FAMILY.value,
    page: Annotated[int, Form()] = 1,
) -> Response:
    plan = dr.approve(uow, actor)
    return _area(request, uow, actor, level, page, f"demand plan of cycle {plan.cycle} approved")


@router.post("/demand/reject")
def reject(
    request: Request,
    uow: Store,
    actor: Planner,
    level: Text = Level.FAMILY.value,
    page: Annotated[int, Form()] = 1,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    plan = dr.reject(uow, actor, note=note or None)
    return _area(request, uow, actor, level, page, f"demand plan of cycle {plan.cycle} sent back")
