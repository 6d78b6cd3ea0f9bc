"""One number parser for every input path: a dot-decimal number is read, a comma is refused
unless the user states the convention (``--decimal ,`` on ``snop forecast``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snop.io.numbers import NOT_A_NUMBER, NOT_FINITE, DecimalMark, parse_numbers
from tests.cli import snop

COMMA = DecimalMark.COMMA


def _one(cell: object, decimal: DecimalMark = DecimalMark.POINT) -> tuple[float, bool, str | None]:
    got = parse_numbers(pd.Series([cell], dtype=object), decimal)
    return float(got.values[0]), bool(got.blank[0]), got.problems[0]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("12", 12.0),
        ("-3.5", -3.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e6", 1e6),
        (" 7 ", 7.0),
        ("+2", 2.0),
        (2.25, 2.25),
        (np.float64(4.0), 4.0),
    ],
)
def test_dot_decimal_numbers_are_read(cell: object, value: float) -> None:
    assert _one(cell) == (value, False, None)


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("1,5", "has a decimal comma"),
        ("1,234", "is ambiguous"),
        ("1,234.5", "is ambiguous"),
        ("abc", NOT_A_NUMBER),
        ("1 234", NOT_A_NUMBER),
        ("1_000", NOT_A_NUMBER),
        ("0x10", NOT_A_NUMBER),
        ("1.2.3", NOT_A_NUMBER),
        ("inf", NOT_FINITE),
        ("1e400", NOT_FINITE),
        ("-1e400", NOT_FINITE),
        ("NaN", NOT_FINITE),
        (math.inf, NOT_FINITE),
    ],
)
def test_anything_else_is_refused_with_the_reason(cell: object, why: str) -> None:
    value, blank, problem = _one(cell)
    assert math.isnan(value) and not blank
    assert problem is not None and problem.startswith(why)


@pytest.mark.parametrize("cell", [None, "", "   ", math.nan])
def test_blanks_are_blank(cell: object) -> None:
    value, blank, problem = _one(cell)
    assert math.isnan(value) and blank and problem is None


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,5", 1.5),
        ("1234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234", 1234.0),
        ("1.234.567", 1234567.0),
        ("-0,25", -0.25),
        (",5", 0.5),
        ("12", 12.0),
        (3.5, 3.5),
    ],
)
def test_a_stated_decimal_comma_is_read(cell: object, value: float) -> None:
    assert _one(cell, COMMA) == (value, False, None)


@pytest.mark.parametrize("cell", ["1.5", "1.23", "1,2,3", "1.2345,6", "abc"])
def test_a_dot_that_cannot_group_thousands_is_refused_under_a_decimal_comma(cell: str) -> None:
    assert _one(cell, COMMA)[2] is not None


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@settings(max_examples=100, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20))
def test_written_numbers_read_back_exactly(xs: list[float]) -> None:
    """repr() of a float is read back to the same float; the same number written with a
    decimal comma and dot thousands is read back to within the digits written."""
    got = parse_numbers(pd.Series([repr(x) for x in xs], dtype=object))
    assert got.values.tolist() == xs and not any(got.problems)
    european = [f"{x:,.4f}".replace(",", " ").replace(".", ",").replace(" ", ".") for x in xs]
    back = parse_numbers(pd.Series(european, dtype=object), COMMA)
    assert not any(back.problems), european
    assert np.allclose(back.values, np.round(xs, 4), rtol=0, atol=1e-9 * (1 + np.abs(xs)))


def _file(folder: Path, name: str, rows: list[str], sep: str = ",") -> Path:
    path = folder / name
    path.write_text(
        "\n".join([sep.join(["item", "period", "qty"]), *rows]) + "\n", encoding="utf-8"
    )
    return path


def test_forecast_file_refuses_a_comma_and_reads_it_when_stated(tmp_path: Path) -> None:
    dot = _file(tmp_path, "dot.csv", [f"A,2024-{m:02d},{m}.5" for m in range(1, 8)])
    euro = _file(tmp_path, "euro.csv", [f"A;2024-{m:02d};{m},5" for m in range(1, 8)], ";")
    quoted = _file(tmp_path, "q.csv", [f'A,2024-{m:02d},"{m},5"' for m in range(1, 8)])
    r = snop("forecast", quoted, "--method", "naive", "--horizon", "2", "--json")
    assert r.exit_code == 1 and not r.traceback
    assert r.stderr.startswith("error: q.csv row 2, column qty: '1,5' has a decimal comma")
    assert "--decimal ," in r.stderr
    outs = []
    for f, extra in ((dot, ()), (euro, ("--decimal", ",")), (quoted, ("--decimal", ","))):
        out = tmp_path / f"{f.stem}.out.csv"
        r = snop("forecast", f, "--method", "naive", "--horizon", "2", "--out", out, *extra)
        assert r.exit_code == 0, r.stderr
        outs.append(pd.read_csv(out))
    # naive: the last value, 7.5, in both future periods, whichever way it was written
    assert outs[0]["forecast"].tolist() == [7.5, 7.5]
    for o in outs[1:]:
        pd.testing.assert_frame_equal(o, outs[0])


def test_forecast_file_refuses_a_thousands_comma_and_huge_numbers(tmp_path: Path) -> None:
    thousands = _file(tmp_path, "t.csv", ["A,2024-01,5", 'A,2024-02,"1,234"'])
    r = snop("forecast", thousands, "--json")
    assert r.exit_code == 1 and "t.csv row 3, column qty: '1,234' is ambiguous" in r.stderr
    huge = _file(tmp_path, "h.csv", ["A,2024-01,5", "A,2024-02,1e308"])
    r = snop("forecast", huge, "--json")
    assert r.exit_code == 1 and not r.traceback
    assert "h.csv row 3, column qty: 1e+308 is beyond the largest value" in r.stderr


def test_forecast_options_and_paths_are_one_line_errors(tmp_path: Path) -> None:
    sales = _file(tmp_path, "s.csv", [f"A,2024-{m:02d},{m}" for m in range(1, 8)])
    r = snop("forecast", sales, "--freq", "X", "--json")
    assert r.exit_code == 1 and not r.traceback
    assert r.stderr == (
        "error: --freq 'X' is not a frequency; valid: M (months), Q (quarters), W (ISO weeks)\n"
    )
    r = snop("forecast", tmp_path, "--json")
    assert r.exit_code == 1 and not r.traceback
    assert r.stderr == f"error: {tmp_path}: is a folder; give the sales CSV file\n"
    r = snop("forecast", sales, "--decimal", ";", "--json")
    assert r.exit_code == 1 and "--decimal ';' is not a decimal mark; valid: '.'" in r.stderr
