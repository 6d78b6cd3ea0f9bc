"""Every command on hostile input: a clear ``error:`` message and exit code 1, or, where the
input is legitimate (a reason with quotes, an item code with brackets), stored and printed
byte-exact. Never a traceback, and a refused command leaves the store as it was.

The stores are built once per module and copied per case.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from snop.services import demand_review as dr
from snop.services.context import Actor
from snop.services.forecast import run_baseline
from snop.services.workbook import import_workbook
from snop.store.uow import UnitOfWork
from tests.cli import Run, snop
from tests.workbooks import SMALL, write_small

MARKUP = "GHOST[/]"
HOSTILE = [
    "[/]",
    "[bold]x",
    "[link=https://evil.example]y[/link]",
    'it\'s "quoted"',
    "'; DROP TABLE wb_sales; --",
    "<script>alert(1)</script>",
    "x\\",
]
LEGAL_CODES = [
    "[bold]N1",
    "[link=https://e.example]N2",
    "N3'); DROP TABLE wb_items;--",
    "<script>N4</script>",
    "N5[/]",
]  # no comma or quote: plain CSV cells


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _workbook(changes: dict[str, str]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        write_small(d / "wb", changes)

    return setup


def _write_small_wb(d: Path) -> None:
    write_small(d / "wb")


def _legal_codes(d: Path) -> None:
    items = SMALL["items"] + "".join(
        f"{_csv_cell(c)},F1,{_csv_cell(c)},1,1,,,,small\n" for c in LEGAL_CODES
    )
    sales = SMALL["sales"] + "".join(
        f"{_csv_cell(c)},2026-10,{7 + i},retail\n" for i, c in enumerate(LEGAL_CODES)
    )
    write_small(d / "wb", {"items": items, "sales": sales})
    (d / "sales.csv").write_text(sales)


def _family_renamed(d: Path) -> None:
    fam = "[bold]F1"
    write_small(
        d / "wb",
        {n: SMALL[n].replace("F1", fam) for n in ("items", "families", "routings", "budget")},
    )


def _random_xlsx(d: Path) -> None:
    (d / "rnd.xlsx").write_bytes(random.Random(9).randbytes(4096))


def _not_a_database(d: Path) -> None:
    (d / "s.db").write_bytes(b"these are my notes, not a database\n" * 200)


def _a_file(d: Path) -> None:
    (d / "afile").write_text("x")


def _production_db(d: Path) -> None:
    (d / "demo").mkdir()
    (d / "demo" / "production.db").write_bytes(b"precious")


def _huge_sales(d: Path) -> None:
    sales = SMALL["sales"].replace("A1,2026-06,110", "A1,2026-06,1e300")
    write_small(d / "wb", {"sales": sales})
    (d / "sales.csv").write_text(sales)


@dataclass
class Case:
    args: list[str]
    code: int = 1
    setup: Callable[[Path], None] | None = None
    store: str | None = "base"  # the module store copied as s.db: base, submitted or None
    said: str = ""  # must appear in the message (or, for accepted input, in stdout)
    check: Callable[[Run, Path], None] | None = None  # for accepted input
    on_stdout: bool = False  # validate lists problems on stdout
    files: list[str] = field(default_factory=list)  # must be unchanged afterwards


def _json(r: Run, d: Path, *args: str) -> dict[str, object]:
    out = snop("--db", d / "s.db", *args, "--json")
    assert out.exit_code == 0, out.stderr
    data: dict[str, object] = out.json()
    return data


def _stored_items(r: Run, d: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{d / 's.db'}")
    with engine.connect() as conn:
        items = set(conn.execute(sa.text("SELECT item FROM wb_items")).scalars())
        descriptions = set(conn.execute(sa.text("SELECT description FROM wb_items")).scalars())
    engine.dispose()
    assert set(LEGAL_CODES) <= items and set(LEGAL_CODES) <= descriptions


def _forecast_file(r: Run, d: Path) -> None:
    text = (d / "f.csv").read_text()
    for code in LEGAL_CODES:
        assert code in text, code


def _overrides_verbatim(r: Run, d: Path) -> None:
    log = _json(r, d, "demand", "log")
    (ov,) = log["overrides"]  # type: ignore[misc]
    assert (ov["reason"], ov["author"], ov["comment"], ov["event"]) == tuple(HOSTILE[3:7])


def _submitted_by(who: str, status: str) -> Callable[[Run, Path], None]:
    def check(r: Run, d: Path) -> None:
        rows = snop("--db", d / "s.db", "demand", "cycles", "--json").json()
        assert (rows[-1]["status"], rows[-1][f"{status}_by"]) == (status, who)

    return check


def _family_verbatim(r: Run, d: Path) -> None:
    assert any("[bold]F1" in f.read_text() for f in (d / "out").glob("*.csv"))


WB = ["--db", "s.db"]
OVR = [*WB, "demand", "override", "--layer", "sales", "--period", "2027-01", "--reason", "promo"]

CASES = [
    # validate: problems listed on stdout, exit code 1
    pytest.param(
        Case(
            ["validate", "wb"],
            setup=_workbook({"sales": SMALL["sales"] + f"{MARKUP},2026-10,5,retail\n"}),
            store=None,
            said=f"column item: {MARKUP!r}: is not an item",
            on_stdout=True,
        ),
        id="validate-markup",
    ),
    pytest.param(
        Case(["validate", "wb"], setup=_huge_sales, store=None, said="qty", on_stdout=True),
        id="validate-huge",
    ),
    pytest.param(
        Case(
            ["validate", "wb"],
            setup=_workbook({"items": SMALL["items"].replace("Widget L", "Wid\x00get")}),
            store=None,
            said="control character",
            on_stdout=True,
        ),
        id="validate-nul",
    ),
    pytest.param(
        Case(
            ["validate", "wb"],
            setup=_workbook(
                {
                    n: SMALL[n].replace("A2,", "A" * 300 + ",")
                    for n in ("items", "sales", "inventory")
                }
            ),
            store=None,
            said="300 characters",
            on_stdout=True,
        ),
        id="validate-long-key",
    ),
    pytest.param(
        Case(
            ["validate", "rnd.xlsx"],
            setup=_random_xlsx,
            store=None,
            said="rnd.xlsx",
            on_stdout=True,
        ),
        id="validate-random-bytes",
    ),
    pytest.param(
        Case(["validate", "wb"], code=0, setup=_legal_codes, store=None, said="ok: wb: 9 items"),
        id="validate-legal-codes",
    ),
    # import
    pytest.param(
        Case(
            [*WB, "import", "wb"],
            setup=_workbook({"sales": SMALL["sales"] + f"{MARKUP},2026-10,5,retail\n"}),
            said=f"{MARKUP!r}: is not an item",
        ),
        id="import-markup",
    ),
    pytest.param(Case([*WB, "import", "wb"], setup=_huge_sales, said="qty"), id="import-huge"),
    pytest.param(
        Case([*WB, "import", "rnd.xlsx"], setup=_random_xlsx, said="rnd.xlsx"),
        id="import-random-bytes",
    ),
    pytest.param(
        Case(
            [*WB, "import", "wb"],
            setup=lambda d: (_write_small_wb(d), _not_a_database(d)),
            said="s.db",
        ),
        id="import-not-a-database",
    ),
    pytest.param(
        Case(
            [*WB, "import", "wb"], code=0, setup=_legal_codes, check=_stored_items, said="imported"
        ),
        id="import-legal-codes",
    ),
    # export
    pytest.param(
        Case([*WB, "export", "afile/out"], setup=_a_file, said="afile", files=["afile"]),
        id="export-unwritable",
    ),
    pytest.param(
        Case([*WB, "export", "afile/out.xlsx"], setup=_a_file, said="afile", files=["afile"]),
        id="export-xlsx-unwritable",
    ),
    pytest.param(
        Case([*WB, "export", "out"], setup=_not_a_database, said="s.db"), id="export-not-a-database"
    ),
    # forecast a file
    pytest.param(
        Case(
            ["forecast", "sales.csv", "--method", "naive", "--horizon", "2", "--out", "f.csv"],
            code=0,
            setup=_legal_codes,
            store=None,
            check=_forecast_file,
        ),
        id="forecast-file-legal-codes",
    ),
    pytest.param(
        Case(
            ["forecast", "sales.csv", "--method", "naive", "--json"],
            setup=_huge_sales,
            store=None,
            said="qty",
        ),
        id="forecast-file-huge",
    ),
    pytest.param(
        Case(
            ["forecast", "rnd.xlsx", "--method", "naive", "--out", "f.csv"],
            setup=_random_xlsx,
            store=None,
            said="rnd.xlsx",
        ),
        id="forecast-file-random-bytes",
    ),
    pytest.param(
        Case(
            ["forecast", "sales.csv", "--method", "naive", "--out", "afile/f.csv"],
            setup=lambda d: (_legal_codes(d), _a_file(d)),
            store=None,
            said="afile",
        ),
        id="forecast-file-unwritable",
    ),
    # forecast the store
    pytest.param(
        Case([*WB, "forecast", "--method", "[bold]x"], said="'[bold]x'"),
        id="forecast-store-markup-method",
    ),
    pytest.param(
        Case([*WB, "forecast"], setup=_not_a_database, said="s.db"),
        id="forecast-store-not-a-database",
    ),
    # plan a workbook
    pytest.param(
        Case(
            ["plan", "--workbook", "wb", "--out", "out"],
            code=0,
            setup=_family_renamed,
            store=None,
            check=_family_verbatim,
        ),
        id="plan-workbook-markup-family",
    ),
    pytest.param(
        Case(["plan", "--workbook", "rnd.xlsx"], setup=_random_xlsx, store=None, said="rnd.xlsx"),
        id="plan-workbook-random-bytes",
    ),
    pytest.param(
        Case(
            ["plan", "--workbook", "wb", "--out", "afile/plan"],
            setup=lambda d: (_write_small_wb(d), _a_file(d)),
            store=None,
            said="afile",
        ),
        id="plan-workbook-unwritable",
    ),
    # plan the store
    pytest.param(
        Case([*WB, "plan", "--strategy", "[/]"], said="'[/]'"), id="plan-store-markup-strategy"
    ),
    pytest.param(
        Case([*WB, "plan"], setup=_not_a_database, said="s.db"), id="plan-store-not-a-database"
    ),
    # demand show
    pytest.param(
        Case([*WB, "demand", "show", "--level", "item", "--key", MARKUP], said=f"item {MARKUP!r}"),
        id="show-markup-key",
    ),
    pytest.param(
        Case([*WB, "demand", "show", "--period", "zzz"], said="zzz"), id="show-bad-period"
    ),
    pytest.param(
        Case([*WB, "demand", "show"], setup=_not_a_database, said="s.db"), id="show-not-a-database"
    ),
    # demand override
    pytest.param(
        Case(
            [*OVR, "--level", "item", "--key", MARKUP, "--qty", "5"],
            said=f"item {MARKUP!r} does not exist",
        ),
        id="override-markup-key",
    ),
    pytest.param(
        Case(
            [*OVR, "--level", "item", "--key", "A" * 300, "--qty", "5"],
            said="at most 200 are allowed",
        ),
        id="override-long-key",
    ),
    pytest.param(
        Case([*OVR, "--level", "item", "--key", "A1", "--qty", "1e300"], said="qty"),
        id="override-huge-item",
    ),
    pytest.param(
        Case([*OVR, "--level", "family", "--key", "F1", "--qty", "1e300"], said="qty"),
        id="override-huge-family",
    ),
    pytest.param(
        Case([*OVR, "--level", "family", "--key", "F1", "--delta", "1e300"], said="delta"),
        id="override-huge-delta",
    ),
    pytest.param(
        Case(
            [
                *OVR[:-1],
                HOSTILE[3],
                "--level",
                "item",
                "--key",
                "A1",
                "--qty",
                "90",
                "--author",
                HOSTILE[4],
                "--comment",
                HOSTILE[5],
                "--event",
                HOSTILE[6],
            ],
            code=0,
            check=_overrides_verbatim,
            said="stored as override 1",
        ),
        id="override-hostile-text",
    ),
    # submit, approve, reject
    pytest.param(
        Case(
            [*WB, "demand", "submit", "--author", HOSTILE[2], "--note", HOSTILE[5]],
            code=0,
            check=_submitted_by(HOSTILE[2], "submitted"),
            said="submitted",
        ),
        id="submit-hostile-author",
    ),
    pytest.param(
        Case(
            [*WB, "demand", "approve", "--author", HOSTILE[1]],
            code=0,
            store="submitted",
            check=_submitted_by(HOSTILE[1], "approved"),
            said=f"approved by {HOSTILE[1]}",
        ),
        id="approve-hostile-author",
    ),
    pytest.param(
        Case([*WB, "demand", "approve", "--role", HOSTILE[4]], store="submitted", said=HOSTILE[4]),
        id="approve-hostile-role",
    ),
    pytest.param(
        Case([*WB, "demand", "reject", "--author", HOSTILE[0]], said="submitted"),
        id="reject-a-draft",
    ),
    # log, cycles, fva
    pytest.param(
        Case([*WB, "demand", "log", "--event", "no such event"], said="no such event"),
        id="log-unknown-event",
    ),
    pytest.param(
        Case([*WB, "demand", "log", "--cycle", MARKUP], said=MARKUP), id="log-markup-cycle"
    ),
    pytest.param(
        Case([*WB, "demand", "cycles"], setup=_not_a_database, said="s.db"),
        id="cycles-not-a-database",
    ),
    pytest.param(
        Case([*WB, "demand", "fva", "--cycle", HOSTILE[4]], said=HOSTILE[4]), id="fva-sql-cycle"
    ),
    # demo
    pytest.param(
        Case(["demo", "--dir", "afile"], setup=_a_file, store=None, said="afile", files=["afile"]),
        id="demo-dir-is-a-file",
    ),
    pytest.param(
        Case(
            ["demo", "--dir", "demo"],
            setup=_production_db,
            store=None,
            said="production.db",
            files=["demo/production.db"],
        ),
        id="demo-dir-not-a-demo",
    ),
    pytest.param(
        Case(
            ["demo", "--dir", "."],
            setup=_a_file,
            store=None,
            said="the current folder",
            files=["afile"],
        ),
        id="demo-dir-dot",
    ),
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """base: the small workbook with a naive baseline (a draft cycle); submitted: the same,
    submitted for approval."""
    root = tmp_path_factory.mktemp("hostile")
    dana = Actor.of("dana", "demand_planner")
    uow = UnitOfWork.open(str(root / "base.db"))
    import_workbook(uow, dana, write_small(root / "wb"))  # opens the cycle and its draft
    run_baseline(uow, dana, method="naive")
    uow.dispose()
    shutil.copy(root / "base.db", root / "submitted.db")
    uow = UnitOfWork.open(str(root / "submitted.db"))
    dr.submit(uow, dana)
    uow.dispose()
    return {"base": root / "base.db", "submitted": root / "submitted.db"}


def digest(path: Path) -> str:
    """Every row of every table of the SQLite store at ``path`` (or its bytes when it is not
    one), hashed."""
    h = hashlib.sha256()
    if not path.exists():
        return "absent"
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            for name in sorted(meta.tables):
                rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(meta.tables[name])))
                h.update(json.dumps([name, rows]).encode())
    except sa.exc.DatabaseError:
        h.update(path.read_bytes())
    finally:
        engine.dispose()
    return h.hexdigest()


def _files(d: Path, names: list[str]) -> dict[str, bytes]:
    return {n: (d / n).read_bytes() for n in names}


@pytest.mark.parametrize("case", CASES)
def test_hostile_input(case: Case, stores: dict[str, Path], tmp_path: Path) -> None:
    if case.store is not None:
        shutil.copy(stores[case.store], tmp_path / "s.db")
    if case.setup is not None:
        case.setup(tmp_path)
    before, kept = digest(tmp_path / "s.db"), _files(tmp_path, case.files)

    r = snop(*case.args, cwd=tmp_path)

    assert not r.traceback, r.exception
    assert r.exit_code == case.code, (r.stdout, r.stderr)
    if case.code == 0:
        assert case.said in r.stdout.replace("\n", ""), r.stdout
        if case.check is not None:
            case.check(r, tmp_path)
        return
    message = r.stdout if case.on_stdout else r.stderr
    lines = message.strip().splitlines()
    assert lines and lines[0].startswith("error: "), message
    # one line, or one line followed by the indented list of every problem found
    assert all(line.startswith("  ") for line in lines[1:]) or case.on_stdout, message
    assert case.said in message.replace("\n", ""), message
    assert digest(tmp_path / "s.db") == before
    assert _files(tmp_path, case.files) == kept
