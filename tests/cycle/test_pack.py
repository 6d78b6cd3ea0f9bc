"""The executive pack of the demo company, as a reader gets it: the HTML the demo wrote,
opened in a real Chromium; the PDF printed by it and read back with poppler; the Excel
reopened with openpyxl. Every figure checked is the one the services give, rounded for
display the one way (snop.report.fmt).

(In tests/cycle/ beside test_demo.py: they share the demo run, in one xdist group.)
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from snop.learning.frames import TOTAL
from snop.report import fmt
from snop.report.pdf import html_to_pdf
from snop.services.context import Actor, UnitOfWork
from snop.services.finance import finance_report
from snop.services.kpis import kpi_report
from snop.services.sheet import family_sheet
from tests.browser import browser_page, need_poppler
from tests.cli import snop as cli

pytestmark = pytest.mark.xdist_group("demo")
FAMILIES = ["APPL", "COOK", "CUTL", "SPAR"]
READER = Actor.of("erin", "executive")
SAMPLED_ROWS = ("demand_plan", "sales_actual", "production_plan", "inventory_plan", "revenue")


def _store(demo: tuple[Path, object]) -> Path:
    return demo[0] / "demo" / "snop.db"


def _services(db: Path) -> tuple[object, object, object]:
    uow = UnitOfWork.open(str(db))
    try:
        return family_sheet(uow, READER), finance_report(uow, READER), kpi_report(uow, READER)
    finally:
        uow.dispose()


def test_the_demo_pack_draws_in_a_browser_with_the_services_figures(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, run = demo
    assert run.returncode == 0, run.stderr
    pack = root / "demo" / "pack.html"
    assert f"executive pack of cycle 2026-11: {Path('demo') / 'pack.html'}" in run.stdout
    text = pack.read_text(encoding="utf-8")
    # self-contained: Plotly embedded once, nothing fetched from the network
    assert text.count("plotly.js v") == 1  # the library's banner
    assert "<script src" not in text and "<link" not in text
    sheet, fin, kpis = _services(_store(demo))
    with browser_page() as (page, errors):
        page.goto(pack.as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        assert errors == []
        charts = page.locator("[data-chart]")
        assert charts.count() >= 3 * (len(FAMILIES) + 1) + 4
        for i in range(charts.count()):  # every chart drew its SVG
            assert charts.nth(i).locator("svg.main-svg").count() >= 1, i
        assert page.locator("#card svg.spark").count() > 0  # the KPI trend lines
        families = page.locator("section[data-family]").evaluate_all(
            "els => els.map(e => e.dataset.family)"
        )
        assert families == [*FAMILIES, TOTAL]
        _check_sheets(page, sheet)
        _check_tiles(page, fin)
        _check_card(page, kpis)


def _cell(page: object, section: str, row: str, col: str) -> str:
    css = f'section[data-family="{section}"] tr[data-row="{row}"] td[data-col="{col}"]'
    return str(page.locator(css).inner_text()).strip()  # type: ignore[attr-defined]


def _check_sheets(page: object, sheet: object) -> None:
    s = sheet.sheet  # type: ignore[attr-defined]
    first, last_actual = s.horizon[0], s.history[-1]
    checked = 0
    for fam in [*FAMILIES, TOTAL]:
        grid = s.grid(fam)
        for row in SAMPLED_ROWS:
            for period in (last_actual, first, s.horizon[-1]):
                value = grid.loc[row, period] if row in grid.index else np.nan
                unit = "money" if row == "revenue" else "units"
                assert _cell(page, fam, row, period) == fmt.number(value, unit), (fam, row)
                checked += int(not np.isnan(value))
        ratio = grid.loc["fill_rate", first]
        assert _cell(page, fam, "fill_rate", first) == fmt.number(ratio, "ratio")
    assert checked > 40


def _check_tiles(page: object, fin: object) -> None:
    g = fin.year_gap()  # type: ignore[attr-defined]
    shown = page.locator('[data-tile="revenue"] .value').inner_text()  # type: ignore[attr-defined]
    assert shown == fmt.short(float(g["revenue"]), "money", "USD")
    assert shown.endswith("M USD")  # the demo's revenue is millions


def _check_card(page: object, kpis: object) -> None:
    card = kpis.card  # type: ignore[attr-defined]
    for i, r in enumerate(card.itertuples(index=False)):
        css = f'#table-kpi_card tr[data-row="{i}"] td[data-col="accuracy"]'
        text = page.locator(css).inner_text()  # type: ignore[attr-defined]
        assert text.startswith(fmt.number(r.accuracy, "ratio")), (r.family, text)


def test_the_pdf_puts_each_family_on_one_page_with_nothing_cut_off(
    demo: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    need_poppler()
    with browser_page():  # skips (locally) without a Chromium
        pass
    out = tmp_path / "pack.pdf"
    # the demo's own pack, printed as `snop report --format pdf` prints a pack
    html_to_pdf((demo[0] / "demo" / "pack.html").read_text(encoding="utf-8"), out)
    pages = _pdf_pages(out)
    starts = [p.splitlines()[0].strip() if p.strip() else "" for p in pages]
    for fam in FAMILIES:
        on = [i for i, t in enumerate(starts) if t == f"Family {fam}"]
        assert len(on) == 1, (fam, starts)
        page_text = pages[on[0]]
        # the whole sheet is on that page: its first and last rows, and the next page is
        # another part of the pack
        assert "Demand plan (consensus)" in page_text and "Gap to budget" in page_text
        assert not starts[on[0] + 1].startswith(f"Family {fam}")
    assert starts.count("All families") == 1
    for i in range(len(pages)):
        _nothing_in_the_margins(out, i + 1, tmp_path)


def _pdf_pages(path: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    n = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    return [
        subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for i in range(1, n + 1)
    ]


def _nothing_in_the_margins(pdf: Path, page: int, tmp: Path) -> None:
    """The page as pixels (pdftoppm): the right and bottom margins (8 mm of 297 x 210)
    are blank, so nothing ran past the printable area."""
    stem = tmp / f"p{page}"
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "40", "-f", str(page), "-l", str(page), str(pdf), str(stem)],
        check=True,
    )
    (made,) = tmp.glob(f"p{page}*.pgm")
    img = _pgm(made)
    h, w = img.shape
    right = img[:, int(w * (1 - 6 / 297)) :]
    bottom = img[int(h * (1 - 6 / 210)) :, :]
    assert right.min() > 240 and bottom.min() > 240, f"page {page} has ink in its margins"
    made.unlink()


def _pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic, w, h, top, rest = data.split(maxsplit=4)
    assert magic == b"P5" and top == b"255"
    return np.frombuffer(rest, dtype=np.uint8)[: int(w) * int(h)].reshape(int(h), int(w))


def test_the_excel_pack_holds_the_same_figures(
    demo: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    db = _store(demo)
    out = tmp_path / "pack.xlsx"
    r = cli("--db", db, "--user", "erin", "report", "--out", out, "--no-levers", "--json")
    assert r.exit_code == 0, r.stderr
    done = json.loads(r.stdout)  # --json: stdout is only JSON
    assert done["path"] == str(out) and done["format"] == "xlsx" and done["sections"] == 11
    sheet, fin, _ = _services(db)
    book = openpyxl.load_workbook(out)
    assert {f"plan_sheet_{f}" for f in FAMILIES} | {"plan_sheet_total"} <= set(book.sheetnames)
    for fam, name in [(f, f"plan_sheet_{f}") for f in FAMILIES] + [(TOTAL, "plan_sheet_total")]:
        ws = book[name]
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[0])
        by_key = {row[0]: row for row in rows[1:]}
        grid = sheet.sheet.grid(fam)  # type: ignore[attr-defined]
        for key in ("demand_plan", "revenue", "inventory_plan"):
            for period in sheet.sheet.horizon:  # type: ignore[attr-defined]
                got = by_key[key][header.index(period)]
                assert got == pytest.approx(round(float(grid.loc[key, period]), 2), abs=1e-9)
        assert ws.freeze_panes == "A2"
    head = list(book["plan_pack_headline"].iter_rows(values_only=True))
    revenue = next(r for r in head[1:] if r[1] == f"Revenue {fin.budget_year}")  # type: ignore[attr-defined]
    assert revenue[2] == pytest.approx(round(float(fin.year_gap()["revenue"]), 2))  # type: ignore[attr-defined]


def test_pack_errors_are_clear(demo: tuple[Path, object], tmp_path: Path) -> None:
    db = _store(demo)
    r = cli("--db", db, "--user", "erin", "report", "--out", tmp_path / "pack.doc")
    assert r.exit_code == 1 and not r.traceback and "--format html|pdf|xlsx" in r.stderr
    r = cli(
        "--db", db, "--user", "erin", "report", "--out", tmp_path / "p.html", "--version", "2027-01"
    )
    assert r.exit_code == 1 and "no approved version 2027-01" in r.stderr
    assert "2026-08, 2026-09, 2026-10, 2026-11" in r.stderr
    r = cli(
        "--db", db, "--user", "erin", "report", "--out", tmp_path / "p.html", "--scenario", "nope"
    )
    assert r.exit_code == 1 and "shift_freeze, upside" in r.stderr
    r = cli("--db", db, "--user", "erin", "report", "--out", tmp_path, "--format", "html")
    assert r.exit_code == 1 and not r.traceback and "is a folder" in r.stderr
    r = cli(
        "--db",
        db,
        "--user",
        "erin",
        "report",
        "--out",
        tmp_path / "p.pdf",
        "--cycle",
        "2025-01",
        "--json",
    )
    assert r.exit_code == 1 and "cycle 2025-01 does not exist" in r.stderr and r.stdout == ""


def test_sheet_html_draws_the_family_sheet_with_its_charts(
    demo: tuple[Path, object], tmp_path: Path
) -> None:
    db = _store(demo)
    page = tmp_path / "cook.html"
    r = cli("--db", db, "--user", "erin", "sheet", "--family", "COOK", "--html", page, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json() == {"html": str(page)}
    text = page.read_text(encoding="utf-8")
    for chart in ("demand-COOK", "production-COOK", "inventory-COOK"):
        assert f'data-chart="{chart}"' in text
    assert text.count("<section") == 1 and 'data-family="COOK"' in text
    sheet, _, _ = _services(db)
    value = sheet.sheet.grid("COOK").loc["revenue", sheet.sheet.horizon[0]]  # type: ignore[attr-defined]
    cell = f'data-col="{sheet.sheet.horizon[0]}">{fmt.number(value, "money")}<'  # type: ignore[attr-defined]
    assert cell in text.split('<tr data-row="revenue">', 1)[1].split("</tr>", 1)[0] + "<"
