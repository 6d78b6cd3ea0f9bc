"""Errors a user can cause. The CLI prints them without a traceback and exits non-zero."""

from __future__ import annotations


class SnopError(Exception):
    """A user-facing error: its message says what is wrong and what would be valid."""


class NotFoundError(SnopError):
    """Something the user named (a file, a cycle, a version) does not exist."""
