"""Races and kills against a real store, with real ``snop`` processes: prints the outcomes.

    python bench/store_faults.py [--rounds 5] [--db-url postgresql+psycopg://...] [--only kills]

For each backend (SQLite, and PostgreSQL when --db-url names a server database to create
stores in), per round:
  imports   two `snop import` at once (a budget-only file and a new month of sales):
            were both changes stored, or was the loser told so?
  first use 4 `snop demand show` and 4 `snop demand override` at once on a fresh cycle:
            tracebacks, and how many overrides were stored
  approves  3 `snop demand approve` at once: winners, losers with a message
and (SQLite) kill -9 of a process at a random point of SQLite's work while it upgrades a
store from schema 0004 or creates a new one: does the store open afterwards?
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.workbooks import write_small  # noqa: E402

from snop.services.context import Actor  # noqa: E402
from snop.services.forecast import run_baseline  # noqa: E402
from snop.services.workbook import import_workbook  # noqa: E402
from snop.store.db import open_store  # noqa: E402
from snop.store.uow import UnitOfWork  # noqa: E402
from snop.store.workbook_repo import load_workbook  # noqa: E402

BENCH = Actor.of("bench")

ENV = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}"}


def start(db: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "snop", "--db", db, *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    out = []
    for p in procs:
        _, err = p.communicate()
        out.append((p.returncode, err.strip().splitlines()[-1] if err.strip() else ""))
    return out


def traceback(results: list[tuple[int, str]]) -> int:
    return sum(1 for code, err in results if code != 0 and not err.startswith("error:"))


def fresh(url: str | None, tmp: Path, n: int) -> str:
    if url is None:
        return str(tmp / f"s{n}.db")
    name = f"snop_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


def races(url: str | None, tmp: Path, rounds: int) -> None:
    budget = tmp / "budget_only"
    budget.mkdir(exist_ok=True)
    (budget / "budget.csv").write_text("family,period,revenue,qty\nF1,2026-11,2500,190\n")
    sales = tmp / "new_sales"
    sales.mkdir(exist_ok=True)
    (sales / "sales.csv").write_text("item,period,qty,channel\nA1,2026-11,130,retail\n")
    wb = write_small(tmp / "wb")
    tally = {
        "imports both stored": 0,
        "imports one refused with a message": 0,
        "imports one refused by a traceback": 0,
        "imports one lost silently": 0,
        "tracebacks": 0,
        "overrides stored": 0,
        "overrides run": 0,
        "approve winners": 0,
        "approve losers with a message": 0,
        "  of which 'approved meanwhile by'": 0,
    }
    for n in range(rounds):
        db = fresh(url, tmp, n)
        engine = open_store(db)
        import_workbook(UnitOfWork(engine), BENCH, wb)
        res = finish([start(db, "import", str(budget)), start(db, "import", str(sales))])
        tally["tracebacks"] += traceback(res)
        stored = load_workbook(engine)
        assert stored is not None
        got = [stored.table("budget")["revenue"].tolist() == [2500.0], len(stored.sales) == 19]
        ok = [code == 0 for code, _ in res]
        if all(got):
            tally["imports both stored"] += 1
        elif got == ok and all(err.startswith("error:") for code, err in res if code):
            tally["imports one refused with a message"] += 1
        elif got == ok:
            tally["imports one refused by a traceback"] += 1
        else:
            tally["imports one lost silently"] += 1
        import_workbook(UnitOfWork(engine), BENCH, wb)
        run_baseline(UnitOfWork(engine), BENCH, method="naive")
        procs = [start(db, "demand", "show", "--json") for _ in range(4)]
        procs += [
            start(
                db,
                "demand",
                "override",
                "--layer",
                "sales",
                "--level",
                "item",
                "--key",
                "A1",
                "--period",
                "2027-01",
                "--delta",
                str(k + 1),
                "--reason",
                "promo",
            )
            for k in range(4)
        ]
        res = finish(procs)
        tally["tracebacks"] += traceback(res)
        with engine.connect() as conn:
            tally["overrides stored"] += int(
                conn.execute(sa.text("SELECT count(*) FROM demand_override")).scalar_one()
            )
        tally["overrides run"] += 4
        finish([start(db, "demand", "submit")])
        res = finish([start(db, "demand", "approve", "--author", f"boss{k}") for k in range(3)])
        tally["tracebacks"] += traceback(res)
        tally["approve winners"] += sum(1 for code, _ in res if code == 0)
        tally["approve losers with a message"] += sum(
            1 for code, err in res if code == 1 and err.startswith("error:")
        )
        tally["  of which 'approved meanwhile by'"] += sum(
            1 for code, err in res if code == 1 and "approved meanwhile by" in err
        )
        engine.dispose()
    print(f"{'PostgreSQL' if url else 'SQLite'}, {rounds} rounds:")
    for k, v in tally.items():
        print(f"  {k}: {v}")


def reset(db: Path, template: Path | None) -> None:
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    if template is not None:
        shutil.copy(template, db)


def kills(tmp: Path, rounds: int) -> None:
    """SIGKILL a process at a random point of SQLite's work while it upgrades a store from
    schema 0004 (or creates a new one); count the stores at the old or new version, and
    those that no longer open."""
    from tests.store.test_upgrade import _kill_during_open, _upgrade_dying_at, store_at, version

    template = tmp / "at0004.db"
    store_at(f"sqlite:///{template}", "0004", tmp / "wb4")
    rng = random.Random(17)
    for case, step in (("upgrade from 0004", 2), ("new store", 50)):
        db = tmp / "k.db"
        url = f"sqlite:///{db}"
        outcomes: dict[str, int] = {}

        reset(db, None if case == "new store" else template)
        chances = _upgrade_dying_at(url, 0, step)
        for _ in range(rounds):
            reset(db, None if case == "new store" else template)
            _kill_during_open(url, rng.randint(1, chances), step)
            rev = version(url)
            try:
                open_store(str(db)).dispose()
                key = f"killed at schema {rev}, opens"
            except Exception as exc:  # counted: the store did not open
                key = f"killed at schema {rev}, does not open: {str(exc)[-60:]}"
            outcomes[key] = outcomes.get(key, 0) + 1
        print(f"SQLite kill -9 during {case}, {rounds} rounds:")
        for k, v in sorted(outcomes.items()):
            print(f"  {k}: {v}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db-url", default=os.environ.get("SNOP_TEST_POSTGRES_URL"))
    ap.add_argument("--only", choices=["races", "kills"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if args.only != "kills":
            races(None, tmp, args.rounds)
            if args.db_url:
                races(args.db_url, tmp, args.rounds)
        if args.only != "races":
            kills(tmp, args.rounds * 6)


if __name__ == "__main__":
    main()
