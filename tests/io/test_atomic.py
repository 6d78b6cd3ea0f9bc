"""Files written atomically get the permissions of a file the user saves, not the
temporary file's owner-only ones (a pack on a shared drive is read by others)."""

from __future__ import annotations

import os
from pathlib import Path

from snop.io.atomic import atomic_file


def test_a_new_file_gets_the_umask_permissions_and_an_old_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    mask = os.umask(0o022)
    try:
        new = tmp_path / "pack.html"
        with atomic_file(new) as tmp:
            tmp.write_text("a", encoding="utf-8")
        assert new.stat().st_mode & 0o777 == 0o644
        new.chmod(0o600)
        with atomic_file(new) as tmp:
            tmp.write_text("b", encoding="utf-8")
        assert new.stat().st_mode & 0o777 == 0o600 and new.read_text() == "b"
    finally:
        os.umask(mask)
    assert [p.name for p in tmp_path.iterdir()] == ["pack.html"]  # no temporary left
