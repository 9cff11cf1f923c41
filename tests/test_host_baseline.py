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

from components.userdata import UserDataSettings, render_user_data
from siaga.verify import VerifyResult, run_suite
from siaga.verify.localhost import NetnsHost, apply_cloud_config, build_root

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
    build_root(root)
    commands = apply_cloud_config(render_user_data(SETTINGS), root)
    with NetnsHost(root) as booted:
        for command in commands:
            done = booted.run(command)
            assert done.returncode == 0, f"{command}: {done.stdout[-800:]} {done.stderr[-800:]}"
            assert "siaga-bootstrap: done" in done.stdout
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
    for check in ("test_audit_rules_identity", "test_audit_rules_privileged", "test_audit_rules_time_change",
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
    assert "OK: 1 host(s), 17 passed, 0 failed, 1 skipped" in done.stdout


def test_bootstrap_is_idempotent(host: NetnsHost) -> None:
    done = host.run("/usr/local/sbin/siaga-bootstrap")
    assert done.returncode == 0, done.stderr
    assert "ssh.service" in host.run("ls /etc/systemd/system").stdout


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
