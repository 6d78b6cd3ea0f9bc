"""One JSON shape for every error of the API::

    {"error": {"status": 403, "code": "not_allowed", "message": "...", "field": null}}

``field`` names the request field at fault (a body or query parameter), when one is.
A user's mistake is a 4xx with the service's own message; a bug is a 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from snop.errors import ConflictError, NotAllowed, NotFoundError, SnopError, user_message

log = logging.getLogger("snop.api")

# most specific first
STATUS: tuple[tuple[type[SnopError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (NotAllowed, 403, "not_allowed"),
    (ConflictError, 409, "conflict"),
    (SnopError, 400, "invalid"),
)
CODES = {401: "unauthenticated", 403: "not_allowed", 404: "not_found", 405: "method",
         409: "conflict", 412: "stale", 422: "invalid", 429: "too_many"}  # fmt: skip


class ApiError(Exception):
    """An error a route raises itself, with its status and, optionally, the field."""

    def __init__(self, status: int, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.extra = status, message, field, extra


def body(
    status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "field": field, **extra}}


class Unavailable:
    """The machine's trouble a user can act on (the store busy or unreachable, the disk
    full: :func:`snop.errors.user_message`) as 503, handled here rather than by the
    handler of last resort: that one re-raises after answering (Starlette's
    ServerErrorMiddleware), so the server would log a traceback as for a bug and drop the
    client's keep-alive connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            message = user_message(exc)
            if message is None or started:
                raise
            log.warning("%s %s: %s", scope.get("method"), scope.get("path"), message)
            await JSONResponse(body(503, "unavailable", message), 503)(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape."""
    app.add_middleware(Unavailable)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        code = CODES.get(exc.status, "error")
        return JSONResponse(body(exc.status, code, exc.message, exc.field, **exc.extra), exc.status)

    @app.exception_handler(SnopError)
    async def snop_error(request: Request, exc: SnopError) -> JSONResponse:
        for kind, status, code in STATUS:
            if isinstance(exc, kind):
                return JSONResponse(body(status, code, str(exc)), status)
        return JSONResponse(body(400, "invalid", str(exc)), 400)  # pragma: no cover

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = [str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path")]
        field = ".".join(where) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg"))
        return JSONResponse(body(422, "invalid", message, field), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODES.get(exc.status_code, "error")
        return JSONResponse(
            body(exc.status_code, code, str(exc.detail)), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        message = user_message(exc)  # the disk full, a store that went away...
        if message is not None:
            return JSONResponse(body(503, "unavailable", message), 503)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(body(500, "bug", "an internal error; it has been logged"), 500)
