"""No process outlives a siaga run: every child siaga starts (the program's runner, the policy pack servers) gets a
process group of its own, is registered here, and its whole group is killed when siaga is done with it — and, as a
last resort, when siaga exits for any reason (an error, Ctrl-C, SIGTERM): whatever those children started too."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import threading

_live: dict[int, subprocess.Popen] = {}
_lock = threading.Lock()


def track(proc: subprocess.Popen) -> subprocess.Popen:
    """``proc`` must have been started with ``start_new_session=True`` (its pid is its group id)."""
    with _lock:
        _live[proc.pid] = proc
    return proc


def kill_group(proc: subprocess.Popen) -> None:
    """Kills ``proc``'s process group (it and everything it started that did not leave the group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with _lock:
        _live.pop(proc.pid, None)


def kill_all() -> None:
    with _lock:
        procs = list(_live.values())
    for proc in procs:
        kill_group(proc)
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through every finally: servers stopped, temp folders removed


def install() -> None:
    """Called once by the CLI: SIGTERM unwinds like Ctrl-C, and every tracked group is killed at exit."""
    atexit.register(kill_all)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
