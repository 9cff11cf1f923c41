"""`siaga check --all-stacks`: every stack file of a project checked, plus the cross-stack DNS rule (two stacks
claiming one name where a delegation needs it), exit 1 on any mandatory finding of either, bad input one line, exit 2.

The cross-stack rule is the pack's own (policies/siaga_rules/behaviour/_dns.py); tests/test_stacks_together.py
asserts its semantics on the reference graphs, these tests the command path around it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", "--all-stacks", *args])
    return result.exit_code, result.output


def _project(tmp_path: Path, stacks: dict[str, dict[str, str]]) -> Path:
    """The dns_two_stacks program with one stack file per entry (``dns:`` keys) in its stackConfigDir."""
    root = tmp_path / "prog"
    shutil.copytree(PROGRAMS / "dns_two_stacks", root)
    (root / "stacks").mkdir()
    for name, keys in stacks.items():
        lines = ["config:", "  aws:region: ap-southeast-3"] + [f"  dns:{k}: {v}" for k, v in keys.items()]
        (root / "stacks" / f"Pulumi.{name}.yaml").write_text("\n".join(lines) + "\n")
    return root


def test_the_reference_stacks_deploy_side_by_side_in_one_account() -> None:
    """Each stack passes alone, no DNS name is claimed twice and no account-, region- or globally-unique name is set
    by two stacks: hybrid-pdn names its resources contoh-layanan-pdn-prod-... (jakarta-prod: contoh-layanan-prod-...)
    and adopts the account's dms-vpc-role that jakarta-prod creates (docs/deploy-review-2.md, findings 1-2)."""
    code, out = _check("-q")
    assert code == 0, out
    for stack in ("hybrid-pdn", "jakarta-prod", "jakarta-staging"):
        assert f"siaga check siaga/{stack}: passed" in out
    assert "across stacks: siaga-cross-stack/dns-name-claimed-once: 0 findings" in out
    assert "across stacks: siaga-cross-stack/physical-name-claimed-once: 0 findings" in out
    assert "all stacks (3: hybrid-pdn, jakarta-prod, jakarta-staging): passed" in out


def test_a_zone_of_one_stack_at_another_stacks_cname_fails_naming_both(tmp_path: Path) -> None:
    root = _project(tmp_path, {"prod": {"zone": "contoh.go.id", "service": "layanan.contoh.go.id"},
                               "staging": {"zone": "layanan.contoh.go.id"}})
    code, out = _check(str(root), "-p", str(PACK), "-q")
    assert code == 1, out
    line = next(ln for ln in out.splitlines() if "claim one DNS name" in ln and ln.startswith("  mandatory"))
    assert "stacks prod and staging claim one DNS name layanan.contoh.go.id" in line
    assert "service (CNAME) in prod" in line and "zone (zone) in staging" in line
    assert "NS records" in line
    assert "all stacks (2: prod, staging): failed (prod)" in out
    # every stack keeps its own report; the finding is in the report of the stack holding the CNAME
    assert "dnstwostacks/staging: passed" in out and "dnstwostacks/prod: FAILED: 1 mandatory" in out


def test_two_stacks_creating_one_zone_each_get_the_finding_in_json(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a": {"zone": "contoh.go.id"}, "b": {"zone": "Contoh.go.id."}})
    code, out = _check(str(root), "-p", str(PACK), "--format", "json")
    assert code == 1, out
    data = json.loads(out)
    assert set(data["stacks"]) == {"a", "b"} and data["exitCode"] == 1
    pairs = {(f["stack"], f["otherStack"], f["name"]) for f in data["crossStack"]}
    assert pairs == {("a", "b", "contoh.go.id"), ("b", "a", "contoh.go.id")}
    for stack in ("a", "b"):
        found = [f for f in data["stacks"][stack]["report"]["findings"] if f["pack"] == "siaga-cross-stack"]
        assert len(found) == 1 and found[0]["enforcement"] == "mandatory" and "two hosted zones" in found[0]["message"]


def test_names_of_their_own_pass_and_sarif_goes_to_one_file_per_stack(tmp_path: Path) -> None:
    root = _project(tmp_path, {"prod": {"zone": "contoh.go.id", "service": "layanan.contoh.go.id"},
                               "staging": {"zone": "staging.contoh.go.id"}})
    out_dir = tmp_path / "reports"
    code, out = _check(str(root), "-p", str(PACK), "--format", "sarif", "--output", str(out_dir))
    assert code == 0, out
    assert sorted(p.name for p in out_dir.iterdir()) == ["prod.sarif", "staging.sarif"]
    sarif = json.loads((out_dir / "prod.sarif").read_text())
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "siaga-cross-stack/dns-name-claimed-once" in rules or "dns-name-claimed-once" in json.dumps(rules)
    assert "0 findings" in out


def test_an_account_wide_name_given_by_two_stacks_fails_and_differing_names_pass(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a": {"zone": "a.contoh.go.id", "role": "Shared-Role"},
                               "b": {"zone": "b.contoh.go.id", "role": "shared-role"}})  # IAM names ignore case
    code, out = _check(str(root), "-p", str(PACK), "--format", "json")
    assert code == 1, out
    found = json.loads(out)["crossStack"]
    assert [(f["policy"], f["stack"], f["otherStack"], f["kind"], f["name"]) for f in found] == \
        [("siaga-cross-stack/physical-name-claimed-once", "b", "a", "Role", "shared-role")]
    assert "AWS refuses the second create" in found[0]["message"]
    root = _project(tmp_path / "ok", {"a": {"zone": "a.contoh.go.id", "role": "a-role"},
                                      "b": {"zone": "b.contoh.go.id", "role": "b-role"}})
    code, out = _check(str(root), "-p", str(PACK), "-q")
    assert code == 0 and "physical-name-claimed-once: 0 findings" in out, out


def test_names_from_the_stack_files_are_inert_in_the_text_and_markdown_output(tmp_path: Path) -> None:
    evil = '"x\\e[2J\\e]8;;http://evil.example\\a-role"'  # YAML double-quoted: ESC and BEL in the name
    root = _project(tmp_path, {"a": {"zone": "a.contoh.go.id", "role": evil}, "b": {"zone": "b.contoh.go.id", "role": evil}})
    for fmt in ("text", "markdown"):
        code, out = _check(str(root), "-p", str(PACK), "--format", fmt)
        assert code == 1 and "claim one Role name x" in out and "evil.example" in out, out
        assert "\x1b" not in out and "\x07" not in out


@pytest.mark.parametrize(("args", "expected"), [
    (["-s", "jakarta-prod"], "--all-stacks and --stack"),
    (["--config", "siaga:agency=x"], "--all-stacks and --config"),
    (["--format", "junit"], "--format junit with --all-stacks"),
])
def test_bad_combinations_are_one_line_exit_2(args: list[str], expected: str) -> None:
    code, out = _check(*args)
    assert code == 2 and expected in out and len(out.strip().splitlines()) == 1, out


def test_a_folder_with_no_stack_files_is_one_line_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "prog"
    shutil.copytree(PROGRAMS / "dns_two_stacks", root)
    code, out = _check(str(root), "-p", str(PACK))
    assert code == 2 and "no Pulumi.<stack>.yaml" in out and len(out.strip().splitlines()) == 1, out
    code, out = _check(str(tmp_path / "nowhere"), "-p", str(PACK))
    assert code == 2 and "no Pulumi.yaml there" in out and len(out.strip().splitlines()) == 1, out
