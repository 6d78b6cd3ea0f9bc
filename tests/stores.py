"""Stores built once per test process and copied: the same services, the same rows.

On SQLite a store is one file, so a test that needs, say, the small workbook imported and
its first cycle approved gets a copy of a store built that way once, instead of building it
again. On PostgreSQL the store is built in the test's own database every time.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from snop.store.uow import UnitOfWork

Build = Callable[[UnitOfWork, Path], None]
_BUILT: dict[str, Path] = {}


def built_store(url: str, tmp_path: Path, name: str, build: Build) -> UnitOfWork:
    """The store at ``url`` after ``build(uow, folder)`` (``name`` tells the builds apart;
    ``folder`` is where the build may write its files)."""
    target = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if target is None or target.exists():
        uow = UnitOfWork.open(url)
        build(uow, tmp_path)
        return uow
    if name not in _BUILT:
        folder = Path(tempfile.mkdtemp(prefix=f"snop-{name}-"))
        uow = UnitOfWork.open(str(folder / "store.db"))
        build(uow, folder)
        uow.dispose()  # closes the connections: the file holds everything
        _BUILT[name] = folder / "store.db"
    shutil.copyfile(_BUILT[name], target)
    return UnitOfWork.open(url)
