"""The audit trail: who changed what, when, and the value before and after.

Every service that changes the store appends an entry in the same transaction as the
change (``tx.cycles.audit``); nothing ever updates or deletes one. This module reads it
back, filtered and a page at a time, and writes it as CSV for a spreadsheet or an auditor.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from snop.errors import SnopError
from snop.model.limits import text_problem
from snop.model.periods import PeriodError, parse_period
from snop.services.context import Actor, UnitOfWork

MAX_PAGE = 100_000  # the CSV export's ceiling: far more than any cycle's changes
CSV_COLUMNS = ("id", "at", "actor", "action", "cycle", "detail")


@dataclass
class AuditPage:
    """The entries of one page of the trail, oldest first, and how many match in all."""

    entries: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


def audit_log(
    uow: UnitOfWork,
    actor: Actor,
    *,
    actor_name: str | None = None,
    action: str | None = None,
    cycle: str | None = None,
    since: str | None = None,
    until: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> AuditPage:
    """The audit entries by ``actor_name`` (who acted), ``action`` and ``cycle``, from
    ``since`` up to ``until`` (dates or ISO 8601 times, UTC unless they say; a date as
    ``until`` includes its whole day), ``limit`` of them from ``offset``."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise SnopError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE:,}")
    for name, text in (("actor", actor_name), ("action", action)):
        problem = None if text is None else text_problem(text, key=True)
        if problem:
            raise SnopError(f"{name} {problem}")
    label = None
    if cycle is not None:
        try:
            label = parse_period(cycle).label
        except PeriodError as e:
            raise SnopError(f"cycle: {e}") from None
    start = None if since is None else _stamp(since, "since")[0]
    end = None if until is None else _stamp(until, "until")[1]
    with uow.read() as tx:
        rows, total = tx.cycles.audit_entries(
            actor=actor_name,
            action=action,
            cycle=label,
            since=start,
            before=end,
            offset=offset,
            limit=limit,
        )
    return AuditPage(rows, total, offset, limit)


def _stamp(text: str, name: str) -> tuple[str, str]:
    """``text`` as the stored form of the first moment it names, and of the moment just
    after it ends (a date: its day; a time: its second)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            first = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return _iso(first), _iso(first + timedelta(days=1))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SnopError(
            f"{name} {text!r} is not a date or time; write 2026-11-30 or 2026-11-30T08:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return _iso(moment), _iso(moment + timedelta(seconds=1))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")  # the form services.context.now() stores


def audit_csv(page: AuditPage) -> str:
    """The entries as CSV: one row each, the detail as its JSON text."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in page.entries:
        detail = json.dumps(e["detail"], ensure_ascii=False, sort_keys=True)
        cells = [e["at"], e["actor"], e["action"], e["cycle"] or "", detail]
        w.writerow([e["id"], *(_inert(str(c)) for c in cells)])
    return out.getvalue()


def _inert(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (a user named
    ``=HYPERLINK(...)`` stays a name)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


VIEW_LIMIT = 500  # rows a page shows; narrow the filters (or export the trail) for more


@dataclass
class AuditView:
    """The trail as a reader filters it on a page: newest first, with the values each
    filter can take."""

    rows: list[dict[str, Any]]  # id, at, actor, action, cycle, detail; newest first
    total: int  # rows matching the filters (``rows`` holds at most the limit of them)
    users: list[str]
    actions: list[str]
    cycles: list[str]


def audit_view(
    uow: UnitOfWork,
    actor: Actor,
    *,
    user: str | None = None,
    action: str | None = None,
    cycle: str | None = None,
    limit: int = VIEW_LIMIT,
) -> AuditView:
    """The trail's newest entries matching every filter given (blank: any), filtered by
    the store like :func:`audit_log`'s."""
    with uow.read() as tx:
        rows, total = tx.cycles.audit_entries(
            actor=user or None,
            action=action or None,
            cycle=cycle or None,
            limit=limit,
            newest_first=True,
        )
        users, actions, cycles = tx.cycles.audit_choices()
    return AuditView(rows, total, users, actions, cycles)
