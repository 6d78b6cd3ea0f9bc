"""``snop demo`` as a user runs it, once, as a real process: only there is the solver's own
output (written to file descriptor 1 from C++) visible; the demo's store then serves the
round-trip tests. (In tests/cycle/ so that it is collected, and started, first: it is the
longest test of the suite.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from snop.cli.demo_cmd import MARKER
from tests.cli import snop as cli


@pytest.mark.xdist_group("demo")  # one worker runs the demo once for all its tests
def test_demo_smoke(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    root, run = demo
    assert run.returncode == 0, run.stderr
    assert "Running HiGHS" not in run.stdout and "HiGHS" not in run.stderr
    # four monthly cycles, each approved; the later ones rolled forward on actuals
    for cycle in ("2026-08", "2026-09", "2026-10", "2026-11"):
        assert f"cycle {cycle}" in run.stdout
    assert run.stdout.count("approved by the executives (optimal plan)") == 4
    assert "forecast: 56 items" in run.stdout
    assert "3 new override(s)" in run.stdout and "carried from the last version" in run.stdout
    assert "versions 2026-08, 2026-09, 2026-10, 2026-11" in run.stdout
    # learning: what changed, the decisions carried until closed, the KPI card, exceptions
    assert "what changed since version 2026-10: consensus demand" in run.stdout
    assert "closed: Quote a second shift at the North press" in run.stdout
    assert "KPI card of version 2026-10" in run.stdout and "open exceptions:" in run.stdout
    # FVA at family level: the consensus hurt a family its items' mean shows as helped
    assert "at family level (errors net within the family) the consensus layer hurt" in run.stdout
    # the plan in money: the budget year against budget, split into demand and supply
    assert "the plan in money: version 2026-11 (USD)" in run.stdout
    assert "FY2027 (12 periods in the plan, 12 budgeted): revenue" in run.stdout
    assert " = demand " in run.stdout and "inventory value" in run.stdout
    # the what-ifs: a demand upside and a second shift with hiring frozen, side by side
    assert "scenarios: upside, shift_freeze" in run.stdout
    assert "version 2026-10" in run.stdout and "gap_to_budget" in run.stdout
    assert "levers: what closes the gaps (top 3 checked by re-solves)" in run.stdout
    assert "re-solved" in run.stdout
    # the previous demo's entries were replaced, and the new ones recorded
    folder = root / "demo"
    assert not (folder / "workbook-2026-04").exists()
    made = {
        "snop.db",
        "workbook",
        "actuals-2026-08",
        "actuals-2026-09",
        "actuals-2026-10",
        "pack.html",
    }
    # (SQLite's -wal and -shm files come and go with the store's readers)
    present = {p.name for p in folder.iterdir()} - {"snop.db-wal", "snop.db-shm"}
    assert present == {MARKER, *made}
    assert made <= set((folder / MARKER).read_text().splitlines())
    # the store holds the four versions, readable by every door
    listed = cli("--db", folder / "snop.db", "--user", "lee", "cycle", "list", "--json").json()
    assert [(c["period"], c["status"]) for c in listed] == [
        ("2026-08", "closed"),
        ("2026-09", "closed"),
        ("2026-10", "closed"),
        ("2026-11", "approved"),
    ]


def _sales(db: Path) -> pd.DataFrame:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        df = pd.read_sql_table("wb_sales", conn)
    engine.dispose()
    return (
        df.drop(columns=[c for c in df.columns if c == "id"])
        .sort_values(["item", "period", "channel"])
        .reset_index(drop=True)
    )


@pytest.mark.xdist_group("demo")
def test_xlsx_and_csv_round_trips_keep_every_number(
    demo: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    root, _ = demo
    store = root / "demo" / "snop.db"
    assert cli("--db", store, "--user", "lee", "export", tmp_path / "a.xlsx").exit_code == 0
    assert cli("validate", tmp_path / "a.xlsx").exit_code == 0
    r = cli("--db", tmp_path / "b.db", "import", tmp_path / "a.xlsx")
    assert r.exit_code == 0, r.stderr
    before, after = _sales(store), _sales(tmp_path / "b.db")
    assert len(before) == 4777  # 48 months of history to 2026-07, then three months' actuals
    # exactly equal, not approximately: the demo's fractional sales (e.g. 460.7) included
    assert (before["qty"] % 1 != 0).sum() > 0
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    for fmt in ("x",):  # export -> import -> export gives the same files (Excel: above)
        assert cli("--db", tmp_path / "b.db", "export", tmp_path / f"again-{fmt}").exit_code == 0
        assert (
            cli("--db", tmp_path / f"c{fmt}.db", "import", tmp_path / f"again-{fmt}").exit_code == 0
        )
        pd.testing.assert_frame_equal(before, _sales(tmp_path / f"c{fmt}.db"), check_exact=True)
    assert cli("--db", store, "--user", "lee", "export", tmp_path / "csv1").exit_code == 0
    assert cli("--db", tmp_path / "cx.db", "export", tmp_path / "csv2").exit_code == 0
    for f in (tmp_path / "csv1").iterdir():
        assert f.read_bytes() == (tmp_path / "csv2" / f.name).read_bytes(), f.name
