"""Host checks: audit trail, time sync, security updates, no SSH, kernel hardening, app service, log shipping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.userdata import PRIVILEGED_COMMANDS, UserDataSettings
from siaga.verify.suite.checks import active_lines, apt_config, brief, is_active, is_enabled, read

IDENTITY_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers"]


def audit_rules(host: Any) -> list[str]:
    return active_lines(read(host, "/etc/audit/rules.d/*.rules"))


def test_auditd_enabled(host: Any, live: bool) -> None:
    assert host.package("auditd").is_installed, "auditd is not installed"
    state = is_enabled(host, "auditd.service")
    assert state == "enabled", f"auditd.service is {state}, not enabled"
    if live:
        state = is_active(host, "auditd.service")
        assert state == "active", f"auditd.service is {state}, not active: no audit trail"


def test_audit_rules_identity(host: Any, live: bool) -> None:
    rules = audit_rules(host)
    missing = [f for f in IDENTITY_FILES if not any(r.startswith(f"-w {f} ") and "-p wa" in r for r in rules)]
    assert not missing, f"no audit watch (-p wa) on {', '.join(missing)}"
    if live:
        loaded = host.run("auditctl -l").stdout
        assert "/etc/shadow" in loaded and "identity" in loaded, "identity rules are not loaded (auditctl -l)"


def test_audit_rules_privileged(host: Any) -> None:
    rules = audit_rules(host)
    missing = [c for c in PRIVILEGED_COMMANDS if not any(f"-F path={c} " in r and "perm=x" in r for r in rules)]
    assert not missing, f"no audit rule on running {brief(missing)}"
    assert any("-S execve" in r and "euid=0" in r for r in rules), "no audit rule on privilege escalation (execve euid=0)"


def test_audit_rules_time_change(host: Any) -> None:
    rules = audit_rules(host)
    syscalls = {s for r in rules if "arch=b64" in r and " -S " in r and "time-change" in r
                for s in r.split(" -S ", 1)[1].split()[0].split(",")}
    missing = {"adjtimex", "settimeofday", "clock_settime"} - syscalls
    assert not missing, f"time changes not audited: {', '.join(sorted(missing))}"
    assert any(r.startswith("-w /etc/localtime ") for r in rules), "no audit watch on /etc/localtime"


def test_audit_config_immutable(host: Any, baseline: UserDataSettings, live: bool) -> None:
    if not baseline.audit_immutable:
        pytest.skip("baseline built with audit_immutable=false")
    enable = [r for r in audit_rules(host) if r.split()[:1] == ["-e"]]
    assert enable and enable[-1].split()[1] == "2", \
        f"audit rules are not locked until reboot (last -e: {enable[-1] if enable else 'none'}; want -e 2)"
    if live:
        status = host.run("auditctl -s").stdout.split("\n")
        assert "enabled 2" in status, "the running audit configuration is not immutable (auditctl -s: enabled != 2)"


def test_chrony_time_sync(host: Any, baseline: UserDataSettings, live: bool) -> None:
    assert host.package("chrony").is_installed, "chrony is not installed"
    state = is_enabled(host, "chrony.service")
    assert state == "enabled", f"chrony.service is {state}, not enabled"
    conf = active_lines(read(host, "/etc/chrony/chrony.conf /etc/chrony/conf.d/*.conf"))
    for server in baseline.ntp_servers:
        assert any(line.split()[:2] == ["server", server] for line in conf), f"chrony has no server {server}"
    if live:
        tracking = host.run("chronyc -n tracking").stdout
        assert "Leap status     : Normal" in tracking, f"chrony not synchronised: {tracking.strip()[:200]}"


def test_unattended_security_upgrades(host: Any, baseline: UserDataSettings) -> None:
    assert host.package("unattended-upgrades").is_installed, "unattended-upgrades is not installed"
    conf = apt_config(host)
    assert 'APT::Periodic::Unattended-Upgrade "1";' in conf, "APT::Periodic::Unattended-Upgrade is not 1"
    assert 'APT::Periodic::Update-Package-Lists "1";' in conf, "package lists are not refreshed daily"
    assert "-security" in conf and "Unattended-Upgrade::Origins-Pattern" in conf, "security origin not allowed"
    assert 'Unattended-Upgrade::Automatic-Reboot "true";' in conf, "no automatic reboot after kernel updates"
    times = [line for line in conf.splitlines() if line.startswith("Unattended-Upgrade::Automatic-Reboot-Time ")]
    assert times, "no reboot window (Unattended-Upgrade::Automatic-Reboot-Time)"
    for unit in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        assert is_enabled(host, unit) == "enabled", f"{unit} is not enabled"
    window = read(host, "/etc/systemd/system/apt-daily-upgrade.timer.d/*.conf")
    assert f"OnCalendar=*-*-* {baseline.upgrade_time}:00" in window, "upgrade timer is not set before the window"


def test_ssh_disabled(host: Any) -> None:
    states = {unit: is_enabled(host, unit) for unit in ("ssh.service", "ssh.socket", "sshd.service")}
    not_masked = {u: s for u, s in states.items() if s != "masked"}
    assert not not_masked, f"SSH not masked: {brief(not_masked)}"
    assert not host.socket("tcp://0.0.0.0:22").is_listening, "something listens on port 22"
    assert not host.process.filter(comm="sshd"), "sshd is running"


def test_kernel_hardening(host: Any, baseline: UserDataSettings, live: bool) -> None:
    configured: dict[str, str] = {}
    for line in active_lines(read(host, "/etc/sysctl.d/*.conf")):
        if "=" in line:
            key, value = (x.strip() for x in line.split("=", 1))
            configured[key.lstrip("-")] = value
    wrong = {k: configured.get(k, "<unset>") for k, v in baseline.sysctls.items() if configured.get(k) != v}
    assert not wrong, f"sysctl.d differs from the baseline: {brief(wrong)}"
    if live:
        running = {k: host.run("sysctl -n %s", k) for k in baseline.sysctls}
        wrong = {k: r.stdout.strip() for k, r in running.items() if r.rc == 0 and r.stdout.strip() != baseline.sysctls[k]}
        assert not wrong, f"running kernel differs from the baseline: {brief(wrong)}"


def test_app_service(host: Any, baseline: UserDataSettings, live: bool) -> None:
    unit = host.file(f"/etc/systemd/system/{baseline.unit}")
    assert unit.exists, f"{baseline.unit} is not installed"
    text = unit.content_string
    assert f"User={baseline.app_user}" in text and "User=root" not in text, "the application runs as root"
    assert "NoNewPrivileges=yes" in text, "the application may gain privileges (NoNewPrivileges)"
    assert is_enabled(host, baseline.unit) == "enabled", f"{baseline.unit} is not enabled"
    assert host.user(baseline.app_user).exists, f"user {baseline.app_user} missing"
    if live:
        assert is_active(host, baseline.unit) == "active", f"{baseline.unit} is not running"


def test_nginx_tls_config(host: Any, live: bool) -> None:
    assert is_enabled(host, "nginx.service") == "enabled", "nginx is not enabled"
    test = host.run("nginx -t")
    assert test.rc == 0, f"nginx -t: {test.stderr.strip()}"
    dump = host.run("nginx -T 2>/dev/null").stdout
    protocols = [line.strip() for line in dump.splitlines() if line.strip().startswith("ssl_protocols")]
    assert protocols, "no ssl_protocols in the nginx configuration"
    weak = [p for p in protocols if set(p.rstrip(";").split()[1:]) - {"TLSv1.2", "TLSv1.3"}]
    assert not weak, f"nginx allows protocols below TLS 1.2: {weak}"
    if live:
        assert is_active(host, "nginx.service") == "active", "nginx is not running"


def test_log_shipping_config(host: Any, baseline: UserDataSettings) -> None:
    path = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
    f = host.file(path)
    assert f.exists, f"{path} missing"
    cfg = json.loads(f.content_string)
    collected = cfg["logs"]["logs_collected"]["files"]["collect_list"]
    groups = {c["log_group_name"] for c in collected}
    assert groups == {baseline.log_group}, f"logs go to {sorted(groups)}, not {baseline.log_group}"
    shipped = {c["file_path"] for c in collected}
    for needed in ("/var/log/audit/audit.log", baseline.app_log):
        assert needed in shipped, f"{needed} is not shipped"


def test_aws_agents(host: Any, baseline: UserDataSettings, live: bool) -> None:
    if not baseline.install_aws_agents:
        pytest.skip("baseline built without AWS agents (install_aws_agents=false)")
    for unit in ("amazon-ssm-agent.service", "amazon-cloudwatch-agent.service"):
        assert is_enabled(host, unit) == "enabled", f"{unit} is not enabled"
        if live:
            assert is_active(host, unit) == "active", f"{unit} is not running"
