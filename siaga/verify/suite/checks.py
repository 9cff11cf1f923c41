"""Small helpers the checks share (host commands through any testinfra backend)."""

from __future__ import annotations

from typing import Any


def is_enabled(host: Any, unit: str) -> str:
    """``systemctl is-enabled`` (works in a chroot too: it reads the unit files, not a running manager)."""
    return host.run(f"systemctl is-enabled {unit} 2>/dev/null").stdout.strip() or "not-found"


def is_active(host: Any, unit: str) -> str:
    return host.run(f"systemctl is-active {unit} 2>/dev/null").stdout.strip() or "unknown"


def read(host: Any, pattern: str) -> str:
    """Concatenated content of the files matching a shell glob ('' if none)."""
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


def assert_legacy_tls_refused(host: Any, connect: str, flag: str, options: str = "") -> None:
    """openssl s_client with an old protocol (``-tls1``, ``-tls1_1``) to ``connect``:443 must not get a session.
    SECLEVEL=0 so that it is the server, not this client's defaults, that refuses the old protocol."""
    result = host.run(f"openssl s_client -connect {connect}:443 {options} {flag} -cipher 'DEFAULT:@SECLEVEL=0' "
                      "</dev/null 2>&1")
    assert "Cipher is (NONE)" in result.stdout or result.rc != 0, f"handshake with {flag} succeeded"
    assert "BEGIN CERTIFICATE" not in result.stdout, f"server presented a certificate over {flag}"
