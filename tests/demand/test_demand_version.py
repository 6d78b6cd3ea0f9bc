"""``snop demand show --version``: an approved cycle's demand plan reads back byte for byte
the same after later cycles, re-imports and re-forecasts, on SQLite and PostgreSQL.

The small workbook, naive baseline, cycle 2026-11..2027-04: A1 125, A2 75 (F1 200) in
every period; sales F1 + 50 in 2027-01..2027-02 gives A1 156, A2 94 (250 over 125:75).
"""

from __future__ import annotations

from pathlib import Path

from snop.demand.replay import Override
from snop.services.context import Actor
from snop.services.demand_review import add_override, approve, submit
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.demand.cycles import ANN, open_next_cycle, small_store
from tests.workbooks import SMALL, write_small

BOSS = Actor.of("eve", "executive")
VIEWS = [("--level", "item"), ("--level", "family"), ("--level", "category", "--json")]


def _review(uow: UnitOfWork, period: str, to: str, delta: float) -> None:
    """A sales override on F1 over ``period``..``to``, submitted and approved."""
    add_override(
        uow,
        Actor.of("sam", "sales"),
        Override("sales", "family", "F1", period, to, "delta", delta, reason="promo"),
    )
    submit(uow, ANN)
    approve(uow, BOSS)


def _shown(db: str, *args: str) -> str:
    r = snop("--db", db, "demand", "show", *args)
    assert r.exit_code == 0 and not r.traceback, (r.stderr, r.exception)
    return r.stdout


def test_an_approved_version_reads_back_byte_for_byte(db_url: str, tmp_path: Path) -> None:
    uow = small_store(db_url, tmp_path)
    _review(uow, "2027-01", "2027-02", 50)
    before = {v: _shown(db_url, "--version", "2026-11", *v) for v in VIEWS}
    family = before[("--level", "family")]
    assert "approved by eve (executive)" in family
    # F1 in 2027-01: statistical 200, sales, marketing and consensus 250
    assert any(
        [w for w in line.split() if w != "│"] == ["F1", "2027-01", "200", "250", "250", "250"]
        for line in family.splitlines()
    )

    # three later cycles: new actuals, the next cycle, its forecast and review
    for n, (month, sold) in enumerate([("2026-11", 130), ("2026-12", 90), ("2027-01", 300)]):
        actuals = tmp_path / f"actuals{n}"
        actuals.mkdir()
        (actuals / "sales.csv").write_text(
            f"item,period,qty\nA1,{month},{sold}\nA2,{month},{sold // 2}\n", encoding="utf-8"
        )
        import_workbook(uow, ANN, actuals)
        cycle, _ = open_next_cycle(uow)
        run_baseline(uow, ANN, method="naive")
        _review(uow, "2027-03", "2027-04", 10 * (n + 1))
    # a re-import that moves A2 to family F2 (and category small), and a re-forecast
    items = SMALL["items"].replace("A2,F1,Widget L,12,7,,,,large", "A2,F2,Widget L,12,7,,,,small")
    import_workbook(uow, ANN, write_small(tmp_path / "wb2", {"items": items}))
    open_next_cycle(uow)
    run_baseline(uow, ANN, method="mean")
    assert cycle.period == "2027-02"  # and 2027-03 is open

    after = {v: _shown(db_url, "--version", "2026-11", *v) for v in VIEWS}
    for v in VIEWS:
        assert after[v] == before[v], v
    # the later versions read back too; the open cycle's draft is no version
    latest = snop("--db", db_url, "demand", "show", "--version", "2027-02", "--json").json()
    assert (latest["cycle"], latest["status"]) == ("2027-02", "approved")
    r = snop("--db", db_url, "demand", "show", "--version", "2027-03")
    assert r.exit_code == 1 and "approved versions: 2026-11, 2026-12, 2027-01, 2027-02" in r.stderr
    uow.dispose()


def test_show_version_refuses_what_is_not_an_approved_version(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    small_store(db, tmp_path).dispose()
    for args, phrase in [
        (
            ("--version", "2026-11"),
            "cycle 2026-11 has a draft demand plan, not an approved version; approved "
            "versions: none yet",
        ),
        (
            ("--version", "2030-01"),
            "cycle 2030-01 has no demand plan; the current cycle is 2026-11",
        ),
        (("--version", "soon"), "--version 'soon' is not a period"),
        (("--version", "2026-11", "--cycle", "2026-11"), "give --cycle or --version, not both"),
    ]:
        r = snop("--db", db, "demand", "show", *args)
        assert r.exit_code == 1 and not r.traceback, (r.stdout, r.stderr, r.exception)
        assert r.stderr.startswith("error: ") and phrase in r.stderr, r.stderr


def test_a_version_keeps_its_order_of_layers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    uow = small_store(url, tmp_path)
    _review(uow, "2027-01", "2027-02", 50)
    before = _shown(url, "--version", "2026-11", "--level", "family")
    # the layers are reordered afterwards: marketing now comes before sales
    folder = tmp_path / "layers"
    folder.mkdir()
    (folder / "demand_layers.csv").write_text(
        "layer,role,position\nmarketing,marketing,1\nsales,sales,2\nconsensus,demand_planner,3\n",
        encoding="utf-8",
    )
    import_workbook(uow, ANN, folder)
    assert _shown(url, "--version", "2026-11", "--level", "family") == before
    header = next(line for line in before.splitlines() if "statistical" in line)
    assert header.index("sales") < header.index("marketing")
