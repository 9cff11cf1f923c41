"""The supervisor every child of siaga runs under (``python -I -S supervise.py WATCH_FD -- ARGV...``): it starts
ARGV and ends ARGV's whole tree when ARGV exits, when it is told to (SIGTERM, SIGINT, SIGHUP), and when siaga is
gone, even by ``kill -9``:

- it is a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux 3.4, prctl(2)): whatever ARGV starts and
  leaves behind (a ``setsid`` daemon, a double fork) is re-parented to it, not to init, so it can be found;
- it reads the watch pipe whose write end only siaga holds: end-of-file means siaga has exited, however it ended;
- ARGV gets ``PR_SET_PDEATHSIG(SIGKILL)``: if the supervisor itself is killed, ARGV goes too.

Its exit status is ARGV's (a signal is re-raised), so a caller's ``Popen.returncode`` reads as if it ran ARGV.
Standard library only, no site packages, no siaga import: it starts in a few milliseconds."""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:  # no procfs (not Linux): nothing can be found, process groups still apply
        return kids
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and fields[0] != b"Z":
            kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def descendants(pid: int) -> list[int]:
    """Living processes below ``pid`` (parents before children), from /proc."""
    kids = _children_map()
    out, todo = [], list(kids.get(pid, []))
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def kill_tree(pid: int, include_self: bool = True, budget: float = 5.0) -> None:
    """Stops every process below ``pid`` (a stopped process can neither fork nor exit, so nothing slips out of
    the tree by being re-parented), again until no new one appears, then kills them all."""
    deadline = time.monotonic() + budget
    seen: set[int] = set()
    while time.monotonic() < deadline:
        found = [p for p in descendants(pid) if p not in seen]
        if not found:
            break
        for p in found:
            seen.add(p)
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGSTOP)
    for p in ([pid] if include_self else []) + sorted(seen):
        for sig in (signal.SIGKILL, signal.SIGCONT):
            with contextlib.suppress(OSError):
                os.kill(p, sig)


def _reap() -> list[tuple[int, int]]:
    out = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return out
        if pid == 0:
            return out
        out.append((pid, status))


def _finish(status: int | None) -> None:
    kill_tree(os.getpid(), include_self=False)
    deadline = time.monotonic() + 5
    while descendants(os.getpid()) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.01)
    _reap()
    sys.stdout.flush()
    if status is None:
        os._exit(137)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def main() -> None:
    watch = int(sys.argv[1])
    argv = sys.argv[3:]
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stop = []
    signal.signal(signal.SIGCHLD, lambda *_: None)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _f: stop.append(signum))
    os.set_inheritable(watch, False)
    try:
        child = os.fork()
    except OSError as exc:
        sys.stderr.write(f"cannot start {argv[0]}: {exc.strerror}\n")
        os._exit(126)
    if child == 0:
        try:
            for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() == 1:  # the supervisor died before the line above: do not start
                os._exit(137)
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"cannot start {argv[0]}: {exc.strerror}\n".encode())
        os._exit(127)
    # the child has its copies: the supervisor keeps only its standard streams, the watch end and its wake pipe
    keep = sorted({0, 1, 2, watch, wake_r, wake_w})
    start = 3
    for fd in keep + [65536]:
        if fd >= start:
            os.closerange(start, fd)
            start = fd + 1
    while True:
        for pid, status in _reap():
            if pid == child:
                _finish(status)
        if stop:
            _finish(None)
        try:
            ready, _, _ = select.select([watch, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 512)
        if watch in ready and not os.read(watch, 1):
            _finish(None)  # siaga is gone


if __name__ == "__main__":
    main()
