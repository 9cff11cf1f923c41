"""Small helpers the checks share (host commands through any testinfra backend).

Every value that comes from the stack, the baseline or a flag reaches a host command only as an argument that
testinfra quotes (``host.run("cmd %s", value)`` -> ``shlex.quote``): never spliced into the command text. Remote
backends (ssh, ssm, kubectl exec) take a command string, so quoting is the one safe way there; the public checks,
which always run on this machine, use argument lists instead (``suite/test_public.py``)."""

from __future__ import annotations

import re
from typing import Any


def is_enabled(host: Any, unit: str) -> str:
    """``systemctl is-enabled`` (works in a chroot too: it reads the unit files, not a running manager)."""
    return host.run("systemctl is-enabled %s 2>/dev/null", unit).stdout.strip() or "not-found"


def is_active(host: Any, unit: str) -> str:
    return host.run("systemctl is-active %s 2>/dev/null", unit).stdout.strip() or "unknown"


def read(host: Any, pattern: str) -> str:
    """Concatenated content of the files matching space-separated globs ('' if none). The patterns are the checks'
    own constants (e.g. ``/etc/sysctl.d/*.conf``), never stack text: the shell expands them, so they are not quoted,
    and anything but plain path characters is refused."""
    if not all(re.fullmatch(r"[A-Za-z0-9_./*-]+", part) for part in pattern.split(" ")):
        raise ValueError(f"read: {pattern!r} is not a plain path glob")
    return host.run(f"cat {pattern} 2>/dev/null").stdout


def apt_config(host: Any) -> str:
    """APT's effective configuration (every apt.conf.d file parsed by apt itself)."""
    result = host.run("apt-config dump")
    assert result.rc == 0, f"apt-config dump failed: {result.stderr.strip()}"
    return result.stdout


def active_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def brief(items: list[str] | dict[str, str], shown: int = 4) -> str:
    """'a, b, c, d and 3 more' (dicts as key=value)."""
    parts = [f"{k}={v}" for k, v in items.items()] if isinstance(items, dict) else list(items)
    more = f" and {len(parts) - shown} more" if len(parts) > shown else ""
    return ", ".join(parts[:shown]) + more


LEGACY_TLS_FLAGS = ("-tls1", "-tls1_1")


def legacy_tls_argv(connect: str, flag: str, options: list[str] | tuple[str, ...] = ()) -> list[str]:
    """openssl s_client with an old protocol (``-tls1``, ``-tls1_1``) to ``connect``:443. SECLEVEL=0 so that it is
    the server, not this client's defaults, that refuses the old protocol."""
    if flag not in LEGACY_TLS_FLAGS:
        raise ValueError(f"flag: {flag!r}; allowed: {list(LEGACY_TLS_FLAGS)}")
    return ["openssl", "s_client", "-connect", f"{connect}:443", *options, flag, "-cipher", "DEFAULT:@SECLEVEL=0"]


def assert_legacy_tls_refused_output(rc: int, output: str, flag: str) -> None:
    """A legacy handshake must not get a session, nor a certificate."""
    assert "Cipher is (NONE)" in output or rc != 0, f"handshake with {flag} succeeded"
    assert "BEGIN CERTIFICATE" not in output, f"server presented a certificate over {flag}"


def assert_legacy_tls_refused(host: Any, connect: str, flag: str) -> None:
    """:func:`legacy_tls_argv` on the host, every argument quoted."""
    argv = legacy_tls_argv(connect, flag)
    result = host.run(" ".join(["%s"] * len(argv)) + " </dev/null 2>&1", *argv)
    assert_legacy_tls_refused_output(result.rc, result.stdout, flag)
