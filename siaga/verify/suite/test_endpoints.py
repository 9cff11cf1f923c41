"""Endpoint checks, run ON the host (private subnets are not reachable from the verifier): curl and openssl
against the local nginx, so they work the same through ssh, ssm, kubectl, local and chroot backends."""

from __future__ import annotations

from typing import Any

import pytest

from components.userdata import UserDataSettings
from siaga.verify.suite.checks import assert_legacy_tls_refused

LOCAL = "127.0.0.1"


@pytest.fixture(autouse=True)
def _enabled(endpoints: bool) -> None:
    if not endpoints:
        pytest.skip("endpoint checks disabled (--no-siaga-endpoints)")


def curl(host: Any, *args: str) -> str:
    """curl on the host; every argument quoted by testinfra (the health path comes from the stack)."""
    result = host.run("curl -sS -m 10 -o /dev/null" + " %s" * len(args), *args)
    assert result.rc == 0, f"curl {args[-1]}: {result.stderr.strip()}"
    return result.stdout.strip()


def test_https_health(host: Any, baseline: UserDataSettings) -> None:
    code = curl(host, "-k", "-w", "%{http_code}", f"https://{LOCAL}{baseline.health_path}")
    assert code == "200", f"GET https://{LOCAL}{baseline.health_path} answered {code}"


def test_http_redirects_to_https(host: Any, baseline: UserDataSettings) -> None:
    out = curl(host, "-w", "%{http_code} %{redirect_url}", f"http://{LOCAL}{baseline.health_path}")
    code, _, location = out.partition(" ")
    assert code in {"301", "308"}, f"http:// answered {code}, not a permanent redirect"
    assert location == f"https://{LOCAL}{baseline.health_path}", f"redirects to {location!r}"


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_tls_modern_accepted(host: Any, baseline: UserDataSettings, version: str) -> None:
    code = curl(host, "-k", f"--tlsv{version}", "--tls-max", version, "-w", "%{http_code}",
                f"https://{LOCAL}{baseline.health_path}")
    assert code == "200", f"TLS {version}: answered {code}"


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_tls_legacy_refused(host: Any, flag: str) -> None:
    modern = host.run(f"openssl s_client -connect {LOCAL}:443 -tls1_2 </dev/null 2>&1")
    assert modern.rc == 0 and "BEGIN CERTIFICATE" in modern.stdout, "no TLS server answers on 443"
    assert_legacy_tls_refused(host, LOCAL, flag)
