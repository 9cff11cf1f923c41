"""Read resources (`X.get`) and StackReference: answered as the engine's builtin provider answers them
(pulumi/pulumi pkg/resource/deploy/builtins.go: outputs {name, outputs, secretOutputNames}), recorded with read=True,
outputs from `--stack-outputs NAME=FILE`, else unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine import run_program
from siaga.engine.model import SECRET_SIG, SIG_KEY, UNKNOWN
from siaga.engine.reads import STACK_REFERENCE, load_stack_outputs, read_outputs
from siaga.inputs import InputFileError
from tests.conftest import PROGRAMS, REPO

OUTPUTS = REPO / "tests" / "fixtures" / "stack_outputs"
PLAIN = OUTPUTS / "networking-prod.json"
SHOWN = OUTPUTS / "networking-prod-shown.json"
SHOWN_PASSWORD = "Hunter2-Db-Pass!"
READS = PROGRAMS / "reads"


def test_stack_reference_answers_like_the_builtin_provider() -> None:
    given = {"acme/networking/prod": {"vpcId": "vpc-1", "b": "[secret]",
                                      "a": {SIG_KEY: SECRET_SIG, "value": "x"}}}
    outs, warnings = read_outputs(STACK_REFERENCE, "net", "acme/networking/prod", {"name": "acme/networking/prod"},
                                  "ap-southeast-3", given)
    assert warnings == []
    assert outs["name"] == "acme/networking/prod"
    assert outs["secretOutputNames"] == ["a", "b"]  # sorted, as readStackReference sorts them
    assert outs["outputs"]["vpcId"] == "vpc-1"
    assert outs["outputs"]["b"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}
    assert outs["outputs"]["a"] == {SIG_KEY: SECRET_SIG, "value": "x"}


def test_stack_reference_name_matches_the_given_stack_by_path() -> None:
    given = {"networking/prod": {"vpcId": "vpc-2"}}
    outs, _ = read_outputs(STACK_REFERENCE, "net", "acme/networking/prod", {}, "ap-southeast-3", given)
    assert outs["outputs"] == {"vpcId": "vpc-2"}


def test_stack_reference_without_outputs_is_unknown_with_one_warning() -> None:
    outs, warnings = read_outputs(STACK_REFERENCE, "idp", "acme/identity/prod", {"name": "acme/identity/prod"},
                                  "ap-southeast-3", {})
    assert outs["outputs"] == UNKNOWN and outs["secretOutputNames"] == UNKNOWN
    assert len(warnings) == 1 and "--stack-outputs acme/identity/prod=FILE" in warnings[0]
    resolved, _ = read_outputs(STACK_REFERENCE, "idp", "acme/identity/prod", {}, "ap-southeast-3", {}, preview=False)
    assert resolved["outputs"] == {} and resolved["secretOutputNames"] == []


def test_stack_reference_input_other_than_name_is_named() -> None:
    _, warnings = read_outputs(STACK_REFERENCE, "n", "s", {"name": "s", "bogus": 1}, "ap-southeast-3", {"s": {}})
    assert warnings == ["StackReference n: unknown input 'bogus' (the engine accepts only 'name')"]


def test_a_get_keeps_the_id_it_was_given_in_everything_derived_from_it() -> None:
    outs, warnings = read_outputs("aws:route53/zone:Zone", "zone", "Z0123456789ABCDEFGHIJ", {}, "ap-southeast-3", {})
    assert warnings == [] and outs["id"] == "Z0123456789ABCDEFGHIJ" and outs["zoneId"] == "Z0123456789ABCDEFGHIJ"
    assert outs["arn"].endswith("/Z0123456789ABCDEFGHIJ")
    vpc, _ = read_outputs("aws:ec2/vpc:Vpc", "v", "vpc-0a1b2c3d", {}, "ap-southeast-3", {})
    assert vpc["arn"] == "arn:aws:ec2:ap-southeast-3:123456789012:vpc/vpc-0a1b2c3d"


def test_program_reads_are_recorded_and_feed_the_resources_that_use_them() -> None:
    graph = run_program(READS, stack="dev", stack_outputs=load_stack_outputs([f"acme/networking/prod={PLAIN}"]))
    ref = graph.get(STACK_REFERENCE, "acme/networking/prod")
    assert ref.read and ref.custom and ref.id == "acme/networking/prod"
    assert ref.outputs["secretOutputNames"] == ["dbPassword"]
    vpc = graph.get("aws:ec2/vpc:Vpc", "existing-vpc")
    assert vpc.read and vpc.id == "vpc-0a1b2c3d4e5f60718" and vpc.provider  # the default provider reads it
    zone = graph.get("aws:route53/zone:Zone", "public-zone")
    assert zone.read and zone.outputs["zoneId"] == "Z0123456789ABCDEFGHIJ"
    assert graph.get("aws:ec2/securityGroup:SecurityGroup", "app").inputs["vpcId"] == "vpc-0fedcba9876543210"
    assert graph.get("aws:ec2/subnet:Subnet", "extra").inputs["vpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert not graph.get("aws:ec2/subnet:Subnet", "extra").read
    assert graph.exports["refVpc"] == "vpc-0fedcba9876543210" and graph.exports["subnets"] == 3
    assert graph.exports["zoneId"] == "Z0123456789ABCDEFGHIJ"
    # the secret output stays a secret through the program (secretOutputNames -> a secret Output)
    assert graph.exports["password"] == {SIG_KEY: SECRET_SIG, "value": "[secret]"}
    # the stack without --stack-outputs: one warning naming it
    assert [w for w in graph.warnings if "acme/identity/prod" in w] == [
        w for w in graph.warnings if "StackReference other" in w]
    assert len([w for w in graph.warnings if "acme/identity/prod" in w]) == 1


def test_shown_secrets_of_a_referenced_stack_never_reach_the_graph(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    result = CliRunner().invoke(app, ["preview", str(READS), "-s", "dev", "--stack-outputs",
                                      f"acme/networking/prod={SHOWN}", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert SHOWN_PASSWORD not in result.output and SHOWN_PASSWORD not in out.read_text()
    graph = json.loads(out.read_text())
    ref = next(r for r in graph["resources"] if r["type"] == STACK_REFERENCE and r["name"] == "acme/networking/prod")
    assert ref["read"] is True and ref["outputs"]["outputs"]["dbPassword"]["value"] == "[secret]"
    assert "read" in result.output  # the tree marks reads


def test_preview_mode_leaves_unreferenced_stacks_unknown() -> None:
    graph = run_program(READS, stack="dev", preview=True,
                        stack_outputs=load_stack_outputs([f"acme/networking/prod={PLAIN}"]))
    other = graph.get(STACK_REFERENCE, "other")
    assert other.outputs["outputs"] == UNKNOWN
    assert graph.get(STACK_REFERENCE, "acme/networking/prod").outputs["outputs"]["vpcId"] == "vpc-0fedcba9876543210"


@pytest.mark.parametrize(("spec", "content", "needle"), [
    ("nofile", None, "expected NAME=FILE"),
    ("=x.json", None, "expected NAME=FILE"),
    ("net={missing}", None, "cannot read it"),
    ("net={file}", "[1, 2]", "a JSON list, expected an object of stack outputs"),
    ("net={file}", "{bad", "not valid JSON (line 1"),
])
def test_bad_stack_outputs_are_one_line(tmp_path: Path, spec: str, content: str | None, needle: str) -> None:
    file = tmp_path / "outputs.json"
    if content is not None:
        file.write_text(content)
    spec = spec.format(file=file, missing=tmp_path / "missing.json")
    with pytest.raises(InputFileError) as err:
        load_stack_outputs([spec])
    assert needle in str(err.value) and "\n" not in str(err.value)
    for command in ("preview", "check"):
        result = CliRunner().invoke(app, [command, str(READS), "-s", "dev", "--stack-outputs", spec])
        assert result.exit_code == 2 and needle in result.output.replace("\n", " ") and "Traceback" not in result.output


def test_same_stack_twice_is_refused() -> None:
    with pytest.raises(InputFileError, match="given twice"):
        load_stack_outputs([f"net={PLAIN}", f"net={SHOWN}"])
