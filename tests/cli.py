"""Run ``snop`` in-process, as a user would from the shell, and read what it printed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from snop.cli.main import app, command

command()  # registers every sub-command on ``app``
_COMMAND = app


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self) -> Any:
        """stdout parsed as JSON (fails the test when it is not pure JSON)."""
        return json.loads(self.stdout)

    @property
    def traceback(self) -> bool:
        """True when the command died of an exception that is not a deliberate exit."""
        return self.exception is not None and not isinstance(self.exception, SystemExit)


def snop(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Run:
    """Run ``snop ARGS`` in this process (in ``cwd`` when given) and capture its output."""
    runner = CliRunner()
    argv = [str(a) for a in args]
    if cwd is None:
        res = runner.invoke(_COMMAND, argv, env=env, input=input, catch_exceptions=True)
    else:
        import os

        old = Path.cwd()
        os.chdir(cwd)
        try:
            res = runner.invoke(_COMMAND, argv, env=env, input=input, catch_exceptions=True)
        finally:
            os.chdir(old)
    return Run(res.exit_code, res.stdout, res.stderr, res.exception)
