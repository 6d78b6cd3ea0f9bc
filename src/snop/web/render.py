"""Rendering the pages: the Jinja2 templates, the pack's number formats and figures as
filters, the navigation per role, and how a refusal or a mistake shows on a page.

A page route runs on :class:`PageRoute`: a :class:`snop.errors.SnopError` from a service
or an :class:`snop.api.errors.ApiError` from a guard becomes an HTML message with the
error's status (a fragment for an HTMX request, a page otherwise), and a page read without
a session redirects to the login page. HTMX swaps those answers too (``htmx-config`` in
``base.html``), so a refusal is shown where the change was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from markupsafe import Markup

from snop.api.deps import PLANNERS
from snop.api.errors import ApiError
from snop.errors import ConflictError, NotAllowed, NotFoundError, SnopError
from snop.model.vocabulary import Role
from snop.report import fmt
from snop.report.content import Chart, Table
from snop.report.html import render_table
from snop.report.page import fragment
from snop.services.context import Actor

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NavPage:
    path: str
    title: str
    roles: frozenset[str]  # who sees it in the navigation


_ALL = frozenset(r.value for r in Role)
_PLAN = frozenset(r.value for r in Role if r is not Role.ADMIN)
NAV = (
    NavPage("/", "Home", _ALL),
    NavPage(
        "/demand",
        "Demand review",
        frozenset({"demand_planner", "sales", "marketing", "sop_leader", "executive", "viewer"}),
    ),
    NavPage(
        "/supply",
        "Supply review",
        frozenset({"supply_planner", "sop_leader", "finance", "executive", "viewer"}),
    ),
    NavPage("/finance", "Finance", frozenset({"finance", "sop_leader", "executive", "viewer"})),
    NavPage(
        "/scenarios",
        "Scenarios",
        frozenset({"supply_planner", "finance", "sop_leader", "executive", "viewer"}),
    ),
    NavPage("/executive", "Executive", frozenset({"executive", "sop_leader", "finance", "viewer"})),
    NavPage("/kpis", "Plan vs actual", _PLAN),
    NavPage("/audit", "Audit", frozenset({"admin", "sop_leader", "executive", "viewer"})),
)


def nav_for(actor: Actor) -> list[NavPage]:
    """The pages in ``actor``'s navigation: those of their roles."""
    return [p for p in NAV if p.roles & actor.roles]


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = lambda v, unit="units": fmt.number(v, unit)
    env.filters["short"] = lambda v, unit, cur="": fmt.short(v, unit, cur)
    env.filters["signed"] = lambda v, unit, cur="": fmt.signed(v, unit, cur)
    env.filters["chart"] = chart
    env.filters["table"] = table
    return env


def chart(c: Chart) -> Markup:
    """A figure as its div and script (the page loads Plotly once)."""
    return Markup(fragment(c.figure, c.key))


def table(t: Table) -> Markup:
    return render_table(t)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Template ``template`` with ``context``, the reader and their navigation."""
    actor: Actor | None = getattr(request.state, "actor", None)
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            actor=actor,
            nav=nav_for(actor) if actor else [],
            csrf=getattr(request.state, "csrf", ""),
            path=request.url.path,
            can=lambda *roles: actor is not None and bool(set(roles) & actor.roles),
            planner=actor is not None and bool(set(PLANNERS) & actor.roles),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def message(request: Request, text: str, status_code: int, kind: str = "error") -> Response:
    """A refusal or mistake: a fragment for HTMX (swapped where the change was asked),
    else a whole page."""
    if is_htmx(request):
        return render(request, "_message.html", status_code, text=text, kind=kind)
    return render(request, "error.html", status_code, text=text, kind=kind)


def status_of(e: SnopError) -> int:
    if isinstance(e, NotFoundError):
        return 404
    if isinstance(e, NotAllowed):
        return 403
    if isinstance(e, ConflictError):
        return 409
    return 400


class PageRoute(APIRoute):
    """A route answering in HTML: errors become messages, no session goes to /login."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as e:
                if e.status == 401 and request.method == "GET" and not is_htmx(request):
                    return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
                return message(request, e.message, e.status)
            except SnopError as e:
                return message(request, str(e), status_of(e))
            except RequestValidationError as e:
                return message(request, _invalid(e), 422)

        return page_handler


def _invalid(e: RequestValidationError) -> str:
    """A form's mistakes in words: each field and what is wrong with it."""
    parts = []
    for err in e.errors():
        where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "the form"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)
