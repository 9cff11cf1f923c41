"""Public checks (``--siaga-profile public``), run on the verifier's own machine (testinfra's local backend) with
curl and openssl: what a citizen's browser gets from the service's public name."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from siaga.verify.public import PublicTarget
from siaga.verify.suite.checks import assert_legacy_tls_refused


def _curl_opts(t: PublicTarget) -> str:
    opts = []
    if t.connect_to:
        opts += [f"--resolve {t.domain}:443:{t.connect_to}", f"--resolve {t.domain}:80:{t.connect_to}"]
    if t.ca_file:
        opts.append(f"--cacert {shlex.quote(t.ca_file)}")
    return " ".join(opts)


def curl(host: Any, t: PublicTarget, args: str) -> str:
    result = host.run(f"curl -sS -m 15 -o /dev/null {_curl_opts(t)} {args}")
    assert result.rc == 0, f"curl {args.split()[-1]}: {result.stderr.strip()}"
    return result.stdout.strip()


def s_client_options(t: PublicTarget) -> str:
    return f"-servername {t.domain}" + (f" -CAfile {shlex.quote(t.ca_file)}" if t.ca_file else "")


def test_public_https_health(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    code = curl(host, t, f"-w '%{{http_code}}' https://{t.domain}{t.health_path}")  # certificate verified (no -k)
    assert code == "200", f"GET https://{t.domain}{t.health_path} answered {code}"


def test_public_http_redirects_to_https(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    out = curl(host, t, f"-w '%{{http_code}} %{{redirect_url}}' http://{t.domain}{t.health_path}")
    code, _, location = out.partition(" ")
    assert code in {"301", "308"}, f"http://{t.domain} answered {code}, not a permanent redirect"
    assert location == f"https://{t.domain}{t.health_path}", f"redirects to {location!r}"


def test_public_hsts(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    headers = host.run(f"curl -sS -m 15 -D - -o /dev/null {_curl_opts(t)} https://{t.domain}{t.health_path}").stdout
    hsts = [h for h in headers.splitlines() if h.lower().startswith("strict-transport-security:")]
    assert hsts, "no Strict-Transport-Security header"
    age = hsts[0].lower().split("max-age=", 1)[-1].split(";")[0].strip()
    assert age.isdigit() and int(age) >= 15552000, f"HSTS max-age {age} is under 180 days"


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_public_tls_modern_accepted(host: Any, public_target: PublicTarget, version: str) -> None:
    t = public_target
    code = curl(host, t, f"--tlsv{version} --tls-max {version} -w '%{{http_code}}' https://{t.domain}{t.health_path}")
    assert code == "200", f"TLS {version}: answered {code}"


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_public_tls_legacy_refused(host: Any, public_target: PublicTarget, flag: str) -> None:
    t = public_target
    assert_legacy_tls_refused(host, t.connect_to or t.domain, flag, s_client_options(t))


def test_public_certificate_not_expiring(host: Any, public_target: PublicTarget) -> None:
    t = public_target
    check = host.run(f"openssl s_client -connect {t.connect_to or t.domain}:443 {s_client_options(t)} -tls1_2 "
                     f"</dev/null 2>/dev/null | openssl x509 -noout -enddate -checkend {t.min_cert_days * 86400}")
    assert "notAfter=" in check.stdout, f"no certificate from {t.connect_to or t.domain}:443"
    assert check.rc == 0, f"certificate expires within {t.min_cert_days} days ({check.stdout.strip()})"
