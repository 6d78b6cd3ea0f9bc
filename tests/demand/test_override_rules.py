"""One override rule set: the workbook validator and the demand review refuse the same
overrides, for the same reason (snop.demand.rules).

The small workbook (tests.workbooks) plans 2026-11..2027-04; B1 launches 2026-12, B2 ends
2027-03; the items attribute ``category`` takes ``small`` and ``large``; the layers are
sales (role sales), marketing (role marketing) and consensus (role demand_planner).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from snop.demand import config, rules
from snop.demand.config import DEFAULT_LAYERS
from snop.demand.replay import Hierarchy, Override, OverrideError, check_override
from snop.io import Problem, check_workbook
from snop.model.periods import parse_period
from snop.model.vocabulary import Level, OverrideKind
from tests.workbooks import write_small

HEADER = (
    "layer,level,key,period,to_period,qty,delta,pct,split,lock,author,role,reason,comment,event\n"
)


@dataclass(frozen=True)
class Row:
    """One override, written as a row of the overrides table or given to check_override."""

    layer: str = "sales"
    level: str = "item"
    key: str = "A1"
    period: str = "2026-12"
    to_period: str = ""
    kind: str = "qty"
    value: float = 150.0
    split: str = ""
    role: str = ""
    reason: str = "promo"
    author: str = ""
    comment: str = ""

    def line(self) -> str:
        amounts = [f"{self.value!r}" if self.kind == k else "" for k in ("qty", "delta", "pct")]
        cells = [self.layer, self.level, self.key, self.period, self.to_period, *amounts]
        cells += [self.split, "", self.author, self.role, self.reason, self.comment, ""]
        return ",".join(cells) + "\n"

    def override(self) -> Override:
        return Override(
            layer=self.layer,
            level=self.level,
            key=self.key,
            period=self.period,
            to_period=self.to_period or self.period,
            kind=self.kind,
            value=self.value,
            split=self.split or "proportional",
            author=self.author or "workbook",
            role=self.role,
            reason=self.reason,
            comment=self.comment or None,
        )


@pytest.fixture(scope="module")
def hierarchy(tmp_path_factory: pytest.TempPathFactory) -> Hierarchy:
    wb = check_workbook(write_small(tmp_path_factory.mktemp("wb"))).workbook
    assert wb is not None
    return Hierarchy.from_workbook(wb)


def validator_errors(folder: Path, rows: list[Row]) -> list[Problem]:
    text = HEADER + "".join(r.line() for r in rows)
    return check_workbook(write_small(folder, {"overrides": text})).errors


def review_error(h: Hierarchy, row: Row) -> str | None:
    try:
        check_override(h, DEFAULT_LAYERS, row.override())
    except OverrideError as exc:
        return str(exc)
    return None


# (override, column the validator names, the reason both give)
BAD: list[tuple[Row, str, str]] = [
    (
        Row(layer="statistical"),
        "layer",
        "the statistical layer is the forecast's baseline and is not edited; override sales, "
        "marketing or consensus",
    ),
    (
        Row(layer="sale"),
        "layer",
        "layer 'sale' does not exist (did you mean 'sales'?); the layers are sales, marketing, "
        "consensus",
    ),
    (
        Row(role="marketing"),
        "role",
        "role marketing may not edit layer sales (owned by role sales); give role sales or "
        "leave it blank",
    ),
    (
        Row(level="categroy", key="small"),
        "level",
        "level 'categroy' is not a level (did you mean 'category'?); use one of item, family, "
        "category, total",
    ),
    (Row(key="A7"), "key", "item 'A7' does not exist; known: A1, A2, B1, B2"),
    (Row(key="A1x"), "key", "item 'A1x' does not exist (did you mean 'A1'?)"),
    (Row(level="family", key="F3"), "key", "family 'F3' does not exist; known: F1, F2"),
    (Row(level="family", key=""), "key", "level family needs a key; known: F1, F2"),
    (Row(level="category", key="medium"), "key", "category 'medium' does not exist"),
    (Row(level="total", key="F1"), "key", "a total override has no key (got 'F1')"),
    (
        Row(period="2027-05"),
        "period",
        "period 2027-05 is outside the planning horizon 2026-11..2027-04",
    ),
    (
        Row(period="2027-01", to_period="2027-06"),
        "to_period",
        "to_period 2027-06 is outside the planning horizon 2026-11..2027-04",
    ),
    (
        Row(period="2027-02", to_period="2027-01"),
        "to_period",
        "the range ends (2027-01) before it starts (2027-02)",
    ),
    (Row(level="family", key="F1", split="propotional"), "split", "is not a split; use"),
    (
        Row(level="family", key="F1", split="layer:consensus"),
        "split",
        "split 'layer:consensus' splits by layer 'consensus', which is not a layer before 'sales'",
    ),
    (Row(value=-5), "qty", "qty -5 is negative; demand cannot be below zero"),
    (Row(value=1e300), "qty", "qty 1e+300 is beyond the largest value snop accepts"),
    (Row(kind="delta", value=-2e9), "delta", "delta -2e+09 is beyond the largest value"),
    (Row(kind="pct", value=-150), "pct", "pct -150 would make demand negative"),
    (Row(kind="pct", value=5000), "pct", "pct 5000 is beyond the largest percent change"),
    (
        Row(key="B1", period="2026-11", value=5),
        "period",
        "item B1 does not sell in 2026-11: it launches 2026-12, no demand before its launch",
    ),
    (
        Row(key="B2", period="2027-04", kind="delta", value=3),
        "period",
        "item B2 does not sell in 2027-04: it ends 2027-03, no demand after its end period",
    ),
    (
        Row(key="B2", period="2027-02", to_period="2027-04", kind="pct", value=5),
        "to_period",
        "item B2 does not sell in 2027-04: it ends 2027-03",
    ),
    # what the store cannot hold: the first pass of the validator says it for every text
    # column, with the same words (snop.model.limits.text_problem)
    (Row(author="x" * 201), "author", "is 201 characters long; at most 200 are allowed"),
    (Row(reason="r" * 300), "reason", "is 300 characters long; at most 200 are allowed"),
]


FIRST_PASS = ("author", "reason")  # typed by the validator's first pass (its own phrasing)


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Problem]]:
    """The validator's errors for every BAD row, by its index (one workbook: one run)."""
    rows = [_unique(r, n) for n, (r, _, _) in enumerate(BAD)]
    out: dict[int, list[Problem]] = {n: [] for n in range(len(rows))}
    for p in validator_errors(tmp_path_factory.mktemp("bad"), rows):
        assert p.row, p  # every refused row listed
        out[p.row - 2].append(p)
    return out


def _unique(row: Row, n: int) -> Row:
    """``row`` with a reason of its own (the table's key includes it), unless it is the test."""
    return row if row.reason != "promo" else Row(**{**row.__dict__, "reason": f"b{n}"})


@pytest.mark.parametrize("n", range(len(BAD)), ids=[b[2][:40] for b in BAD])
def test_both_doors_refuse_for_the_same_reason(
    validated: dict[int, list[Problem]], hierarchy: Hierarchy, n: int
) -> None:
    row, column, reason = BAD[n]
    errors = validated[n]
    assert [p.column for p in errors] == [column], errors
    said = review_error(hierarchy, _unique(row, n))
    assert said is not None, "the demand review accepted it"
    assert reason in errors[0].message
    assert reason in said
    if column not in FIRST_PASS:  # a shared rule's message: word for word the same
        assert errors[0].message == said


GOOD = [
    Row(),
    Row(level="total", key="", kind="delta", value=-20),
    Row(level="category", key="small", period="2026-12", to_period="2027-02", kind="pct", value=10),
    Row(level="family", key="F2", split="layer:statistical", kind="pct", value=-100),
    Row(layer="consensus", level="family", key="F1", split="layer:marketing", value=0),
    Row(key="B1", period="2026-11", to_period="2026-12", value=0),  # qty 0 before its launch
    Row(key="B2", period="2027-04", value=0),  # and after its end
    Row(layer="marketing", role="marketing", key="A2", kind="delta", value=-1e9),
]


def test_both_doors_accept_the_same(tmp_path: Path, hierarchy: Hierarchy) -> None:
    rows = [Row(**{**r.__dict__, "reason": f"r{n}"}) for n, r in enumerate(GOOD)]
    assert validator_errors(tmp_path / "wb", rows) == []
    assert [review_error(hierarchy, r) for r in rows] == [None] * len(rows)


# per field: (good values, bad values); keys are good for their level
GOOD_KEYS = {"item": ["A1", "A2", "B1", "B2"], "family": ["F1", "F2"], "category": ["small"]}
POOLS: dict[str, tuple[list[object], list[object]]] = {
    "layer": (["sales", "marketing", "consensus"], ["statistical", "finance", "Sales"]),
    "level": (["item", "family", "category", "total"], ["brand", "Item"]),
    "period": (["2026-11", "2026-12", "2027-03", "2027-04"], ["2026-10", "2027-05"]),
    "to_period": (["", "", "2027-04"], ["2026-11", "2027-01", "2027-06"]),
    "kind": (["qty", "delta", "pct"], []),
    "value": ([0.0, 5.0, 50.0], [-5.0, -100.0, -150.0, 2000.0, 2e9, -2e9]),
    "split": (["", "equal", "history", "layer:statistical"], ["random", "layer:sales"]),
    "role": (["", ""], ["sales", "marketing", "demand_planner"]),
}


def draw(rng: random.Random, n: int) -> Row:
    """A row whose each field is bad one time in eight."""
    pick = {
        f: rng.choice(bad if bad and rng.random() < 0.125 else good)
        for f, (good, bad) in POOLS.items()
    }
    keys = GOOD_KEYS.get(str(pick["level"]), [""])
    key = rng.choice(keys) if rng.random() < 0.875 else rng.choice(["A7", "F9", "medium", "", "F1"])
    return Row(**pick, key=key, reason=f"r{n}")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_overrides_get_one_verdict(tmp_path: Path, hierarchy: Hierarchy, seed: int) -> None:
    """Any mix of good and bad fields: the validator refuses exactly the rows the review
    refuses (one workbook of many rows: one validation)."""
    rng = random.Random(seed)
    rows = [draw(rng, n) for n in range(60)]
    errors = validator_errors(tmp_path / "wb", rows)
    assert all(p.row for p in errors), "each refused row is listed (fewer than MAX_LISTED)"
    refused_by_validator = {p.row - 2 for p in errors if p.row}
    refused_by_review = {n for n, r in enumerate(rows) if review_error(hierarchy, r)}
    assert 10 < len(refused_by_review) < 50  # both verdicts are well represented
    assert refused_by_validator == refused_by_review


def test_vocabulary_names_are_the_enum_members() -> None:
    # the short names other modules import are the members, equal to the stored strings
    assert (config.ITEM, config.FAMILY, config.TOTAL) == (Level.ITEM, Level.FAMILY, Level.TOTAL)
    assert config.ITEM is Level.ITEM and config.TOTAL == "total"
    assert config.KINDS == (OverrideKind.QTY, OverrideKind.DELTA, OverrideKind.PCT)
    assert config.UNLOCK is OverrideKind.UNLOCK and config.WITHDRAW == "withdraw"
    assert [k for k in OverrideKind if k.is_amount] == ["qty", "delta", "pct"]
    # a kind the review takes is a member; a withdrawal is not entered as an override
    assert rules.kind_error("unlock") is None
    assert rules.kind_error("withdraw") == (
        "'withdraw' is not a kind of override; use one of qty, delta, pct, unlock"
    )


def test_period_rules_by_hand() -> None:
    first, last = parse_period("2026-11"), parse_period("2027-04")
    assert rules.horizon_error("period", parse_period("2027-04"), first, last) is None
    # a quarter is never inside a monthly horizon, whatever its dates
    assert rules.horizon_error("--period", parse_period("2027-Q1"), first, last) == (
        "--period 2027-Q1 is outside the planning horizon 2026-11..2027-04 (first_period "
        "to first_period + horizon - 1)"
    )
    assert rules.range_error(first, first) is None
    # the first period an item does not sell in: B1 launches 2026-12, B2 ends 2027-03
    b1, b2_end = parse_period("2026-12"), parse_period("2027-03")
    assert rules.first_closed(first, last, b1, None) == first
    assert rules.first_closed(b1, last, b1, None) is None
    assert rules.first_closed(parse_period("2027-02"), last, None, b2_end) == last
    assert rules.first_closed(last, last, None, b2_end) == last
    assert rules.first_closed(first, parse_period("2027-03"), None, b2_end) is None
