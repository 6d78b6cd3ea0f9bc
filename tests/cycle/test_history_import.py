"""``snop history import`` / ``show`` on SQLite and PostgreSQL: chunked, all or nothing,
re-imports replace the periods they cover, sums per series, item, family and total."""

from __future__ import annotations

from pathlib import Path

from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import snop
from tests.services import ME
from tests.workbooks import write_small

# five series (item x location), three months; chunks of 2 rows read it in 4 parts
SALES = """item,period,qty,location,customer
A1,2026-01,10,N,c1
A1,2026-01,5,N,c2
A1,2026-02,7,N,c1
A1,2026-01,1,S,c1
A2,2026-01,3,,c1
A2,2026-03,4,,c1
B1,2026-02,100,N,c1
"""


def _history(db: str, level: str) -> list[dict[str, object]]:
    r = snop("--db", db, "history", "show", "--level", level, "--json")
    assert r.exit_code == 0, r.stderr
    rows: list[dict[str, object]] = r.json()["sums"]
    return rows


def _store_with_items(db: str, tmp_path: Path) -> None:
    uow = UnitOfWork.open(db)
    import_workbook(uow, ME, write_small(tmp_path / "wb"))  # items A1, A2 (F1), B1, B2 (F2)
    uow.dispose()


def test_import_in_chunks_and_sums_by_hand(db_url: str, tmp_path: Path) -> None:
    _store_with_items(db_url, tmp_path)
    f = tmp_path / "sales.csv"
    f.write_text(SALES)
    r = snop("--db", db_url, "history", "import", f, "--chunk-rows", "2", "--json")
    assert r.exit_code == 0, r.stderr
    got = r.json()
    assert (got["rows"], got["chunks"], got["new_series"]) == (7, 4, 4)
    assert (got["first_period"], got["last_period"], got["periods"]) == ("2026-01", "2026-03", 3)
    # A1/N 2026-01 sums its two customers: 6 series x period rows in all
    assert (got["removed"], got["written"]) == (0, 6)
    series = {(d["item"], d["location"], d["period"]): d["qty"] for d in _history(db_url, "series")}
    assert series == {
        ("A1", "N", "2026-01"): 15.0,
        ("A1", "N", "2026-02"): 7.0,
        ("A1", "S", "2026-01"): 1.0,
        ("A2", "", "2026-01"): 3.0,
        ("A2", "", "2026-03"): 4.0,
        ("B1", "N", "2026-02"): 100.0,
    }
    items = {(d["item"], d["period"]): d["qty"] for d in _history(db_url, "item")}
    assert items == {
        ("A1", "2026-01"): 16.0,
        ("A1", "2026-02"): 7.0,
        ("A2", "2026-01"): 3.0,
        ("A2", "2026-03"): 4.0,
        ("B1", "2026-02"): 100.0,
    }
    families = {(d["family"], d["period"]): d["qty"] for d in _history(db_url, "family")}
    assert families == {
        ("F1", "2026-01"): 19.0,
        ("F1", "2026-02"): 7.0,
        ("F1", "2026-03"): 4.0,
        ("F2", "2026-02"): 100.0,
    }
    total = {d["period"]: d["qty"] for d in _history(db_url, "total")}
    assert total == {"2026-01": 19.0, "2026-02": 107.0, "2026-03": 4.0}
    assert sum(total.values()) == sum(series.values())
    shown = snop("--db", db_url, "history", "show", "--level", "family")
    assert shown.exit_code == 0 and "F2" in shown.stdout and "4 series" in shown.stdout

    # a re-import replaces the periods it covers, for every series, and keeps the others
    f.write_text("item,period,qty,location\nA1,2026-02,1,S\nA2,2026-02,2,\n")
    r = snop("--db", db_url, "history", "import", f, "--json")
    assert r.exit_code == 0, r.stderr
    assert (r.json()["removed"], r.json()["written"], r.json()["new_series"]) == (2, 2, 0)
    total = {d["period"]: d["qty"] for d in _history(db_url, "total")}
    assert total == {"2026-01": 19.0, "2026-02": 3.0, "2026-03": 4.0}


def test_a_bad_row_in_a_later_chunk_stores_nothing(db_url: str, tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    good = "".join(f"I{i},2026-0{1 + i % 3},{i},L\n" for i in range(9))
    f.write_text("item,period,qty,location\n" + good + "X,2026-01,1,L\nX,2026-02,abc,L\n")
    r = snop("--db", db_url, "history", "import", f, "--chunk-rows", "3")
    assert r.exit_code == 1 and not r.traceback
    assert r.stderr.strip() == (
        "error: sales.csv row 12, column qty: 'abc': is not a number; expected a number >= 0 "
        "(nothing was imported)"
    )
    assert _history(db_url, "total") == []
    r = snop("--db", db_url, "history", "show", "--json")
    assert (r.json()["series"], r.json()["rows"]) == (0, 0)


def test_a_row_repeated_across_chunks_names_both_rows(db_url: str, tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    f.write_text(
        "item,period,qty\nA,2026-01,1\nB,2026-01,2\nC,2026-01,3\nD,2026-01,4\nB,2026-01,5\n"
    )
    r = snop("--db", db_url, "history", "import", f, "--chunk-rows", "2")
    assert r.exit_code == 1 and not r.traceback
    assert "sales.csv row 6, column item + period + location + customer + channel" in r.stderr
    assert "'B / 2026-01 /  /  / ': repeats row 3" in r.stderr
    assert _history(db_url, "total") == []
    # with customers, only the whole key repeats: these two rows add up
    f.write_text("item,period,qty,customer\nA,2026-01,1,x\nB,2026-01,2,x\nA,2026-01,4,y\n")
    r = snop("--db", db_url, "history", "import", f, "--chunk-rows", "2", "--json")
    assert r.exit_code == 0, r.stderr
    assert {d["item"]: d["qty"] for d in _history(db_url, "item")} == {"A": 5.0, "B": 2.0}
    f.write_text("item,period,qty,customer\nA,2026-01,1,x\nB,2026-01,2,x\nA,2026-01,4,x\n")
    r = snop("--db", db_url, "history", "import", f, "--chunk-rows", "2")
    assert r.exit_code == 1 and "row 4" in r.stderr and "repeats row 2" in r.stderr
    assert {d["item"]: d["qty"] for d in _history(db_url, "item")} == {"A": 5.0, "B": 2.0}


def test_mistakes_are_messages(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    f = tmp_path / "sales.csv"
    f.write_text("item,period,qty\n")
    r = snop("--db", db, "history", "import", f)
    assert r.exit_code == 1 and "has a header and no rows" in r.stderr
    f.write_text("item,period,qty\nA,2026-01,1\nA,2026-03,1\n")
    r = snop("--db", db, "history", "import", f)
    assert r.exit_code == 1 and "no item has any sales in 2026-02" in r.stderr
    r = snop("--db", db, "history", "show", "--level", "region")
    assert r.exit_code == 1 and "valid: total, family, item, series" in r.stderr
    f.write_text("item,period,qty\nA,2026-Q1,1\n")
    assert snop("--db", db, "history", "import", f).exit_code == 0
    f.write_text("item,period,qty\nA,2026-04,1\n")
    r = snop("--db", db, "history", "import", f)
    assert r.exit_code == 1 and "'2026-04': is not a quarter" in r.stderr
