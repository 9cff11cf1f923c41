"""What a pull request's reviewer gets from ``siaga check --base``: findings at the changed stack-file line, split
new / unchanged / fixed, the plan diff with data loss (rename, re-parent, replace-forcing change) as mandatory
findings unless an alias keeps the resource, one comment for all stacks, the same counts in every format."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from siaga.cli import app
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"

PROGRAM = '''import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
aws.s3.BucketV2("data", bucket=cfg.get("bucketName") or "siaga-data", opts=pulumi.ResourceOptions(protect=True))
aws.s3.BucketV2("logs", bucket=cfg.get("logsName") or "legacy-logs", opts=pulumi.ResourceOptions(protect=True))
parent = pulumi.ComponentResource("prcheck:index:Store", "store") if cfg.get_bool("wrap") else None


def aliases(key):
    return [pulumi.Alias(name=a.get("name", ...), parent=None if a.get("noParent") else ...)
            for a in cfg.get_object(key) or []]


aws.rds.Instance(cfg.get("dbName") or "orders", allocated_storage=20, instance_class="db.t3.micro", engine="postgres",
                 storage_encrypted=True, identifier=cfg.get("dbIdentifier") or "orders-db",
                 opts=pulumi.ResourceOptions(protect=True, parent=parent, aliases=aliases("dbAliases")))
aws.kms.Key(cfg.get("keyName") or "data-key", enable_key_rotation=True,
            opts=pulumi.ResourceOptions(protect=True, aliases=aliases("keyAliases")))
aws.backup.Vault(cfg.get("vaultName") or "vault", opts=pulumi.ResourceOptions(protect=True,
                 aliases=aliases("vaultAliases")))
'''

BASE_STACK = """config:
  aws:region: ap-southeast-3
  prcheck:bucketName: siaga-data
  prcheck:logsName: legacy-logs
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding a program and its stack file, committed: the pull request's base."""
    root = tmp_path_factory.mktemp("prrepo")
    (root / "Pulumi.yaml").write_text("name: prcheck\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text(BASE_STACK)
    (root / "__main__.py").write_text(PROGRAM)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    return root


def _check(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args], env=env)
    return result.exit_code, result.output


def _reports(tmp: Path, program: Path, *extra: str, env: dict[str, str] | None = None
             ) -> tuple[int, str, dict[str, str]]:
    tmp.mkdir(parents=True, exist_ok=True)
    args = [str(program), "-s", "dev", "-p", str(PACK), "--format", "json", "--output", str(tmp / "r.json"), *extra]
    for fmt in ("sarif", "junit", "markdown", "text"):
        args += ["--report", f"{fmt}={tmp / ('r.' + fmt)}"]
    code, out = _check(*args, env=env)
    return code, out, {f: (tmp / f"r.{f}").read_text() for f in ("json", "sarif", "junit", "markdown", "text")}


def _pr(repo: Path, tmp: Path, stack: str) -> Path:
    """The pull request: a copy of the base checkout (same git history) whose stack file is ``stack``."""
    work = tmp / "pr"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(repo, work)
    (work / "Pulumi.dev.yaml").write_text(stack)
    return work


def _blocking_everywhere(out: dict[str, str]) -> int:
    """The blocking count as each format says it; asserts they agree."""
    data = json.loads(out["json"])
    junit = ET.fromstring(out["junit"])
    sarif = json.loads(out["sarif"])["runs"][0]
    errors = [r for r in sarif["results"] if r["level"] == "error" and "suppressions" not in r]
    n = data["summary"]["blocking"]
    assert int(junit.get("failures")) + int(junit.get("errors")) == n
    assert len(errors) == n
    assert data["report"]["summary"]["blocking"] == n
    md = out["markdown"]
    assert (f"❌ {n} blocking finding" in md) if n else ("✅ passed" in md)
    assert sum(r.summary.blocking for r in [_model(out)]) == n
    return n


def _model(out: dict[str, str]):  # noqa: ANN202
    from siaga.report_model import Report

    return Report.model_validate(json.loads(out["json"])["report"])


def test_stack_file_only_change_is_located_at_its_changed_line_and_split_against_the_base(
        repo: Path, tmp_path: Path) -> None:
    pr_stack = BASE_STACK.replace("siaga-data", "legacy-data").replace("legacy-logs", "siaga-logs")
    work = _pr(repo, tmp_path, pr_stack)
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "agency/infra",
           "SIAGA_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567"}
    code, output, out = _reports(tmp_path / "r", work, "--base", "main", env=env)
    assert code == 1, output
    data = json.loads(out["json"])
    by = {(v["policy"], v["name"]): v for v in data["violations"]}
    new = by[("bucket-prefix", "data")]
    assert new["status"] == "new"
    assert new["config"]["key"] == "prcheck:bucketName" and new["config"]["value"] == "legacy-data"
    assert new["config"]["file"] == "Pulumi.dev.yaml" and new["config"]["line"] == 3
    assert pr_stack.splitlines()[2] == "  prcheck:bucketName: legacy-data"
    assert [(f["policy"], f["name"], f.get("status")) for f in data["fixed"]] == [
        ("bucket-prefix", "logs", "fixed")]
    # renaming a bucket (its `bucket` input forces a new one) loses its data: new mandatory findings too
    replaced = {v["name"]: v for v in data["violations"] if v["policy"] == "stateful-resource-replaced"}
    assert set(replaced) == {"data", "logs"}
    assert replaced["logs"]["config"]["key"] == "prcheck:logsName" and replaced["logs"]["config"]["line"] == 4
    assert replaced["logs"]["source"] == {"file": "__main__.py", "line": 6}
    assert all(v["config"]["line"] in (3, 4) for v in data["violations"] if v["status"] == "new")
    assert data["summary"]["new"] == 3 and data["summary"]["fixed"] == 1
    # SARIF: at the stack file's changed line, the code declaration as a related location, baselineState new
    schema = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.loads(out["sarif"]))
    sarif = json.loads(out["sarif"])["runs"][0]
    result = next(r for r in sarif["results"] if r["properties"]["urn"].endswith("::data")
                  and r["ruleId"] == "check-pack/bucket-prefix")
    phys = result["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "Pulumi.dev.yaml" and phys["region"]["startLine"] == 3
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "__main__.py"
    assert result["baselineState"] == "new" and "prcheck:bucketName=legacy-data" in result["message"]["text"]
    # the comment names the key, links the line on the forge, lists the fixed one collapsed
    md = out["markdown"]
    assert "`prcheck:bucketName=legacy-data`" in md
    assert ("(https://github.com/agency/infra/blob/0123456789abcdef0123456789abcdef01234567/Pulumi.dev.yaml#L3)"
            in md)
    assert "✅ Fixed against the base (1)" in md
    failures = [el.text or "" for el in ET.fromstring(out["junit"]).iter("failure")]
    assert any("config: prcheck:bucketName=legacy-data (Pulumi.dev.yaml:3)" in t for t in failures)
    assert "prcheck:bucketName=legacy-" in out["text"]
    assert _blocking_everywhere(out) == 3
    for text in out.values():
        assert str(tmp_path) not in text and str(REPO) not in text  # no absolute path in any report


def test_unchanged_violations_do_not_fail_the_new_gate_but_do_the_absolute_one(repo: Path, tmp_path: Path) -> None:
    work = _pr(repo, tmp_path, BASE_STACK + "  prcheck:unused: x\n")  # the base's legacy-logs violation stays
    code, output, out = _reports(tmp_path / "new", work, "--base", "main")
    assert code == 0, output
    data = json.loads(out["json"])
    assert data["summary"]["mandatory"] == 1 and data["summary"]["unchanged"] == 1 and data["summary"]["new"] == 0
    assert _blocking_everywhere(out) == 0
    sarif = json.loads(out["sarif"])["runs"][0]
    assert {r["level"] for r in sarif["results"]} == {"note"}  # in the base already: no error annotation
    code, _, out = _reports(tmp_path / "abs", work, "--base", "main", "--gate", "absolute")
    assert code == 1 and _blocking_everywhere(out) == 1


@pytest.fixture(scope="module")
def base_report(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base's JSON report, as a workflow saves it from the base branch's run."""
    out = tmp_path_factory.mktemp("base") / "base.json"
    code, output = _check(str(repo), "-s", "dev", "-p", str(PACK), "--format", "json", "--output", str(out))
    assert code == 1, output  # legacy-logs
    return out


def _lost(out: dict[str, str]) -> list[dict]:
    return [v for v in json.loads(out["json"])["violations"] if v["pack"] == "siaga-plan"]


@pytest.mark.parametrize(("stack_lines", "lost"), [
    # renamed database, key and vault without an alias: three deletions of stateful resources
    (["prcheck:dbName: orders-v2", "prcheck:keyName: main-key", "prcheck:vaultName: backups"],
     {("orders", 'aliases=[pulumi.Alias(name="orders")]'), ("data-key", 'aliases=[pulumi.Alias(name="data-key")]'),
      ("vault", 'aliases=[pulumi.Alias(name="vault")]')}),
    # the same renames with the aliases that keep them: nothing lost
    (["prcheck:dbName: orders-v2", "prcheck:dbAliases: [{name: orders}]", "prcheck:keyName: main-key",
      "prcheck:keyAliases: [{name: data-key}]", "prcheck:vaultName: backups",
      "prcheck:vaultAliases: [{name: vault}]"], set()),
    # re-parented under a component without an alias
    (["prcheck:wrap: true"], {("orders", "aliases=[pulumi.Alias(parent=None)]")}),
    # re-parented with the alias saying it had no parent
    (["prcheck:wrap: true", "prcheck:dbAliases: [{noParent: true}]"], set()),
])
def test_renamed_or_reparented_stateful_resource_is_data_loss_unless_aliased(
        repo: Path, tmp_path: Path, base_report: Path, stack_lines: list[str], lost: set[tuple[str, str]]) -> None:
    work = _pr(repo, tmp_path, BASE_STACK + "".join(f"  {line}\n" for line in stack_lines))
    code, output, out = _reports(tmp_path / "r", work, "--base-report", str(base_report))
    found = _lost(out)
    assert {(f["name"], next(s for _, s in lost if s in f["message"]) if lost else "") for f in found} == lost
    assert all(f["policy"] == "stateful-resource-deleted" and f["enforcement"] == "mandatory" for f in found)
    assert code == (1 if lost else 0), output
    plan = json.loads(out["json"])["plan_diff"]
    assert len(plan["delete"]) == len(lost)
    if not lost:  # carried over by the alias: an update of the same resource, not a create and a delete
        assert plan["create"] == [] or all(s["type"] == "prcheck:index:Store" for s in plan["create"])
    md = out["markdown"]
    if lost:
        assert md.splitlines()[5].endswith(f"| {len(lost)} |")  # the summary's delete column
        assert "stateful-resource-deleted" in md
    assert _blocking_everywhere(out) == len(lost)


def test_replace_forcing_input_of_a_database_is_data_loss(repo: Path, tmp_path: Path, base_report: Path) -> None:
    work = _pr(repo, tmp_path, BASE_STACK + "  prcheck:dbIdentifier: orders-db-2\n")
    code, _, out = _reports(tmp_path / "r", work, "--base-report", str(base_report))
    found = _lost(out)
    assert [(f["policy"], f["name"]) for f in found] == [("stateful-resource-replaced", "orders")]
    assert "identifier changed" in found[0]["message"] and code == 1
    plan = json.loads(out["json"])["plan_diff"]
    assert [s["name"] for s in plan["replace"]] == ["orders"] and plan["delete"] == []


def test_comment_for_a_dozen_resources_with_thirty_findings_is_small_and_counts_agree(tmp_path: Path) -> None:
    code, output, out = _reports(tmp_path, PROGRAMS / "pr_thirty")
    assert code == 1, output
    data = json.loads(out["json"])
    s = data["summary"]
    assert s["mandatory"] + s["advisory"] + s["remediate"] == 30 and data["resources"] <= 16
    assert len(out["markdown"].encode()) < 12_000
    assert _blocking_everywhere(out) == s["mandatory"] == 18
    assert "siaga check prthirty/dev: FAILED: 18 mandatory" in out["text"]
    md = out["markdown"]
    assert md.count("Rename the bucket so it starts with the prefix.") == 1  # once per policy, not per finding
    assert "urn:pulumi:" not in md
    # one version string from PulumiPolicy.yaml, in every format
    assert "check-pack@\u20601.2.3" in md or "check-pack@1.2.3" in md
    assert "check-pack@1.2.3" in out["text"] and "check-pack@1.2.3" in data["summary"]["packs"]
    assert any(p.get("value") == "check-pack@1.2.3" for p in ET.fromstring(out["junit"]).iter("property"))
    sarif = json.loads(out["sarif"])["runs"][0]
    assert sarif["properties"]["packs"] == ["check-pack@1.2.3"]
    assert all(r["properties"]["packVersion"] == "1.2.3" for r in sarif["tool"]["driver"]["rules"])


def test_one_comment_for_all_stacks(tmp_path: Path) -> None:
    first = tmp_path / "a"
    _reports(first, PROGRAMS / "pr_thirty")
    second = tmp_path / "b"
    _reports(second, PROGRAMS / "check_violation")
    result = CliRunner().invoke(app, ["comment", str(first / "r.json"), str(second / "r.json"),
                                      "-o", str(tmp_path / "c.md")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "c.md").read_text()
    assert md.startswith("<!-- siaga-check -->\n## Siaga policy check: ❌ 21 blocking findings (2 stacks)")
    table = md.split("\n\n")[1]
    assert "`checkviolation/dev`" in table and "`prthirty/dev`" in table  # summary first, both stacks
    assert md.index("### `checkviolation/dev`") > md.index("| `prthirty/dev`")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = CliRunner().invoke(app, ["comment", str(bad)])
    assert result.exit_code == 2 and "not a JSON report of siaga check" in result.output


def test_comment_size_limit_drops_detail_keeps_every_stack_summary(tmp_path: Path) -> None:
    from siaga.reporters.markdown import render_many

    _reports(tmp_path, PROGRAMS / "pr_thirty")
    report = _model({"json": (tmp_path / "r.json").read_text()})
    md = render_many([report] * 3, limit=3_000)
    assert len(md) <= 3_000 or "Detail left out" in md
    assert md.count("| `prthirty/dev` | ❌ 18 mandatory findings |") == 3


def _state(path: Path) -> Path:
    """The deployed stack as `pulumi stack export` writes it: the database, the key and the vault of the base."""
    stack = "urn:pulumi:dev::prcheck::pulumi:pulumi:Stack::prcheck-dev"
    provider = "urn:pulumi:dev::prcheck::pulumi:providers:aws::default_7_0_0"

    def res(typ: str, name: str, inputs: dict) -> dict:
        return {"urn": f"urn:pulumi:dev::prcheck::{typ}::{name}", "custom": True, "type": typ, "id": f"{name}-id",
                "parent": stack, "provider": f"{provider}::p-id", "protect": True, "inputs": inputs, "outputs": inputs}

    resources = [
        {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": provider, "custom": True, "type": "pulumi:providers:aws", "id": "p-id",
         "inputs": {"region": "ap-southeast-3"}, "outputs": {"region": "ap-southeast-3"}},
        res("aws:rds/instance:Instance", "orders", {"identifier": "orders-db", "engine": "postgres",
                                                     "storageEncrypted": True}),
        res("aws:kms/key:Key", "data-key", {"enableKeyRotation": True}),
        res("aws:backup/vault:Vault", "vault", {}),
    ]
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    return path


def test_plan_diff_against_the_deployed_state(repo: Path, tmp_path: Path) -> None:
    state = _state(tmp_path / "state.json")
    work = _pr(repo, tmp_path, BASE_STACK + "  prcheck:dbName: orders-v2\n")
    code, output, out = _reports(tmp_path / "r", work, "--deployed", str(state))
    assert code == 1, output
    found = _lost(out)
    assert [(f["policy"], f["name"]) for f in found] == [("stateful-resource-deleted", "orders")]
    assert 'pulumi.Alias(name="orders")' in found[0]["message"]
    plan = json.loads(out["json"])["plan_diff"]
    assert plan["against"] == "the deployed state state.json"
    assert [s["name"] for s in plan["delete"]] == ["orders"]
    assert {s["name"] for s in plan["create"]} >= {"orders-v2", "data", "logs"}  # not deployed yet
    assert "data-key" not in {s["name"] for s in plan["create"] + plan["delete"] + plan["replace"]}
    assert _blocking_everywhere(out) == 1 + 1  # the data loss and the base's legacy-logs bucket (no base given)
    code, output = _check(str(work), "-s", "dev", "-p", str(PACK), "--deployed", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in output


def test_bad_base_is_one_line_and_the_temporary_worktree_is_always_removed(repo: Path, tmp_path: Path) -> None:
    work = _pr(repo, tmp_path, BASE_STACK)
    for ref in ("no-such-branch", "--upload-pack=touch /tmp/x"):
        code, output = _check(str(work), "-s", "dev", "-p", str(PACK), "--base", ref)
        assert code == 2 and len([ln for ln in output.splitlines() if ln.strip()]) == 1, output
        assert "not" in output and "Traceback" not in output
    code, output = _check(str(work), "-s", "dev", "-p", str(PACK), "--base", "main", "--base-report", "x.json")
    assert code == 2 and "give one" in output
    code, _ = _check(str(work), "-s", "dev", "-p", str(PACK), "--base", "main", "-f", "json")
    listed = subprocess.run(["git", "-C", str(work), "worktree", "list", "--porcelain"], capture_output=True,
                            text=True, check=True).stdout
    assert listed.count("worktree ") == 1  # only the checkout itself


def test_low_advisories_and_unverifiable_ones_collapse_to_one_line_each() -> None:
    from siaga.report_model import Report, ReportFinding, Summary
    from siaga.reporters.markdown import render

    def f(policy: str, i: int, severity: str, message: str) -> ReportFinding:
        return ReportFinding(pack="p", policy=policy, enforcement="advisory", severity=severity, urn=f"urn:{i}",
                             name=f"r{i}", type="t", message=message, description="d", remediation="fix it")

    findings = ([f("global-only", i, "low", "a global service") for i in range(20)]
                + [f("flow-logs", i, "high", f"cannot be verified before deployment: vpcId of r{i}")
                   for i in range(5)] + [f("waf", 1, "high", "no web ACL")])
    report = Report(stack="s", project="p", program="/tmp", resources=26, findings=findings,
                    summary=Summary(resources=26, policies=3, evaluations=26, mandatory=0, advisory=26,
                                    remediate=0, errors=0, waived=0, passed=True, exit_code=0))
    report.refresh_summary()
    md = render(report)
    assert "<details><summary>Low-severity advisories (20)</summary>" in md
    assert "<details><summary>Cannot be verified before deployment (5)</summary>" in md
    assert "<details><summary>⚠️ Advisory (1)</summary>" in md
    assert md.count("- `p/global-only` (20): `r0`, `r1`, `r2` and 17 more") == 1
    assert "high" not in md and "####" not in md  # no advisory row, no severity shown as if it were a violation
