"""Hardening: residency without blind spots, nothing half-written or overwritten, no path from a stack name,
one line for every bad flag. Each test drives the real command or function."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.documents import residency, write_reports
from siaga.documents.topology import analyse
from siaga.engine import run_program, run_stack
from siaga.engine.preview import REPO_ROOT

CLOUDS = REPO_ROOT / "tests/fixtures/programs/policy_cases_residency_clouds"
FLAGS = ["--contact-phone", "+62-21-1234-5678", "--agency-name", "Direktorat Jenderal Kependudukan dan Pencatatan Sipil",
         "--approver", "Kepala Pusat Data dan Informasi",
         "--service", "adminduk", "--domain", "adminduk.dukcapil.go.id", "--owner", "pusdatin-dukcapil",
         "--cost-centre", "123456", "--contact-email", "ttis@dukcapil.go.id", "--standby", "standby.dukcapil.go.id",
         "--standby-ip", "198.51.100.40"]  # the standby name lies in the stack's zone: answered there


def test_residency_evidence_counts_other_clouds_and_never_an_unestablished_location(tmp_path: Path) -> None:
    graph = run_program(CLOUDS, stack="dev")
    rows = {r.name: r for r in residency.rows(analyse(graph))}
    assert rows["pass-other-cloud-location-allowed-gcs"].inCountry == "yes"
    assert rows["pass-other-cloud-location-allowed-default-provider"].region == "asia-southeast2"
    assert rows["fail-other-cloud-location-allowed-multiregion"].inCountry == "no"
    assert rows["fail-other-cloud-location-allowed-provider"].region == "us-central1"
    assert rows["fail-other-cloud-location-allowed-azure-unplaced"].inCountry == "not established"
    assert rows["fail-other-cloud-location-allowed-aws-native"].inCountry == "no"
    write_reports(graph, "dev", tmp_path, lang="en")  # the English texts below
    evidence = json.loads((tmp_path / "residency.json").read_text())
    outside = {r["name"] for r in evidence["resources"] if r["inCountry"] == "no"}
    assert evidence["outsideAllowedRegions"] == len(outside) >= 5
    assert evidence["locationNotEstablished"] == 1
    assert {(e["provider"], e["service"]) for e in evidence["endpointsOutside"]} == {
        ("fail-provider-region-allowed-endpoints", "sns"), ("fail-provider-region-allowed-custom-host", "s3")}
    md = (tmp_path / "residency.md").read_text()
    assert "cannot be established (not counted as in-country): **1**" in md
    assert "sns -> https://sns.us-east-1.amazonaws.com" in md


def test_residency_evidence_and_the_policy_agree(tmp_path: Path) -> None:
    """The document and the pack read one location table: what one calls outside, the other flags."""
    from siaga.analyzer import analyze

    graph = run_program(CLOUDS, stack="dev")
    flagged = {f.name for f in analyze(graph, packs=[REPO_ROOT / "policies"]).mandatory
               if f.policy == "other-cloud-location-allowed"}
    not_in = {r.name for r in residency.rows(analyse(graph)) if r.inCountry in ("no", "not established")}
    assert flagged == not_in and flagged


def test_report_writes_all_documents_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = run_stack("jakarta-staging")
    out = tmp_path / "reports" / "staging"
    write_reports(graph, "jakarta-staging", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import siaga.documents.pdf as pdf

    def broken(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf, "markdown_to_pdf", broken)
    with pytest.raises(OSError):
        write_reports(graph, "jakarta-staging", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old set, untouched
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".partial")]  # no staging left behind
    fresh = tmp_path / "reports" / "fresh"
    with pytest.raises(OSError):
        write_reports(graph, "jakarta-staging", fresh)
    assert not fresh.exists()


def test_two_reports_into_one_file_are_refused_before_running(tmp_path: Path) -> None:
    target = tmp_path / "r.out"
    done = CliRunner().invoke(app, ["check", "--stack", "jakarta-staging", "--report", f"json={target}",
                                    "--report", f"sarif={tmp_path}/../{tmp_path.name}/r.out"])
    assert done.exit_code == 2 and "one file per report" in done.output and not target.exists()


@pytest.mark.parametrize("stack", ["../../etc/passwd", "a/b", "..", "x" * 101, ".hidden/../x"])
def test_stack_names_are_not_paths(stack: str) -> None:
    for cmd in (["preview", "--stack", stack], ["report", "--stack", stack]):
        done = CliRunner().invoke(app, cmd)
        assert done.exit_code == 2, done.output
        assert "not a stack name" in done.output and "Traceback" not in done.output


def test_new_names_every_missing_flag_at_once(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["new", "dukcapil", "--service", "adminduk", "--force-no-input",
                                    "--stacks-dir", str(tmp_path)])
    assert done.exit_code == 2
    for flag in ("--domain", "--owner", "--cost-centre", "--contact-email", "--standby"):
        assert flag in done.output
    assert not list(tmp_path.iterdir())


def test_concurrent_new_one_writes_the_others_fail_in_one_line(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(p, stacks / p.name)
    argv = [sys.executable, "-m", "siaga", "new", "dukcapil", *FLAGS, "--force-no-input", "--vpc-cidr", "10.99.0.0/16",
            "--stacks-dir", str(stacks)]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
             for _ in range(8)]
    results = [(p.wait(120), p.stdout.read() + p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    for p in procs:
        p.stdout.close()  # type: ignore[union-attr]
        p.stderr.close()  # type: ignore[union-attr]
    assert sorted(code for code, _ in results) == [0] + [2] * 7, results
    for code, out in results:
        if code == 2:
            # the loser sees the winner's file: "already exists", or (if it read the stacks just after the file landed)
            # that its range is now taken by that very stack; either way one line, nothing written
            assert ("already exists" in out or "overlaps the siaga:vpcCidr of stack dukcapil-adminduk-prod" in out) \
                and "Traceback" not in out
            assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    written = sorted(p.name for p in stacks.iterdir() if "dukcapil" in p.name)
    assert written == ["Pulumi.dukcapil-adminduk-prod.yaml", "waivers.dukcapil-adminduk-prod.yaml"]
    assert not [p for p in stacks.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_program_timeout_stops_it_and_what_it_started(tmp_path: Path) -> None:
    prog = tmp_path / "slow"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: slow\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    pidfile = tmp_path / "child.pid"
    (prog / "__main__.py").write_text(
        "import subprocess, time\n"
        f"open({str(pidfile)!r}, 'w').write(str(subprocess.Popen(['sleep', '300']).pid))\n"
        "time.sleep(300)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "siaga", "check", str(prog), "--stack", "dev", "--timeout", "5"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "did not finish within 5 s" in done.stderr and "Traceback" not in done.stderr
    pid = int(pidfile.read_text())
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.1)
    pytest.fail("the program's child outlived the timeout")


def test_the_only_stack_file_is_used_and_several_need_stack(tmp_path: Path) -> None:
    """Stack selection like the CLI: a program with only Pulumi.dev.yaml is checked with its aws:region; with two
    stack files and no --stack, one line lists them."""
    (tmp_path / "Pulumi.yaml").write_text("name: sel\nruntime: python\n", encoding="utf-8")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text("import pulumi_aws as aws\naws.sqs.Queue('q')\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert done.exit_code == 0, done.output  # the queue is in ap-southeast-3: no residency violation
    (tmp_path / "Pulumi.test.yaml").write_text("config:\n  aws:region: us-east-1\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert done.exit_code == 2 and "several stacks (dev, test); give --stack NAME" in done.output
