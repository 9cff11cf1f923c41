"""Proof on a real host: a Debian 12 root (debootstrap minbase + the baseline's packages) gets the rendered
cloud-config applied (files written, runcmd run in a chroot), the application and nginx are started in a
network namespace of this test's own (loopback only), and the verification suite passes against it; with
one hardening step removed, the suite fails naming that check.

Needs root, debootstrap, util-linux (unshare/nsenter) and iproute2; the first run downloads ~70 MB from the
Debian mirror, later runs reuse $SIAGA_CACHE_DIR (default ~/.cache/siaga)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.userdata import PRIVILEGED_COMMANDS, UserDataSettings
from siaga.verify import VerifyResult, run_suite
from siaga.verify.localhost import NetnsHost, provision
from siaga.verify.public import PublicTarget

pytestmark = pytest.mark.slow

SETTINGS = UserDataSettings(service="layanan-prod", domain="layanan.example.go.id",
                            log_group="/siaga/layanan-prod/hosts", install_aws_agents=False)


def _can_build() -> str | None:
    if os.geteuid() != 0:
        return "needs root (chroot, namespaces)"
    for tool in ("debootstrap", "unshare", "nsenter", "ip", "chroot"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetnsHost]:
    reason = _can_build()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("host") / "root"
    provision(root, SETTINGS)
    with NetnsHost(root) as booted:
        booted.start_services(SETTINGS)
        yield booted
    shutil.rmtree(root, ignore_errors=True)  # ~330 MB; the namespace (and its /proc mount) is gone by now


def verify(host: NetnsHost) -> VerifyResult:
    return run_suite([str(host.root)], "chroot", SETTINGS, command_prefix=host.prefix, timeout=300)


def outcomes(result: VerifyResult) -> dict[str, str]:
    return {r.check: r.outcome for r in result.results}


def test_suite_passes_on_the_built_host(host: NetnsHost) -> None:
    result = verify(host)
    got = outcomes(result)
    assert result.ok, "\n".join(f"{r.check}: {r.message}" for r in result.failed)
    for check in ("test_audit_config_immutable", "test_audit_rules_identity", "test_audit_rules_privileged", "test_audit_rules_time_change",
                  "test_chrony_time_sync", "test_unattended_security_upgrades", "test_ssh_disabled",
                  "test_kernel_hardening", "test_app_service", "test_nginx_tls_config", "test_log_shipping_config",
                  "test_https_health", "test_http_redirects_to_https", "test_tls_modern_accepted[1.2]",
                  "test_tls_modern_accepted[1.3]", "test_tls_legacy_refused[tls1]", "test_tls_legacy_refused[tls1_1]"):
        assert got.get(check) == "passed", (check, got.get(check))
    assert got["test_aws_agents"] == "skipped"  # built without the AWS agents (no S3 here)


def test_siaga_verify_command_passes_on_the_built_host(host: NetnsHost, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(SETTINGS.model_dump_json())
    done = subprocess.run([*host.prefix, sys.executable, "-m", "siaga", "verify", "--backend", "chroot",
                           "--hosts", str(host.root), "--settings", str(baseline)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 1 host(s), 18 passed, 0 failed, 1 skipped" in done.stdout


def test_public_checks_pass_through_the_name_and_fail_on_an_untrusted_certificate(host: NetnsHost, tmp_path: Path) -> None:
    """siaga verify --public, from inside the host's network: the public name sent to 127.0.0.1 (--connect-to),
    the certificate verified against the one the bootstrap made (--ca-file)."""
    cert = host.root / f"etc/ssl/siaga/{SETTINGS.service}.crt"
    target = PublicTarget(domain=SETTINGS.domain, connect_to="127.0.0.1", ca_file=str(cert))
    result = run_suite(["local"], "local", target, command_prefix=host.prefix, timeout=120)
    assert result.ok, "\n".join(f"{r.check}: {r.message}" for r in result.failed)
    assert {r.check for r in result.results} == {
        "test_public_https_health", "test_public_http_redirects_to_https", "test_public_hsts",
        "test_public_tls_modern_accepted[1.2]", "test_public_tls_modern_accepted[1.3]",
        "test_public_tls_legacy_refused[tls1]", "test_public_tls_legacy_refused[tls1_1]",
        "test_public_certificate_not_expiring"}
    other = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1", "-subj", "/CN=other",
                    "-keyout", str(tmp_path / "k.pem"), "-out", str(other)], check=True, capture_output=True)
    untrusted = run_suite(["local"], "local", target.model_copy(update={"ca_file": str(other)}),
                          command_prefix=host.prefix, timeout=120)
    failed = {r.check: r.message for r in untrusted.failed}
    assert "test_public_https_health" in failed and "certificate" in failed["test_public_https_health"].lower()
    assert "test_public_http_redirects_to_https" not in failed  # port 80 has no certificate to verify
    done = subprocess.run([*host.prefix, sys.executable, "-m", "siaga", "verify", "--public", "--domain", SETTINGS.domain,
                           "--connect-to", "127.0.0.1", "--ca-file", str(cert)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 1 host(s), 8 passed, 0 failed, 0 skipped" in done.stdout
    assert f"https://{SETTINGS.domain} via 127.0.0.1" in done.stdout


def test_bootstrap_is_idempotent(host: NetnsHost) -> None:
    done = host.run("/usr/local/sbin/siaga-bootstrap")
    assert done.returncode == 0, done.stderr
    assert "ssh.service" in host.run("ls /etc/systemd/system").stdout


def test_chronyd_parses_the_rendered_configuration(host: NetnsHost) -> None:
    done = host.run("chronyd -p -f /etc/chrony/chrony.conf")  # Debian's chrony.conf includes conf.d (confdir)
    assert done.returncode == 0, done.stderr
    assert "server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4" in done.stdout
    bad = host.root / "etc/chrony/conf.d/99-typo.conf"
    bad.write_text("sever 169.254.169.123 iburst\n")
    try:
        refused = host.run("chronyd -p -f /etc/chrony/chrony.conf")
    finally:
        bad.unlink()
    assert refused.returncode != 0 and "Invalid directive" in refused.stderr


def test_sysctl_applies_the_network_hardening_in_the_host_namespace(host: NetnsHost) -> None:
    """sysctl itself reads the rendered file; the network keys are per network namespace, so they are really
    applied in the host's own namespace and read back (the kernel-wide keys are checked live by the suite)."""
    text = (host.root / "etc/sysctl.d/90-siaga-hardening.conf").read_text()
    net = [line for line in text.splitlines() if line.startswith(("net.ipv4.", "net.ipv6."))]
    assert len(net) >= 15
    (host.root / "tmp/net-hardening.conf").write_text("\n".join(net) + "\n")
    done = host.run("sysctl -p /tmp/net-hardening.conf")
    assert done.returncode == 0, done.stderr
    for line in net:
        key, value = (x.strip() for x in line.split("="))
        assert host.run(f"sysctl -n {key}").stdout.strip() == value, key
    (host.root / "tmp/typo.conf").write_text("net.ipv4.conf.all.rp_filtr = 1\n")
    refused = host.run("sysctl -p /tmp/typo.conf")
    assert refused.returncode != 0 and "rp_filtr" in refused.stderr


def _auditctl(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # not in the host's namespaces: the kernel takes audit rules only from the initial PID namespace
    return subprocess.run(["chroot", str(root), "auditctl", *args], capture_output=True, text=True, timeout=60)


def test_auditctl_loads_the_rendered_rules_into_the_kernel(host: NetnsHost) -> None:
    """The host's own auditctl loads the rendered rules into this machine's kernel; they are deleted again
    after. Never touches a kernel whose audit is locked or that has rules of its own (skipped then). The
    finalize file (-e 2) is not loaded here: it would lock this machine's audit until reboot."""
    status = _auditctl(host.root, "-s")
    if status.returncode != 0:
        pytest.skip(f"no kernel audit here: {status.stderr.strip()[:120]}")
    if "enabled 2" in status.stdout.splitlines():
        pytest.skip("this kernel's audit rules are locked (-e 2)")
    if _auditctl(host.root, "-l").stdout.strip() != "No rules":
        pytest.skip("this kernel has audit rules of its own: not touched")
    bad = host.root / "tmp/typo.rules"
    bad.write_text("-a always,exit -F arch=b64 -S settimeofdy -k time-change\n")
    try:
        loaded = _auditctl(host.root, "-R", "/etc/audit/rules.d/50-siaga.rules")
        listed = _auditctl(host.root, "-l").stdout.splitlines()
        _auditctl(host.root, "-D")
        refused = _auditctl(host.root, "-R", "/tmp/typo.rules")
        bad.write_text(bad.read_text().replace("settimeofdy", "settimeofday"))
        _auditctl(host.root, "-D")
        corrected = _auditctl(host.root, "-R", "/tmp/typo.rules")
    finally:
        _auditctl(host.root, "-D")
    assert loaded.returncode == 0, loaded.stderr
    for watched in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"):
        assert f"-w {watched} -p wa -k identity" in listed
    by_path = [line for line in listed if "-F path=" in line and line.endswith("-F key=privileged")]
    assert len(by_path) == len(PRIVILEGED_COMMANDS)
    assert "-a always,exit -F arch=b64 -S adjtimex,settimeofday,clock_settime -F key=time-change" in listed
    assert refused.returncode != 0 and corrected.returncode == 0  # auditctl reports the line through syslog


def test_dropping_the_audit_rules_fails_the_audit_checks(host: NetnsHost) -> None:
    rules = host.root / "etc/audit/rules.d/50-siaga.rules"
    saved = rules.read_text()
    rules.unlink()
    try:
        result = verify(host)
    finally:
        rules.write_text(saved)
    failed = {r.check: r.message for r in result.failed}
    assert set(failed) == {"test_audit_rules_identity", "test_audit_rules_privileged", "test_audit_rules_time_change"}
    assert "/etc/shadow" in failed["test_audit_rules_identity"]


def test_reenabling_ssh_fails_the_ssh_check(host: NetnsHost) -> None:
    done = host.run("systemctl unmask ssh.service ssh.socket sshd.service")
    assert done.returncode == 0, done.stderr
    try:
        result = verify(host)
    finally:
        host.run("systemctl mask ssh.service ssh.socket sshd.service")
    failed = {r.check: r.message for r in result.failed}
    assert list(failed) == ["test_ssh_disabled"]
    assert "SSH not masked" in failed["test_ssh_disabled"]


def test_stopping_the_app_fails_the_endpoint_checks(host: NetnsHost) -> None:
    pid = host.run("pgrep -f healthd.py").stdout.split()
    assert pid, "the app is not running"
    host.run(f"kill {pid[0]}")
    try:
        result = verify(host)
    finally:
        host.start_app(SETTINGS)
        host.wait_healthy(SETTINGS)
    failed = {r.check for r in result.failed}
    assert "test_https_health" in failed and "test_tls_modern_accepted[1.2]" in failed
    assert "test_http_redirects_to_https" not in failed  # nginx still answers port 80 itself
    assert all(r.outcome == "passed" for r in result.results if r.check.startswith("test_audit"))
