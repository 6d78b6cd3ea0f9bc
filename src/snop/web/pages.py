"""The web pages and their static files, mounted on the API's app.

The pages (Jinja2 templates, HTMX) call the services directly, as the API's routes do, and
hold no logic of their own; see docs/web.md for the pages each role sees."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def mount(app: FastAPI) -> None:
    """Static files: /static (HTMX and the style, vendored) and /vendor/plotly.min.js
    (from the installed plotly package, the version the figures are made for), and the
    pages: login and logout, home, demand review, supply review, finance, scenarios,
    executive, plan vs actual, audit."""

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from snop.web import demand, review, scenarios, session

    for module in (session, review, demand, scenarios):
        app.include_router(module.router)
