"""The executive S&OP pack of a cycle: what the executive meeting decides from (docs/pack.md).

Every number comes from the use cases the CLI and the API call (the family sheet, the
financial plan, the KPI card, what changed, the scenarios, the levers, the decisions log);
this module only picks and arranges them into a :class:`snop.report.content.Pack`, which
the renderers in :mod:`snop.report` lay out as HTML, PDF or Excel. A part that cannot be
had (no actuals yet for the KPI card, no earlier version to compare with) becomes a note
on its page, not a failure of the whole pack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from snop.errors import NotFoundError, SnopError
from snop.learning.frames import TOTAL
from snop.model.periods import parse_period
from snop.report import PACK_FORMATS
from snop.report.content import Pack, Section
from snop.services.compare import Comparison, compare
from snop.services.context import Actor, UnitOfWork, current_cycle, now, stored_workbook
from snop.services.decisions import Agenda, agenda
from snop.services.finance import FinanceReport, finance_report
from snop.services.kpis import KpiReport, kpi_report
from snop.services.levers import LeverReport, gap_levers
from snop.services.pack_pages import (
    PlanData,
    card_section,
    changes_section,
    cover_section,
    exceptions_section,
    family_section,
    finance_section,
    plan_data,
    supply_section,
)
from snop.services.scenarios import ScenarioComparison, compare_scenarios, scenario_runs
from snop.services.sheet import SheetReport, family_sheet

T = TypeVar("T")
LEVERS_TOP = 3  # levers checked by re-solves in the pack


@dataclass
class PackParts:
    """The use cases' results a pack is made of (None: not available, see ``notes``)."""

    sheet: SheetReport
    finance: FinanceReport
    data: PlanData  # what the charts draw beyond the sheet
    agenda: Agenda
    kpis: KpiReport | None = None
    changes: Comparison | None = None
    scenarios: ScenarioComparison | None = None
    levers: LeverReport | None = None
    company: str = ""
    notes: dict[str, str] | None = None  # part -> why it is missing


def executive_pack(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cycle: str | None = None,
    version: str | None = None,
    scenarios: list[str] | None = None,
    levers: bool = True,
    today: date | None = None,
) -> Pack:
    """The pack of ``cycle`` (default: the current one) or of approved ``version``, with
    the ``scenarios`` named (default: every scenario run on that cycle)."""
    parts = pack_parts(
        uow, actor, cycle=cycle, version=version, scenarios=scenarios, levers=levers, today=today
    )
    return assemble(parts)


def pack_parts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    cycle: str | None = None,
    version: str | None = None,
    scenarios: list[str] | None = None,
    levers: bool = True,
    today: date | None = None,
) -> PackParts:
    """Call each use case the pack shows."""
    period, names = _which(uow, cycle, version, scenarios)
    sheet = family_sheet(uow, actor, cycle=period)
    fin = finance_report(uow, actor, cycle=period)
    notes: dict[str, str] = {}
    parts = PackParts(
        sheet,
        fin,
        plan_data(uow, period, [f for f in sheet.shown if f != TOTAL]),
        agenda(uow, actor, period, today),
        company=_company(uow),
        notes=notes,
    )
    parts.kpis = _optional(notes, "kpis", lambda: kpi_report(uow, actor))
    parts.changes = _optional(notes, "changes", lambda: compare(uow, actor, cycle=period))
    if names:
        parts.scenarios = _optional(
            notes, "scenarios", lambda: compare_scenarios(uow, actor, names, period)
        )
    else:
        notes["scenarios"] = (
            "no scenario has been run on this cycle (snop scenario create NAME ..., "
            "snop scenario run NAME)"
        )
    if levers:
        parts.levers = _optional(
            notes, "levers", lambda: gap_levers(uow, actor, period, top=LEVERS_TOP)
        )
    return parts


def _optional(notes: dict[str, str], part: str, call: Callable[[], T]) -> T | None:
    """The result of ``call``, or None with the reason in ``notes`` when the store cannot
    give it yet (SnopError: no actuals, no earlier version...)."""
    try:
        return call()
    except SnopError as e:
        notes[part] = str(e)
        return None


def _which(
    uow: UnitOfWork, cycle: str | None, version: str | None, scenarios: list[str] | None
) -> tuple[str, list[str]]:
    """The cycle the pack is of and the scenarios it shows."""
    if cycle is not None and version is not None:
        raise SnopError("give --cycle or --version, not both")
    with uow.read() as tx:
        if version is not None:
            period = parse_period(version).label
            found = tx.cycles.get(period)
            if found is None or found.approved_at is None:
                approved = [c.period for c in tx.cycles.all() if c.approved_at is not None]
                raise NotFoundError(
                    f"there is no approved version {version}; the versions are "
                    + (", ".join(approved) or "none yet")
                )
        elif cycle is not None:
            period = parse_period(cycle).label
            if tx.cycles.get(period) is None:
                raise NotFoundError(f"cycle {cycle} does not exist")
        else:
            period = current_cycle(tx).period
        ran = scenario_runs(tx, period)
    if scenarios is None:
        return period, ran
    missing = [n for n in scenarios if n not in ran]
    if missing:
        raise NotFoundError(
            f"scenario {', '.join(missing)} has no run on cycle {period}; the scenarios run "
            f"on it are {', '.join(ran) or 'none'} (snop scenario run NAME)"
        )
    return period, list(scenarios)


def _company(uow: UnitOfWork) -> str:
    with uow.read() as tx:
        return stored_workbook(tx).setting("company") or ""


def assemble(parts: PackParts) -> Pack:
    """The pack's pages, in the order the meeting goes through them."""
    sheet, fin = parts.sheet, parts.finance
    notes = parts.notes or {}
    sections: list[Section] = [
        cover_section(parts),
        card_section(parts.kpis, notes.get("kpis")),
    ]
    families = [f for f in sheet.shown if f != TOTAL]
    for fam in [*families, TOTAL]:
        sections.append(family_section(sheet, fam, parts.data.families.get(fam)))
    sections += [
        supply_section(sheet.strategy, parts.data),
        finance_section(fin),
        changes_section(parts, notes),
        exceptions_section(parts.kpis, parts.agenda),
    ]
    title = f"S&OP pack, cycle {sheet.cycle}"
    return Pack(
        company=parts.company,
        cycle=sheet.cycle,
        status=sheet.status,
        strategy=sheet.strategy,
        currency=sheet.currency,
        made_at=now(),
        subtitle=f"{title} ({sheet.status}, {sheet.strategy} plan, money in {sheet.currency})",
        sections=sections,
        left_out=dict(notes),
    )


@dataclass
class PackFile:
    """What :func:`write_pack` wrote."""

    path: Path
    format: str
    cycle: str
    status: str
    sections: int  # the cover, the card, one per family and the total, ...
    charts: int
    tables: int
    notes: list[str]  # the parts left out, and why

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "format": self.format,
            "cycle": self.cycle,
            "status": self.status,
            "sections": self.sections,
            "charts": self.charts,
            "tables": self.tables,
            "notes": self.notes,
        }


def write_pack(
    uow: UnitOfWork,
    actor: Actor,
    path: Path,
    fmt: str,
    *,
    cycle: str | None = None,
    version: str | None = None,
    scenarios: list[str] | None = None,
    levers: bool = True,
    today: date | None = None,
) -> PackFile:
    """Make the pack (:func:`executive_pack`) and write it to ``path`` as ``fmt`` (html,
    pdf or xlsx), atomically."""
    from snop.io.atomic import atomic_file
    from snop.report.html import render_html

    if fmt not in PACK_FORMATS:
        raise SnopError(f"pack format {fmt!r}: use one of {', '.join(PACK_FORMATS)}")
    if Path(path).is_dir():  # before the pack is made, not after
        raise SnopError(f"--out {path} is a folder; give a file name such as pack.{fmt}")
    if fmt == "pdf":  # no Chromium: say so before the pack is made
        from snop.report.pdf import require_chromium

        require_chromium()
    pack = executive_pack(
        uow, actor, cycle=cycle, version=version, scenarios=scenarios, levers=levers, today=today
    )
    if fmt == "xlsx":
        from snop.report.xlsx import write_xlsx

        write_xlsx(pack, path)
    elif fmt == "pdf":
        from snop.report.pdf import html_to_pdf

        html_to_pdf(render_html(pack), path)
    else:
        with atomic_file(path) as tmp:
            tmp.write_text(render_html(pack), encoding="utf-8")
    left_out = [f"{part}: {why}" for part, why in pack.left_out.items()]
    return PackFile(
        path,
        fmt,
        pack.cycle,
        pack.status,
        len(pack.sections),
        len(pack.charts()),
        len(pack.tables()),
        left_out,
    )


def write_sheet_page(
    uow: UnitOfWork,
    actor: Actor,
    path: Path,
    family: str | None = None,
    *,
    cycle: str | None = None,
    strategy: str | None = None,
    history: int = 3,
    scenario: str | None = None,
) -> Path:
    """The family S&OP sheet (``snop sheet``) as an HTML page with the pack's charts:
    one page per family shown (every family and the total when ``family`` is None)."""
    from snop.io.atomic import atomic_file
    from snop.report.html import render_html

    if Path(path).is_dir():
        raise SnopError(f"--html {path} is a folder; give a file name such as sheet.html")
    sheet = family_sheet(
        uow,
        actor,
        family,
        cycle=cycle,
        strategy=strategy,
        history=history,
        scenario=scenario,
    )
    shown = [f for f in sheet.shown if f != TOTAL]
    data = plan_data(uow, sheet.cycle, shown, strategy, scenario)
    plan = f"scenario {scenario}" if scenario else f"{sheet.strategy} plan"
    pack = Pack(
        company=_company(uow),
        cycle=sheet.cycle,
        status=sheet.status,
        strategy=sheet.strategy,
        currency=sheet.currency,
        made_at=now(),
        subtitle=f"S&OP sheet, cycle {sheet.cycle} ({sheet.status}, {plan}, money in "
        f"{sheet.currency})",
        sections=[family_section(sheet, f, data.families.get(f)) for f in sheet.shown],
    )
    with atomic_file(Path(path)) as tmp:
        tmp.write_text(render_html(pack), encoding="utf-8")
    return Path(path)
