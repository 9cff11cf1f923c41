"""Live mode on a booted host: the Debian 12 root built from the rendered baseline (as in test_host_baseline.py)
boots with systemd as PID 1 in a systemd-nspawn container with a private network, and ``siaga verify``'s suite
runs in live mode through the nsenter backend (siaga/verify/nsenter.py).

What a container cannot show is asserted as such, with its reason: auditd cannot run outside the initial PID
namespace (so no loaded or locked rules), chrony is skipped without CAP_SYS_TIME, and kernel-wide sysctls belong
to this machine's kernel (systemd-sysctl is skipped on a read-only /proc/sys). Everything else is proven live: the
rendered units start under a real systemd (the sandboxed app unit, nginx, the upgrade timers), SSH stays masked,
and the TLS endpoints answer; stopping the service fails the live checks by name.

Needs root, debootstrap and systemd-nspawn (Debian package systemd-container)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.userdata import UserDataSettings
from siaga.verify import VerifyResult, run_suite
from siaga.verify.localhost import first_child, provision

pytestmark = pytest.mark.slow

SETTINGS = UserDataSettings(service="layanan-prod", domain="layanan.example.go.id",
                            log_group="/siaga/layanan-prod/hosts", install_aws_agents=False)
CONTAINER_ONLY = {"test_auditd_enabled", "test_audit_rules_identity", "test_audit_config_immutable",
                  "test_chrony_time_sync", "test_kernel_hardening"}
"""Live checks a container cannot pass, whatever the baseline (see the module docstring)."""


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (chroot, systemd-nspawn)"
    for tool, package in (("debootstrap", "debootstrap"), ("systemd-nspawn", "systemd-container"),
                          ("nsenter", "util-linux"), ("unshare", "util-linux")):
        if shutil.which(tool) is None:
            return f"{tool} not installed (apt-get install {package})"
    return None


def _in(pid: int, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", f"--target={pid}", "--all", "--", "/bin/sh", "-c", command],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def booted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """PID (on this machine) of the container's systemd, once the boot has finished."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("boot") / "root"
    provision(root, SETTINGS)
    log = (root.parent / "nspawn.log").open("w")
    nspawn = subprocess.Popen(["systemd-nspawn", "-D", str(root), "-b", "--private-network", "--console=pipe",
                               "-M", f"siaga-{os.getpid()}", "--register=no", "--keep-unit"],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        pid = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if nspawn.poll() is not None:
                pytest.fail(f"systemd-nspawn exited {nspawn.returncode}: {(root.parent / 'nspawn.log').read_text()[-800:]}")
            child = first_child(nspawn.pid)
            if not pid and child and Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                pid = child
            if pid and _in(pid, "systemctl is-system-running").stdout.strip() in {"running", "degraded"}:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the container did not finish booting within 120 s")
        yield pid
    finally:
        nspawn.send_signal(signal.SIGTERM)  # halts the container
        try:
            nspawn.wait(60)
        except subprocess.TimeoutExpired:
            nspawn.kill()
            nspawn.wait(10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def verify(pid: int) -> VerifyResult:
    return run_suite([str(pid)], "nsenter", SETTINGS, mode="live", timeout=300)


def test_live_checks_on_the_booted_host(booted: int) -> None:
    assert _in(booted, "systemd-detect-virt --container").stdout.strip() == "systemd-nspawn"
    result = verify(booted)
    outcomes = {r.check: r.outcome for r in result.results}
    failed = {r.check: r.message for r in result.failed}
    assert set(failed) == CONTAINER_ONLY, failed
    assert all(outcomes[c] == "passed" for c in outcomes if c not in CONTAINER_ONLY | {"test_aws_agents"}), outcomes
    for check in ("test_app_service", "test_nginx_tls_config", "test_unattended_security_upgrades", "test_ssh_disabled",
                  "test_https_health", "test_tls_modern_accepted[1.3]", "test_tls_legacy_refused[tls1_1]"):
        assert outcomes[check] == "passed", check
    # ... and the container-only failures are the container's doing, not the baseline's
    assert "not active: no audit trail" in failed["test_auditd_enabled"]  # auditd exits: no audit in a container
    assert _in(booted, "systemctl show -p ConditionResult chrony.service").stdout.strip() == "ConditionResult=no"
    assert _in(booted, "systemctl is-enabled chrony.service auditd.service").stdout.split() == ["enabled", "enabled"]
    # the rendered units really run under systemd: the app as its own user, nginx as the proxy
    assert _in(booted, f"systemctl show -p MainPID --value {SETTINGS.unit}").stdout.strip() != "0"
    user = _in(booted, f"ps -o user= -p $(systemctl show -p MainPID --value {SETTINGS.unit})").stdout.strip()
    assert user == SETTINGS.app_user


def test_stopping_the_service_fails_the_live_checks(booted: int) -> None:
    assert _in(booted, f"systemctl stop {SETTINGS.unit}").returncode == 0
    try:
        result = verify(booted)
    finally:
        assert _in(booted, f"systemctl start {SETTINGS.unit}").returncode == 0
    failed = {r.check: r.message for r in result.failed}
    assert f"{SETTINGS.unit} is not running" in failed["test_app_service"]
    assert "test_https_health" in failed
    assert set(failed) - CONTAINER_ONLY == {"test_app_service", "test_https_health", "test_tls_modern_accepted[1.2]",
                                            "test_tls_modern_accepted[1.3]"}
