"""The scanner-gap policies beyond their pass/fail cases: what the messages name, the AWS defaults they assume,
policy configuration, and values unknown before deployment (never a silent pass, never a mandatory failure).
All through siaga.analyzer (the pack's own analyzer gRPC server) on graphs from the offline engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, Finding, analyze
from siaga.engine import Graph, run_program
from siaga.engine.model import UNKNOWN

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
GAPS = ROOT / "tests/fixtures/programs/policy_cases_gaps"
K8S = ROOT / "tests/fixtures/programs/policy_cases_gaps_kubernetes"
CANNOT_VERIFY = "cannot be verified before deployment"


@pytest.fixture(scope="module")
def gaps() -> tuple[Graph, AnalysisResult]:
    graph = run_program(GAPS, stack="dev")
    return graph, analyze(graph, packs=[PACK])


def _hits(graph: Graph, result: AnalysisResult, type_: str, name: str, policy: str) -> list[Finding]:
    urn = graph.get(type_, name).urn
    return [f for f in result.findings if f.urn == urn and f.policy == policy and CANNOT_VERIFY not in f.message]


def _notes(result: AnalysisResult, policy: str) -> list[Finding]:
    return [f for f in result.findings if f.policy == policy and CANNOT_VERIFY in f.message]


FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
RDS = "aws:rds/instance:Instance"
LB = "aws:lb/loadBalancer:LoadBalancer"


def test_firehose_fed_by_a_stream_names_the_unencrypted_source_stream(gaps) -> None:
    graph, result = gaps
    for name in ("fail-kinesis-encrypted-from-plain-stream", "fail-kinesis-encrypted-from-plain-stream-arn"):
        [hit] = _hits(graph, result, FIREHOSE, name, "kinesis-encrypted")
        assert hit.enforcement == "mandatory"
        assert "'fail-kinesis-encrypted-default'" in hit.message and "inherits" in hit.message
        assert "encryption_type='KMS'" in hit.message
    # an encrypted source stream passes the Firehose stream without any Firehose SSE
    assert not _hits(graph, result, FIREHOSE, "pass-kinesis-encrypted-from-stream", "kinesis-encrypted")


def test_kinesis_and_firehose_defaults_are_named(gaps) -> None:
    graph, result = gaps
    [stream] = _hits(graph, result, "aws:kinesis/stream:Stream", "fail-kinesis-encrypted-default", "kinesis-encrypted")
    assert "NONE (the API default)" in stream.message
    [direct] = _hits(graph, result, FIREHOSE, "fail-kinesis-encrypted-direct-put", "kinesis-encrypted")
    assert "DirectPut" in direct.message and "API default is off" in direct.message


def test_alb_without_waf_message_names_the_alb_and_the_fix(gaps) -> None:
    graph, result = gaps
    [hit] = _hits(graph, result, LB, "fail-alb-waf", "alb-waf")
    assert "internet-facing ALB 'fail-alb-waf'" in hit.message
    assert "aws.wafv2.WebAclAssociation(resource_arn=fail-alb-waf.arn" in hit.message
    # an association reached only by ARN (created in an apply callback) counts
    assert not _hits(graph, result, LB, "pass-alb-waf-by-arn", "alb-waf")
    hits = _hits(graph, result, "aws:wafv2/webAclAssociation:WebAclAssociation", "fail-alb-waf-cloudfront-acl",
                 "alb-waf")
    [edge] = [h for h in hits if "CLOUDFRONT" in h.message]
    assert "'gaps-edge-acl'" in edge.message and "REGIONAL" in edge.message
    # that web ACL also has no rules: a second, separate finding
    assert [h for h in hits if "has no rules" in h.message and "default action (allow)" in h.message]


def test_alb_waf_association_unknown_at_preview_cannot_be_verified() -> None:
    """An association whose resourceArn is unknown and points at no resource of the stack (e.g. a stack reference
    output): the ALBs it might cover are reported as cannot-be-verified, advisory, never passed or failed."""
    graph = run_program(GAPS, stack="dev", preview=True)
    assoc = graph.get("aws:wafv2/webAclAssociation:WebAclAssociation", "gaps-acl-assoc")
    assoc.inputs["resourceArn"] = assoc.outputs["resourceArn"] = UNKNOWN
    assoc.options.propertyDependencies.pop("resourceArn", None)
    result = analyze(graph, packs=[PACK])
    urn = graph.get(LB, "pass-alb-waf").urn
    assert not [f for f in result.findings if f.policy == "alb-waf" and f.urn == urn]
    notes = _notes(result, "alb-waf")
    assert notes and all(f.enforcement == "advisory" for f in notes)
    assert urn in notes[0].message and "resourceArn" in notes[0].message


def test_eks_endpoint_defaults_are_public_and_open(gaps) -> None:
    graph, result = gaps
    [hit] = _hits(graph, result, "aws:eks/cluster:Cluster", "fail-eks-public-endpoint-restricted",
                  "eks-public-endpoint-restricted")
    assert "EKS default: true" in hit.message and "0.0.0.0/0 (the EKS default)" in hit.message
    [v6] = _hits(graph, result, "aws:eks/cluster:Cluster", "fail-eks-public-endpoint-restricted-open",
                 "eks-public-endpoint-restricted")
    assert "['::/0']" in v6.message


def test_target_group_plain_protocol_allowed_by_policy_config() -> None:
    graph = run_program(GAPS, stack="dev")
    result = analyze(graph, packs=[PACK], policy_config={"lb-target-tls": {"allowedPlainProtocols": ["TCP"]}})
    assert not _hits(graph, result, "aws:lb/targetGroup:TargetGroup", "fail-lb-target-tls-tcp", "lb-target-tls")
    [http] = _hits(graph, result, "aws:alb/targetGroup:TargetGroup", "fail-lb-target-tls-http", "lb-target-tls")
    assert "port 80:" in http.message and "protocol='HTTPS'" in http.message


def test_ecr_wildcard_condition_narrows_nothing(gaps) -> None:
    graph, result = gaps
    [hit] = _hits(graph, result, "aws:ecr/repositoryPolicy:RepositoryPolicy", "fail-ecr-policy-not-public-aws-star",
                  "ecr-policy-not-public")
    assert "Principal '*'" in hit.message and "aws:PrincipalOrgID" in hit.message


def test_s3_access_logging_skips_log_destinations_and_config_purposes(gaps) -> None:
    graph, result = gaps
    bucket = "aws:s3/bucket:Bucket"
    for name in ("pass-s3-access-logging-log-bucket", "pass-s3-access-logging-trail",
                 "pass-s3-access-logging-alb-logs", "pass-s3-access-logging-named-target"):
        assert not _hits(graph, result, bucket, name, "s3-access-logging"), name
    [hit] = _hits(graph, result, bucket, "fail-s3-access-logging", "s3-access-logging")
    assert hit.enforcement == "advisory" and "aws.s3.BucketLogging(bucket=fail-s3-access-logging.id" in hit.message
    strict = analyze(graph, packs=[PACK], policy_config={"s3-access-logging": {"exemptPurposes": []}})
    assert _hits(graph, strict, bucket, "pass-s3-access-logging-purpose", "s3-access-logging")


def test_read_replica_judged_by_its_source_engine(gaps) -> None:
    graph, result = gaps
    [hit] = _hits(graph, result, RDS, "fail-db-log-exports-replica", "db-log-exports")
    assert "engine postgres" in hit.message and "read replica of 'gaps-src-db'" in hit.message
    [chain] = _hits(graph, result, RDS, "fail-db-log-exports-replica-chain", "db-log-exports")
    assert "read replica of 'fail-db-log-exports-replica'" in chain.message and "postgres" in chain.message
    [ext] = _hits(graph, result, RDS, "fail-db-log-exports-replica-external", "db-log-exports")
    assert "engine mysql" in ext.message and "outside this stack" in ext.message and "['audit', 'general', 'slowquery']" in ext.message
    [restored] = _hits(graph, result, RDS, "fail-db-log-exports-restored", "db-log-exports")
    assert "restored from" in restored.message and "engine mysql" in restored.message


def test_kms_stream_without_key_fails_at_create(gaps) -> None:
    graph, result = gaps
    [hit] = _hits(graph, result, "aws:kinesis/stream:Stream", "fail-kinesis-encrypted-no-key", "kinesis-encrypted")
    assert "no kmsKeyId" in hit.message and "alias/aws/kinesis" in hit.message


def test_read_replica_of_an_unknowable_source_cannot_be_verified(gaps) -> None:
    graph, result = gaps
    urn = graph.get(RDS, "gaps-replica-unknowable").urn
    assert not [f for f in result.findings if f.policy == "db-log-exports" and f.urn == urn]
    notes = _notes(result, "db-log-exports")
    assert notes and all(f.enforcement == "advisory" for f in notes)
    assert any(f"{urn}: engine of 'gaps-replica-unknowable' (read replica of" in f.message for f in notes)


def test_k8s_service_messages_name_the_port_and_why() -> None:
    graph = run_program(K8S, stack="dev")
    result = analyze(graph, packs=[PACK])
    svc = "kubernetes:core/v1:Service"
    [ssl] = _hits(graph, result, svc, "fail-k8s-service-exposure-ssl-ports", "k8s-service-exposure")
    assert "port http/80" in ssl.message and "'443' does not cover it" in ssl.message
    [star] = _hits(graph, result, svc, "fail-k8s-service-exposure-controller-star", "k8s-service-exposure")
    assert "alt/8080" in star.message
    # only port 80 of the two is plain: one finding, not two
    assert len(_hits(graph, result, svc, "fail-k8s-service-exposure-ssl-ports", "k8s-service-exposure")) == 1


def test_k8s_service_with_an_annotation_unknown_at_preview_cannot_be_verified() -> None:
    """An annotation computed from another resource (e.g. the certificate ARN) is unknown at preview: the Service is
    reported as cannot-be-verified (advisory), not flagged as plain HTTP."""
    graph = run_program(K8S, stack="dev", preview=True)
    svc = graph.get("kubernetes:core/v1:Service", "pass-k8s-service-exposure")
    svc.inputs["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] = UNKNOWN
    result = analyze(graph, packs=[PACK])
    hits = [f for f in result.findings if f.policy == "k8s-service-exposure" and f.urn == svc.urn]
    assert hits and all(CANNOT_VERIFY in f.message and f.enforcement == "advisory" for f in hits)
    assert "metadata.annotations" in hits[0].message
