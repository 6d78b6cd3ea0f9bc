"""Logging in and out of the pages: the login form (with the demo store's users listed
when the store is the demo's), the session cookie, and logging out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from snop.api.deps import SESSION_COOKIE, current_actor, store
from snop.api.errors import ApiError
from snop.api.routes.auth import login_actor, set_session_cookie
from snop.services.context import Actor
from snop.services.demo import DEMO_PASSWORD
from snop.services.users import end_session, list_users, start_session
from snop.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LOGIN_PAGE = Actor.of("login page")  # who reads the user list for the demo notice


def _next(target: str | None) -> str:
    """Where to go after logging in: a path of this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(request: Request, status: int = 200, error: str = "", name: str = "") -> Response:
    users = list_users(store(request), LOGIN_PAGE)
    demo = [u for u in users if u.demo] if users and all(u.demo for u in users) else []
    return render(
        request,
        "login.html",
        status,
        demo=demo,
        demo_password=DEMO_PASSWORD,
        error=error,
        name=name,
        next=_next(request.query_params.get("next")),
    )


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if not name or not password:
        return await run_in_threadpool(
            _login_page, request, 200, "give your user name and password", name
        )
    try:
        actor = await login_actor(request, name, password)
    except ApiError as e:  # the form again, saying why (a 429 keeps its status)
        status = e.status if e.status == 429 else 200
        return await run_in_threadpool(_login_page, request, status, e.message, name)
    session = await run_in_threadpool(start_session, store(request), actor)
    response = RedirectResponse(_next(next), status_code=303)
    set_session_cookie(response, session.id)
    return response


@router.post("/logout")
async def logout(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await run_in_threadpool(end_session, store(request), sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
