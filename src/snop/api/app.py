"""The web application: the REST API under ``/api`` (OpenAPI at ``/docs``) and the web
pages, over one store. ``snop serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI

from snop.api import errors
from snop.api.deps import LoginLimiter
from snop.api.responses import SnopJSON
from snop.services.context import UnitOfWork

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
# threads that run the routes (the store is synchronous): writers queue for the store's
# write lock in theirs, so there must be threads to spare for readers meanwhile
THREADS = 200


def create_app(uow: UnitOfWork) -> FastAPI:
    """The app over ``uow``'s store."""
    from snop.api.routes import ROUTERS

    app = FastAPI(
        title="snop",
        summary="Sales & Operations Planning: the REST API over the S&OP cycle",
        version="0.1.0",
        default_response_class=SnopJSON,
        docs_url="/docs",
        openapi_url="/api/openapi.json",
        lifespan=_threads,
    )
    app.state.uow = uow
    app.state.logins = LoginLimiter()
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    _web(app)
    return app


@asynccontextmanager
async def _threads(app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def _web(app: FastAPI) -> None:
    """The web pages and their static files (Plotly and HTMX served from here: no CDN)."""
    try:
        from snop.web.pages import mount
    except ImportError:  # the pages are optional to the API
        return
    mount(app)
