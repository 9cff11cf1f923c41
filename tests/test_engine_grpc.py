"""The engine in siaga's process, the program in its own: what the monitor receives over gRPC is what is recorded.

Programs: tests/fixtures/programs/parallel_refs (resource objects as inputs, 400+ registrations in parallel and from
an apply callback: raced in the in-process mock engine) and tests/fixtures/programs/grpc_cases (reads, a
StackReference, a remote component, secrets, options; and the ways a program fails)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.engine import EngineError, Graph, run_program
from siaga.engine.model import RESOURCE_SIG, ROOT_STACK_TYPE, SECRET_SIG, SIG_KEY, UNKNOWN
from siaga.engine.monitor import SUPPORTED_IDS, flatten_output_values
from siaga.engine.secrets import REDACTED
from tests.conftest import PROGRAMS

REFS = PROGRAMS / "parallel_refs"
CASES = PROGRAMS / "grpc_cases"
TOKEN = "plain-in-stack-read-as-secret-41c2"
WRAPPED = "wrapped-value-in-output-88d1"


@pytest.fixture(scope="module")
def refs() -> Graph:
    return run_program(REFS, stack="dev")


@pytest.fixture(scope="module")
def cases() -> Graph:
    return run_program(CASES, stack="dev", stack_outputs={"organization/network/prod": {"vpcId": "vpc-0peer"}})


def test_resources_as_inputs_and_hundreds_in_parallel_are_each_recorded_once(refs: Graph) -> None:
    urns = Counter(r.urn for r in refs.resources)
    assert [u for u, n in urns.items() if n > 1] == []
    assert [r.urn for r in refs.resources if r.type == ROOT_STACK_TYPE] == ["urn:pulumi:dev::refs::pulumi:pulumi:Stack::refs-dev"]
    counts = refs.counts()
    assert counts["refs:index:Tier"] == counts["aws:ec2/securityGroup:SecurityGroup"] == 100
    assert counts["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"] == 100
    assert counts["aws:ec2/tag:Tag"] == 110  # 100 + 10 registered from inside an apply callback
    assert len(refs.resources) == 413


def test_a_resource_object_input_arrives_as_a_resource_reference(refs: Graph) -> None:
    vpc, sg = refs.get("aws:ec2/vpc:Vpc", "main"), refs.get("aws:ec2/securityGroup:SecurityGroup", "tier-3-sg")
    tier = refs.get("refs:index:Tier", "tier-3")
    assert tier.inputs["vpc"] == {SIG_KEY: RESOURCE_SIG, "urn": vpc.urn, "id": vpc.id}
    assert tier.outputs["sg"] == {SIG_KEY: RESOURCE_SIG, "urn": sg.urn, "id": sg.id}  # RegisterResourceOutputs
    tag = refs.get("aws:ec2/tag:Tag", "tag-3")
    assert tag.inputs["resourceId"] == {SIG_KEY: RESOURCE_SIG, "urn": sg.urn, "id": sg.id}
    assert tag.options.propertyDependencies["resourceId"] == [sg.urn]
    rule = refs.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "from-4-to-3")
    peer = refs.get("aws:ec2/securityGroup:SecurityGroup", "tier-4-sg")
    assert rule.inputs["securityGroupId"] == sg.id and rule.inputs["referencedSecurityGroupId"] == peer.id
    assert refs.exports["groups"][0] == refs.get("aws:ec2/securityGroup:SecurityGroup", "tier-0-sg").id


def test_reads_and_stack_references_are_recorded(cases: Graph) -> None:
    existing = cases.get("aws:ec2/vpc:Vpc", "existing")
    assert existing.read and existing.id == "vpc-0123456789abcdef0" and existing.custom
    ref = cases.get("pulumi:pulumi:StackReference", "organization/network/prod")
    assert ref.read and ref.outputs["outputs"] == {"vpcId": "vpc-0peer"}
    assert cases.exports["peer"] == "vpc-0peer"  # --stack-outputs reach the program
    assert not cases.get("aws:ec2/vpc:Vpc", "main").read


def test_remote_component_options_and_source_positions(cases: Graph) -> None:
    remote = cases.get("awsx:ec2:Vpc", "shared")
    assert remote.remote and not remote.custom and remote.inputs == {"cidrBlock": "10.1.0.0/16"}
    main = cases.get("aws:ec2/vpc:Vpc", "main")
    existing = cases.get("aws:ec2/vpc:Vpc", "existing")
    assert main.options.protect and main.options.deletedWith == existing.urn and main.options.hideDiffs == ["tags"]
    lines = (CASES / "__main__.py").read_text().splitlines()
    assert main.source is not None and main.source.file == "__main__.py"
    assert 'aws.ec2.Vpc("main"' in lines[main.source.line - 1]
    widget = cases.get("acme:index:Widget", "w")
    assert widget.source is not None and 'Widget("w"' in lines[widget.source.line - 1]
    # a provider the program did not declare is synthesised, as the engine does for any package
    assert widget.provider_urn == cases.get("pulumi:providers:acme", "default").urn


def test_secrets_arrive_marked_and_never_reach_the_graph(cases: Graph) -> None:
    text = cases.model_dump_json()
    assert TOKEN not in text and WRAPPED not in text
    secret = {SIG_KEY: SECRET_SIG, "value": REDACTED}
    assert cases.get("aws:ssm/parameter:Parameter", "token").inputs["value"] == secret  # require_secret
    assert cases.get("aws:ssm/parameter:Parameter", "wrapped").inputs["value"] == secret  # Output.secret
    assert cases.config["grpccases:token"] == REDACTED  # read with require_secret: a secret key
    assert cases.exports["token"] == secret


@pytest.mark.parametrize(("fail", "expected"), [
    ("apply", "AttributeError: 'NoneType' object has no attribute 'rstrip' (__main__.py:37); a computed value"),
    ("component", "KeyError: 'missing-setting' (__main__.py:24, while registering grpccases:index:Broken 'half')"),
    ("option", "(__main__.py:41, while registering aws:s3/bucketV2:BucketV2 'orphan')"),
])
def test_a_raising_program_is_one_line_with_file_line_resource_and_hint(fail: str, expected: str) -> None:
    with pytest.raises(EngineError) as info:
        run_program(CASES, stack="dev", overrides={"grpccases:fail": fail})
    message = str(info.value)
    assert "\n" not in message and expected in message
    assert message.endswith("try --unknowns") == (fail == "apply")
    assert "Traceback" in info.value.stderr and TOKEN not in info.value.stderr  # the full traceback, scrubbed
    assert info.value.graph is not None and info.value.graph.get("acme:index:Widget", "w")


def test_a_raising_program_through_the_cli_exits_2_with_one_line() -> None:
    done = CliRunner().invoke(app, ["preview", str(CASES), "--config", "grpccases:fail=apply"], env={"COLUMNS": "300"})
    assert done.exit_code == 2
    lines = [ln for ln in done.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "__main__.py:37" in lines[0] and "--unknowns" in lines[0]
    # the real-preview mode does not run the callback on an unknown endpoint
    done = CliRunner().invoke(app, ["preview", str(CASES), "--unknowns", "--config", "grpccases:fail=apply"],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 0, done.output


def test_preview_mode_leaves_ids_and_computed_outputs_unknown() -> None:
    g = run_program(REFS, stack="dev", preview=True)
    tag = g.get("aws:ec2/tag:Tag", "tag-3")
    assert tag.inputs["value"] == UNKNOWN  # a name the provider computes
    assert all(r.id == "" for r in g.resources if r.custom and not r.synthesized)
    # registered inside an apply callback on an unknown id: skipped, as a real preview does
    assert not [t for t in g.of_type("aws:ec2/tag:Tag") if t.name.startswith("late-")]


def test_what_the_monitor_answers() -> None:
    assert {"secrets", "resourceReferences", "outputValues", "aliasSpecs", "deletedWith", "sourcePosition"} <= SUPPORTED_IDS
    assert "transforms" in SUPPORTED_IDS  # run as callbacks into the program (test_engine_transforms.py)
    assert "resourceHooks" not in SUPPORTED_IDS  # not run offline: the SDK says so
    out = {SIG_KEY: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "x", "secret": True, "dependencies": ["u"]}
    assert flatten_output_values({"a": [out], "b": {SIG_KEY: "d0e6a833031e9bbcd3f4e8bde6ca49a4"}}) == {
        "a": [{SIG_KEY: SECRET_SIG, "value": "x"}], "b": UNKNOWN}


def test_the_program_cannot_write_the_graph(tmp_path: Path) -> None:
    """The graph is built from what arrives over gRPC: a program that rewrites siaga's process-side objects in its
    own process (as it could with the in-process engine) changes nothing."""
    (tmp_path / "Pulumi.yaml").write_text("name: meddler\nruntime: python\n", encoding="utf-8")
    (tmp_path / "__main__.py").write_text(
        "import gc, sys\nimport pulumi_aws as aws\n"
        "assert 'siaga' not in sys.modules\n"
        "aws.s3.BucketV2('data', region='eu-west-1')\n", encoding="utf-8")
    g = run_program(tmp_path)
    assert json.loads(g.model_dump_json())["resources"][-1]["inputs"]["region"] == "eu-west-1"


def _findings(res: object) -> list[tuple]:
    return sorted((f.policy, f.urn, f.message, f.enforcement) for f in res.findings)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("program", "reused"), [(PROGRAMS / "thirdparty", True), (CASES, False)])
def test_live_analysis_while_the_program_runs_gives_the_same_result(program: Path, reused: bool) -> None:
    """Resources go to the pack as they are registered; the answers are kept where the final request is the one
    sent, the rest (and AnalyzeStack) is analyzed at the end: the same findings as analyzing the finished graph.
    A program that reads a plain stack value as a secret changes the stack's config the packs must get: then
    nothing analyzed early is kept, the packs restart with the redacted config, and the value is nowhere."""
    from siaga.analyzer import LiveAnalysis, StackEnv, analyze, prestart
    from siaga.engine.preview import start_program
    from tests.test_analyzer import PROBE_PACK

    running = start_program(program, stack="dev")
    servers = prestart([PROBE_PACK], StackEnv.of(running.project, running.stack, running.config))
    live = LiveAnalysis(running, servers)
    graph = running.wait()
    result = analyze(graph, packs=[PROBE_PACK], live=live)
    if reused:  # most answers came while the program ran
        assert live.runs[0].reused > len(graph.resources) // 2
    assert _findings(result) == _findings(analyze(graph, packs=[PROBE_PACK]))
    assert TOKEN not in json.dumps(_findings(result)) and result.resources == len(graph.resources)
