"""How the pack behaves beyond pass/fail cases: nesting, apply callbacks, explicit providers, preview
unknowns, policy configuration and the reference stacks. All through siaga.analyzer (the pack's own
analyzer gRPC server) on graphs from the offline engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, analyze
from siaga.engine import Graph, run_program, run_stack

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
RESIDENCY = ROOT / "tests/fixtures/programs/policy_cases_residency"
DATA = ROOT / "tests/fixtures/programs/policy_cases_data"
AGENCY_CONFIG = ROOT / "tests/fixtures/policy_config/agency.json"
CANNOT_VERIFY = "cannot be verified before deployment"


@pytest.fixture(scope="module")
def residency() -> tuple[Graph, AnalysisResult]:
    graph = run_program(RESIDENCY, stack="dev")
    return graph, analyze(graph, packs=[PACK])


@pytest.fixture(scope="module")
def residency_preview() -> tuple[Graph, AnalysisResult]:
    graph = run_program(RESIDENCY, stack="dev", preview=True)
    return graph, analyze(graph, packs=[PACK])


def _flagged(result: AnalysisResult, urn: str, policy: str, level: str | None = None) -> list:
    return [f for f in result.findings if f.urn == urn and f.policy == policy
            and (level is None or f.enforcement == level)]


def _depth(graph: Graph, urn: str) -> int:
    by_urn, depth = graph.by_urn(), 0
    parent = by_urn[urn].parent
    while parent and by_urn[parent].type != "pulumi:pulumi:Stack":
        depth, parent = depth + 1, by_urn[parent].parent
    return depth


def test_violation_three_components_deep_is_caught(residency) -> None:
    graph, result = residency
    for type_, name, policy in [("aws:sqs/queue:Queue", "fail-resource-region-allowed-nested", "resource-region-allowed"),
                                ("aws:ebs/volume:Volume", "fail-ebs-encrypted-nested", "ebs-encrypted")]:
        r = graph.get(type_, name)
        assert _depth(graph, r.urn) == 3
        hits = _flagged(result, r.urn, policy, "mandatory")
        assert hits and hits[0].source is not None and hits[0].source.file.endswith("nested.py")


def test_violation_inside_an_apply_callback_is_caught(residency) -> None:
    graph, result = residency
    created = [r for r in graph.resources if r.name.startswith("fail-resource-region-allowed-apply-")]
    assert len(created) == 1
    hits = _flagged(result, created[0].urn, "resource-region-allowed", "mandatory")
    assert hits and "eu-west-1" in hits[0].message
    key = next(r for r in graph.resources if r.name.startswith("fail-kms-single-region-apply-"))
    assert _flagged(result, key.urn, "kms-single-region", "mandatory")


def test_explicit_provider_region_is_caught_on_provider_and_resource(residency) -> None:
    graph, result = residency
    prov = graph.get("pulumi:providers:aws", "fail-provider-region-allowed")
    assert _flagged(result, prov.urn, "provider-region-allowed", "mandatory")
    queue = graph.get("aws:sqs/queue:Queue", "fail-resource-region-allowed-provider")
    hits = _flagged(result, queue.urn, "resource-region-allowed", "mandatory")
    assert hits and "ap-southeast-1" in hits[0].message
    # a per-resource region overrides the provider's (pulumi-aws 7)
    own = graph.get("aws:sqs/queue:Queue", "pass-resource-region-allowed-own")
    assert not _flagged(result, own.urn, "resource-region-allowed")
    # the default provider (built from aws:region) is checked too, and passes
    default = [r for r in graph.resources if r.type == "pulumi:providers:aws" and r.synthesized]
    assert default and not any(_flagged(result, r.urn, "provider-region-allowed") for r in default)


def test_global_services_are_reported_as_configuration_only_not_passed(residency) -> None:
    graph, result = residency
    zone = graph.get("aws:route53/zone:Zone", "fail-global-service-configuration-only-zone")
    hits = _flagged(result, zone.urn, "global-service-configuration-only", "advisory")
    assert hits and "configuration only" in hits[0].message
    assert not _flagged(result, zone.urn, "resource-region-allowed")


def test_known_value_is_judged_after_deployment(residency) -> None:
    graph, result = residency
    db = graph.get("aws:rds/instance:Instance", "unknown-rds-backup-retention")
    hits = _flagged(result, db.urn, "rds-backup-retention", "mandatory")
    assert hits and CANNOT_VERIFY not in hits[0].message


def test_unknown_value_at_preview_is_reported_cannot_be_verified(residency_preview) -> None:
    graph, result = residency_preview
    assert graph.preview
    db = graph.get("aws:rds/instance:Instance", "unknown-rds-backup-retention")
    hits = _flagged(result, db.urn, "rds-backup-retention")
    assert len(hits) == 1, [h.message for h in hits]
    assert hits[0].enforcement == "advisory"
    assert CANNOT_VERIFY in hits[0].message and "backupRetentionPeriod" in hits[0].message
    assert not result.errors


def test_preview_still_catches_known_violations(residency_preview) -> None:
    graph, result = residency_preview
    queue = graph.get("aws:sqs/queue:Queue", "fail-resource-region-allowed-provider")
    assert _flagged(result, queue.urn, "resource-region-allowed", "mandatory")
    # stack policies resolve references through property dependencies, known at preview
    repl = graph.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "fail-s3-destinations-in-country")
    assert _flagged(result, repl.urn, "s3-destinations-in-country", "mandatory")


def test_policy_config_file_changes_thresholds_and_levels() -> None:
    graph = run_program(DATA, stack="dev")
    default = analyze(graph, packs=[PACK])
    tuned = analyze(graph, packs=[PACK], policy_config=AGENCY_CONFIG)
    db = graph.get("aws:rds/instance:Instance", "pass-rds-backup-retention")  # 14 days
    assert not _flagged(default, db.urn, "rds-backup-retention")
    hits = _flagged(tuned, db.urn, "rds-backup-retention", "mandatory")
    assert hits and "at least 21 days" in hits[0].message
    logs = graph.get("aws:s3/bucket:Bucket", "cfg-s3-versioning-access-logs")
    assert _flagged(default, logs.urn, "s3-versioning") and not _flagged(tuned, logs.urn, "s3-versioning")
    levels = {p.name: p.enforcement for p in tuned.policies}
    assert levels["lb-access-logs"] == "mandatory"
    assert levels["global-service-configuration-only"] == "disabled"
    assert not [f for f in tuned.findings if f.policy == "global-service-configuration-only"]
    config = {p.name: p.config for p in tuned.policies}
    assert config["resource-region-allowed"]["allowedRegions"] == ["ap-southeast-3", "ap-southeast-1"]
    assert config["kms-key-rotation"]["maxRotationDays"] == 365  # schema default still sent


REFERENCE_STACKS = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("stack", REFERENCE_STACKS)
def test_reference_stacks_have_no_mandatory_violation(stack: str) -> None:
    graph = run_stack(stack)
    if not any(r.type.startswith("aws:") for r in graph.resources):
        pytest.skip("the reference program declares no AWS resources yet")
    result = analyze(graph, packs=[PACK])
    assert not result.errors, [(f.policy, f.name, f.message) for f in result.errors]
    assert not result.mandatory, "\n".join(f"{f.policy}: {f.name}: {f.message}" for f in result.mandatory)


def test_pack_readme_lists_every_policy() -> None:
    import sys

    sys.path.insert(0, str(PACK))
    from siaga_rules.registry import all_policies

    readme = (PACK / "README.md").read_text(encoding="utf-8")
    for p in all_policies():
        assert f"| `{p.name}` |" in readme, p.name


def test_stack_policy_reports_unknown_reference_at_preview(residency, residency_preview) -> None:
    graph, result = residency
    vpc = graph.get("aws:ec2/vpc:Vpc", "unknown-vpc-flow-logs")
    assert _flagged(result, vpc.urn, "vpc-flow-logs", "advisory")  # known: no flow log for this VPC
    graph, result = residency_preview
    hits = [f for f in result.findings if f.policy == "vpc-flow-logs" and CANNOT_VERIFY in f.message]
    assert hits and vpc.urn in hits[0].message and hits[0].enforcement == "advisory"
    assert not _flagged(result, vpc.urn, "vpc-flow-logs")


@pytest.mark.parametrize("preview", [False, True])
def test_eks_hybrid_components_have_no_mandatory_violation(preview: bool) -> None:
    """components/hybrid.py (EksCluster + HaWorkload twice) over the real hybrid-pdn stack config."""
    program = ROOT / "tests/fixtures/programs/k8s/hybrid"
    if not program.is_dir():
        pytest.skip("no hybrid fixture program")
    graph = run_program(program, stack="hybrid-pdn", preview=preview)
    result = analyze(graph, packs=[PACK])
    assert not result.errors, [(f.policy, f.name, f.message) for f in result.errors]
    assert not result.mandatory, "\n".join(f"{f.policy}: {f.name}: {f.message}" for f in result.mandatory)
    assert graph.of_type("kubernetes:networking.k8s.io/v1:Ingress")  # the ALB and on-prem ingresses were judged
