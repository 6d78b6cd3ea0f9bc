"""The API's routers, one module per area; :data:`ROUTERS` lists them for the app."""

from __future__ import annotations

from snop.api.routes import auth, cycles, files, plan, scenarios, users

ROUTERS = [auth.router, cycles.router, plan.router, scenarios.router, files.router, users.router]
