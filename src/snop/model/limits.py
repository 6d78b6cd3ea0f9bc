"""What the store can hold, the same on SQLite and PostgreSQL, checked before anything is written.

Every input path (workbook validation, override commands, scenario deltas, the API) checks
values against these limits, so a value one backend would take and the other refuse is
refused everywhere with the same message.
"""

from __future__ import annotations

import math
import re

# Codes (items, families, resources, pools, periods, layer and event names) are stored as
# VARCHAR(MAX_KEY_LENGTH) keys; longer text columns (descriptions, reasons, comments) as TEXT.
MAX_KEY_LENGTH = 200
MAX_TEXT_LENGTH = 10_000
# Row ids (decisions, tokens...) are 64-bit signed integers in every store.
MAX_ID = 2**63 - 1

# No real plan holds a cell of a billion units or a price of a trillion: past these, a value is
# a typing mistake, and the LP cannot hold the numbers it would produce anyway.
MAX_QUANTITY = 1e9
MAX_AMOUNT = 1e12

# NUL and the other C0 control characters (except tab, newline and carriage return in free
# text) are refused: PostgreSQL cannot store NUL in text, and none of them prints.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_KEY = re.compile(r"[\x00-\x1f\x7f]")


def text_problem(value: str, *, key: bool) -> str | None:
    """Why ``value`` cannot be stored (as a code when ``key``, else as free text), or None."""
    limit = MAX_KEY_LENGTH if key else MAX_TEXT_LENGTH
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are allowed"
    if (_CONTROL_IN_KEY if key else _CONTROL).search(value):
        return "contains a control character (such as NUL); remove it"
    return None


def quantity_problem(value: float, *, limit: float = MAX_QUANTITY) -> str | None:
    """Why ``value`` is not a plannable number (NaN, infinite or beyond ``limit``), or None."""
    if math.isnan(value) or math.isinf(value):
        return "is not a finite number"
    if abs(value) > limit:
        return f"is beyond the largest value snop accepts ({limit:,.0f})"
    return None
