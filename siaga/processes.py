"""No process outlives a siaga run, whatever it does and however siaga ends.

Every child siaga starts (the program, the policy pack servers, install steps, the declarations probe, the
``aws``/``kubectl``/``pulumi`` calls of verify and drill) is started by :func:`spawn` under
``siaga/supervise.py``: a child subreaper in a session of its own that ends the child's whole tree (``setsid``
daemons and double forks included) when the child exits, when it is told to, or when siaga is gone (a pipe only
siaga holds reaches end-of-file, even after ``kill -9``). Siaga ends a child with :func:`kill_group` (the
supervisor's tree stopped, then killed), and at exit (normal, an error, Ctrl-C, SIGTERM) ends every tracked
child and anything else below it: siaga is itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``), so an
orphan of a dead supervisor comes back to it rather than to init."""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from siaga.supervise import PR_SET_CHILD_SUBREAPER, _prctl, descendants, kill_tree

SUPERVISOR = Path(__file__).resolve().parent / "supervise.py"

_live: dict[int, subprocess.Popen] = {}
_lock = threading.Lock()
_watch: list[int] = []
"""The read end of the watch pipe (every supervisor gets it); the write end stays open in siaga only."""


def _watch_fd() -> int:
    with _lock:
        if not _watch:
            r, w = os.pipe()  # both ends non-inheritable: a child gets the read end only through pass_fds
            _watch.extend([r, w])
        return _watch[0]


def track(proc: subprocess.Popen) -> subprocess.Popen:
    """``proc`` must have been started with ``start_new_session=True`` (its pid is its group id)."""
    with _lock:
        _live[proc.pid] = proc
    return proc


def spawn(argv: Sequence[str], **popen: Any) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen)`` under the supervisor, in a session of its own, tracked. The returned
    Popen's ``returncode`` is ``argv``'s (the supervisor exits with it); its ``pid`` is the supervisor's."""
    watch = _watch_fd()
    popen["pass_fds"] = tuple(popen.get("pass_fds", ())) + (watch,)
    popen["start_new_session"] = True
    if not argv:
        raise ValueError("nothing to run")
    env = popen.get("env")
    found = shutil.which(argv[0], path=(env if env is not None else os.environ).get("PATH", os.defpath))
    if found is None or ("/" in argv[0] and not os.access(argv[0], os.X_OK)):
        # what Popen would raise for ARGV itself (the supervisor would start and then fail to exec it)
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), argv[0])
    cmd = [sys.executable, "-I", "-S", str(SUPERVISOR), str(watch), "--", *argv]
    return track(subprocess.Popen(cmd, **popen))  # noqa: S603 - an argv list, never a shell


def kill_group(proc: subprocess.Popen) -> None:
    """Ends ``proc`` and everything below it (stopped first so nothing escapes by re-parenting, then killed),
    and what is left of its process group."""
    if proc.poll() is None:
        kill_tree(proc.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with _lock:
        _live.pop(proc.pid, None)


def run(argv: Sequence[str], timeout: float, input: str | None = None, env: dict[str, str] | None = None,
        cwd: str | Path | None = None) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(argv, capture_output=True, text=True, timeout=timeout)`` whose timeout (or Ctrl-C) ends
    the command's whole tree, not only the command: the ``aws`` CLI and ``kubectl`` may leave children (pagers,
    credential helpers, SSM plugins). Output decoded as UTF-8 with replacement. Raises ``TimeoutExpired``."""
    proc = spawn(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", env=env, cwd=cwd)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:
        kill_group(proc)
        with contextlib.suppress(Exception):
            proc.communicate(timeout=5)
        raise
    with _lock:
        _live.pop(proc.pid, None)
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def kill_all() -> None:
    """Every tracked child's tree, then anything else still below siaga (orphans it adopted as subreaper)."""
    with _lock:
        procs = list(_live.values())
    for proc in procs:
        kill_group(proc)
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
    if _installed:
        kill_tree(os.getpid(), include_self=False, budget=2.0)


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through every finally: servers stopped, temp folders removed


_installed: list[bool] = []


def install() -> None:
    """Called once by the CLI: siaga becomes a child subreaper, SIGTERM unwinds like Ctrl-C, and every child's
    tree is ended at exit."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _installed.append(True)
    atexit.register(kill_all)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


__all__ = ["descendants", "install", "kill_all", "kill_group", "run", "spawn", "track"]
