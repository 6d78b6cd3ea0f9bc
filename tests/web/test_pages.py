"""The web pages in a real Chromium, each step as the role that does it: log in, edit an
override in the demand grid through its split preview (and lose a race to another
planner), submit and approve the plan (and be refused as the wrong role), compare two
scenarios, download the pack. The app runs in a thread of this process (uvicorn) over a
store built once for the module: the small workbook, a naive baseline, the supply plans,
two scenarios run, and the demo's users."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from snop.api.app import create_app
from snop.api.deps import SESSION_COOKIE
from snop.learning.frames import TOTAL
from snop.scenario.parse import parse_delta
from snop.services.context import Actor
from snop.services.demand_review import demand_plan
from snop.services.demo import DEMO_PASSWORD, DEMO_USERS
from snop.services.forecast import run_baseline
from snop.services.scenarios import compare_scenarios, create_scenario, run_scenarios
from snop.services.supply import plan_cycle_supply
from snop.services.users import add_user, start_session
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.browser import browser_page
from tests.workbooks import write_small

ADA = Actor.of("ada", "admin")
DANA = Actor.of("dana", "demand_planner")
SID = Actor.of("sid", "supply_planner")
SCENARIOS = {
    "f1_upside": ("demand", "family=F1 2026-12..2027-02 +20% retailer upside"),
    "r1_more": ("capacity", "R1 2027-01.. +200 second shift"),
}
# the browser's own line for a 4xx answer to a request the page made on purpose
pytestmark = pytest.mark.xdist_group("web")  # one store and one server for the module
REFUSED = "Failed to load resource: the server responded with a status of"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> UnitOfWork:
    folder = tmp_path_factory.mktemp("web")
    uow = UnitOfWork.open(str(folder / "store.db"))
    for who in DEMO_USERS:
        add_user(uow, ADA, who.name, sorted(who.roles), DEMO_PASSWORD, demo=True)
    import_workbook(uow, DANA, write_small(folder / "wb"))
    run_baseline(uow, DANA, method="naive")
    plan_cycle_supply(uow, SID)
    for name, (kind, text) in SCENARIOS.items():
        create_scenario(uow, SID, name, [parse_delta(name, kind, text)])
    run_scenarios(uow, SID, list(SCENARIOS))
    return uow


@pytest.fixture(scope="module")
def base(store: UnitOfWork) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[Any, list[str]]]:
    """One Chromium page for the module; each test starts with no console errors."""
    with browser_page() as (page, errors):
        yield page, errors


@pytest.fixture
def web(browser: tuple[Any, list[str]]) -> Iterator[tuple[Any, list[str]]]:
    browser[1].clear()
    browser[0].context.clear_cookies()
    yield browser


def log_in(page: Any, base: str, name: str) -> None:
    """Through the login form, as a person does."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def session_of(page: Any, base: str, store: UnitOfWork, name: str) -> None:
    """A session of ``name`` started by the service the login form calls, as the browser's
    cookie (the form itself is tested once; a password check costs a second here)."""
    actor = next(a for a in DEMO_USERS if a.name == name)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": start_session(store, actor).id, "url": base,
          "secure": True, "httpOnly": True, "sameSite": "Lax"}]
    )  # fmt: skip


def consensus_cell(page: Any, key: str, period: str) -> Any:
    return page.locator(f'tr[data-key="{key}"][data-layer="consensus"] td[data-period="{period}"]')


def test_log_in_with_the_demo_notice_and_a_nav_per_role(
    base: str, store: UnitOfWork, web: tuple[Any, list[str]]
) -> None:
    page, errors = web
    page.goto(f"{base}/executive")  # no session: to the login page, back after
    assert "/login" in page.url
    notice = page.locator("section.demo")
    for who in DEMO_USERS:
        assert notice.locator(f"td:text-is('{who.name}')").count() == 1
    page.fill("#name", "dana")
    page.fill("#password", "not-her-password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.locator("#login-error").inner_text()
    log_in(page, base, "dana")
    nav = page.locator("header.bar nav a").all_inner_texts()
    assert nav == ["Home", "Demand review", "Plan vs actual"]
    steps = page.locator("#waiting li[data-step]").evaluate_all(
        "els => els.map(e => e.dataset.step)"
    )
    assert steps == ["data", "forecast", "demand_review"]  # dana's, none signed off
    session_of(page, base, store, "vic")  # the viewer sees every page, read-only
    page.goto(f"{base}/")
    assert len(page.locator("header.bar nav a").all()) == 8
    assert "read-only" in page.locator("header.bar .who").inner_text()
    page.goto(f"{base}/demand")
    assert page.locator("td.editable").count() == 0
    assert page.locator("#submit-plan").count() == 0
    page.click("header.bar .who button")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/")
    assert "/login" in page.url  # the session ended
    assert errors == []


def test_edit_in_the_grid_submit_and_approve(
    base: str, store: UnitOfWork, web: tuple[Any, list[str]]
) -> None:
    before = demand_plan(store, DANA).view("item", ["consensus"])
    a1, a2 = (
        float(before[(before["key"] == i) & (before["period"] == "2026-12")]["consensus"].iloc[0])
        for i in ("A1", "A2")
    )
    page, errors = web
    session_of(page, base, store, "dana")
    page.goto(f"{base}/demand")
    cell = consensus_cell(page, "F1", "2026-12")
    shown = float(cell.get_attribute("data-value"))
    assert shown == pytest.approx(a1 + a2)
    typed = round(shown) + 120
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{typed:,}")  # typed with a thousands separator
    page.keyboard.press("Enter")
    split = page.locator("#split tbody tr")
    split.first.wait_for()
    rows = {
        r.locator("td").nth(0).inner_text(): r.locator("td").all_inner_texts() for r in split.all()
    }
    assert set(rows) == {"A1", "A2"}
    after = {k: float(v[3].replace(",", "")) for k, v in rows.items()}
    assert sum(after.values()) == typed  # whole units that add up to the typed value
    # proportional to the items' values before, within the rounding to whole units
    assert after["A1"] == pytest.approx(typed * a1 / (a1 + a2), abs=1)
    page.select_option("#reason", "customer")
    page.click("#confirm")
    page.locator("#demand-msg .msg.ok", has_text=f"F1 2026-12 = {typed:,}").wait_for()
    assert float(consensus_cell(page, "F1", "2026-12").get_attribute("data-value")) == typed
    assert "saved as override" in page.locator("#demand-msg").inner_text()

    # another planner changes the same cell between the preview and the confirmation
    cell = consensus_cell(page, "F1", "2027-01")
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("500")
    page.keyboard.press("Enter")
    page.locator("#confirm").wait_for()
    from snop.demand.replay import Override
    from snop.services.demand_review import add_override

    other = Override("consensus", "family", "F1", "2027-01", "2027-01", "qty", 450.0, reason="x")
    add_override(store, Actor.of("lee2", "demand_planner"), other)
    page.select_option("#reason", "promo")
    page.click("#confirm")
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert "is now 450; you typed 500" in " ".join(conflict.inner_text().split())
    page.click("#keep-mine")
    page.locator("#demand-msg .msg.ok", has_text="F1 2027-01 = 500").wait_for()
    assert float(consensus_cell(page, "F1", "2027-01").get_attribute("data-value")) == 500

    page.click("#submit-plan")
    page.locator("#plan-status:text-is('submitted')").wait_for()
    assert page.locator("td.editable").count() == 0  # a submitted plan is locked

    session_of(page, base, store, "sam")  # sales may not approve: the server says so
    page.goto(f"{base}/demand")
    assert page.locator("#approve-plan").count() == 0
    page.evaluate(
        "htmx.ajax('POST', '/demand/approve', {target: '#demand-msg', values: {level: 'family'}})"
    )
    refusal = page.locator("#demand-msg .msg.error")
    refusal.wait_for()
    assert "may not approve the demand plan; only role executive may" in refusal.inner_text()

    session_of(page, base, store, "erin")
    page.goto(f"{base}/demand")
    page.click("#approve-plan")
    page.locator("#plan-status:text-is('approved')").wait_for()
    assert demand_plan(store, DANA).status == "approved"
    assert [e for e in errors if not e.startswith(REFUSED)] == []
    assert len(errors) == 2  # the 409 of the race and the 403 of sam, nothing else


def test_compare_two_scenarios(base: str, store: UnitOfWork, web: tuple[Any, list[str]]) -> None:
    page, errors = web
    session_of(page, base, store, "sid")
    page.goto(f"{base}/scenarios")
    for name in SCENARIOS:
        page.check(f'input[name=compare][value="{name}"]')
    page.click("#compare")
    table = page.locator("#table-scenarios")
    table.wait_for()
    revenue = table.locator('tr[data-row="revenue"] td')
    plans = revenue.evaluate_all("els => els.map(e => e.dataset.col)")
    assert plans[1:4] == ["base", *SCENARIOS]
    revenue = revenue.all_inner_texts()
    page.locator('[data-chart="scenarios"] .js-plotly-plot').wait_for()
    expected = compare_scenarios(store, SID, list(SCENARIOS)).table
    total = expected[(expected["family"] == TOTAL) & (expected["measure"] == "revenue")]
    by_plan = dict(zip(total["plan"], total["value"], strict=True))
    assert [float(v.replace(",", "")) for v in revenue[1:4]] == [
        round(by_plan[p]) for p in ["base", *SCENARIOS]
    ]
    assert by_plan["f1_upside"] > by_plan["base"]  # more F1 demand sells more
    assert errors == []


def test_download_the_pack(
    base: str, store: UnitOfWork, tmp_path: Path, web: tuple[Any, list[str]]
) -> None:
    page, errors = web
    session_of(page, base, store, "erin")
    page.goto(f"{base}/executive")
    assert page.locator("#approve-cycle").count() == 1  # the executive approves
    # the pack online comes after the page, its charts drawn by the scripts it brings
    page.locator('#pack-sections [data-section="finance"] .js-plotly-plot').first.wait_for()
    with page.expect_download() as got:
        page.click("#download-html")
    path = tmp_path / "pack.html"
    got.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert got.value.suggested_filename == "snop-pack-2026-11.html"
    assert "S&amp;OP pack, cycle 2026-11" in text and 'data-section="finance"' in text
    session_of(page, base, store, "fay")  # finance reads the pack, does not approve
    page.goto(f"{base}/executive")
    assert page.locator("#approve-cycle").count() == 0
    assert errors == []


def test_every_page_opens_without_console_errors(
    base: str, store: UnitOfWork, web: tuple[Any, list[str]]
) -> None:
    page, errors = web
    session_of(page, base, store, "vic")  # the viewer's navigation has every page
    page.goto(f"{base}/")
    links = page.locator("header.bar nav a").evaluate_all("els => els.map(e => e.pathname)")
    assert links == [
        "/",
        "/demand",
        "/supply",
        "/finance",
        "/scenarios",
        "/executive",
        "/kpis",
        "/audit",
    ]
    for path in [p for p in links if p != "/executive"]:  # opened by the pack's test
        page.goto(f"{base}{path}")
        assert page.locator("h1").first.is_visible()
        assert page.locator("#main .msg.error").count() == 0, path
        assert page.locator('header.bar nav a[aria-current="page"]').get_attribute("href") == path
        if path in ("/supply", "/finance"):  # the pack's charts are drawn
            page.locator(".js-plotly-plot").first.wait_for()
    page.goto(f"{base}/audit?user=vic&action=login")
    assert set(page.locator("#audit tbody td:nth-child(2)").all_inner_texts()) == {"vic"}
    assert errors == []
