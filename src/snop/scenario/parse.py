"""Deltas written as short text, as ``snop scenario create`` takes them, and from a CSV file.

A delta is ``KIND`` plus words in any order::

    demand     family=COOK 2027-03..2027-05 +20%      level=key, a period range, a change
    promotion  item=COOK-003 2027-04 +300 Spring sale  words left over are the note
    price      family=APPL 2027-01.. -5%              ``2027-01..``: from 2027-01 on
    capacity   N-PRESS 2027-01..2027-06 +160           a resource's hours
    shift      N-PRESS 2027-02.. +320
    workers    NORTH max =45                           max or min workers of a pool
    cost       family=COOK material_cost +5%           pool=NORTH regular_wage +3%
    subcontract APPL 2027-01..2027-03 =2000

A change is ``+N%``/``-N%`` (pct), ``+N``/``-N`` (delta) or ``=N`` (qty). A blank period
range means every period of the plan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from snop.errors import SnopError
from snop.model.schema import TABLES
from snop.scenario.deltas import OPEN_END, Delta

KINDS = TABLES["scenario_deltas"].column("kind").choices
PERIOD = re.compile(r"^(\d{4}-(?:\d{2}|Q\d|W\d{2}))?(\.\.)?(\d{4}-(?:\d{2}|Q\d|W\d{2}))?$")
CHANGE = re.compile(r"^([+-=])(\d+(?:\.\d+)?)(%?)$")
# the level a bare key means, per kind
BARE = {
    "capacity": "resource",
    "shift": "resource",
    "workers": "pool",
    "subcontract": "family",
    "demand": "item",
    "promotion": "item",
    "price": "item",
    "cost": "family",
}


def parse_delta(scenario: str, kind: str, text: str) -> Delta:
    """One delta from its words (see the module's docstring); SnopError saying what is
    wrong and what is valid."""
    if kind not in KINDS:
        raise SnopError(f"{kind!r} is not a kind of change; use one of {', '.join(KINDS)}")
    fields: dict[str, object] = {"scenario": scenario, "kind": kind}
    note = []
    for word in text.split():
        if not _take(fields, kind, word):
            note.append(word)
    if "key" not in fields:
        raise SnopError(f"{kind} {text!r}: name what changes (e.g. family=COOK or a resource)")
    if not any(k in fields for k in ("pct", "delta", "qty")):
        raise SnopError(f"{kind} {text!r}: give the change as +N%, -N%, +N, -N or =N")
    if note:
        fields["note"] = " ".join(note)
    return Delta(**fields)  # type: ignore[arg-type]


def _take(fields: dict[str, object], kind: str, word: str) -> bool:
    """Put ``word`` where it belongs in ``fields``; False when it is free text."""
    change = CHANGE.match(word)
    if change and not any(k in fields for k in ("pct", "delta", "qty")):
        sign, number, pct = change.groups()
        value = float(number) * (-1 if sign == "-" else 1)
        fields["pct" if pct else "qty" if sign == "=" else "delta"] = value
        return True
    period = PERIOD.match(word)
    if period and (period.group(1) or period.group(3)) and "period" not in fields:
        first, dots, last = period.groups()
        fields["period"] = first or last
        if dots and last:
            fields["to_period"] = last
        elif dots:
            fields["to_period"] = OPEN_END
        return True
    if "=" in word and "key" not in fields and not word.startswith("="):
        level, key = word.split("=", 1)
        fields["level"], fields["key"] = level, key
        return True
    if kind == "workers" and word in ("max", "min", "max_workers", "min_workers"):
        fields["column"] = word if word.endswith("_workers") else f"{word}_workers"
        return True
    if kind == "cost" and word.endswith(("_cost", "_wage")):
        fields["column"] = word
        return True
    if "key" not in fields:
        fields["level"], fields["key"] = BARE.get(kind, "item"), word
        return True
    return False


def deltas_from_words(
    scenario: str,
    changes: list[tuple[str, str]],
    strategy: str | None = None,
    integer_workforce: bool | None = None,
) -> list[Delta]:
    """The deltas of ``changes`` (kind, words) and, when given, of a strategy or workforce
    choice; SnopError when there is nothing to change."""
    rows = [parse_delta(scenario, kind, text) for kind, text in changes]
    if strategy is not None or integer_workforce is not None:
        flag = None if integer_workforce is None else ("yes" if integer_workforce else "no")
        rows.append(Delta(scenario, "strategy", strategy=strategy, integer_workforce=flag))
    if not rows:
        raise SnopError(f"scenario {scenario}: give at least one change")
    return rows


def deltas_from_lines(scenario: str, text: str, example: str = "") -> list[Delta]:
    """One delta per line of ``text``: its kind, then its words (``demand family=F1
    2027-01 +10%``); blank lines and ``#`` comments are skipped; an error names its line."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.strip()
        if not words or words.startswith("#"):
            continue
        kind, _, rest = words.partition(" ")
        try:
            out.append(parse_delta(scenario, kind.rstrip(":"), rest))
        except SnopError as e:
            raise SnopError(f"line {number}: {e}") from None
    if not out:
        shown = f" ({example})" if example else ""
        raise SnopError(f"give at least one change, one per line: KIND WORDS{shown}")
    return out


def deltas_from_file(path: Path, scenario: str) -> list[Delta]:
    """The deltas of a CSV file with ``scenario_deltas`` columns (its ``scenario`` column,
    if any, is replaced by ``scenario``)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise SnopError(f"{path}: cannot read it as CSV ({exc})") from None
    known = set(TABLES["scenario_deltas"].names)
    unknown = sorted(set(df.columns) - known)
    if unknown:
        raise SnopError(f"{path}: unknown column(s) {', '.join(unknown)}; the columns are "
                        + ", ".join(TABLES["scenario_deltas"].names))  # fmt: skip
    out = []
    for row, rec in enumerate(df.to_dict("records"), start=2):
        values: dict[str, object] = {str(k): (v if v != "" else None) for k, v in rec.items()}
        for num in ("pct", "delta", "qty"):
            if values.get(num) is not None:
                try:
                    values[num] = float(str(values[num]))
                except ValueError:
                    raise SnopError(
                        f"{path} row {row}, column {num}: {values[num]!r} is not a number"
                    ) from None
        values["scenario"] = scenario
        if values.get("kind") not in KINDS:
            raise SnopError(f"{path} row {row}, column kind: use one of {', '.join(KINDS)}")
        out.append(Delta(**values, row=row))  # type: ignore[arg-type]
    return out
