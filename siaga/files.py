"""Every file siaga writes is written whole or not at all: to a temporary name in the same folder, flushed, then
renamed over the target (``os.replace`` is atomic on one filesystem), so a reader never sees half a report and a
crash, a full disk or Ctrl-C leaves the old file (or nothing) in place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _temp_beside(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(name, 0o644 & ~_umask())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Replaces ``path`` with ``data`` (text as UTF-8) in one rename; the folder must exist."""
    path = Path(path)
    tmp = _temp_beside(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def create_exclusive(path: str | Path, data: str | bytes) -> Path:
    """Creates ``path`` with ``data`` only if nothing is there, atomically: the whole file is written under a
    temporary name and hard-linked to ``path`` (``link`` fails if ``path`` exists), so of several concurrent
    writers exactly one wins and no one ever sees a partial file. Raises FileExistsError otherwise."""
    path = Path(path)
    tmp = _temp_beside(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return path
