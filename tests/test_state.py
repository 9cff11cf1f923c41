"""`siaga check --state FILE`: the policy pack on an existing deployment's `pulumi stack export`.

The fixture tests/fixtures/state/audit-v3.json has the shape of pulumi/pulumi sdk/go/common/apitype/core.go
(UntypedDeployment version 3, DeploymentV3, ResourceV3, OperationV2): a stack with a secret export, the default aws
provider, a component, an external (read) VPC, a KMS key, a live security group plus the old copy of it marked
``delete``, an RDS instance with unencrypted storage (mandatory finding) whose password is a secret (ciphertext in the
inputs, plaintext in the outputs and copied into a plain output), a queue pending replacement and a pending create.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine.model import SECRET_SIG, SIG_KEY
from siaga.engine.state import StateError, load_state
from tests.conftest import REPO

STATE = REPO / "tests" / "fixtures" / "state" / "audit-v3.json"
PASSWORD = "Sup3r-Secret-Passw0rd!"
CIPHERTEXT = "v1:QmFzZTY0Q2lwaGVydGV4dEhlcmU=:abc"
DB = "urn:pulumi:audit::layanan::siaga:data:Database$aws:rds/instance:Instance::citizen"
SG = "urn:pulumi:audit::layanan::siaga:data:Database$aws:ec2/securityGroup:SecurityGroup::db-sg"


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.output


RESOURCE_V3_KEYS = {
    "urn", "custom", "delete", "id", "type", "inputs", "outputs", "parent", "protect", "external", "dependencies",
    "initErrors", "provider", "propertyDependencies", "pendingReplacement", "additionalSecretOutputs", "aliases",
    "customTimeouts", "importID", "retainOnDelete", "deletedWith", "created", "modified", "sourcePosition",
    "ignoreChanges", "replaceOnChanges"}
"""The json names of apitype.ResourceV3 (pulumi/pulumi sdk/go/common/apitype/core.go)."""


def test_fixture_has_the_shape_of_the_apitype_sources() -> None:
    data = json.loads(STATE.read_text())
    assert set(data) == {"version", "deployment"} and data["version"] == 3
    deployment = data["deployment"]
    assert set(deployment) <= {"manifest", "secrets_providers", "resources", "pending_operations", "metadata"}
    assert set(deployment["manifest"]) <= {"time", "magic", "version", "plugins"}
    for r in deployment["resources"] + [op["resource"] for op in deployment["pending_operations"]]:
        assert set(r) <= RESOURCE_V3_KEYS, set(r) - RESOURCE_V3_KEYS
        assert {"urn", "custom", "type"} <= set(r)
    assert {op["type"] for op in deployment["pending_operations"]} <= {"creating", "updating", "deleting", "reading"}


def test_state_becomes_the_graph_a_program_run_gives() -> None:
    graph = load_state(STATE)
    assert (graph.project, graph.stack, graph.source, graph.preview) == ("layanan", "audit", "state", False)
    by = graph.by_urn()
    db = by[DB]
    assert (db.type, db.name, db.custom, db.id) == ("aws:rds/instance:Instance", "citizen", True, "citizen")
    assert db.parent == "urn:pulumi:audit::layanan::siaga:data:Database::citizen-db"
    assert db.provider and db.provider_urn == "urn:pulumi:audit::layanan::pulumi:providers:aws::default_7_51_1"
    assert db.options.protect and db.options.additionalSecretOutputs == ["password"]
    assert db.options.propertyDependencies == {"vpcSecurityGroupIds": [SG]}
    assert db.inputs["storageEncrypted"] is False and db.outputs["port"] == 5432
    assert db.source is not None and (db.source.file, db.source.line) == ("components/database.py", 42)
    # the live security group, not the old copy marked for deletion that shares its URN
    assert by[SG].id == "sg-0123456789abcdef0"
    # default providers are real resources of the state; their inputs are the stack's aws config
    provider = by[db.provider_urn]
    assert provider.synthesized and provider.inputs["region"] == "ap-southeast-3"
    assert graph.config["aws:region"] == "ap-southeast-3"
    vpc = graph.get("aws:ec2/vpc:Vpc", "existing-vpc")
    assert vpc.read and not db.read
    assert graph.exports["dbEndpoint"].endswith(":5432")
    assert [r.type for r in graph.resources].count("pulumi:pulumi:Stack") == 1


def test_deleted_pending_replacement_and_pending_creates_are_warned_not_analysed() -> None:
    graph = load_state(STATE)
    assert not any(r.type == "aws:sqs/queue:Queue" for r in graph.resources)
    assert not any(r.id == "sg-0fedcba9876543210" for r in graph.resources)
    warnings = "\n".join(graph.warnings)
    assert f"{SG}: marked for deletion" in warnings
    assert "aws:sqs/queue:Queue::jobs: pending replacement" in warnings
    assert "aws:s3/bucketV2:BucketV2::uploads: an interrupted create" in warnings and "pulumi refresh" in warnings


def test_secrets_are_redacted_everywhere_in_the_graph() -> None:
    graph = load_state(STATE)
    text = graph.model_dump_json()
    assert PASSWORD not in text and CIPHERTEXT not in text
    db = graph.by_urn()[DB]
    assert db.inputs["password"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}
    assert db.outputs["password"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}
    assert db.outputs["connectionHint"] == "postgres://app:[secret]@citizen"  # a plain copy of the secret
    assert graph.exports["adminPassword"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}


def test_version_2_takes_every_dependency_for_every_input(tmp_path: Path) -> None:
    """apitype ResourceV3's migration note: a V2 resource's dependencies affect every input property."""
    data = json.loads(STATE.read_text())
    data["version"] = 2
    for r in data["deployment"]["resources"]:
        r.pop("propertyDependencies", None)
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(data))
    db = load_state(path).by_urn()[DB]
    assert set(db.options.propertyDependencies) == set(db.inputs)
    assert all(v == sorted(db.options.dependencies) for v in db.options.propertyDependencies.values())


def test_check_state_finds_the_mandatory_violation_in_every_format_without_the_secret(tmp_path: Path) -> None:
    reports = {fmt: tmp_path / f"report.{fmt}" for fmt in ("markdown", "sarif", "junit", "json")}
    code, out = _check("--state", str(STATE), *[a for f, p in reports.items() for a in ("--report", f"{f}={p}")])
    assert code == 1, out
    assert "layanan/audit: FAILED" in out and "rds-storage-encrypted" in out
    assert "checked: a deployment's state" in out and "in the state:" in out
    texts = {"text": out} | {f: p.read_text() for f, p in reports.items()}
    for fmt, text in texts.items():
        assert PASSWORD not in text and CIPHERTEXT not in text, fmt
        assert "deployment's state" in text, fmt
    data = json.loads(texts["json"])
    assert data["summary"]["source"] == "state"
    assert {(v["policy"], v["name"]) for v in data["violations"] if v["enforcement"] == "mandatory"} >= {
        ("rds-storage-encrypted", "citizen")}
    sarif = json.loads(texts["sarif"])
    schema = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    results = sarif["runs"][0]["results"]
    result = next(r for r in results if r["ruleId"].endswith("/rds-storage-encrypted"))
    # the engine's recorded sourcePosition: where the program declared it, relative to its project
    location = result["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("components/database.py", 42)
    # a finding on a resource without a sourcePosition points at the export itself
    other = next(r for r in results if r["ruleId"].endswith("/vpc-flow-logs"))
    assert other["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("audit-v3.json")
    assert 'name="source" value="state"' in texts["junit"]


def test_stack_option_gives_the_packs_that_stacks_config() -> None:
    code, out = _check("--state", str(STATE), "--stack", "jakarta-prod", "--format", "json")
    assert code == 1
    assert json.loads(out)["stack"] == "jakarta-prod"
    code, out = _check("--state", str(STATE), "--stack", "nowhere")
    assert code == 2 and "stack 'nowhere'" in out and "known stacks" in out


def _bad(tmp_path: Path, mutate) -> Path:  # noqa: ANN001 - a small mutator of the fixture
    data = json.loads(STATE.read_text())
    changed = mutate(data)  # mutates in place (None) or returns a new document
    data = changed if changed is not None else data
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda d: {"checkpoint": {}}, 'no "deployment" key'),
    (lambda d: d.update(version=4), "deployment version 4; allowed: 1, 2, 3"),
    (lambda d: d["deployment"].update(resources={}), "deployment.resources is not a list"),
    (lambda d: d["deployment"]["resources"][3].update(urn="vpc"), "resources[3]: urn 'vpc' is not a Pulumi URN"),
    (lambda d: d["deployment"]["resources"][3].update(inputs=[1]), "inputs is not an object"),
    (lambda d: d["deployment"]["resources"][3].update(dependencies="a"), "dependencies is not a list of strings"),
    (lambda d: d["deployment"]["resources"].append(d["deployment"]["resources"][3]), "appears twice"),
    (lambda d: d["deployment"].update(pending_operations=[{"type": "creating"}]), "pending_operations[0]"),
])
def test_bad_state_is_one_line_naming_the_file(tmp_path: Path, mutate, needle: str) -> None:  # noqa: ANN001
    path = _bad(tmp_path, mutate)
    with pytest.raises(StateError) as err:
        load_state(path)
    assert str(err.value).startswith(f"--state {path}: ") and needle in str(err.value)
    code, out = _check("--state", str(path))
    assert code == 2 and needle in out and "Traceback" not in out


@pytest.mark.parametrize(("content", "needle"), [
    (None, "cannot read it"),
    (b"{not json", "not valid JSON (line 1"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[" * 200 + b"]" * 200, "nested deeper than"),
])
def test_unreadable_state_is_one_line(tmp_path: Path, content: bytes | None, needle: str) -> None:
    path = tmp_path / "state.json"
    if content is not None:
        path.write_bytes(content)
    code, out = _check("--state", str(path))
    assert code == 2 and needle in out and str(path) in out.replace("\n", "")


def test_state_excludes_a_program_and_program_options(tmp_path: Path) -> None:
    code, out = _check(str(REPO / "tests" / "fixtures" / "programs" / "check_clean"), "--state", str(STATE))
    assert code == 2 and "give one" in out
    code, out = _check("--state", str(STATE), "--unknowns")
    assert code == 2 and "no unknown values" in out
    code, out = _check("--state", str(STATE), "--stack-outputs", f"net={STATE}")
    assert code == 2 and "no StackReference is read" in out


def test_secret_in_a_bad_state_is_not_in_the_error(tmp_path: Path) -> None:
    """A file that fails validation after its secrets were read still never prints them."""
    path = _bad(tmp_path, lambda d: d["deployment"]["resources"][6].update(customTimeouts=None, ignoreChanges=[PASSWORD, 1]))
    code, out = _check("--state", str(path))
    assert code == 2 and "ignoreChanges is not a list of strings" in out and PASSWORD not in out


def test_state_larger_than_the_limit_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import siaga.engine.state as state

    monkeypatch.setattr(state, "MAX_STATE_BYTES", 1024)
    with pytest.raises(StateError, match=r"bytes; allowed: at most 1024 bytes"):
        load_state(STATE)
