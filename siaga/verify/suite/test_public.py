"""Public checks (``--siaga-profile public``), run on the verifier's own machine with curl and openssl: what a
citizen's browser gets from the service's public name.

The name, path, address and CA file come from flags and the stack's config, so every command here is an argument
list run without a shell (``subprocess.run([...])``): a value such as ``x;touch pwned;#`` is one argument to curl,
never a command. (testinfra's local backend always goes through ``/bin/sh -c``, so it runs nothing here: each
test still takes its ``host`` fixture, the verifier's own ``local://``, so results are labelled like the others.)"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from siaga.verify.public import PublicTarget
from siaga.verify.suite.checks import assert_legacy_tls_refused_output, legacy_tls_argv

TIMEOUT = 30


def run(argv: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """One command, no shell, bounded in time; stdin given (openssl s_client waits on it otherwise)."""
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{argv[0]} did not finish within {TIMEOUT} s")
    except FileNotFoundError:
        pytest.fail(f"{argv[0]} is not installed on this machine")


def curl_options(t: PublicTarget) -> list[str]:
    opts = []
    if t.connect_to:
        opts += ["--resolve", f"{t.domain}:443:{t.connect_to}", "--resolve", f"{t.domain}:80:{t.connect_to}"]
    if t.ca_file:
        opts += ["--cacert", t.ca_file]
    return opts


def curl(t: PublicTarget, *args: str) -> str:
    result = run(["curl", "-sS", "-m", "15", "-o", "/dev/null", *curl_options(t), *args])
    assert result.returncode == 0, f"curl {args[-1]}: {result.stderr.strip()}"
    return result.stdout.strip()


def s_client_options(t: PublicTarget) -> list[str]:
    return ["-servername", t.domain, *(["-CAfile", t.ca_file] if t.ca_file else [])]


def test_public_https_health(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    code = curl(t, "-w", "%{http_code}", f"https://{t.domain}{t.health_path}")  # certificate verified (no -k)
    assert code == "200", f"GET https://{t.domain}{t.health_path} answered {code}"


def test_public_http_redirects_to_https(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    out = curl(t, "-w", "%{http_code} %{redirect_url}", f"http://{t.domain}{t.health_path}")
    code, _, location = out.partition(" ")
    assert code in {"301", "308"}, f"http://{t.domain} answered {code}, not a permanent redirect"
    assert location == f"https://{t.domain}{t.health_path}", f"redirects to {location!r}"


def test_public_hsts(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    headers = run(["curl", "-sS", "-m", "15", "-D", "-", "-o", "/dev/null", *curl_options(t),
                   f"https://{t.domain}{t.health_path}"]).stdout
    hsts = [h for h in headers.splitlines() if h.lower().startswith("strict-transport-security:")]
    assert hsts, "no Strict-Transport-Security header"
    age = hsts[0].lower().split("max-age=", 1)[-1].split(";")[0].strip()
    assert age.isdigit() and int(age) >= 15552000, f"HSTS max-age {age} is under 180 days"


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_public_tls_modern_accepted(host: Any, public_target: PublicTarget, version: str) -> None:
    t = public_target
    code = curl(t, f"--tlsv{version}", "--tls-max", version, "-w", "%{http_code}", f"https://{t.domain}{t.health_path}")
    assert code == "200", f"TLS {version}: answered {code}"


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_public_tls_legacy_refused(host: Any, public_target: PublicTarget, flag: str) -> None:
    t = public_target
    result = run(legacy_tls_argv(t.connect_to or t.domain, flag, s_client_options(t)))
    assert_legacy_tls_refused_output(result.returncode, result.stdout + result.stderr, flag)


def test_public_certificate_not_expiring(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    hello = run(["openssl", "s_client", "-connect", f"{t.connect_to or t.domain}:443", *s_client_options(t), "-tls1_2"])
    assert "BEGIN CERTIFICATE" in hello.stdout, f"no certificate from {t.connect_to or t.domain}:443"
    check = run(["openssl", "x509", "-noout", "-enddate", "-checkend", str(t.min_cert_days * 86400)], stdin=hello.stdout)
    assert "notAfter=" in check.stdout, f"no certificate from {t.connect_to or t.domain}:443"
    assert check.returncode == 0, f"certificate expires within {t.min_cert_days} days ({check.stdout.strip()})"
