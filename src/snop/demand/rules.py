"""The rules an override of the demand plan must follow, each written once.

Every door an override comes in by uses these: the demand review (``check_override``, for
the CLI and the API) and the workbook validator (the ``overrides`` table). Each rule is a
pure function that returns the message the user reads, naming the value and what is valid,
or None when the rule holds; the validator adds the file, row and column to it. So an
override is never accepted by one door and refused by the other, and both give one reason.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping, Sequence

from snop.demand.config import (
    KINDS,
    LAYER_SPLIT,
    MAX_PCT,
    MIN_PCT,
    SPLITS,
    STATISTICAL,
    Layer,
)
from snop.model.limits import quantity_problem, text_problem
from snop.model.periods import Period
from snop.model.schema import OVERRIDES
from snop.model.vocabulary import Level, OverrideKind

# the free-text fields of an override, checked against what the store can hold
TEXT_FIELDS = ("author", "role", "reason", "comment", "event")
SHOWN_KEYS = 8  # an unknown key's message lists this many known keys


def _suggest(name: str, options: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def is_statistical(layer: str) -> bool:
    """``layer`` names the statistical baseline (in any case, with any spaces around)."""
    return layer.strip().lower() == STATISTICAL


def layer_error(layer: str, layers: Sequence[Layer]) -> str | None:
    """Why an override may not change ``layer``: the baseline is not edited, and only the
    plan's layers exist."""
    names = [lay.name for lay in layers]
    if is_statistical(layer):
        return (
            "the statistical layer is the forecast's baseline and is not edited; "
            f"override {_or(names)}"
        )
    if layer in names:
        return None
    return f"layer {layer!r} does not exist{_suggest(layer, names)}; the layers are " + ", ".join(
        names
    )


def role_error(layer: str, role: str, layers: Sequence[Layer]) -> str | None:
    """Why ``role`` may not edit ``layer``: each layer is edited by the role that owns it
    (a blank role stands for the owner). An unknown layer is layer_error's to report."""
    owner = next((lay.role for lay in layers if lay.name == layer), None)
    if not role or owner is None or role == owner:
        return None
    return (
        f"role {role} may not edit layer {layer} (owned by role {owner}); give role "
        f"{owner} or leave it blank"
    )


def kind_error(kind: str) -> str | None:
    """Why ``kind`` is not a kind of override one may enter (a withdrawal is entered by
    deleting an override, not as one)."""
    valid = (*KINDS, OverrideKind.UNLOCK)
    if kind in valid:
        return None
    return f"{kind!r} is not a kind of override; use one of " + ", ".join(valid)


def amount_problem(kind: str, value: float) -> str | None:
    """Why ``value`` is not an amount an override of ``kind`` may have, or None.

    Quantities and changes in units are bounded by MAX_QUANTITY (what the store and the
    supply LP can hold), a new quantity is not negative, a percent change lies in
    MIN_PCT..MAX_PCT. The message says what is wrong, without naming the value.
    """
    if math.isnan(value) or math.isinf(value):
        return "is not a finite number"
    if kind == OverrideKind.PCT:
        if value < MIN_PCT:
            return f"would make demand negative; a percent change is at least {MIN_PCT:g}"
        if value > MAX_PCT:
            return (
                f"is beyond the largest percent change snop accepts ({MAX_PCT:+,.0f}); "
                "give a new quantity (qty) instead"
            )
        return None
    if kind == OverrideKind.QTY and value < 0:
        return "is negative; demand cannot be below zero"
    return quantity_problem(value)


def amount_error(kind: str, value: float) -> str | None:
    """amount_problem, naming the kind and the value (``qty -5 is negative; ...``)."""
    if kind == OverrideKind.UNLOCK:
        return None  # an unlock changes no value
    problem = amount_problem(kind, value)
    return None if problem is None else f"{kind} {value:g} {problem}"


def level_error(level: str, levels: Sequence[str]) -> str | None:
    """Why ``level`` is not a level: item, family, total or an items attribute column."""
    if level in levels:
        return None
    return f"level {level!r} is not a level{_suggest(level, levels)}; use one of " + ", ".join(
        levels
    )


def key_error(level: str, key: str, known: Collection[str]) -> str | None:
    """Why ``key`` does not name a node of ``level``: a total override has no key (blank,
    or ``total`` as the plan's views write it); any other level needs one of its ``known``
    keys (the items, the families, the values an attribute column takes)."""
    if level == Level.TOTAL:
        if key in ("", Level.TOTAL):
            return None
        return (
            f"a total override has no key (got {key!r}): it changes the whole company's "
            "demand; leave key blank, or give level item, family or an attribute to "
            "change part of it"
        )
    if key and key in known and text_problem(key, key=True) is None:
        return None
    shown = sorted(known)
    listed = ", ".join(shown[:SHOWN_KEYS]) + (", ..." if len(shown) > SHOWN_KEYS else "")
    if not key:
        return f"level {level} needs a key; known: {listed}"
    problem = text_problem(key, key=True)
    if problem:
        return f"key {problem}"
    return f"{level} {key!r} does not exist{_suggest(key, shown)}; known: {listed}"


def horizon_error(what: str, period: Period, first: Period, last: Period) -> str | None:
    """Why ``period`` (of the option or column ``what``) may not be changed: overrides
    change the periods of the planning horizon only."""
    if period.granularity is first.granularity and first <= period <= last:
        return None
    return (
        f"{what} {period} is outside the planning horizon {first}..{last} (first_period "
        "to first_period + horizon - 1)"
    )


def range_error(period: Period, to_period: Period) -> str | None:
    """Why ``period..to_period`` is not a range: it must run forwards."""
    if to_period >= period:
        return None
    return (
        f"the range ends ({to_period}) before it starts ({period}); a range runs from "
        "period to to_period (leave to_period blank for one period)"
    )


def split_error(split: str, layer: str, layers: Sequence[Layer]) -> str | None:
    """Why ``split`` is not a valid split for an override of ``layer``; None when it is.

    ``layer:NAME`` may name the statistical layer or a layer before ``layer`` (a later layer
    does not exist yet when this one is computed).
    """
    if split in SPLITS:
        return None
    if split.startswith(LAYER_SPLIT):
        other = split[len(LAYER_SPLIT) :]
        names = [STATISTICAL, *(lay.name for lay in layers)]
        before = names[: names.index(layer)] if layer in names else names
        if other in before:
            return None
        return (
            f"split {split!r} splits by layer {other!r}, which is not a layer before "
            f"{layer!r}; use one of " + ", ".join(LAYER_SPLIT + n for n in before)
        )
    return (
        f"split {split!r} is not a split; use "
        + ", ".join(SPLITS)
        + " or layer:NAME (e.g. layer:statistical)"
    )


def reason_error(reason: str) -> str | None:
    """Why an override with ``reason`` is not taken: every change needs a reason code."""
    if reason.strip():
        return None
    return "reason is blank; an override needs a reason code (promo, customer, price...)"


def text_error(fields: Mapping[str, str | None]) -> str | None:
    """Why one of the text ``fields`` (name -> text) cannot be stored (too long, a control
    character such as NUL), naming the field; None when all can. A field is a code or free
    text as the workbook's overrides table says (author, role, reason and event are codes,
    the comment is free text), whichever door the override comes in by."""
    for name, value in fields.items():
        problem = text_problem(value, key=OVERRIDES.column(name).is_code) if value else None
        if problem:
            return f"{name} {problem}"
    return None


def changes_demand(kind: str, value: float) -> bool:
    """An override that could put demand where an item does not sell: anything but a new
    quantity of 0 or an unlock (those are allowed before a launch and after an end)."""
    return not (kind in (OverrideKind.QTY, OverrideKind.UNLOCK) and value == 0)


def first_closed(
    start: Period, last: Period, launch: Period | None, end: Period | None
) -> Period | None:
    """The first period of ``start..last`` an item with this launch and end period does
    not sell in, or None when it sells in all of them."""
    if launch is not None and start < launch:
        return start
    if end is not None and last > end:
        return max(start, end + 1)
    return None


def selling_error(item: str, period: Period, launch: Period | None, end: Period | None) -> str:
    """The message for a change of ``item`` in ``period``, a period it does not sell in
    (before its ``launch`` or after its ``end`` period; both None when not known)."""
    if launch is not None and period < launch:
        return (
            f"item {item} does not sell in {period}: it launches {launch}, no demand before "
            f"its launch period; start the change at {launch} or later (before it only qty 0)"
        )
    if end is not None and period > end:
        return (
            f"item {item} does not sell in {period}: it ends {end}, no demand after its end "
            f"period; change periods up to {end} only (after it only qty 0)"
        )
    return (
        f"item {item} does not sell in {period} (outside its launch_period..end_period); "
        "no demand there (only qty 0)"
    )
