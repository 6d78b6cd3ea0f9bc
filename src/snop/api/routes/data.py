"""Master data, sales history and the statistical forecast of the current cycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from snop.api.deps import current_actor, store, writer
from snop.api.paging import Page, page
from snop.api.responses import SnopJSON
from snop.io.jsonable import jsonable
from snop.model.limits import MAX_KEY_LENGTH
from snop.model.vocabulary import Role
from snop.services import forecast as fc
from snop.services import master_data as md
from snop.services.context import Actor, UnitOfWork

router = APIRouter(prefix="/api", tags=["data"])
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
Key = Annotated[str | None, Query(max_length=MAX_KEY_LENGTH)]
Period = Annotated[
    str | None, Query(max_length=16, description="A period: 2026-11, 2026-Q4, 2026-W45")
]
From = Annotated[
    str | None, Query(alias="from", max_length=16, description="From this period, included.")
]
To = Annotated[
    str | None, Query(alias="to", max_length=16, description="Up to this period, included.")
]


@router.get(
    "/items", response_model=None, summary="Items, by code: filter by family, or a part of the code"
)
def list_items(uow: Store, actor: Reader, paging: Page, family: Key = None, q: Key = None) -> Any:
    return page(md.items(uow, actor, family=family, q=q), paging)


@router.get("/families", response_model=None, summary="Families, with their number of items")
def list_families(uow: Store, actor: Reader) -> Any:
    return SnopJSON(md.families(uow, actor))


@router.get("/sales", response_model=None, summary="Sales history: filter by item, family, periods")
def list_sales(
    uow: Store,
    actor: Reader,
    paging: Page,
    item: Key = None,
    family: Key = None,
    start: From = None,
    end: To = None,
) -> Any:
    return page(md.sales(uow, actor, item=item, family=family, start=start, end=end), paging)


@router.get(
    "/forecast",
    response_model=None,
    summary="The current cycle's statistical baseline: item, period, qty, model",
)
def list_forecast(
    uow: Store,
    actor: Reader,
    paging: Page,
    item: Key = None,
    family: Key = None,
    cycle: Period = None,
) -> Any:
    return page(fc.baseline(uow, actor, item=item, family=family, cycle=cycle), paging)


@router.get(
    "/forecast/intervals", response_model=None, summary="The baseline's prediction intervals"
)
def list_intervals(
    uow: Store,
    actor: Reader,
    paging: Page,
    item: Key = None,
    family: Key = None,
    cycle: Period = None,
) -> Any:
    return page(fc.intervals(uow, actor, item=item, family=family, cycle=cycle), paging)


@router.get(
    "/forecast/report",
    response_model=None,
    summary="The backtest report the baseline's models were chosen by",
)
def forecast_report(
    uow: Store,
    actor: Reader,
    paging: Page,
    item: Key = None,
    family: Key = None,
    cycle: Period = None,
) -> Any:
    return page(fc.backtest_report(uow, actor, item=item, family=family, cycle=cycle), paging)


class ForecastRun(BaseModel):
    method: str = Field(default="auto", max_length=40, description="auto, or one model's name")


@router.post(
    "/forecast/run",
    response_model=None,
    summary="Run the current cycle's statistical baseline again",
)
def forecast_run(
    body: ForecastRun,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.DEMAND_PLANNER))],
) -> Any:
    done = fc.run_baseline(uow, actor, method=body.method)
    return {
        "cycle": done.cycle,
        "family_totals": done.family_totals,
        "stale": done.stale,
        "summary": jsonable(done.result.summary()),
    }
