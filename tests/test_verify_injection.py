"""No shell with user text in siaga verify: a domain, path, unit or key that carries shell syntax stays one
argument. Each test runs the real command (curl, openssl, systemctl through testinfra's local backend) with a
value that would create a file if a shell interpreted it, and checks the file does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import testinfra

from siaga.verify.public import PublicTarget
from siaga.verify.suite import checks, test_public
from tests.test_verify import invoke


def _payload(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / "pwned"
    return f"x;touch {marker};#", marker


@pytest.mark.parametrize("flag", ["--domain", "--connect-to"])
def test_public_flags_with_shell_syntax_are_refused_in_one_line(tmp_path: Path, flag: str) -> None:
    value, marker = _payload(tmp_path)
    args = ["--public", "--domain", "layanan.contoh.go.id", flag, value]
    code, out = invoke(*args)
    assert code == 2 and "Traceback" not in out, out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    assert not marker.exists()


def test_public_health_path_must_be_a_plain_path(tmp_path: Path) -> None:
    value, _ = _payload(tmp_path)
    with pytest.raises(Exception, match="health_path"):
        PublicTarget.parse({"domain": "layanan.contoh.go.id", "health_path": "/" + value})


def test_public_checks_never_hand_a_value_to_a_shell(tmp_path: Path) -> None:
    """Even a target that skipped validation (model_construct) reaches curl and openssl as single arguments."""
    value, marker = _payload(tmp_path)
    target = PublicTarget.model_construct(domain=value, health_path=f"/{value}", connect_to="127.0.0.1",
                                          ca_file=str(tmp_path / "ca $(touch pwned).pem"), min_cert_days=14)
    for check in (test_public.test_public_https_health, test_public.test_public_hsts,
                  test_public.test_public_certificate_not_expiring):
        with pytest.raises(AssertionError):
            check(None, target)
    with pytest.raises(AssertionError):
        test_public.test_public_tls_modern_accepted(None, target, "1.2")
    test_public.test_public_tls_legacy_refused(None, target, "-tls1")  # nothing listens: refused, as it should
    assert not marker.exists() and not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_host_checks_quote_stack_values(tmp_path: Path) -> None:
    """Unit names and sysctl keys come from the stack's launch template: quoted by testinfra, never spliced."""
    host = testinfra.get_host("local://")
    value, marker = _payload(tmp_path)
    assert checks.is_active(host, value) != ""
    checks.is_enabled(host, value)
    host.run("sysctl -n %s", value)
    checks.assert_legacy_tls_refused(host, value, "-tls1")
    assert not marker.exists()
    with pytest.raises(ValueError, match="not a plain path glob"):
        checks.read(host, f"/etc/{value}")
    with pytest.raises(ValueError, match="allowed"):
        checks.legacy_tls_argv("127.0.0.1", "-tls1;id")
