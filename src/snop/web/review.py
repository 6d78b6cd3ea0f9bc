"""The read pages of the cycle and the executive page: home (the cycle and what waits for
me), supply review, finance, plan vs actual, audit, and the executive view (the pack
online, its download, the decisions and the approval)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from snop.api.deps import PLANNERS, current_actor, store, writer
from snop.errors import SnopError
from snop.model.vocabulary import Role
from snop.report.content import Section, Table
from snop.services import cycles as cyc
from snop.services.audit import audit_view
from snop.services.context import Actor, UnitOfWork
from snop.services.decisions import add_decision, agenda, close_decision
from snop.services.finance import finance_report
from snop.services.inbox import waiting_for
from snop.services.kpis import kpi_report
from snop.services.pack import executive_pack, write_pack
from snop.services.pack_pages import (
    card_section,
    exceptions_section,
    family_section,
    finance_section,
    supply_section,
)
from snop.services.supply_review import SupplyReview, supply_review
from snop.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[Actor, Depends(current_actor)]
Store = Annotated[UnitOfWork, Depends(store)]
PACK_FORMATS = {"html": "text/html", "xlsx": None, "pdf": "application/pdf"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/")
def home(request: Request, uow: Store, actor: Reader) -> Response:
    return render(request, "home.html", inbox=waiting_for(uow, actor))


@router.post("/steps/{step}/signoff")
def signoff(
    step: str,
    request: Request,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(*PLANNERS))],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    done = cyc.signoff(uow, actor, step, note or None)
    return render(
        request, "_message.html", text=f"step {done.step} signed off by {actor.name}", kind="ok"
    )


@router.get("/supply")
def supply(request: Request, uow: Store, actor: Reader) -> Response:
    review = supply_review(uow, actor)
    sheet = review.sheet
    families = [*sheet.shown]
    sections = [family_section(sheet, f, review.data.families.get(f)) for f in families]
    return render(
        request,
        "supply.html",
        review=review,
        strategies=_strategies_table(review),
        explanations=_explanations(review),
        families=sections,
        capacity=supply_section(sheet.strategy, review.data),
    )


def _strategies_table(review: SupplyReview) -> Table:
    frame = review.strategies
    names = [c for c in frame.columns if c not in ("measure", "label", "unit")]
    return Table(
        "strategies",
        f"Strategies side by side (cycle {review.cycle}; money in {review.currency})",
        frame.drop(columns="unit"),
        units={"measure": "text", "label": "text"},
        row_units=list(frame["unit"]),
        key_column="measure",
        hidden=("measure",),
        labels={"label": "Measure", **{n: n.capitalize() for n in names}},
    )


def _explanations(review: SupplyReview) -> list[Table]:
    out = []
    for name, plan in review.plans.items():
        if not plan.ok:
            frame = pd.DataFrame({"diagnosis": plan.diagnosis})
            out.append(
                Table(f"explain-{name}", f"{name}: no plan", frame, units={"diagnosis": "text"})
            )
            continue
        ex = plan.explanations_frame()[["kind", "text", "value"]].head(8)
        out.append(
            Table(
                f"explain-{name}",
                f"{name}: what binds and what it is worth",
                ex,
                units={"kind": "text", "text": "text", "value": "money"},
                labels={"text": "Explanation", "value": "Value"},
            )
        )
    return out


@router.get("/finance")
def finance(request: Request, uow: Store, actor: Reader) -> Response:
    report = finance_report(uow, actor)
    return render(
        request, "sections.html", title="Finance", sections=[finance_section(report)],
        currency=report.currency,
        intro=f"Cycle {report.cycle} ({report.status}, {report.strategy} plan): revenue and "
        "margin against the budget, the gap from budget to plan, by fiscal year and quarter.",
    )  # fmt: skip


@router.get("/kpis")
def kpis(request: Request, uow: Store, actor: Reader) -> Response:
    try:
        report, why = kpi_report(uow, actor), None
    except SnopError as e:  # no version judged on actuals yet: the card says why
        report, why = None, str(e)
    sections: list[Section] = [
        card_section(report, why),
        exceptions_section(report, agenda(uow, actor)),
    ]
    return render(
        request, "sections.html", title="Plan vs actual", sections=sections, currency="",
        intro="The KPI card of the versions judged on actuals, against the targets, and the "
        "exceptions by owner.",
    )  # fmt: skip


@router.get("/audit")
def audit(
    request: Request,
    uow: Store,
    actor: Reader,
    user: str = "",
    action: str = "",
    cycle: str = "",
) -> Response:
    view = audit_view(uow, actor, user=user, action=action, cycle=cycle)
    return render(
        request, "audit.html", view=view, chosen={"user": user, "action": action, "cycle": cycle}
    )


# ------------------------------------------------------------------ executive


@router.get("/executive")
def executive(request: Request, uow: Store, actor: Reader) -> Response:
    """The approval and the decisions at once; the pack's sections load after (they take
    seconds to gather: /executive/sections)."""
    return render(
        request,
        "executive.html",
        cycle=cyc.cycle_status(uow, actor),
        agenda=agenda(uow, actor),
        roles=[r.value for r in Role if r not in (Role.VIEWER, Role.ADMIN)],
    )


@router.get("/executive/sections")
def executive_sections(request: Request, uow: Store, actor: Reader) -> Response:
    """The pack online: every section of the executive pack (no levers' re-solves)."""
    return render(request, "_pack.html", pack=executive_pack(uow, actor, levers=False))


@router.get("/executive/pack.{fmt}")
def download_pack(fmt: str, uow: Store, actor: Reader) -> Response:
    if fmt not in PACK_FORMATS:
        raise SnopError(f"the pack comes as {', '.join(PACK_FORMATS)}, not {fmt!r}")
    folder = Path(tempfile.mkdtemp(prefix="snop-pack-"))
    made = write_pack(uow, actor, folder / f"pack.{fmt}", fmt, levers=False)
    return FileResponse(
        made.path,
        media_type=PACK_FORMATS[fmt] or XLSX,
        filename=f"snop-pack-{made.cycle}.{fmt}",
        background=BackgroundTask(_remove, folder),
    )


def _remove(folder: Path) -> None:
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()


@router.post("/executive/approve")
def approve_cycle(
    request: Request,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.EXECUTIVE))],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    done = cyc.approve_cycle(uow, actor, note=note or None)
    return render(
        request, "_message.html", text=f"cycle {done.period} approved by {actor.name}", kind="ok"
    )


@router.post("/executive/decisions")
def new_decision(
    request: Request,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(Role.EXECUTIVE, Role.SOP_LEADER))],
    what: Annotated[str, Form(max_length=2000)],
    owner: Annotated[str, Form(max_length=200)],
    due: Annotated[str, Form(max_length=20)],
) -> Response:
    add_decision(uow, actor, what=what, owner=owner, due=due)
    return render(request, "_decisions.html", agenda=agenda(uow, actor), saved="decision added")


@router.post("/executive/decisions/{decision_id}/close")
def end_decision(
    decision_id: int,
    request: Request,
    uow: Store,
    actor: Annotated[Actor, Depends(writer(*PLANNERS))],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    close_decision(uow, actor, decision_id, note or None)
    return render(
        request,
        "_decisions.html",
        agenda=agenda(uow, actor),
        saved=f"decision {decision_id} closed",
    )
