"""The API's routers, one module per area; :data:`ROUTERS` lists them for the app."""

from __future__ import annotations

from snop.api.routes import audit, auth, cycles, data, demand, files, plan, scenarios, users

ROUTERS = [
    auth.router,
    cycles.router,
    data.router,
    demand.router,
    audit.router,
    plan.router,
    scenarios.router,
    files.router,
    users.router,
]
