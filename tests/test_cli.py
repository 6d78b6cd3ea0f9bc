"""The ``snop`` command as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.workbooks import SMALL, write_small


def snop(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "snop", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_demo_runs_the_cycle(tmp_path: Path) -> None:
    run = snop("demo", "--dir", "d", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "56 items in 4 families" in run.stdout
    assert "Supply review" in run.stdout
    # the demand review: an approved consensus and the FVA of the replayed earlier cycle
    assert "approved by erin (executive): frozen as the version of cycle 2026-11" in run.stdout
    assert "forecast value added of cycle 2026-05" in run.stdout
    assert "the locked hotel tender kept CUTL-002" in run.stdout
    assert "planned on the consensus demand plan of cycle 2026-11 (approved)" in run.stdout
    assert (tmp_path / "d" / "snop.db").exists()
    export = snop("--db", "d/snop.db", "export", "out.xlsx", cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    check = snop("validate", "out.xlsx", cwd=tmp_path)
    assert check.returncode == 0 and "ok" in check.stdout


def test_validate_and_import_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    write_small(tmp_path / "bad", {"sales": SMALL["sales"].replace("A1,2026-06,110",
                                                                   "A1,2026-06,lots")})
    run = snop("validate", "bad", cwd=tmp_path)
    assert run.returncode == 1
    assert "sales.csv row 3, column qty: 'lots': is not a number" in run.stdout
    imp = snop("--db", "s.db", "import", "bad", cwd=tmp_path)
    assert imp.returncode == 1
    assert "Traceback" not in imp.stderr and "nothing was imported" in imp.stderr
    missing = snop("import", "nowhere", cwd=tmp_path)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    empty = snop("--db", "e.db", "export", "x", cwd=tmp_path)
    assert empty.returncode == 1 and "store is empty" in empty.stderr
    bad_db = snop("--db", "nodir/x.db", "export", "x", cwd=tmp_path)
    assert bad_db.returncode == 1 and "does not exist" in bad_db.stderr


def test_import_and_export(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    imp = snop("--db", "s.db", "import", "wb", cwd=tmp_path)
    assert imp.returncode == 0, imp.stderr
    assert "4 items, 18 sales" in imp.stdout
    exp = snop("--db", "s.db", "export", "out", cwd=tmp_path)
    assert exp.returncode == 0
    assert (tmp_path / "out" / "items.csv").read_text().splitlines()[1] == \
        "A1,F1,Widget,10,6,,,,small"
