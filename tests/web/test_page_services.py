"""The services behind the pages and the pages' guards, without a browser: the demand
grid (rows, the sales a year before, pages of keys, who edits what), the audit filters,
and a page write refused without a session, a role or the CSRF token."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from snop.api.app import create_app
from snop.api.deps import SESSION_COOKIE
from snop.services.audit import audit_view
from snop.services.context import Actor
from snop.services.review_page import review_page, year_ago
from snop.services.supply import plan_cycle_supply
from snop.services.users import add_user, start_session
from snop.store.uow import UnitOfWork
from tests.demand.cycles import small_store
from tests.workbooks import SMALL

ADA = Actor.of("ada", "admin")
DANA = Actor.of("dana", "demand_planner")
SAM = Actor.of("sam", "sales")
VIC = Actor.of("vic", "viewer")


@pytest.fixture
def uow(tmp_path: Path) -> UnitOfWork:
    store = small_store(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    for who in (ADA, DANA, SAM, VIC):  # no passwords: the tests start sessions directly
        add_user(store, ADA, who.name, sorted(who.roles))
    return store


def test_sales_a_year_before_are_aligned_with_the_plan() -> None:
    sales = pd.read_csv(io.StringIO(SMALL["sales"]), dtype={"period": str})
    items = pd.read_csv(io.StringIO(SMALL["items"]), dtype=str)
    periods = ["2027-05", "2027-06", "2027-07", "2027-08"]
    labels, by_family = year_ago(sales, items, "family", periods)
    assert labels == ["2026-05", "2026-06", "2026-07", "2026-08"]
    # F1 = A1 + A2, F2 = B2 (no sales of B2 in 2026-08: blank, not 0)
    assert by_family == {"F1": [150.0, 165.0, 180.0, 155.0], "F2": [30.0, 28.0, 26.0, None]}
    _, by_category = year_ago(sales, items, "category", periods)
    assert by_category == {"small": [100.0, 110.0, 120.0, 90.0], "large": [80.0, 83.0, 86.0, 65.0]}
    # a period whose year before is not past yet has no label
    labels, _ = year_ago(sales, items, "total", ["2026-11", "2027-11"])
    assert labels == ["2025-11", None]


def test_the_grid_sums_items_and_says_who_edits_what(uow: UnitOfWork) -> None:
    grid = review_page(uow, DANA, "family")
    assert grid.keys() == ["F1", "F2"]
    assert grid.layers == ["statistical", "sales", "marketing", "consensus"]
    items = {r.key: r.values for r in review_page(uow, DANA, "item").rows if r.layer == "consensus"}
    f1 = next(r for r in grid.rows if r.key == "F1" and r.layer == "consensus")
    assert f1.values == [a + b for a, b in zip(items["A1"], items["A2"], strict=True)]
    assert {r.layer for r in grid.rows if r.editable} == {"consensus"}  # dana's layer
    assert grid.can_submit and not grid.can_approve
    mine = review_page(uow, SAM, "family")
    assert {r.layer for r in mine.rows if r.editable} == {"sales"}
    assert not mine.can_submit
    assert not any(r.editable for r in review_page(uow, VIC, "family").rows)


def test_the_grid_comes_in_pages_of_keys(uow: UnitOfWork) -> None:
    first = review_page(uow, DANA, "item", size=3)
    second = review_page(uow, DANA, "item", size=3, page=2)
    assert (first.pages, first.total_keys) == (2, 4)
    assert first.keys() == ["A1", "A2", "B1"] and second.keys() == ["B2"]
    assert review_page(uow, DANA, "item", size=3, page=9).keys() == ["B2"]  # the last page


def test_audit_filters(uow: UnitOfWork) -> None:
    start_session(uow, DANA)
    start_session(uow, SAM)
    start_session(uow, DANA)
    view = audit_view(uow, ADA, user="dana", action="login")
    assert view.total == 2 and [r["actor"] for r in view.rows] == ["dana", "dana"]
    assert view.rows[0]["id"] > view.rows[1]["id"]  # newest first
    assert {"ada", "dana", "sam"} <= set(view.users) and "login" in view.actions
    assert audit_view(uow, ADA, user="sam", action="user add").total == 0


def _client(uow: UnitOfWork, who: Actor | None) -> tuple[TestClient, str]:
    c = TestClient(create_app(uow), base_url="https://testserver", follow_redirects=False)
    if who is None:
        return c, ""
    session = start_session(uow, who)
    c.cookies.set(SESSION_COOKIE, session.id)
    return c, session.csrf


def test_page_writes_are_guarded(uow: UnitOfWork) -> None:
    cell = {"layer": "consensus", "level": "family", "key": "F1", "period": "2026-12"}
    shown = next(
        r.values[1] for r in review_page(uow, DANA, "family").rows
        if r.key == "F1" and r.layer == "consensus"
    )  # fmt: skip
    form = {**cell, "value": "1,000", "shown": str(shown)}
    anonymous, _ = _client(uow, None)
    assert anonymous.get("/demand").headers["location"] == "/login?next=/demand"
    assert anonymous.post("/demand/preview", data=form).status_code == 401
    viewer, csrf = _client(uow, VIC)
    r = viewer.post("/demand/preview", data=form, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403 and "may not do this" in r.text
    dana, csrf = _client(uow, DANA)
    assert dana.post("/demand/preview", data=form).status_code == 403  # no CSRF token
    r = dana.post(
        "/demand/preview", data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert r.status_code == 200
    assert "family F1 2026-12 = 1,000" in r.text  # the preview, nothing stored
    assert next(
        r.values[1] for r in review_page(uow, DANA, "family").rows
        if r.key == "F1" and r.layer == "consensus"
    ) == shown  # fmt: skip
    sam, csrf = _client(uow, SAM)  # sales may not edit the consensus: the service says so
    r = sam.post("/demand/preview", data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert r.status_code == 403 and "may not edit layer consensus" in r.text


def test_decisions_and_the_approval_on_the_executive_page(uow: UnitOfWork) -> None:
    erin = Actor.of("erin", "executive")
    add_user(uow, ADA, "erin", ["executive"])
    c, csrf = _client(uow, erin)
    head = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    decision = {"what": "Quote a second shift", "owner": "supply_planner", "due": "2026-12-15"}
    r = c.post("/executive/decisions", data=decision, headers=head)
    assert r.status_code == 200 and "Quote a second shift" in r.text
    number = r.text.split('<tr data-row="')[1].split('"')[0]
    dana, dana_csrf = _client(uow, DANA)
    r = dana.post(
        "/executive/decisions", data=decision, headers={"X-CSRF-Token": dana_csrf}
    )  # a demand planner does not take the executives' decisions
    assert r.status_code == 403
    r = dana.post(
        f"/executive/decisions/{number}/close",
        data={"note": "quoted: too dear"},
        headers={"X-CSRF-Token": dana_csrf, "HX-Request": "true"},
    )
    assert r.status_code == 200 and f"decision {number} closed" in r.text
    assert "Quote a second shift" not in r.text.split("Closed in this cycle")[0].split("<tbody>")[1]
    r = c.post("/executive/approve", data={"note": ""}, headers=head)
    assert r.status_code == 400 and "Refused" in r.text  # the cycle's steps are not done


def test_scenarios_typed_as_text(uow: UnitOfWork) -> None:
    sid = Actor.of("sid", "supply_planner")
    add_user(uow, ADA, "sid", ["supply_planner"])
    plan_cycle_supply(uow, sid)  # a scenario changes the cycle's plan
    c, csrf = _client(uow, sid)
    text = "demand family=F1 2026-12..2027-01 +10% upside\n\ncapacity R1 2027-01.. +50"
    r = c.post("/scenarios", data={"name": "up", "deltas": text, "csrf_token": csrf})
    assert r.status_code == 200 and "scenario up created" in r.text
    assert r.text.count('data-row="up"') == 1
    bad = "demand family=F1 +5%\ndemand family=F1 2027-01"  # line 2: no change given
    r = c.post("/scenarios", data={"name": "bad", "deltas": bad, "csrf_token": csrf})
    assert r.status_code == 400 and "line 2: demand" in r.text and "give the change" in r.text
    r = c.post("/scenarios", data={"name": "bad", "deltas": "demand F9 +5%", "csrf_token": csrf})
    assert r.status_code == 400 and "F9" in r.text  # the service names what is unknown


def test_sign_off_a_step_from_home(uow: UnitOfWork) -> None:
    dana, csrf = _client(uow, DANA)
    head = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    assert 'hx-post="/steps/data/signoff"' in dana.get("/").text
    r = dana.post("/steps/data/signoff", data={"note": "actuals in"}, headers=head)
    assert r.status_code == 200 and "step data signed off by dana" in r.text
    assert 'hx-post="/steps/data/signoff"' not in dana.get("/").text  # no longer waiting
    sam, sam_csrf = _client(uow, SAM)  # the forecast is the demand planner's to sign
    r = sam.post(
        "/steps/forecast/signoff", headers={"X-CSRF-Token": sam_csrf, "HX-Request": "true"}
    )
    assert r.status_code == 403 and "may not sign off step forecast" in r.text


def test_a_scenario_from_a_lever(uow: UnitOfWork) -> None:
    from snop.services.levers import gap_levers

    sid = Actor.of("sid", "supply_planner")
    add_user(uow, ADA, "sid", ["supply_planner"])
    plan_cycle_supply(uow, sid)
    c, csrf = _client(uow, sid)
    assert 'id="show-levers"' in c.get("/scenarios").text  # levers on demand: they cost
    page = c.get("/scenarios?levers=true").text
    first = gap_levers(uow, sid, top=0).to_json()["levers"][0]
    assert 'id="lever-list"' in page and f'value="{first["target"]}"' in page
    form = {
        "name": "lever1",
        "kind": first["kind"],
        "target": first["target"],
        "period": first["period"] or "",
        "to_period": first["to_period"] or "",
        "csrf_token": csrf,
    }
    r = c.post("/scenarios/from-lever", data=form)
    assert r.status_code == 200 and "scenario lever1 created" in r.text
    assert r.text.count('data-row="lever1"') == 1
    viewer, vcsrf = _client(uow, VIC)
    assert (
        viewer.post("/scenarios/from-lever", data={**form, "csrf_token": vcsrf}).status_code == 403
    )
