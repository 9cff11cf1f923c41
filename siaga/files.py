"""Every file siaga writes goes through :func:`write_output`, which does what the target can take:

- a regular file (or nothing yet, or a link to either) is written whole or not at all: to a temporary name in
  the same folder, flushed and fsync'd, then renamed over the target (``rename(2)`` is atomic on one
  filesystem), so a reader never sees half a report and a crash, a full disk or Ctrl-C leaves the old file (or
  nothing) in place. A link is followed: the file it points to is replaced, the link stays a link;
- anything else that exists (a character or block device such as ``/dev/full`` or a terminal, a FIFO, a link
  to one) is written in place, as a shell's ``>`` would: renaming a file over it would replace the device
  (as root, ``-o /dev/stdout`` would turn ``/dev/stdout`` into a regular file for every later step of a CI job);
- ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` and ``/proc/self/fd/N`` are siaga's own open descriptors:
  written through that descriptor (its offset, its order with what siaga prints), whatever it is open on;
- a directory or a socket is refused.

Every failure (ENOSPC, EIO, EPIPE, EACCES...) is an :class:`OutputError` (an ``OSError`` whose ``strerror``
says what happened, for a one-line message); nothing partial is left behind where that can be avoided."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from pathlib import Path


class OutputError(OSError):
    """A write that did not complete: ``str()`` is one line naming the target and the reason."""

    def __init__(self, path: str | Path, reason: str, code: int = 0) -> None:
        super().__init__(code or errno.EIO, reason)
        self.path = str(path)

    def __str__(self) -> str:
        return f"{self.path}: cannot write ({self.strerror})"


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


_OWN_FD = re.compile(r"^/(?:dev/(?:fd/(?P<fd>\d+)|std(?P<std>out|err))|proc/(?:self|thread-self|(?P<pid>\d+))/fd/"
                     r"(?P<pfd>\d+))$")


def _own_fd(path: Path) -> int | None:
    """The descriptor ``path`` names when it is one of siaga's own (``/dev/stdout``...), else None."""
    m = _OWN_FD.match(os.path.normpath(os.path.abspath(path)))
    if not m or (m.group("pid") and int(m.group("pid")) != os.getpid()):
        return None
    if m.group("std"):
        return 1 if m.group("std") == "out" else 2
    return int(m.group("fd") or m.group("pfd"))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _in_place(path: Path, data: bytes) -> None:
    """A device or FIFO: opened for writing (a FIFO waits for its reader, as a shell would) and written."""
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
        with contextlib.suppress(OSError):  # devices and pipes may not support fsync (EINVAL): nothing to sync
            os.fsync(fd)
    finally:
        os.close(fd)


def _replace(path: Path, data: bytes) -> None:
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_output(path: str | Path, data: str | bytes) -> Path:
    """Writes ``data`` (text as UTF-8) to ``path`` as the module docstring says; the folder must exist.
    Raises :class:`OutputError` with one line's worth of reason."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        own = _own_fd(path)
        if own is not None:
            if own in (1, 2):
                for stream in (sys.stdout, sys.stderr):  # what siaga printed before comes first
                    with contextlib.suppress(OSError, ValueError, AttributeError):
                        stream.flush()
            _write_all(own, payload)
            return path
        try:
            st = os.stat(path)  # follows links: what the name leads to
        except FileNotFoundError:
            st = None
        if st is None or stat.S_ISREG(st.st_mode):
            _replace(Path(os.path.realpath(path)), payload)
        elif stat.S_ISDIR(st.st_mode):
            raise OutputError(path, "it is a directory", errno.EISDIR)
        elif stat.S_ISSOCK(st.st_mode):
            raise OutputError(path, "it is a socket: give a file, a FIFO or a device", errno.ENXIO)
        else:
            _in_place(path, payload)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc), exc.errno or 0) from exc
    return path


write_atomic = write_output
"""The earlier name: regular files are still replaced atomically; devices and FIFOs are now written in place."""


def create_exclusive(path: str | Path, data: str | bytes) -> Path:
    """Creates ``path`` with ``data`` only if nothing is there, atomically: the whole file is written under a
    temporary name and hard-linked to ``path`` (``link`` fails if ``path`` exists, even as a dangling link), so
    of several concurrent writers exactly one wins and no one ever sees a partial file. Raises FileExistsError
    otherwise."""
    path = Path(path)
    tmp = _temp_beside(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return path
