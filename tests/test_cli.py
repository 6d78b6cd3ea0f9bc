"""The ``snop`` command as a user runs it: exit codes, messages, files, no tracebacks.

Everything runs in-process (tests/cli.py); the one smoke test that runs ``python -m snop
demo`` as a real process is tests/cycle/test_demo.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snop.cli.demo_cmd import MARKER, _prepare, _record
from snop.errors import SnopError
from snop.io.atomic import atomic_file, replace_folder_files
from tests.cli import snop as cli
from tests.workbooks import SMALL, write_small


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "production.db").write_bytes(b"precious")
    r = cli("demo", "--dir", data)
    assert r.exit_code == 1 and not r.traceback
    assert "not a previous snop demo" in r.stderr and "production.db" in r.stderr
    assert (data / "production.db").read_bytes() == b"precious"
    # a previous demo's folder with a file the demo did not make is refused as well
    (data / "snop.db").write_bytes(b"old demo store")
    _record(data)
    (data / "notes.txt").write_text("mine")
    r = cli("demo", "--dir", data)
    assert r.exit_code == 1 and "notes.txt" in r.stderr
    assert (data / "notes.txt").exists() and (data / "snop.db").exists()
    # the current folder: refused, empty or not, unless it is a previous demo
    r = cli("demo", "--dir", ".", cwd=data)
    assert r.exit_code == 1 and "notes.txt" in r.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "x.txt").write_text("x")
    r = cli("demo", "--dir", ".", cwd=plain)
    assert r.exit_code == 1 and "the current folder" in r.stderr and "x.txt" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("demo", "--dir", ".", cwd=empty)
    assert r.exit_code == 1 and "the current folder" in r.stderr
    (tmp_path / "file").write_text("x")
    r = cli("demo", "--dir", tmp_path / "file")
    assert r.exit_code == 1 and "is a file" in r.stderr
    assert {p.name for p in data.iterdir()} == {"production.db", "snop.db", "notes.txt", MARKER}


def test_a_previous_demo_is_emptied_of_its_own_entries_only(tmp_path: Path) -> None:
    (tmp_path / "workbook").mkdir()
    (tmp_path / "workbook" / "items.csv").write_text("item\n")
    (tmp_path / "snop.db").write_bytes(b"x")
    _record(tmp_path)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        _prepare(Path("."))  # the current folder is fine when it is a previous demo
    finally:
        os.chdir(cwd)
    assert [p.name for p in tmp_path.iterdir()] == [MARKER]
    # a marker cannot name anything outside the folder
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / MARKER).write_text(f"header\n../{outside.name}\n..\n")
    _prepare(tmp_path)
    assert outside.exists()


def test_validate_and_import_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    write_small(
        tmp_path / "bad", {"sales": SMALL["sales"].replace("A1,2026-06,110", "A1,2026-06,lots")}
    )
    run = cli("validate", "bad", cwd=tmp_path)
    assert run.exit_code == 1 and not run.traceback
    assert "sales.csv row 3, column qty: 'lots': is not a number" in run.stdout
    imp = cli("--db", "s.db", "import", "bad", cwd=tmp_path)
    assert imp.exit_code == 1 and not imp.traceback
    assert "nothing was imported" in imp.stderr
    missing = cli("import", "nowhere", cwd=tmp_path)
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    empty = cli("--db", "e.db", "export", "x", cwd=tmp_path)
    assert empty.exit_code == 1 and "store is empty" in empty.stderr
    bad_db = cli("--db", "nodir/x.db", "export", "x", cwd=tmp_path)
    assert bad_db.exit_code == 1 and "does not exist" in bad_db.stderr


HOSTILE_CODES = [
    "GHOST[/]",
    "[bold]x",
    "[link=https://evil.example]y[/link]",
    'it\'s "q"',
    "'; DROP TABLE sales; --",
    "<script>alert(1)</script>",
    "back\\",
    ":smile: :red_circle:",
]


def test_markup_and_quotes_in_user_data_print_byte_exact(tmp_path: Path) -> None:
    rows = "".join(f'"{c.replace(chr(34), chr(34) * 2)}",2026-10,5,retail\n' for c in HOSTILE_CODES)
    write_small(tmp_path / "wb", {"sales": SMALL["sales"] + rows})
    r = cli("validate", "wb", cwd=tmp_path)
    assert r.exit_code == 1 and not r.traceback
    for code in HOSTILE_CODES:  # each named in its own problem line, as typed
        assert f"column item: {code!r}: is not an item" in r.stdout, code
    assert "error: " in r.stdout and "[/]" in r.stdout


def test_demand_log_and_show_print_markup_verbatim(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    assert cli("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    assert cli("--db", "s.db", "forecast", "--method", "naive", cwd=tmp_path).exit_code == 0
    for i, text in enumerate(HOSTILE_CODES):
        r = cli(
            "--db",
            "s.db",
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
            "--qty",
            str(100 + i),
            "--reason",
            text,
            "--author",
            text,
            "--comment",
            text,
            "--event",
            text,
            cwd=tmp_path,
        )
        assert r.exit_code == 0 and not r.traceback, r.stderr
    log = cli("--db", "s.db", "demand", "log", cwd=tmp_path)
    assert log.exit_code == 0 and not log.traceback
    for text in HOSTILE_CODES:
        line = f"       {text} (sales), {text}: {text}; cli, "
        assert any(s.startswith(line) for s in log.stdout.splitlines()), text
    show = cli("--db", "s.db", "demand", "show", "--level", "item", "--key", "A1", cwd=tmp_path)
    assert show.exit_code == 0 and "A1" in show.stdout


def test_import_and_export(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    imp = cli("--db", "s.db", "import", "wb", cwd=tmp_path)
    assert imp.exit_code == 0, imp.stderr
    assert "4 items, 18 sales" in imp.stdout
    out = tmp_path / "out"
    out.mkdir()
    (out / "demand.csv").write_text("family,period,qty\nF9,2026-11,1\n")  # a stale table
    (out / "notes.csv").write_text("not a table of snop's\n")
    (out / "readme.txt").write_text("mine\n")
    exp = cli("--db", "s.db", "export", "out", cwd=tmp_path)
    assert exp.exit_code == 0
    assert "wrote 10 file(s) to out" in exp.stdout
    assert "removed 1 stale file(s) of tables the store does not hold: demand.csv" in exp.stdout
    assert (out / "items.csv").read_text().splitlines()[1] == "A1,F1,Widget,10,6,,,,small"
    names = {p.name for p in out.iterdir()}
    assert "demand.csv" not in names and {"notes.csv", "readme.txt"} <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary file left
    assert cli("validate", "out", cwd=tmp_path).exit_code == 1  # notes.csv is no table
    (out / "notes.csv").unlink()
    assert cli("validate", "out", cwd=tmp_path).exit_code == 0


def test_export_to_a_path_it_cannot_write_names_the_path(tmp_path: Path) -> None:
    write_small(tmp_path / "wb")
    assert cli("--db", "s.db", "import", "wb", cwd=tmp_path).exit_code == 0
    (tmp_path / "afile").write_text("x")
    for dest in ("afile/out", "afile/out.xlsx", "afile"):
        r = cli("--db", "s.db", "export", dest, cwd=tmp_path)
        assert r.exit_code == 1 and not r.traceback, dest
        lines = r.stderr.strip().splitlines()
        assert lines == [f"error: cannot write {dest}: afile is a file, not a folder"], r.stderr
    assert (tmp_path / "afile").read_text() == "x"
    (tmp_path / "folder.xlsx").mkdir()
    r = cli("--db", "s.db", "export", "folder.xlsx", cwd=tmp_path)
    assert r.exit_code == 1 and "folder.xlsx is a folder" in r.stderr


def test_a_write_that_fails_halfway_leaves_the_old_files(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "a.csv").write_text("old a\n")
    (dest / "b.csv").write_text("old b\n")

    def good(path: Path) -> None:
        path.write_text("new\n")

    def fails(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device", str(path))

    with pytest.raises(SnopError, match=f"cannot write {dest}: the disk is full"):
        replace_folder_files(dest, {"a.csv": good, "b.csv": fails}, remove=["c.csv"])
    assert sorted(p.name for p in dest.iterdir()) == ["a.csv", "b.csv"]
    assert (dest / "a.csv").read_text() == "old a\n" and (dest / "b.csv").read_text() == "old b\n"
    (dest / "c.csv").write_text("stale\n")
    (dest / "d.txt").write_text("kept\n")
    done = replace_folder_files(dest, {"a.csv": good, "b.csv": good}, remove=["a.csv", "c.csv"])
    assert [p.name for p in done.written] == ["a.csv", "b.csv"]
    assert [p.name for p in done.removed] == ["c.csv"]
    assert sorted(p.name for p in dest.iterdir()) == ["a.csv", "b.csv", "d.txt"]

    book = tmp_path / "book.xlsx"
    book.write_text("old book")
    with (
        pytest.raises(SnopError, match=f"cannot write {book}: the disk is full"),
        atomic_file(book) as tmp,
    ):
        fails(tmp)
    assert (
        book.read_text() == "old book"
        and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    )
    with atomic_file(book) as tmp:
        assert tmp.parent == book.parent and tmp.suffix == ".xlsx"
        good(tmp)
    assert book.read_text() == "new\n"


@given(st.floats(min_value=-1e300, max_value=1e300))
def test_written_numbers_read_back_exactly(x: float) -> None:
    from snop.io.writer import _number

    v = _number(x)
    assert v is not None and abs(v - x) <= abs(x) * 1e-14  # 15 significant digits
    assert _number(v) == v and str(v) != "-0"
    # openpyxl writes "%.16g", CSV repr: both read back as the very same number
    assert float(f"{v:.16g}") == v and float(repr(v)) == v
