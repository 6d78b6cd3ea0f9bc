"""Log in and out; who am I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from snop.api.deps import SESSION_COOKIE, current_actor, store
from snop.api.errors import ApiError
from snop.errors import NotAllowed
from snop.services.context import Actor
from snop.services.users import SESSION_HOURS, authenticate, end_session, start_session

router = APIRouter(prefix="/api", tags=["auth"])


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


def set_session_cookie(response: Response, session_id: str) -> None:
    """The session's cookie: not readable by scripts, sent only over HTTPS (browsers count
    localhost as secure) and on same-site navigation."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=True,
        samesite="lax",
        path="/",
    )


async def login_actor(request: Request, name: str, password: str) -> Actor:
    """The user of ``name`` and ``password``, counting failures per address and name."""
    limiter = request.app.state.logins
    client = request.client.host if request.client else "?"
    keys = (f"ip:{client}", f"user:{name}")
    limiter.check(*keys)
    try:
        return await run_in_threadpool(authenticate, store(request), name, password)
    except NotAllowed as e:
        limiter.failed(*keys)
        raise ApiError(401, str(e)) from None


@router.post("/login", summary="Log in: a session cookie and its CSRF token")
async def login(body: Login, request: Request, response: Response) -> dict[str, Any]:
    actor = await login_actor(request, body.name, body.password)
    session = await run_in_threadpool(start_session, store(request), actor)
    set_session_cookie(response, session.id)
    return {"user": actor.name, "roles": sorted(actor.roles), "csrf_token": session.csrf}


@router.post("/logout", summary="End the session")
async def logout(
    request: Request, response: Response, actor: Annotated[Actor, Depends(current_actor)]
) -> dict[str, Any]:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await run_in_threadpool(end_session, store(request), sid)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"user": actor.name, "logged_out": True}


@router.get("/me", summary="Who the caller is, in which roles")
async def me(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> dict[str, Any]:
    return {
        "user": actor.name,
        "roles": sorted(actor.roles),
        "csrf_token": getattr(request.state, "csrf", None),
    }
