"""A small store for the plan routes of the API, built once per test process and copied.

The small workbook's cycle 2026-11 approved (optimal plan), November's actuals imported
(so the version has KPIs), cycle 2026-12 opened, forecast and supply-planned (optimal) with
a budget for its first two periods: a version to compare with, a draft to run scenarios
on and promote, and a budget gap. One user per role, each with an API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.services.context import Actor
from snop.services.cycles import open_cycle
from snop.services.forecast import run_baseline
from snop.services.supply import plan_cycle_supply
from snop.services.users import add_user, create_token
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cycle.test_cycles import DP, SP, _approve_first
from tests.cycle.test_kpis import NOVEMBER
from tests.stores import built_store

PASSWORD = "a long test password"
ADMIN = Actor.of("ada", "admin")
# user name -> roles
USERS = {
    "ada": ("admin",),
    "dana": ("demand_planner",),
    "sid": ("supply_planner",),
    "fay": ("finance",),
    "lee": ("sop_leader",),
    "erin": ("executive",),
    "vic": ("viewer",),
}
# the budget of cycle 2026-12: F1 in both months, the company in December only
BUDGET = "family,period,revenue,qty\nF1,2026-12,1500,\nF1,2027-01,1600,\n,2026-12,3000,\n"


def _build(uow: UnitOfWork, folder: Path) -> None:
    _approve_first(uow, folder)
    nov = folder / "nov"
    nov.mkdir()
    for name, text in {**NOVEMBER, "budget": BUDGET}.items():
        (nov / f"{name}.csv").write_text(text, encoding="utf-8")
    import_workbook(uow, DP, nov)
    open_cycle(uow, DP)
    run_baseline(uow, DP, method="naive")
    plan_cycle_supply(uow, SP, ["optimal"])
    for name, roles in USERS.items():
        add_user(uow, ADMIN, name, list(roles), PASSWORD)


@dataclass
class PlanStore:
    uow: UnitOfWork
    url: str
    client: TestClient
    tokens: dict[str, str]  # user name -> API token

    def auth(self, user: str) -> dict[str, str]:
        """The headers of a call as ``user``."""
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def plan_store(folder: Path) -> PlanStore:
    """A copy of the built store in ``folder``, its app's client and a token per user."""
    url = f"sqlite:///{folder / 'plan.db'}"
    uow = built_store(url, folder, "api-plan", _build)
    tokens = {name: create_token(uow, ADMIN, name, "tests").token for name in USERS}
    client = TestClient(create_app(uow), base_url="https://testserver")
    return PlanStore(uow, url, client, tokens)
