"""Write files so that a failure halfway (disk full, no permission, a kill) leaves the old
files intact: everything is written under a temporary name in the destination folder first,
flushed to disk, and only then renamed over the old files.

A rename within one folder is atomic (``os.replace``), so a reader sees either the old file
or the new one, never a partial one. For a set of files, every new file is complete before
the first rename; the renames themselves cannot run out of space.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from snop.errors import SnopError

# Writes one file at the path it is given (a temporary name; the suffix is the final one's).
FileWriter = Callable[[Path], None]

_PREFIX = ".snop-tmp-"


@dataclass
class Written:
    """What a write changed: the files written and the old files it removed."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _folder(dest: Path, target: Path) -> None:
    """Create the folder ``dest`` that ``target`` is written into."""
    for folder in (dest, *dest.parents):
        if folder.exists():
            if not folder.is_dir():
                raise SnopError(f"cannot write {target}: {folder} is a file, not a folder")
            break
    dest.mkdir(parents=True, exist_ok=True)


def _failed(target: Path, exc: OSError) -> SnopError:
    """The message for a write to ``target`` the machine refused (naming ``target``, not the
    temporary name the error carries)."""
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied"
    else:
        why = exc.strerror or str(exc)
    return SnopError(f"cannot write {target}: {why}; nothing was changed there")


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block ends without an error the
    temporary file replaces ``path`` in one rename, otherwise it is removed and ``path`` is
    left as it was.

    >>> with atomic_file(Path("out.xlsx")) as tmp:  # doctest: +SKIP
    ...     book.save(tmp)
    """
    path = Path(path)
    if path.is_dir():
        raise SnopError(f"{path} is a folder; give a file name")
    try:
        _folder(path.parent, path)
        fd, name = tempfile.mkstemp(
            prefix=f"{_PREFIX}{path.stem}-", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise _failed(path, exc) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _fsync(tmp)
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise _failed(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def _mode(path: Path) -> int:
    """The permissions a written file gets: the old file's, else those of a new file
    (read and write for all, less the umask), not the temporary file's owner-only ones."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def replace_folder_files(
    dest: Path, files: Mapping[str, FileWriter], remove: Iterable[str] = ()
) -> Written:
    """Write ``files`` (file name -> writer) into the folder ``dest`` all or nothing, then
    delete the files named in ``remove`` that are not among them (old outputs of the same
    kind that would be stale now). Nothing else in ``dest`` is touched.

    Every file is written in a temporary folder inside ``dest`` first; only when all are
    written are they renamed into place, so a failure leaves ``dest`` as it was.
    """
    dest = Path(dest)
    try:
        _folder(dest, dest)
        staging = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=dest))
    except OSError as exc:
        raise _failed(dest, exc) from None
    try:
        for name, write in files.items():
            tmp = staging / name
            write(tmp)
            _fsync(tmp)
        result = Written()
        for name in files:
            os.replace(staging / name, dest / name)
            result.written.append(dest / name)
        for name in remove:
            old = dest / name
            if name not in files and old.is_file():
                old.unlink()
                result.removed.append(old)
        return result
    except OSError as exc:
        raise _failed(dest, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
