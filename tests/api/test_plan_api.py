"""The plan routes of the API on the store of :mod:`tests.api.plan_store`: cycle 2026-11
approved, cycle 2026-12 forecast (naive) and planned (optimal), with a budget.

Hand figures: November sold A1 130, A2 70 and B2 18, so the naive forecast of 2026-12 is
F1 130 + 70 = 200 a month (version 2026-11 planned 125 + 75 = 200) and F2 B2 18 + B1 18
(launched like B2) = 36 a month until B2 ends in 2027-03, then 18 (the version planned 20
+ 20 = 40, then 20): over the five shared periods demand moves by 4 x (36 - 40) + (18 - 20)
= -18 units, all of it new actuals and re-forecast.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pandas as pd
import pytest

from snop.api.routes import files
from snop.learning.frames import TOTAL
from snop.services.context import Actor
from snop.services.sheet import family_sheet
from tests.api.plan_store import PlanStore, plan_store
from tests.cycle.test_kpis import NOVEMBER
from tests.workbooks import SMALL

XLSX = files.XLSX
# one worker builds the store once for all the tests here
pytestmark = pytest.mark.xdist_group("api-plan")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanStore]:
    """One store for the tests that only read."""
    s = plan_store(tmp_path_factory.mktemp("plan-api"))
    yield s
    s.client.close()
    s.uow.dispose()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[PlanStore]:
    """A copy of the store of its own, for a test that changes it."""
    s = plan_store(tmp_path)
    yield s
    s.client.close()
    s.uow.dispose()


def ok(r: httpx.Response) -> Any:
    """The JSON of a successful call."""
    assert r.status_code == 200, r.text
    return r.json()


def test_finance_totals_are_the_sum_of_the_families_and_the_gap_the_budget(
    shared: PlanStore,
) -> None:
    c, vic = shared.client, shared.auth("vic")
    by_period = ok(c.get("/api/finance", params={"by": "period"}, headers=vic))
    assert (by_period["cycle"], by_period["status"], by_period["by"]) == (
        "2026-12",
        "draft",
        "period",
    )
    lines = pd.DataFrame(by_period["lines"])
    families = lines[lines["family"] != TOTAL]
    assert set(families["family"]) == {"F1", "F2"}
    total = lines[lines["family"] == TOTAL].set_index("period")
    # each period's total is the families' lines summed; the horizon's total is their sum
    for col in ("revenue", "cogs", "gross_margin"):
        summed = families.groupby("period")[col].sum()
        assert total[col].reindex(summed.index).to_numpy() == pytest.approx(summed.to_numpy())
    revenue = families["revenue"].sum()
    assert by_period["total"]["revenue"] == pytest.approx(revenue)
    # revenue is what is shipped at its price
    assert revenue == pytest.approx((families["shipped"] * families["price"]).sum())
    by_year = ok(c.get("/api/finance", params={"by": "year"}, headers=vic))
    years = pd.DataFrame(by_year["lines"])
    assert years[years["family"] == TOTAL]["revenue"].sum() == pytest.approx(revenue)
    assert set(years["period"]) == {"FY2026", "FY2027"}

    gap = ok(c.get("/api/finance/gap", params={"by": "period"}, headers=vic))
    g = pd.DataFrame(gap["gap"]).set_index(["family", "period"])
    f1 = families.set_index(["family", "period"])["revenue"]
    # F1's budget: 1500 in 2026-12 and 1600 in 2027-01; the company's 3000 in 2026-12
    assert g.at[("F1", "2026-12"), "budget_revenue"] == 1500.0
    assert g.at[("F1", "2026-12"), "gap"] == pytest.approx(f1[("F1", "2026-12")] - 1500.0)
    assert g.at[("F1", "2027-01"), "gap"] == pytest.approx(f1[("F1", "2027-01")] - 1600.0)
    assert g.at[(TOTAL, "2026-12"), "budget_revenue"] == 3000.0
    assert g.at[(TOTAL, "2026-12"), "gap"] == pytest.approx(total.at["2026-12", "revenue"] - 3000.0)
    assert pd.isna(g.at[("F2", "2027-02"), "gap"])  # no budget there
    # FY2027's budget is F1's January only
    yearly = ok(c.get("/api/finance/gap", params={"by": "year"}, headers=vic))
    gy = pd.DataFrame(yearly["gap"]).set_index(["family", "period"])
    assert gy.at[("F1", "FY2027"), "budget_revenue"] == 1600.0
    bad = c.get("/api/finance", params={"by": "week"}, headers=vic)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "by"


def test_the_sheet_is_the_services_sheet(shared: PlanStore) -> None:
    r = ok(shared.client.get("/api/sheet", params={"family": "F1"}, headers=shared.auth("fay")))
    expected = family_sheet(shared.uow, Actor.of("fay", "finance"), "F1")
    cells = pd.DataFrame(r["sheet"]["cells"])
    want = expected.sheet.cells.reset_index(drop=True)
    assert list(cells.columns) == list(want.columns) and len(cells) == len(want)
    assert cells[["family", "row", "period"]].equals(want[["family", "row", "period"]])
    assert cells["value"].to_numpy(dtype=float) == pytest.approx(
        want["value"].to_numpy(dtype=float), nan_ok=True
    )
    # the demand plan row is the naive forecast: 200 units of F1 each month
    demand = cells[(cells["row"] == "demand_plan") & cells["period"].isin(r["sheet"]["horizon"])]
    assert set(demand["value"]) == {200.0}
    assert r["shown"] == ["F1"] and r["status"] == "draft"
    missing = shared.client.get("/api/sheet", params={"family": "NOPE"}, headers=shared.auth("fay"))
    assert missing.status_code == 404 and "F1, F2" in missing.json()["error"]["message"]


def test_supply_reads(shared: PlanStore) -> None:
    c, vic = shared.client, shared.auth("vic")
    plans = ok(c.get("/api/supply", headers=vic))
    assert plans["cycle"] == "2026-12"
    assert [s["strategy"] for s in plans["strategies"]] == ["optimal"]
    one = ok(c.get("/api/supply/optimal", headers=vic))
    plan = pd.DataFrame(one["plan"])
    assert one["total_cost"] == plans["strategies"][0]["total_cost"]
    # the costs add up to the plan's total cost
    assert pd.DataFrame(one["costs"])["cost"].sum() == pytest.approx(one["total_cost"], rel=1e-6)
    # F1's demand is the naive forecast
    assert set(plan[plan["family"] == "F1"]["demand"]) == {200.0}
    capacity = pd.DataFrame(ok(c.get("/api/supply/optimal/capacity", headers=vic)))
    r1 = capacity[capacity["resource"] == "R1"].set_index("period")
    assert r1.at["2027-01", "capacity"] == 300.0 and r1.at["2026-12", "capacity"] == 500.0
    explained = ok(c.get("/api/supply/optimal/explanations", headers=vic))
    assert explained and all(e["text"] for e in explained)
    assert c.get("/api/supply/level", headers=vic).status_code == 404
    assert c.get("/api/supply/fastest", headers=vic).status_code == 422


def test_versions_changes_kpis_exceptions(shared: PlanStore) -> None:
    c, vic = shared.client, shared.auth("vic")
    versions = ok(c.get("/api/versions", headers=vic))
    assert [v["period"] for v in versions] == ["2026-11"]
    v = ok(c.get("/api/versions/2026-11", headers=vic))
    assert v["header"]["strategy"] == "optimal" and v["header"]["approved_by"] == "erin"
    assert c.get("/api/versions/2026-12", headers=vic).status_code == 404
    changes = ok(c.get("/api/changes", params={"with": "2026-11"}, headers=vic))
    assert (changes["cycle"], changes["base"]) == ("2026-12", "2026-11")
    causes = {b["cause"]: b["change"] for b in changes["demand"]["by_cause"]}
    assert causes["new actuals and re-forecast"] == pytest.approx(-18.0)
    assert causes[TOTAL] == pytest.approx(-18.0)
    cells = pd.DataFrame(changes["demand"]["cells"])
    assert causes[TOTAL] == pytest.approx(cells["new"].sum() - cells["old"].sum())
    assert set(changes["supply"]) == {"production", "inventory", "backlog", "cost_total"}

    kpis = ok(c.get("/api/kpis", headers=vic))
    card = pd.DataFrame(kpis["card"]).set_index("family")
    # F1: 125 + 75 planned against 130 + 70 sold
    assert card.at["F1", "accuracy"] == 1.0 and card.at["F1", "bias"] == 0.0
    assert card.at["F2", "bias"] == pytest.approx(2 / 18)
    every = ok(c.get("/api/exceptions", headers=vic))
    mine = ok(c.get("/api/exceptions", params={"owner": "supply_planner"}, headers=vic))
    assert mine["total"] == sum(e["owner"] == "supply_planner" for e in every["items"])
    assert all(e["owner"] == "supply_planner" for e in mine["items"])
    assert every["total"] == len(every["items"]) >= 1
    second = ok(c.get("/api/exceptions", params={"offset": 1, "limit": 1}, headers=vic))
    assert second["items"] == every["items"][1:2] and second["total"] == every["total"]
    assert c.get("/api/exceptions", params={"limit": 0}, headers=vic).status_code == 422
    assert c.get("/api/exceptions", params={"owner": "boss"}, headers=vic).status_code == 422


def test_a_scenario_created_run_compared_and_promoted(fresh: PlanStore) -> None:
    c = fresh.client
    dana, sid, vic = fresh.auth("dana"), fresh.auth("sid"), fresh.auth("vic")
    up = {"name": "up", "deltas": [{"kind": "demand", "text": "item=A1 2027-02 +10"}]}
    made = ok(c.post("/api/scenarios", json=up, headers=dana))
    assert made == {"scenario": "up", "deltas": ["demand item A1 2027-02 +10"]}
    assert c.post("/api/scenarios", json=up, headers=dana).status_code == 400  # it exists
    more = {"name": "more", "deltas": [{"kind": "capacity", "text": "R1 2027-01 +100"}]}
    ok(c.post("/api/scenarios", json=more, headers=sid))
    bad = {"name": "bad", "deltas": [{"kind": "capacity", "text": "NOPE +10"}]}
    refused = c.post("/api/scenarios", json=bad, headers=sid)
    assert refused.status_code == 400 and "'NOPE' is not in the resources" in refused.text
    assert c.post("/api/scenarios", json=up, headers=vic).status_code == 403

    for name in ("up", "more"):
        run = ok(c.post(f"/api/scenarios/{name}/run", json={}, headers=dana))
        assert (run["scenario"], run["status"], run["base"]) == (name, "optimal", "draft")
    listed = {s["name"]: s for s in ok(c.get("/api/scenarios", headers=vic))}
    assert listed["up"]["status"] == "optimal" and listed["more"]["ran_at"]

    compared = ok(c.get("/api/scenarios/compare?name=up&name=more", headers=vic))
    assert compared["plans"] == ["base", "up", "more", "version 2026-11"]
    t = pd.DataFrame(compared["table"]).set_index(["plan", "family", "measure"])
    # ten more A1 (price 10) in 2027-02, all served: revenue +100
    assert t.at[("up", "F1", "revenue"), "vs_base"] == pytest.approx(100.0, abs=0.01)
    assert t.at[("up", TOTAL, "revenue"), "vs_base"] == pytest.approx(100.0, abs=0.01)
    # R1 is far from full: more hours change nothing
    assert t.at[("more", TOTAL, "plan_cost"), "vs_base"] == pytest.approx(0.0, abs=0.01)

    # demand enters through the demand review, and only a supply planner promotes
    assert c.post("/api/scenarios/up/promote", headers=sid).status_code == 400
    assert c.post("/api/scenarios/more/promote", headers=dana).status_code == 403
    promoted = ok(c.post("/api/scenarios/more/promote", headers=sid))
    assert (promoted["name"], promoted["cycle"], promoted["strategy"]) == (
        "more",
        "2026-12",
        "optimal",
    )
    capacity = pd.DataFrame(ok(c.get("/api/supply/optimal/capacity", headers=vic)))
    r1 = capacity[capacity["resource"] == "R1"].set_index("period")
    assert r1.at["2027-01", "capacity"] == 400.0  # 300 + 100, now the plan's
    gone = ok(c.delete("/api/scenarios/up", headers=dana))
    assert gone == {"scenario": "up", "deleted": 1}
    assert c.delete("/api/scenarios/up", headers=dana).status_code == 404


def test_a_scenario_from_a_lever(fresh: PlanStore) -> None:
    c, sid = fresh.client, fresh.auth("sid")
    levers = ok(c.get("/api/levers", params={"top": 0}, headers=sid))
    price = next(lv for lv in levers["levers"] if lv["kind"] == "price" and lv["target"] == "F1")
    body = {"name": "dearer", "kind": "price", "target": "F1", "amount": 2}
    made = ok(c.post("/api/scenarios/from-lever", json=body, headers=sid))
    assert made["deltas"] == ["price family F1 every period +2%"]
    run = ok(c.post("/api/scenarios/dearer/run", json={}, headers=sid))
    base = ok(c.get("/api/finance", params={"by": "period"}, headers=sid))
    lines = pd.DataFrame(base["lines"])
    f1 = lines[lines["family"] == "F1"]["revenue"].sum()
    # 2% on F1's prices, shipments unchanged: 2% more of F1's revenue, as the lever says
    assert run["revenue"] - base["total"]["revenue"] == pytest.approx(0.02 * f1, rel=1e-6)
    assert 0.01 * f1 == pytest.approx(price["per_unit"], rel=1e-4)
    missing = {"name": "x", "kind": "hours", "target": "R9", "period": "2027-01"}
    r = c.post("/api/scenarios/from-lever", json=missing, headers=sid)
    assert r.status_code == 404 and "price F1" in r.json()["error"]["message"]


def test_initiatives_decisions_and_their_roles(fresh: PlanStore) -> None:
    c = fresh.client
    dana, erin, lee, sid = (fresh.auth(n) for n in ("dana", "erin", "lee", "sid"))
    new = {
        "code": "LAUNCH",
        "owner": "marketing",
        "start": "2027-01",
        "description": "a <b>launch</b>",
        "effects": [{"kind": "demand", "text": "family=F1 2027-01.. +10%"}],
    }
    i = ok(c.post("/api/initiatives", json=new, headers=dana))
    assert (i["code"], i["status"], i["effects"]) == (
        "LAUNCH",
        "proposed",
        ["demand family F1 2027-01..2027-05 +10%"],
    )
    assert c.post("/api/initiatives/LAUNCH/approve", headers=sid).status_code == 403
    assert ok(c.post("/api/initiatives/LAUNCH/approve", headers=erin))["status"] == "approved"
    assert c.post("/api/initiatives/LAUNCH/approve", headers=erin).status_code == 409
    assert ok(c.post("/api/initiatives/LAUNCH/defer", headers=erin))["status"] == "deferred"
    assert [x["code"] for x in ok(c.get("/api/initiatives", headers=sid))] == ["LAUNCH"]

    decision = {"what": "add a shift", "owner": "supply_planner", "due": "2026-12-15"}
    assert c.post("/api/decisions", json=decision, headers=sid).status_code == 403
    d = ok(c.post("/api/decisions", json=decision, headers=lee))
    assert (d["cycle"], d["status"], d["created_by"]) == ("2026-12", "open", "lee")
    late = c.post("/api/decisions", json={**decision, "due": "15/12/2026"}, headers=lee)
    assert late.status_code == 400 and "YYYY-MM-DD" in late.json()["error"]["message"]
    agenda = ok(c.get("/api/decisions", headers=sid))
    assert [x["id"] for x in agenda["open"]] == [d["id"]]
    closed = ok(c.post(f"/api/decisions/{d['id']}/close", json={"note": "done"}, headers=sid))
    assert closed["status"] == "closed" and closed["closed_by"] == "sid"
    again = c.post(f"/api/decisions/{d['id']}/close", json={}, headers=sid)
    assert again.status_code == 409
    assert ok(c.get("/api/decisions", headers=sid))["closed"][0]["id"] == d["id"]


def test_supply_run_plans_the_strategies_asked(fresh: PlanStore) -> None:
    c = fresh.client
    body = {"strategies": ["level", "optimal"]}
    assert c.post("/api/supply/run", json=body, headers=fresh.auth("dana")).status_code == 403
    assert c.post("/api/supply/run", json=body).status_code == 401
    r = ok(c.post("/api/supply/run", json=body, headers=fresh.auth("sid")))
    assert [s["strategy"] for s in r["strategies"]] == ["level", "optimal"]
    level = ok(c.get("/api/supply/level", headers=fresh.auth("vic")))
    # a level plan makes the same quantity of a family each period
    made = pd.DataFrame(level["plan"]).groupby("family")["production"].agg(["min", "max"])
    assert (made["max"] - made["min"]).abs().max() < 1e-6
    assert level["total_cost"] >= r["strategies"][1]["total_cost"] - 1e-6  # optimal is cheapest


def test_the_pack_downloads_as_html_and_xlsx(
    shared: PlanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, erin = shared.client, shared.auth("erin")
    html = c.get("/api/pack", params={"format": "html", "levers": False}, headers=erin)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"] == 'attachment; filename="snop-pack-2026-12.html"'
    assert "Small Co" in html.text and "<html" in html.text.lower()
    xlsx = c.get("/api/pack", params={"format": "xlsx", "levers": False}, headers=erin)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert "snop-pack-2026-12.xlsx" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) >= 3
    # no Chromium: the service's message, as a 400
    monkeypatch.setenv("SNOP_CHROMIUM", "/nonexistent/chromium")
    pdf = c.get("/api/pack", params={"format": "pdf", "levers": False}, headers=erin)
    assert pdf.status_code == 400 and "is not a file" in pdf.json()["error"]["message"]
    assert c.get("/api/pack", params={"format": "doc"}, headers=erin).status_code == 422
    assert c.get("/api/pack").status_code == 401


@pytest.fixture(scope="module")
def exported(shared: PlanStore) -> bytes:
    """The shared store's workbook as GET /api/workbook gives it."""
    r = shared.client.get("/api/workbook", headers=shared.auth("vic"))
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "snop-workbook.xlsx" in r.headers["content-disposition"]
    return r.content


def test_the_workbook_exported_and_imported_back(fresh: PlanStore, exported: bytes) -> None:
    c = fresh.client
    book = openpyxl.load_workbook(io.BytesIO(exported))
    assert {"items", "sales", "families", "budget"} <= set(book.sheetnames)
    upload = {"file": ("book.xlsx", exported, XLSX)}
    assert c.post("/api/workbook", files=upload, headers=fresh.auth("fay")).status_code == 403
    r = ok(c.post("/api/workbook", files=upload, headers=fresh.auth("dana")))
    sales = SMALL["sales"].count("\n") - 1 + NOVEMBER["sales"].count("\n") - 1
    assert r["rows"]["items"] == 4 and r["rows"]["sales"] == sales == 21
    assert r["rows"]["budget"] == 3 and r["cycle"]["period"] == "2026-12"
    assert r["late_actuals"] == []  # the same sales came back
    assert r["path"] == "book.xlsx"  # the upload's name, not where it was saved


def test_a_bad_upload_lists_every_problem_and_imports_nothing(
    shared: PlanStore, exported: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, dana = shared.client, shared.auth("dana")
    book = openpyxl.load_workbook(io.BytesIO(exported))
    items = book["items"]
    head = [cell.value for cell in items[1]]
    items.cell(row=2, column=head.index("unit_price") + 1, value=-5)
    sales = book["sales"]
    head = [cell.value for cell in sales[1]]
    sales.cell(row=3, column=head.index("qty") + 1, value="lots")
    buffer = io.BytesIO()
    book.save(buffer)
    bad = {"file": ("bad book.xlsx", buffer.getvalue(), XLSX)}
    r = c.post("/api/workbook", files=bad, headers=dana)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == "file" and "bad book.xlsx" in err["message"]
    assert "snop-import" not in err["message"]  # the upload's name, not the temporary file's
    problems = [p for p in err["problems"] if p["severity"] == "error"]
    where = {(p["source"], p["row"], p["column"]) for p in problems}
    assert ("bad book.xlsx, sheet items", 2, "unit_price") in where
    assert ("bad book.xlsx, sheet sales", 3, "qty") in where
    # nothing was imported: A1's price is still 10
    with shared.uow.read() as tx:
        items_now = tx.workbook().table("items").set_index("item")  # type: ignore[union-attr]
    assert items_now.at["A1", "unit_price"] == 10.0
    # not multipart, not an .xlsx, too large
    assert c.post("/api/workbook", content=b"x", headers=dana).status_code == 415
    csv = {"file": ("sales.csv", b"item,period,qty\n", "text/csv")}
    assert c.post("/api/workbook", files=csv, headers=dana).status_code == 422
    monkeypatch.setattr(files, "MAX_UPLOAD", 1000)
    big = c.post("/api/workbook", files=bad, headers=dana)
    assert big.status_code == 413 and "larger than" in big.json()["error"]["message"]


def test_users_and_tokens(fresh: PlanStore) -> None:
    c, ada, dana = fresh.client, fresh.auth("ada"), fresh.auth("dana")
    assert c.get("/api/users", headers=dana).status_code == 403
    names = [u["name"] for u in ok(c.get("/api/users", headers=ada))]
    assert names == sorted(names) and "dana" in names
    new = {"name": "nina", "roles": ["finance"], "password": "a long password for nina"}
    assert c.post("/api/users", json=new, headers=dana).status_code == 403
    user = ok(c.post("/api/users", json=new, headers=ada))
    assert user["roles"] == ["finance"] and user["has_password"] is True
    assert "password" not in user and "password_hash" not in user
    weird = {**new, "name": "x", "roles": ["king"]}
    assert c.post("/api/users", json=weird, headers=ada).status_code == 422
    token = ok(c.post("/api/users/nina/tokens", json={"label": "bi"}, headers=ada))
    assert token["token"].startswith("snop_")
    nina = {"Authorization": f"Bearer {token['token']}"}
    assert ok(c.get("/api/me", headers=nina))["user"] == "nina"
    # a user makes their own tokens, not another's
    assert c.post("/api/users/sid/tokens", json={}, headers=dana).status_code == 403
    own = ok(c.post("/api/users/dana/tokens", json={}, headers=dana))
    assert own["user"] == "dana"
    revoked = ok(c.delete(f"/api/users/nina/tokens/{token['id']}", headers=ada))
    assert revoked["revoked"] is True
    assert c.get("/api/me", headers=nina).status_code == 401
    assert c.delete(f"/api/users/nina/tokens/{token['id']}", headers=ada).status_code == 404


BAD_CALLS = [
    ("get", "/api/decisions?cycle=xx", 400),
    ("get", "/api/changes?with=zz", 400),
    ("get", "/api/finance?cycle=zz", 404),
    ("get", "/api/sheet?scenario=nope", 404),
    ("get", "/api/scenarios/compare?name=nope", 404),
    ("get", "/api/versions/%00", 404),
    ("post", "/api/scenarios/nope/run", 404),
    ("post", "/api/decisions/99999999999999999999999/close", 422),
    ("post", "/api/decisions/9223372036854775807/close", 404),
]


@pytest.mark.parametrize(("method", "path", "status"), BAD_CALLS)
def test_a_wrong_request_is_a_4xx_with_its_reason(
    shared: PlanStore, method: str, path: str, status: int
) -> None:
    body = {"json": {}} if method == "post" else {}
    r = getattr(shared.client, method)(path, headers=shared.auth("lee"), **body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]
