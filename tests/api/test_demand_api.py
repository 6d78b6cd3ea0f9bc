"""The demand and data routes of the API over the small store (tests/api/conftest.py).

The small workbook's naive baseline (each item's last month, repeated), cycle 2026-11,
periods 2026-11..2027-04:

    A1 125 (105 retail + 20 online in 2026-10), A2 75          -> F1 200
    B1 0 in 2026-11 (launches 2026-12), then 20 (like B2)
    B2 20, 0 in 2027-04 (ends 2027-03)                         -> F2 20, 40, 40, 40, 40, 20

Layers: statistical -> sales (sales) -> marketing (marketing) -> consensus (demand_planner);
the executive approves.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.api.conftest import PASSWORD, Api
from tests.cli import snop

PERIODS = ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
F2 = [20.0, 40.0, 40.0, 40.0, 40.0, 20.0]


def change(**kw: Any) -> dict[str, Any]:
    """A consensus change of family F1 in 2027-01 to 300 units, unless told otherwise."""
    body = {
        "layer": "consensus",
        "level": "family",
        "key": "F1",
        "period": "2027-01",
        "kind": "qty",
        "value": 300,
        "reason": "promo",
    }
    return {**body, **kw}


def cell(api: Api, layer: str = "consensus", key: str = "F1", period: str = "2027-01") -> float:
    grid: Any = api.get(
        "/api/demand/grid", level="family", key=key, **{"from": period, "to": period}
    )
    (row,) = grid["rows"]
    return float(row[layer])


# --- master data, history, forecast --------------------------------------------------------


def test_items_are_filtered_and_paged(reader: Api) -> None:
    every: Any = reader.get("/api/items")
    assert [i["item"] for i in every["items"]] == ["A1", "A2", "B1", "B2"]
    assert (every["total"], every["offset"], every["limit"]) == (4, 0, 100)
    second: Any = reader.get("/api/items", offset=1, limit=2)
    assert [i["item"] for i in second["items"]] == ["A2", "B1"] and second["total"] == 4
    assert reader.get("/api/items", family="F2", q="b") == {
        "items": reader.get("/api/items", q="B")["items"],  # type: ignore[index]
        "total": 2,
        "offset": 0,
        "limit": 100,
    }
    r = reader.client.get("/api/items", params={"family": "F9"}, headers=reader.headers("vic"))
    assert r.status_code == 404 and "F1, F2" in r.json()["error"]["message"]


def test_families_and_sales(reader: Api) -> None:
    fams: Any = reader.get("/api/families", user="vic")
    assert [(f["family"], f["items"]) for f in fams] == [("F1", 2), ("F2", 2)]
    a1: Any = reader.get("/api/sales", item="A1", **{"from": "2026-09", "to": "2026-10"})
    assert a1["total"] == 3 and sum(r["qty"] for r in a1["items"]) == 100 + 105 + 20
    f1: Any = reader.get("/api/sales", family="F1", limit=5)
    assert f1["total"] == 13 and len(f1["items"]) == 5  # 7 rows of A1, 6 of A2


def test_forecast_is_the_baseline(reader: Api) -> None:
    f1: Any = reader.get("/api/forecast", family="F1")
    assert f1["total"] == 12  # 2 items x 6 periods
    by_item = {(r["item"], r["period"]): r["qty"] for r in f1["items"]}
    assert by_item[("A1", "2027-01")] == 125 and by_item[("A2", "2027-04")] == 75
    bands: Any = reader.get("/api/forecast/intervals", item="A1", limit=1000)
    assert bands["total"] > 0 and all(r["lo"] <= r["hi"] for r in bands["items"])
    report: Any = reader.get("/api/forecast/report")
    assert {r["item"] for r in report["items"]} >= {"A1", "A2", "B2"}


# --- the review grid --------------------------------------------------------------------------


def test_grid_family_rows_are_the_sums_of_their_items(reader: Api) -> None:
    fam: Any = reader.get("/api/demand/grid", level="family")
    item: Any = reader.get("/api/demand/grid", level="item")
    assert fam["layers"] == ["statistical", "sales", "marketing", "consensus"]
    assert fam["periods"] == PERIODS and len(fam["rows"]) == 2 * 6
    rows = {(r["key"], r["period"]): r for r in fam["rows"]}
    assert [rows[("F1", p)]["consensus"] for p in PERIODS] == [200.0] * 6
    assert [rows[("F2", p)]["statistical"] for p in PERIODS] == F2
    family_of = {"A1": "F1", "A2": "F1", "B1": "F2", "B2": "F2"}
    for (key, period), row in rows.items():
        items = [r for r in item["rows"] if family_of[r["key"]] == key and r["period"] == period]
        for layer in fam["layers"]:
            assert row[layer] == sum(r[layer] for r in items)
    some: Any = reader.get(
        "/api/demand/grid", level="family", key="F2", layers="statistical", **{"from": "2026-12"}
    )
    assert [r["statistical"] for r in some["rows"]] == F2[1:]
    assert set(some["rows"][0]) == {"key", "period", "statistical", "statistical_locked"}


def test_demand_summary_names_the_layer_owners(reader: Api) -> None:
    s: Any = reader.get("/api/demand", user="vic")
    assert (s["cycle"], s["status"], s["approver_role"]) == ("2026-11", "draft", "executive")
    assert [(x["name"], x["role"]) for x in s["layers"]] == [
        ("statistical", ""),
        ("sales", "sales"),
        ("marketing", "marketing"),
        ("consensus", "demand_planner"),
    ]


# --- overrides ----------------------------------------------------------------------------------


def test_a_preview_shows_the_split_and_stores_nothing(api: Api) -> None:
    r = api.post("/api/demand/overrides", change(preview=True))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["stored"] is False and out["override"]["id"] is None
    eff = {e["item"]: e for e in out["effects"]}
    assert set(eff) == {"A1", "A2"}  # 300 split 125:75 in whole units
    assert sum(e["before"] for e in eff.values()) == 200
    assert sum(e["after"] for e in eff.values()) == 300
    assert abs(eff["A1"]["after"] - 300 * 125 / 200) <= 1
    assert cell(api) == 200
    assert api.get("/api/demand/overrides")["total"] == 0  # type: ignore[index]
    assert api.get("/api/audit", action="demand override")["total"] == 0  # type: ignore[index]


def test_an_override_is_stored_audited_and_withdrawn(api: Api) -> None:
    r = api.post("/api/demand/overrides", change(expected=200, comment="<script>x</script>"))
    assert r.status_code == 200, r.text
    oid = r.json()["override"]["id"]
    assert r.json()["stored"] is True and cell(api) == 300
    log: Any = api.get("/api/demand/overrides")
    assert log["total"] == 1 and log["items"][0]["comment"] == "<script>x</script>"
    trail: Any = api.get("/api/audit", action="demand override", actor="dana")
    (entry,) = trail["items"]
    assert (entry["detail"]["before"], entry["detail"]["after"]) == (200, 300)
    assert entry["cycle"] == "2026-11" and entry["detail"]["override"] == oid

    gone = api.client.delete(
        f"/api/demand/overrides/{oid}", params={"reason": "typo"}, headers=api.headers("dana")
    )
    assert gone.status_code == 200, gone.text
    assert cell(api) == 200
    (undo,) = api.get("/api/audit", action="demand withdraw")["items"]  # type: ignore[index]
    assert (undo["detail"]["before"], undo["detail"]["after"]) == (300, 200)
    again = api.client.delete(f"/api/demand/overrides/{oid}", headers=api.headers("dana"))
    assert again.status_code == 400 and "already withdrawn" in again.json()["error"]["message"]


def test_the_second_of_two_planners_on_the_same_cell_gets_409(api: Api) -> None:
    seen_by_dana, seen_by_ada = cell(api), cell(api, "consensus")
    first = api.post("/api/demand/overrides", change(value=300, expected=seen_by_dana))
    assert first.status_code == 200, first.text
    second = api.post("/api/demand/overrides", change(value=250, expected=seen_by_ada))
    assert second.status_code == 409
    err = second.json()["error"]
    assert (err["code"], err["field"], err["current"], err["expected"]) == (
        "conflict",
        "expected",
        300,
        200,
    )
    assert "300" in err["message"]
    assert cell(api) == 300  # the first change, and only it
    log: Any = api.get("/api/demand/overrides")
    assert [(o["value"], o["author"]) for o in log["items"]] == [(300, "dana")]


# --- who may do what ----------------------------------------------------------------------------


def test_roles_are_checked_by_the_route_and_by_the_service(api: Api) -> None:
    sales = api.post("/api/demand/overrides", change(), user="sam")
    assert sales.status_code == 403
    assert "may not edit layer consensus" in sales.json()["error"]["message"]
    viewer = api.post("/api/demand/overrides", change(), user="vic")
    assert viewer.status_code == 403 and viewer.json()["error"]["code"] == "not_allowed"
    anonymous = api.client.post("/api/demand/overrides", json=change())
    assert anonymous.status_code == 401
    assert api.client.get("/api/demand/grid").status_code == 401
    own = api.post("/api/demand/overrides", change(layer="sales", value=210), user="sam")
    assert own.status_code == 200, own.text
    assert cell(api, "sales") == 210 and cell(api) == 210  # consensus follows the layer below


def test_a_cookie_session_needs_its_csrf_token_to_change(api: Api) -> None:
    login = api.client.post("/api/login", json={"name": "dana", "password": PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    assert api.client.get("/api/demand/grid").status_code == 200  # a read needs none
    refused = api.client.post("/api/demand/overrides", json=change())
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    assert cell(api) == 200
    ok = api.client.post("/api/demand/overrides", json=change(), headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text


def test_bad_parameters_name_their_field(reader: Api) -> None:
    r = reader.client.get("/api/items", params={"limit": 5000}, headers=reader.headers("vic"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"
    r = reader.post("/api/demand/overrides", change(kind="double"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "kind"
    r = reader.post("/api/demand/overrides", change(value=float("1e12")))
    assert r.status_code == 422 and r.json()["error"]["field"] == "value"
    r = reader.client.get(
        "/api/demand/grid", params={"level": "colour"}, headers=reader.headers("vic")
    )
    assert r.status_code == 400 and "family" in r.json()["error"]["message"]


# --- submit, approve, audit -----------------------------------------------------------------


def test_submit_approve_and_the_audit_trail(api: Api) -> None:
    assert api.post("/api/demand/overrides", change()).status_code == 200
    assert api.post("/api/demand/submit", {"note": "ready"}, user="sam").status_code == 403
    sent = api.post("/api/demand/submit", {"note": "ready"})
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    frozen = api.post("/api/demand/overrides", change(value=1))
    assert frozen.status_code == 400 and "submitted" in frozen.json()["error"]["message"]
    assert api.post("/api/demand/approve", {}).status_code == 403  # not the approver
    back = api.post("/api/demand/reject", {"note": "check F2"}, user="erin")
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert api.post("/api/demand/submit", {}).status_code == 200
    done = api.post("/api/demand/approve", {"note": "ok"}, user="erin")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved" and done.json()["record"]["approved_by"] == "erin"

    trail: Any = api.get("/api/audit", cycle="2026-11", user="vic")
    changes = [
        (e["action"], e["actor"], e["detail"].get("before"), e["detail"].get("after"))
        for e in trail["items"]
        if e["action"].startswith("demand")
    ]
    assert changes == [
        ("demand override", "dana", 200, 300),
        ("demand submit", "dana", "draft", "submitted"),
        ("demand reject", "erin", "submitted", "draft"),
        ("demand submit", "dana", "draft", "submitted"),
        ("demand approve", "erin", "submitted", "approved"),
    ]
    page: Any = api.get("/api/audit", offset=1, limit=2, action="demand submit")
    assert page["total"] == 2 and len(page["items"]) == 1
    assert api.get("/api/audit", since="2999-01-01")["total"] == 0  # type: ignore[index]
    today = trail["items"][-1]["at"][:10]
    assert api.get("/api/audit", until=today)["total"] == api.get("/api/audit")["total"]  # type: ignore[index]

    r = api.client.get("/api/audit.csv", params={"actor": "erin"}, headers=api.headers("vic"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["action"] for x in rows] == ["demand reject", "demand approve"]
    assert '"before": "submitted"' in rows[1]["detail"]
    bad = api.client.get("/api/audit", params={"since": "last week"}, headers=api.headers("vic"))
    assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]


def test_cycle_audit_filters_and_writes_csv(api: Api, tmp_path: Path) -> None:
    assert api.post("/api/demand/overrides", change()).status_code == 200
    assert api.post("/api/demand/overrides", change(layer="sales"), user="sam").status_code == 200
    db = str(api.uow.engine.url.database)
    r = snop("--db", db, "--user", "vic", "cycle", "audit", "--by", "sam", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [(e["actor"], e["action"]) for e in r.json()] == [("sam", "demand override")]
    out = tmp_path / "audit.csv"
    r = snop("--db", db, "--user", "vic", "cycle", "audit", "--action", "demand override",
             "--csv", str(out))  # fmt: skip
    assert r.exit_code == 0 and "2 entries" in r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [x["actor"] for x in rows] == ["dana", "sam"]
    r = snop("--db", db, "--user", "vic", "cycle", "audit", "--since", "yesterday")
    assert r.exit_code == 1 and not r.traceback
    assert "since 'yesterday' is not a date" in r.stderr


def test_every_write_route_here_refuses_a_viewer_and_an_anonymous_caller(reader: Api) -> None:
    from fastapi.routing import APIRoute

    from snop.api.routes import audit, data, demand

    mine = [*data.router.routes, *demand.router.routes, *audit.router.routes]
    writes = [
        (method, r.path.replace("{override_id}", "1"))
        for r in mine
        if isinstance(r, APIRoute)
        for method in r.methods or ()
        if method not in ("GET", "HEAD")
    ]
    assert len(writes) == 6
    for method, path in writes:
        anonymous = reader.client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path)
        viewer = reader.client.request(method, path, json={}, headers=reader.headers("vic"))
        assert viewer.status_code == 403, (method, path)
    assert reader.get("/api/demand/overrides")["total"] == 0  # type: ignore[index]
