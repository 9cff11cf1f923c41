"""drill validates --connect-to, --port and --ca-file before anything starts, dry run or not (one line, exit 2);
siaga new refuses a domain the stack's program would refuse (no parent zone to create) before writing anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from siaga.drill import DrillError, check_endpoint_options

ROOT = Path(__file__).resolve().parent.parent


class TestDrillOptions:
    @pytest.mark.parametrize(("args", "expected"), [
        ({"connect_to": "evil.example"}, "--connect-to 'evil.example': not an IP address"),
        ({"connect_to": "10.0.0.1; rm -rf /"}, "not an IP address"),
        ({"port": 70000}, "--port 70000: allowed: 1-65535"),
        ({"port": 0}, "--port 0: allowed: 1-65535"),
        ({"ca_file": "/nonexistent/ca.pem"}, "--ca-file /nonexistent/ca.pem: no such file"),
        ({"ca_file": "/tmp"}, "is a folder"),
        ({"ca_file": "/etc/hostname"}, "no PEM certificate"),
    ])
    def test_refused_in_one_line(self, args: dict, expected: str) -> None:
        full = {"connect_to": None, "port": None, "ca_file": None, **args}
        with pytest.raises(DrillError) as info:
            check_endpoint_options(**full)
        assert expected in str(info.value) and "\n" not in str(info.value)

    def test_good_values_pass(self) -> None:
        check_endpoint_options("203.0.113.10", 8443, None)
        check_endpoint_options("2001:db8::1", 1, None)
        check_endpoint_options(None, 65535, "/etc/ssl/certs/ca-certificates.crt")

    @pytest.mark.parametrize("extra", [["--connect-to", "evil.example"], ["--port", "70000"],
                                       ["--ca-file", "/nonexistent/ca.pem"]])
    def test_dry_run_refuses_before_the_program_runs(self, extra: list[str]) -> None:
        done = subprocess.run([sys.executable, "-m", "siaga", "drill", "lose-az", "--stack", "jakarta-prod", "--dry-run",
                               *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and extra[0] in lines[0], done.stderr


class TestNewDomain:
    @pytest.mark.parametrize("domain", ["evil.com", "contoh.go"])
    def test_a_domain_without_a_parent_zone_is_refused_before_writing(self, tmp_path: Path, domain: str) -> None:
        (tmp_path / "Pulumi.jakarta-prod.yaml").write_bytes((ROOT / "stacks/Pulumi.jakarta-prod.yaml").read_bytes())
        before = sorted(p.name for p in tmp_path.iterdir())
        done = subprocess.run([sys.executable, "-m", "siaga", "new", "dukcapil", "--service", "adminduk", "--domain",
                               domain, "--owner", "pusdatin-dukcapil", "--cost-centre", "123456", "--contact-email",
                               "ttis@dukcapil.go.id", "--standby", "standby.dukcapil.go.id", "--contact-phone",
                               "+62-21-1234-5678", "--agency-name", "Direktorat Jenderal Kependudukan",
                               "--approver", "Kepala Pusat Data", "--stacks-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and f"--domain {domain!r}" in lines[0], done.stderr
        assert "three labels" in lines[0]
        assert sorted(p.name for p in tmp_path.iterdir()) == before
