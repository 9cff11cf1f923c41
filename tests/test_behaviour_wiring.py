"""Messages, unknowns and policy config of the wiring behaviour policies, through the pack's analyzer server on the
policy_cases_behaviour_wiring program (pass/fail per policy is tests/test_policies_cases.py's job)."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, Finding, analyze
from siaga.engine import Graph, run_program

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
PROGRAM = ROOT / "tests/fixtures/programs/policy_cases_behaviour_wiring"
CANNOT_VERIFY = "cannot be verified before deployment"


@pytest.fixture(scope="module")
def deployed() -> tuple[Graph, AnalysisResult]:
    graph = run_program(PROGRAM, stack="dev")
    return graph, analyze(graph, packs=[PACK])


@pytest.fixture(scope="module")
def preview() -> tuple[Graph, AnalysisResult]:
    graph = run_program(PROGRAM, stack="dev", preview=True)
    return graph, analyze(graph, packs=[PACK])


def _hits(run: tuple[Graph, AnalysisResult], name: str, policy: str) -> list[Finding]:
    graph, result = run
    urn = next(r.urn for r in graph.resources if r.name == name)
    return [f for f in result.findings if f.urn == urn and f.policy == policy and CANNOT_VERIFY not in f.message]


def _one(run: tuple[Graph, AnalysisResult], name: str, policy: str) -> str:
    hits = _hits(run, name, policy)
    assert len(hits) == 1, [h.message for h in hits]
    return hits[0].message


def test_listener_on_unvalidated_certificate_names_both_and_the_fix(deployed) -> None:
    msg = _one(deployed, "fail-acm-certificate-validated", "acm-certificate-validated")
    assert "cert-bare" in msg and "DNS validation" in msg and "UnsupportedCertificate" in msg
    assert "aws.acm.CertificateValidation(certificate_arn=cert-bare.arn" in msg
    msg = _one(deployed, "fail-acm-certificate-validated-records-only", "acm-certificate-validated")
    assert "cert-records-validation" in msg and "no aws.acm.CertificateValidation waits for ISSUED" in msg
    msg = _one(deployed, "fail-acm-certificate-validated-email", "acm-certificate-validated")
    assert "EMAIL" in msg and "approval" in msg
    assert "AddListenerCertificates" in _one(deployed, "fail-acm-certificate-validated-extra",
                                             "acm-certificate-validated")
    msg = _one(deployed, "fail-acm-certificate-validated-ingress", "acm-certificate-validated")
    assert "alb.ingress.kubernetes.io/certificate-arn" in msg and "cert-bare" in msg


def test_asg_messages_say_why_no_refresh_starts(deployed) -> None:
    msg = _one(deployed, "fail-asg-refresh-triggers", "asg-refresh-triggers")
    assert "'$Latest'" in msg and "wiring-lt" in msg and "version=wiring-lt.latest_version" in msg
    assert "not set ($Default)" in _one(deployed, "fail-asg-refresh-triggers-absent", "asg-refresh-triggers")
    assert "mixedInstancesPolicy" in _one(deployed, "fail-asg-refresh-triggers-mixed", "asg-refresh-triggers")
    msg = _one(deployed, "fail-asg-refresh-triggers-pinned", "asg-refresh-triggers")
    assert "pins launchTemplate.version 3" in msg and "latest version is 1" in msg


def test_rds_drift_names_the_default_and_old_minors(deployed) -> None:
    msg = _one(deployed, "fail-rds-minor-version-drift", "rds-minor-version-drift")
    assert "'16.9'" in msg and "AWS default true" in msg and "'16'" in msg and "creatable" not in msg
    msg = _one(deployed, "fail-rds-minor-version-drift-old", "rds-minor-version-drift")
    assert "16.2" in msg and "creatable" in msg and "16.9" in msg and "16.11" in msg
    # the cluster turned upgrades off, its member instance (default true) did not
    msg = _one(deployed, "fail-rds-minor-version-drift-aurora", "rds-minor-version-drift")
    assert "wiring-aurora-1" in msg and "fail-rds-minor-version-drift-aurora," not in msg


def test_retention_message_names_both_values_and_the_owner_choice(deployed) -> None:
    msg = _one(deployed, "fail-rds-retention-matches-continuous-backup", "rds-retention-matches-continuous-backup")
    assert "7 days" in msg and "keeps 14 days" in msg and "wiring-continuous" in msg and "'pitr'" in msg
    assert "wiring-pitr-arns" in msg and "backupRetentionPeriod=14" in msg and "ignore_changes" in msg
    msg = _one(deployed, "fail-rds-retention-matches-continuous-backup-tag", "rds-retention-matches-continuous-backup")
    assert "1 day (not set: RDS default 1)" in msg and "wiring-pitr-tags" in msg


def test_restore_testing_message_suggests_the_stacks_own_network(deployed) -> None:
    msg = _one(deployed, "fail-restore-testing-stays-isolated", "restore-testing-stays-isolated")
    assert "dbSubnetGroupName or vpcSecurityGroupIds" in msg and "default VPC" in msg
    assert "dbSubnetGroupName=" in msg  # a concrete value taken from the stack's databases
    msg = _one(deployed, "fail-restore-testing-stays-isolated-aurora", "restore-testing-stays-isolated")
    assert "no vpcSecurityGroupIds" in msg  # keys are case-insensitive: dbsubnetgroupname counted
    assert "publiclyAccessible true" in _one(deployed, "fail-restore-testing-stays-isolated-public",
                                             "restore-testing-stays-isolated")
    assert "subnetId or securityGroupIds" in _one(deployed, "fail-restore-testing-stays-isolated-ec2",
                                                  "restore-testing-stays-isolated")


def test_private_endpoint_message_names_cluster_provider_and_fix(deployed) -> None:
    msg = _one(deployed, "fail-k8s-through-private-eks-endpoint", "k8s-through-private-eks-endpoint")
    assert "wiring-eks-private" in msg and "fail-k8s-through-private-eks-endpoint" in msg
    assert "wiring-ns-private" in msg and "publicAccessCidrs" in msg and "deployerInsideVpc" in msg


def test_health_check_messages_name_the_listener_or_ingress(deployed) -> None:
    msg = _one(deployed, "fail-route53-health-check-host-answered", "route53-health-check-host-answered")
    assert "hc-host-only-https" in msg and "hc-host-only" in msg and "fixed-response 404" in msg
    assert ".elb.amazonaws.com" in msg and "/healthz" in msg
    msg = _one(deployed, "fail-route53-health-check-host-answered-ingress", "route53-health-check-host-answered")
    assert "hc-ingress-host-only" in msg and "layanan.contoh.go.id" in msg
    assert "port 8080" in _one(deployed, "fail-route53-health-check-host-answered-port",
                               "route53-health-check-host-answered")


def test_policy_config_declares_the_deployer_and_the_owned_singletons(deployed) -> None:
    graph, _ = deployed
    tuned = analyze(graph, packs=[PACK], policy_config={
        "k8s-through-private-eks-endpoint": {"deployerInsideVpc": True},
        "singleton-account-resources": {"ownedTypes": ["aws:guardduty/detector:Detector"]}})
    run = (graph, tuned)
    assert not _hits(run, "fail-k8s-through-private-eks-endpoint", "k8s-through-private-eks-endpoint")
    assert not _hits(run, "fail-singleton-account-resources", "singleton-account-resources")
    assert _hits(run, "fail-singleton-account-resources-securityhub", "singleton-account-resources")


def test_preview_judges_through_property_dependencies_and_reports_unknowns(preview) -> None:
    graph, result = preview
    assert graph.preview and not result.errors
    # the health check's fqdn is the Ingress's address, unknown at preview: the rules still decide
    assert _hits(preview, "fail-route53-health-check-host-answered-ingress", "route53-health-check-host-answered")
    assert not _hits(preview, "pass-route53-health-check-host-answered-ingress", "route53-health-check-host-answered")
    assert _hits(preview, "fail-route53-health-check-host-answered", "route53-health-check-host-answered")
    assert _hits(preview, "fail-k8s-through-private-eks-endpoint", "k8s-through-private-eks-endpoint")
    assert _hits(preview, "fail-acm-certificate-validated", "acm-certificate-validated")
    assert not _hits(preview, "pass-acm-certificate-validated", "acm-certificate-validated")
    assert _hits(preview, "fail-rds-retention-matches-continuous-backup", "rds-retention-matches-continuous-backup")
    # a pinned version against a latestVersion not known yet: cannot be verified, advisory, never passed silently
    pinned = next(r.urn for r in graph.resources if r.name == "fail-asg-refresh-triggers-pinned")
    notes = [f for f in result.findings if f.policy == "asg-refresh-triggers" and CANNOT_VERIFY in f.message]
    assert notes and pinned in notes[0].message and notes[0].enforcement == "advisory"
