"""`siaga check` exit codes: 0 clean, 1 mandatory violation, 2 could not run (one clear line)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from tests.conftest import PROGRAMS, REPO
from tests.test_analyzer import _pack_processes

SOON = (dt.date.today() + dt.timedelta(days=90)).isoformat()  # within the 180-day waiver limit

PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.output


def test_clean_program_exits_0_with_advisories_shown() -> None:
    code, out = _check(str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK))
    assert code == 0, out
    assert "checkclean/dev: passed: 0 mandatory, 2 advisory" in out and "owner-tag" in out


def test_mandatory_violation_exits_1_and_json_goes_to_stdout() -> None:
    code, out = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["mandatory"] == 3


def test_policy_config_can_waive_nothing_but_change_levels(tmp_path: Path) -> None:
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"all": "advisory"}))
    code, out = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "--policy-config", str(cfg))
    assert code == 0 and "0 mandatory, 5 advisory" in out


def test_policy_that_raises_fails_the_check_with_the_error_named() -> None:
    code, out = _check(str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK),
                       "-c", "checkclean:unused=1", "--format", "json",
                       "--policy-config", str(REPO / "tests" / "fixtures" / "packs" / "explode-queues.json"))
    assert code == 1
    data = json.loads(out)
    errors = data["summary"]["errors_detail"]
    assert [(e["policy"], e["name"]) for e in errors] == [("explode", "plain")]
    assert "explode: refusing plain" in errors[0]["message"]


@pytest.mark.parametrize(("args", "needle"), [
    ([str(PROGRAMS / "broken"), "-p", str(PACK)], "ValueError: the program author made a mistake"),
    ([str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PROGRAMS)], "no PulumiPolicy.yaml"),
    ([str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK), "--format", "html"], "--format 'html': allowed"),
    ([str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK), "--policy-config", "/nonexistent.json"],
     "--policy-config /nonexistent.json: no such file"),
    ([str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK), "--report", "pdf=x.pdf"], "--report 'pdf=x.pdf'"),
    ([str(PROGRAMS / "check_clean"), "-s", "nostack", "-p", str(PACK)], "nostack"),
])
def test_could_not_run_exits_2_with_one_line(args: list[str], needle: str) -> None:
    code, out = _check(*args)
    assert code == 2, out
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out
    assert not _pack_processes(PACK)  # servers started early are killed when the program fails


def test_expired_waiver_exits_2_naming_the_entry(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("- {policy: bucket-prefix, urn: '*', reason: old, approver: x, expires: 2020-01-01}\n")
    code, out = _check(str(PROGRAMS / "check_clean"), "-s", "dev", "-p", str(PACK), "--waivers", str(waivers))
    assert code == 2 and "entry 1 (policy bucket-prefix, urn *) expired on 2020-01-01" in out


def test_waiver_turns_the_only_mandatory_violation_into_a_pass(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("""waivers:
  - {policy: bucket-prefix, urn: '*::bad', reason: legacy, approver: x, expires: SOON}
  - {policy: buckets-protected, urn: '*::bad', reason: legacy, approver: x, expires: SOON}
  - {policy: provider-region, urn: '*::db', reason: DR copy, approver: y, expires: SOON}
""".replace("SOON", SOON))
    code, out = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "--waivers", str(waivers))
    assert code == 0 and "passed: 0 mandatory, 2 advisory, 3 waived" in out


@pytest.mark.skipif(not (REPO / "policies" / "PulumiPolicy.yaml").is_file(), reason="policies/ not there yet")
@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_reference_stacks_pass_the_repository_pack(stack: str) -> None:
    code, out = _check("--stack", stack, "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["summary"]["mandatory"] == 0 and data["summary"]["errors"] == 0
    assert data["summary"]["policies"] > 0 and data["resources"] > 1
