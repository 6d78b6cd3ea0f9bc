"""``snop serve``: the web app and the REST API on the local store."""

from __future__ import annotations

from typing import Annotated

import typer

from snop.cli.common import err_console, esc, store
from snop.cli.main import app
from snop.errors import SnopError
from snop.services.context import UnitOfWork


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app and the REST API (OpenAPI at /docs) on the store."""
    serve_store(store(ctx), host, port)


def serve_store(uow: UnitOfWork, host: str, port: int) -> None:
    """Run the app on ``uow`` with uvicorn until interrupted."""
    import uvicorn

    from snop.api.app import create_app
    from snop.services.users import users_exist

    if not users_exist(uow):
        raise SnopError(
            "the store has no users yet, and the web app serves users only: add one with "
            "snop user add NAME --role admin (then the others, with their roles)"
        )
    if not 0 < port < 65536:
        raise SnopError(f"--port {port}: give a port from 1 to 65535")
    err_console.print(f"snop serves {esc(f'http://{host}:{port}/')} (API docs at /docs)")
    uvicorn.run(create_app(uow), host=host, port=port, log_level="warning")
