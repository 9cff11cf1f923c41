"""`siaga check` conventions a reviewer knows: waivers found beside the stack file, --check/--skip-check listed as
deviations, --policy-pack-config, --quiet; and the stack-file key behind a finding (provenance), with and without a
base."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.provenance import changed_keys, declared_source, key_lines, shown_values
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"
SOON = (dt.date.today() + dt.timedelta(days=90)).isoformat()


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.output


def _program(tmp_path: Path) -> Path:
    prog = tmp_path / "prog"
    shutil.copytree(PROGRAMS / "check_violation", prog)
    return prog


WAIVER = f"""waivers:
  - policy: check-pack/owner-tag
    urn: "urn:pulumi:*::checkviolation::aws:sqs/queue:Queue::*"
    reason: queues are tagged by the platform's tag policy
    approver: rina
    expires: {SOON}
"""


def test_waivers_beside_the_stack_file_are_used_and_stated_in_every_report(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    (prog / "waivers.dev.yaml").write_text(WAIVER)
    out = tmp_path / "out"
    args = [str(prog), "-s", "dev", "-p", str(PACK), "-f", "json", "-o", str(out / "r.json")]
    for fmt in ("sarif", "junit", "markdown", "text"):
        args += ["--report", f"{fmt}={out / ('r.' + fmt)}"]
    code, output = _check(*args)
    assert code == 1, output
    data = json.loads((out / "r.json").read_text())
    assert data["summary"]["waived"] == 1 and data["waivers"] == "waivers.dev.yaml"
    assert json.loads((out / "r.sarif").read_text())["runs"][0]["properties"]["waivers"] == "waivers.dev.yaml"
    assert 'name="waivers" value="waivers.dev.yaml"' in (out / "r.junit").read_text()
    assert "waivers `waivers.dev.yaml`" in (out / "r.markdown").read_text()
    assert "waivers: waivers.dev.yaml" in (out / "r.text").read_text()
    # --waivers overrides the convention
    other = tmp_path / "none.yaml"
    other.write_text("waivers: []\n")
    code, output = _check(str(prog), "-s", "dev", "-p", str(PACK), "-f", "json", "--waivers", str(other))
    assert json.loads(output)["summary"]["waived"] == 0 and json.loads(output)["waivers"] == "none.yaml"
    # a broken conventional file is refused like a given one: one line naming it, exit 2
    (prog / "waivers.dev.yaml").write_text("waivers: [{policy: x}]\n")
    code, output = _check(str(prog), "-s", "dev", "-p", str(PACK))
    assert code == 2 and len([ln for ln in output.splitlines() if ln.strip()]) == 1


def test_check_and_skip_check_select_policies_and_are_listed_as_deviations() -> None:
    code, output = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "-f", "json",
                          "--check", "bucket-prefix,check-pack/provider-region")
    data = json.loads(output)
    assert code == 1 and {v["policy"] for v in data["violations"]} == {"bucket-prefix", "provider-region"}
    weak = {d["policy"] for d in data["deviations"] if d["effect"] == "weakens"}
    assert {"buckets-protected", "queue-encrypted"} <= weak and "bucket-prefix" not in weak
    assert all("--check" in d["detail"] for d in data["deviations"])
    code, output = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "-f", "json",
                          "--skip-check", "bucket-prefix", "--skip-check", "buckets-protected,provider-region")
    data = json.loads(output)
    assert code == 0 and data["summary"]["mandatory"] == 0 and data["summary"]["weakened"] == 3
    code, output = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "--check", "nope")
    assert code == 2 and "--check nope: no such policy" in output


def test_policy_pack_config_is_an_alias_and_quiet_shows_violations_only(tmp_path: Path) -> None:
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"all": "advisory"}))
    code, output = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK),
                          "--policy-pack-config", str(cfg))
    assert code == 0 and "0 mandatory, 5 advisory" in output
    code, output = _check(str(PROGRAMS / "check_violation"), "-s", "dev", "-p", str(PACK), "--quiet")
    assert code == 1 and "bucket-prefix" in output
    assert "queue-encrypted" not in output and "plan:" not in output and "packs:" not in output


STACK = """config:
  aws:region: ap-southeast-3
  siaga:protectStatefulResources: false   # staging-like
  siaga:detection:
    enabled: false
    config: "off"
  siaga:standby:
    secret: {secure: AAABAC}
"""


def test_key_lines_give_each_key_its_line_nested_ones_too_and_never_a_secret() -> None:
    lines = key_lines(STACK, "siaga")
    assert lines["siaga:protectStatefulResources"].line == 3 and lines["siaga:protectStatefulResources"].value is False
    assert lines["siaga:detection.enabled"].line == 5 and lines["siaga:detection.config"].shown == "off"
    assert lines["siaga:standby.secret"].shown == "[secret]" and "AAABAC" not in json.dumps(shown_values(lines))
    assert key_lines("config: [unclosed", "siaga") == {}


def test_changed_keys_name_the_innermost_change_at_its_line() -> None:
    base = shown_values(key_lines(STACK, "siaga"))
    pr = STACK.replace("enabled: false", "enabled: true").replace("  siaga:protectStatefulResources: false   # "
                                                                  "staging-like\n", "")
    changed = changed_keys(base, key_lines(pr, "siaga"))
    assert [(c.path, c.line, c.shown) for c in changed] == [
        ("siaga:protectStatefulResources", 1, "(removed)"), ("siaga:detection.enabled", 4, "true")]
    assert changed_keys(None, key_lines("config:\n  a:b: 1\n", "p"))[0].path == "a:b"


def test_declared_source_needs_the_offending_value_as_the_program_saw_it() -> None:
    lines = key_lines(STACK, "siaga")
    cfg = {"siaga:protectStatefulResources": "false", "siaga:detection": '{"enabled": false, "config": "off"}'}
    rule, key, kl, shown = declared_source("protect-stateful", lines, "siaga", cfg, set())
    assert key == "siaga:protectStatefulResources" and kl is not None and kl.line == 3 and shown == "false"
    _, key, kl, _ = declared_source("security-hub-config-enabled", lines, "siaga", cfg, set())
    assert key == "siaga:detection.enabled" and kl.line == 5
    assert declared_source("protect-stateful", lines, "siaga", {"siaga:protectStatefulResources": "true"},
                           set()) is None
    # set with --config: named, without a line of the stack file
    _, _, kl, shown = declared_source("protect-stateful", {}, "siaga", cfg, set())
    assert kl is None and shown == "false"
    assert declared_source("protect-stateful", lines, "siaga", cfg, {"siaga:protectStatefulResources"}) is None


@pytest.fixture(scope="module")
def siaga_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's program with one line added to its production stack file, as an agency's PR does."""
    root = tmp_path_factory.mktemp("siaga")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "components", root / "components", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "stacks").mkdir()
    text = (REPO / "stacks" / "Pulumi.jakarta-prod.yaml").read_text()
    marker = "  siaga:azCount:"
    (root / "stacks" / "Pulumi.jakarta-prod.yaml").write_text(
        text.replace(marker, "  siaga:protectStatefulResources: false\n" + marker, 1))
    os.symlink((REPO / ".venv").resolve(), root / ".venv")
    return root


def test_the_config_model_names_the_key_behind_protect_stateful_without_a_base(siaga_copy: Path,
                                                                               tmp_path: Path) -> None:
    stack_file = siaga_copy / "stacks" / "Pulumi.jakarta-prod.yaml"
    line = stack_file.read_text().splitlines().index("  siaga:protectStatefulResources: false") + 1
    out = tmp_path / "r"
    code, output = _check(str(siaga_copy), "-s", "jakarta-prod", "--check", "protect-stateful", "-f", "json",
                          "-o", str(out / "r.json"), "--report", f"sarif={out / 'r.sarif'}",
                          "--report", f"markdown={out / 'r.md'}")
    assert code == 1, output
    data = json.loads((out / "r.json").read_text())
    found = [v for v in data["violations"] if v["policy"] == "protect-stateful"]
    assert len(found) >= 10
    assert all(v["config"] == {"key": "siaga:protectStatefulResources", "value": "false",
                               "file": "stacks/Pulumi.jakarta-prod.yaml", "line": line, "how": "declared",
                               "why": "sets protect=False on every data store, key and vault", "others": []}
               for v in found)
    sarif = json.loads((out / "r.sarif").read_text())["runs"][0]
    locs = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in sarif["results"]}
    assert locs == {("stacks/Pulumi.jakarta-prod.yaml", line)}
    rule = next(r for r in sarif["tool"]["driver"]["rules"] if r["name"] == "protect-stateful")
    assert rule["shortDescription"]["text"] == "Stateful resources protected"
    md = (out / "r.md").read_text()
    assert f"Caused by the stack file: set by `siaga:protectStatefulResources=false` at " \
           f"`stacks/Pulumi.jakarta-prod.yaml:{line}`" in md


def test_every_sarif_help_uri_points_at_an_anchor_of_the_pack_readme(tmp_path: Path) -> None:
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "agency/infra", "GITHUB_SHA": "a" * 40}
    result = CliRunner().invoke(app, ["check", "--stack", "jakarta-staging", "-f", "sarif", "--check",
                                      "protect-stateful,rds-multi-az,resource-region-allowed"], env=env)
    sarif = json.loads(result.stdout if hasattr(result, "stdout") else result.output)
    readme = (REPO / "policies" / "README.md").read_text()
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == 3
    for rule in rules:
        uri = rule["helpUri"]
        assert uri == f"https://github.com/agency/infra/blob/{'a' * 40}/policies/README.md#{rule['name']}"
        assert f'<a id="{rule["name"]}"></a>' in readme
