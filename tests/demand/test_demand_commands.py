"""``snop demand`` on careless and hostile input: bounds, periods, events, withdrawals, locks
and markup in user values. Every refusal is one ``error:`` line, exit code 1, nothing stored.

The small workbook (tests/workbooks.py), cycle 2026-11..2027-04. Naive baseline in 2027-01:
A1 125, A2 75 (F1 200), B1 20, B2 20 (F2 40); the `mean` baseline there: A1 107.5,
A2 62.5, B1 21, B2 21 (F2 42).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snop.services.forecast import run_baseline
from snop.store.uow import UnitOfWork
from tests.cli import Run, snop
from tests.demand.cycles import ANN, small_store
from tests.workbooks import write_small


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "s.db")
    small_store(path, tmp_path).dispose()
    return path


def forecast(db: str, method: str) -> None:
    """Re-run the current cycle's statistical baseline with ``method``."""
    uow = UnitOfWork.open(db)
    run_baseline(uow, ANN, method=method)
    uow.dispose()


def refused(r: Run, *phrases: str) -> str:
    """The one-line error of a refused command (exit 1, no traceback)."""
    assert r.exit_code == 1 and not r.traceback, (r.stdout, r.stderr, r.exception)
    line = r.stderr.strip()
    assert line.startswith("error: ") and "\n" not in line, r.stderr
    for phrase in phrases:
        assert phrase in line, line
    return line


def override(db: str, *args: str) -> Run:
    return snop(
        "--db",
        db,
        "demand",
        "override",
        "--layer",
        "sales",
        "--period",
        "2027-01",
        "--reason",
        "promo",
        *args,
    )


def log(db: str) -> list[dict[str, object]]:
    r = snop("--db", db, "demand", "log", "--json")
    assert r.exit_code == 0, r.stderr
    rows: list[dict[str, object]] = r.json()["overrides"]
    return rows


def test_values_beyond_the_bounds_are_refused_and_nothing_is_stored(db: str) -> None:
    refused(
        override(db, "--level", "family", "--key", "F1", "--qty", "1e300"),
        "qty 1e+300 is beyond the largest value snop accepts (1,000,000,000)",
    )
    refused(
        override(db, "--level", "item", "--key", "A1", "--qty", "1e300"),
        "qty 1e+300 is beyond the largest value snop accepts (1,000,000,000)",
    )
    refused(override(db, "--level", "total", "--delta", "1e12"), "delta 1e+12 is beyond")
    refused(
        override(db, "--level", "family", "--key", "F1", "--pct", "1e6"),
        "pct 1e+06 is beyond the largest percent change snop accepts (+1,000)",
    )
    refused(
        override(db, "--level", "family", "--key", "F1", "--qty", "nan"),
        "qty nan is not a finite number",
    )
    refused(
        override(db, "--level", "family", "--key", "F1", "--delta", "inf"),
        "delta inf is not a finite number",
    )
    # F1 200 + 999,999,900 = 1,000,000,100 split 125:75 -> 625,000,062.5, 375,000,037.5:
    # fits, the tied last unit to the first (A1); on one item, A1 125 + 999,999,900 =
    # 1,000,000,025 does not
    refused(
        override(db, "--level", "item", "--key", "A1", "--delta", "999999900"),
        "item A1 would get 1,000,000,025 units, beyond the largest quantity snop accepts",
    )
    assert log(db) == []
    ok = override(db, "--level", "family", "--key", "F1", "--delta", "999999900", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert {e["item"]: e["after"] for e in ok.json()["effects"]} == {
        "A1": 625000063.0,
        "A2": 375000037.0,
    }


def test_the_workbook_validator_applies_the_same_bounds(tmp_path: Path) -> None:
    rows = (
        "layer,level,key,period,to_period,qty,delta,pct,reason\n"
        "sales,family,F1,2027-01,,1e300,,,promo\n"
        "sales,family,F2,2027-01,,,,5000,promo\n"
        "sales,family,F2,2027-02,,,-2e9,,promo\n"
        "sales,family,F1,2027-02,,500,,,promo\n"
    )
    r = snop("validate", write_small(tmp_path / "wb", {"overrides": rows}))
    assert r.exit_code == 1 and not r.traceback
    out = " ".join(r.stdout.split())
    assert "is beyond the largest value snop accepts (1,000,000,000)" in out
    assert "is beyond the largest percent change snop accepts (+1,000)" in out
    assert out.count("beyond the largest") == 3  # row 5 (F1 = 500) is fine


BAD_ARGUMENTS = [
    (
        ("show", "--period", "zzz"),
        (
            "--period 'zzz' is not a period; write YYYY-MM (month)",
            "inside the planning horizon 2026-11..2027-04",
        ),
    ),
    (
        ("show", "--to", "2030-01"),
        ("--to 2030-01 is outside the planning horizon 2026-11..2027-04",),
    ),
    (
        ("show", "--period", "2027-03", "--to", "2027-01"),
        ("--to 2027-01 is before --period 2027-03",),
    ),
    (("show", "--period", "2027-Q1"), ("--period 2027-Q1 is outside the planning horizon",)),
    (("show", "--cycle", "zzz"), ("--cycle 'zzz' is not a period",)),
    (("log", "--cycle", "2026-13"), ("--cycle '2026-13' is not a period",)),
    (("fva", "--cycle", "soon"), ("--cycle 'soon' is not a period",)),
    (
        ("show", "--cycle", "2027-02"),
        ("cycle 2027-02 has no demand plan; the current cycle is 2026-11",),
    ),
    (
        (
            "override",
            "--layer",
            "sales",
            "--level",
            "item",
            "--key",
            "A1",
            "--period",
            "zzz",
            "--qty",
            "5",
            "--reason",
            "promo",
        ),
        ("period 'zzz' is not a period",),
    ),
    (("log", "--event", "no such event"), ("no such event 'no such event'; events are: none",)),
]


def test_period_and_event_arguments_are_checked(db: str) -> None:
    # one store for every case: each command only reads it
    for args, phrases in BAD_ARGUMENTS:
        refused(snop("--db", db, "demand", *args), *phrases)


def test_show_takes_a_period_range_and_log_an_event(db: str) -> None:
    assert (
        override(
            db, "--level", "item", "--key", "A1", "--qty", "150", "--event", "Spring fair"
        ).exit_code
        == 0
    )
    assert override(db, "--level", "item", "--key", "A2", "--qty", "70").exit_code == 0
    # 2027-1 is 2027-01 written short
    r = snop(
        "--db",
        db,
        "demand",
        "show",
        "--level",
        "item",
        "--period",
        "2027-1",
        "--to",
        "2027-02",
        "--json",
    )
    rows = r.json()["rows"]
    assert {(x["item"], x["period"]) for x in rows} == {
        (i, p) for i in ("A1", "A2", "B1", "B2") for p in ("2027-01", "2027-02")
    }
    refused(
        snop("--db", db, "demand", "log", "--event", "Autumn fair"),
        "no such event 'Autumn fair'; events are: 'Spring fair'",
    )
    r = snop("--db", db, "demand", "log", "--event", "Spring fair")
    assert r.exit_code == 0 and "#1" in r.stdout and "#2" not in r.stdout
    r = snop("--db", db, "demand", "log", "--event", "Spring fair", "--json")
    assert [o["id"] for o in r.json()["overrides"]] == [1]


def test_an_override_that_stops_applying_can_be_withdrawn(db: str) -> None:
    forecast(db, "mean")
    # F2 42 - 41 = 1 on the mean baseline
    assert override(db, "--level", "family", "--key", "F2", "--delta", "-41").exit_code == 0
    # re-forecast: naive F2 is 40, 40 - 41 < 0: the override stops applying
    forecast(db, "naive")
    refused(
        snop("--db", db, "demand", "submit"),
        "1 override(s) no longer apply",
        "the new total -1 is negative",
        "withdraw it with `snop demand override delete 1`",
    )
    # only the layer's owner or the approver may withdraw it
    refused(
        snop("--db", db, "demand", "override", "delete", "1", "--role", "marketing"),
        "role marketing may not withdraw override 1 of layer sales; role sales or role "
        "executive may",
    )
    refused(
        snop("--db", db, "demand", "override", "delete", "7"),
        "override 7 is not in the draft of cycle 2026-11; its overrides are 1",
    )
    r = snop(
        "--db", db, "demand", "override", "delete", "1", "--reason", "stale", "--author", "sam"
    )
    assert r.exit_code == 0, r.stderr
    assert "sales: withdraws override 1 (family F2 2027-01): logged as entry 2" in r.stdout
    refused(
        snop("--db", db, "demand", "override", "delete", "1"),
        "override 1 is already withdrawn (by entry 2 of the log)",
    )
    # the log is append-only: both entries stay, the first marked withdrawn
    entries = log(db)
    assert [(e["id"], e["kind"], e["value"], e["withdrawn_by"]) for e in entries] == [
        (1, "delta", -41.0, 2),
        (2, "withdraw", 1.0, None),
    ]
    assert (entries[1]["author"], entries[1]["reason"]) == ("sam", "stale")
    text = snop("--db", db, "demand", "log").stdout
    assert "#1  sales: family F2 2027-01 -41  (withdrawn by #2)" in text
    assert "conflict" not in text
    assert snop("--db", db, "demand", "submit").exit_code == 0
    refused(snop("--db", db, "demand", "override", "delete", "1"), "is submitted for approval")


MARKUP = [
    "[/]",
    "[bold]x",
    "[link=https://x.test]y[/link]",
    "[/]Spring <script>a</script>",
    'O\'Brien "quoted"; DROP TABLE demand_override; --',
]


def test_markup_in_user_values_is_stored_and_printed_byte_exact(db: str) -> None:
    reason, comment, author, event, role = MARKUP[0], MARKUP[1], MARKUP[2], MARKUP[3], "sales"
    r = override(
        db,
        "--level",
        "item",
        "--key",
        "A1",
        "--qty",
        "150",
        "--lock",
        "--comment",
        comment,
        "--author",
        author,
        "--event",
        event,
        "--role",
        role,
    )
    assert r.exit_code == 0, (r.stderr, r.exception)
    r = snop(
        "--db",
        db,
        "demand",
        "override",
        "--layer",
        "marketing",
        "--level",
        "item",
        "--key",
        "A2",
        "--period",
        "2027-01",
        "--qty",
        "60",
        "--reason",
        reason,
        "--comment",
        MARKUP[4],
        "--author",
        MARKUP[0],
    )
    assert r.exit_code == 0, (r.stderr, r.exception)
    entries = log(db)
    assert [(e["reason"], e["comment"], e["author"], e["event"]) for e in entries] == [
        ("promo", comment, author, event),
        (reason, MARKUP[4], MARKUP[0], None),
    ]
    text = snop("--db", db, "demand", "log")
    assert text.exit_code == 0 and not text.traceback
    for value in (comment, author, event, reason, MARKUP[4]):
        assert value in text.stdout, value
    r = snop("--db", db, "demand", "log", "--event", event)
    assert r.exit_code == 0 and "#1" in r.stdout and "#2" not in r.stdout
    for args in (("show", "--level", "item"), ("show", "--level", "category"), ("show", "--json")):
        r = snop("--db", db, "demand", *args)
        assert r.exit_code == 0 and not r.traceback, (args, r.stderr)
    json.loads(snop("--db", db, "demand", "show", "--json").stdout)


def test_show_marks_locked_cells_in_text_and_json(db: str) -> None:
    # A1 = 150 locked in sales; consensus F1 - 10%: 225 -> 202.5, A1 keeps 150, A2 53
    assert override(db, "--level", "item", "--key", "A1", "--qty", "150", "--lock").exit_code == 0
    r = snop(
        "--db",
        db,
        "demand",
        "override",
        "--layer",
        "consensus",
        "--level",
        "family",
        "--key",
        "F1",
        "--period",
        "2027-01",
        "--pct",
        "-10",
        "--reason",
        "price",
        "--json",
    )
    assert {e["item"]: e["after"] for e in r.json()["effects"]} == {"A2": 53.0}
    r = snop(
        "--db",
        db,
        "demand",
        "show",
        "--level",
        "item",
        "--period",
        "2027-01",
        "--to",
        "2027-01",
        "--json",
    )
    rows = {x["item"]: x for x in r.json()["rows"]}
    assert (rows["A1"]["consensus"], rows["A1"]["consensus_locked"]) == (150, 1)
    assert (rows["A1"]["statistical_locked"], rows["A2"]["consensus_locked"]) == (0, 0)
    text = snop(
        "--db", db, "demand", "show", "--level", "item", "--period", "2027-01", "--to", "2027-01"
    ).stdout
    a1 = next(line for line in text.splitlines() if line.startswith("A1"))
    assert [c for c in a1.split() if c != "│"][-4:] == ["125", "150*", "150*", "150*"]
    assert "* locked" in text
    fam = snop(
        "--db", db, "demand", "show", "--period", "2027-01", "--to", "2027-01", "--json"
    ).json()["rows"]
    assert {x["family"]: x["sales_locked"] for x in fam} == {"F1": 1, "F2": 0}
    # consensus unlocks A1 (a reason is required like any change), then F1 = 190 splits
    # over 150:53 -> 140.39, 49.61 -> floors 189, the unit to A2 (.61): 140, 50
    r = snop(
        "--db",
        db,
        "demand",
        "override",
        "--layer",
        "consensus",
        "--level",
        "item",
        "--key",
        "A1",
        "--period",
        "2027-01",
        "--unlock",
        "--reason",
        "tender lost",
    )
    assert r.exit_code == 0, r.stderr
    refused(
        snop(
            "--db",
            db,
            "demand",
            "override",
            "--layer",
            "consensus",
            "--level",
            "item",
            "--key",
            "A1",
            "--period",
            "2027-01",
            "--unlock",
            "--reason",
            "again",
        ),
        "nothing is locked there",
    )
    r = snop(
        "--db",
        db,
        "demand",
        "override",
        "--layer",
        "consensus",
        "--level",
        "family",
        "--key",
        "F1",
        "--period",
        "2027-01",
        "--qty",
        "190",
        "--reason",
        "price",
        "--json",
    )
    assert {e["item"]: e["after"] for e in r.json()["effects"]} == {"A1": 140.0, "A2": 50.0}
