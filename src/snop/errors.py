"""Errors a user can cause. The CLI prints them without a traceback and exits non-zero."""

from __future__ import annotations

import errno
from collections.abc import Callable


class SnopError(Exception):
    """A user-facing error: its message says what is wrong and what would be valid."""


class NotFoundError(SnopError):
    """Something the user named (a file, a cycle, a version) does not exist."""


class NotAllowed(SnopError):
    """An actor doing what none of its roles may do (edit another role's layer, sign off
    another role's step, approve without the approver's role)."""


class ConflictError(SnopError):
    """Someone else changed the same thing first (a race lost); nothing was changed."""


class StaleValue(ConflictError):
    """A change made on a value that has changed since it was read (another planner edited
    the same cells): ``current`` is the value now, ``expected`` the one the change saw."""

    def __init__(self, message: str, current: float, expected: float) -> None:
        super().__init__(message)
        self.current, self.expected = current, expected


# Layers that know a foreign exception (the store knows its driver's errors) register a
# function that turns it into a message, or None when it is not theirs to explain.
Translator = Callable[[BaseException], str | None]
_TRANSLATORS: list[Translator] = []


def register_translator(fn: Translator) -> Translator:
    """Add ``fn`` to the functions :func:`user_message` asks (idempotent)."""
    if fn not in _TRANSLATORS:
        _TRANSLATORS.append(fn)
    return fn


def _os_message(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"disk full{where and ' writing' + where}: nothing was changed"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write{where}: permission denied"
    if exc.errno == errno.ENOENT:
        return f"{where.strip() or 'a path'} does not exist"
    if exc.errno == errno.EISDIR:
        return f"{where.strip()} is a folder; give a file name"
    if exc.errno == errno.ENOTDIR:
        return f"{where.strip()}: a part of the path is a file, not a folder"
    return f"{exc.strerror or exc}{where and ':' + where}"


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an error the user caused or the machine ran into, or None
    for a bug (which keeps its traceback)."""
    if isinstance(exc, SnopError):
        return str(exc)
    for fn in _TRANSLATORS:
        msg = fn(exc)
        if msg is not None:
            return msg
    if isinstance(exc, OSError):
        return _os_message(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: nothing was changed; try a smaller input"
    return None
