"""sg-flows-agree and data-store-reachable beyond pass/fail: what the messages say (both groups, the traffic,
the rule that admits it, what is missing, the fix), uncovered port ranges, unknowns at preview, data-only
stacks, the EKS cluster security group, and a synthetic stack at scale. Through siaga.analyzer on graphs from
the offline engine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, Finding, analyze
from siaga.engine import Graph, run_program, run_stack

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
PROGRAMS = ROOT / "tests/fixtures/programs"
CASES = PROGRAMS / "policy_cases_behaviour_sg"
CANNOT_VERIFY = "cannot be verified before deployment"
POLICIES = ("sg-flows-agree", "data-store-reachable")


@pytest.fixture(scope="module")
def cases() -> tuple[Graph, AnalysisResult]:
    graph = run_program(CASES, stack="dev")
    return graph, analyze(graph, packs=[PACK])


@pytest.fixture(scope="module")
def cases_preview() -> tuple[Graph, AnalysisResult]:
    graph = run_program(CASES, stack="dev", preview=True)
    return graph, analyze(graph, packs=[PACK])


def _hits(graph: Graph, result: AnalysisResult, name: str, policy: str) -> list[Finding]:
    urns = {r.urn for r in graph.resources if r.name == name}
    assert urns, name
    return [f for f in result.findings if f.urn in urns and f.policy == policy]


def _one(graph: Graph, result: AnalysisResult, name: str, policy: str) -> str:
    hits = [f for f in _hits(graph, result, name, policy) if CANNOT_VERIFY not in f.message]
    assert len(hits) == 1, [f.message for f in hits]
    assert hits[0].enforcement == "mandatory"
    return hits[0].message


def test_app_that_may_only_send_443_to_a_database_admitting_5432(cases) -> None:
    graph, result = cases
    msg = _one(graph, result, "fail-sg-flows-agree-egress-443", "sg-flows-agree")
    db = graph.get("aws:ec2/securityGroup:SecurityGroup", "sgc-db-5432")
    # both groups, the traffic, the rule that admits it, what the sender's egress allows instead, the fix
    assert "sgc-db-5432 admits tcp 5432 from fail-sg-flows-agree-egress-443" in msg
    assert "sgc-db-5432 ingress[0]" in msg and db.urn in msg
    assert "does not allow tcp 5432 to sgc-db-5432" in msg
    assert "allows only tcp 443 to 0.0.0.0/0 (sgc-app443-https-out)" in msg
    assert "Fix: add an egress rule to fail-sg-flows-agree-egress-443: aws.vpc.SecurityGroupEgressRule(" in msg
    assert "referenced_security_group_id=sgc-db-5432.id, ip_protocol='tcp', from_port=5432, to_port=5432" in msg
    # the database group is not the one to fix
    assert not _hits(graph, result, "sgc-db-5432", "sg-flows-agree")


def test_egress_to_a_group_that_does_not_admit_it_is_reported_on_the_receiver(cases) -> None:
    graph, result = cases
    msg = _one(graph, result, "fail-sg-flows-agree-not-admitted", "sg-flows-agree")
    assert "sgc-src-9000 may send tcp 9000 to fail-sg-flows-agree-not-admitted (sgc-src-to-9000)" in msg
    assert "does not admit tcp 9000 from sgc-src-9000" in msg
    assert "allows only tcp 443 from sgc-src-9000 (sgc-na-from-src)" in msg
    assert "aws.vpc.SecurityGroupIngressRule(security_group_id=fail-sg-flows-agree-not-admitted.id" in msg
    assert not _hits(graph, result, "sgc-src-9000", "sg-flows-agree")  # its 443 egress is admitted


def test_partial_overlap_reports_the_ports_not_covered(cases) -> None:
    graph, result = cases
    receiver = _one(graph, result, "fail-sg-flows-agree-partial-ingress", "sg-flows-agree")
    assert "does not admit tcp 8051-8100 from sgc-wide-src" in receiver
    assert "from_port=8051, to_port=8100" in receiver
    sender = _one(graph, result, "fail-sg-flows-agree-partial-egress", "sg-flows-agree")
    assert "admits tcp 5000-5010" in sender and "does not allow tcp 5006-5010 to sgc-admits-5000" in sender
    assert "allows only tcp 5000-5005 to sgc-admits-5000 (sgc-narrow-out)" in sender


def test_egress_to_peers_outside_the_stack_does_not_reach_a_stack_group(cases) -> None:
    """A known group id of another stack is never one of this stack's groups; the S3 prefix list rule is for
    443 only, so its unseen entries cannot matter for 5432: both fail, neither is 'cannot be verified'."""
    graph, result = cases
    ext = _one(graph, result, "fail-sg-flows-agree-external-group", "sg-flows-agree")
    assert "allows only tcp 5432 to security group sg-0123456789abcdef0 (not in this stack) (sgc-ext-out)" in ext
    s3 = _one(graph, result, "fail-sg-flows-agree-s3-prefix-list", "sg-flows-agree")
    assert "allows only tcp 443 to prefix list pl-6fa54006 (entries not in this stack) (sgc-s3-out)" in s3


def test_egress_to_the_eks_cluster_security_group_needs_a_rule_on_it(cases) -> None:
    """EKS's cluster security group admits only itself by default; a rule of the stack can add more."""
    graph, result = cases
    msg = _one(graph, result, "fail-sg-flows-agree-eks-cluster-sg", "sg-flows-agree")
    assert "sgc-eks-admin may send tcp 443 to the EKS cluster security group of fail-sg-flows-agree-eks-cluster-sg" in msg
    assert "its ingress allows only all traffic from itself (EKS default)" in msg
    assert "security_group_id=fail-sg-flows-agree-eks-cluster-sg.vpc_config.cluster_security_group_id" in msg


def test_group_without_egress_rules_has_no_egress(cases) -> None:
    """pulumi-aws revokes AWS's default allow-all egress when it creates a group."""
    graph, result = cases
    msg = _one(graph, result, "fail-sg-flows-agree-no-egress", "sg-flows-agree")
    assert "has no rule at all" in msg and "removes AWS's default allow-all egress" in msg


def test_every_pass_case_passes_after_deployment_and_at_preview(cases, cases_preview) -> None:
    for graph, result in (cases, cases_preview):
        for r in graph.resources:
            for policy in POLICIES:
                if r.name.startswith(f"pass-{policy}"):
                    assert not _hits(graph, result, r.name, policy), (r.name, graph.preview)


def test_fail_cases_are_caught_at_preview_through_property_dependencies(cases_preview) -> None:
    graph, result = cases_preview
    assert graph.preview
    fails = [r.name for r in graph.resources if any(r.name.startswith(f"fail-{p}") for p in POLICIES)]
    assert len(fails) == 11
    # the offline engine leaves a cluster's computed clusterSecurityGroupId out at preview (a real preview sends
    # it unknown, with the cluster as its dependency): the rules towards it cannot be verified, never passed
    eks = "fail-sg-flows-agree-eks-cluster-sg"
    fails.remove(eks)
    notes = [f.message for f in result.findings if f.policy == "sg-flows-agree" and CANNOT_VERIFY in f.message]
    assert notes and f"destination of sgc-admin-to-{eks}" in notes[0]
    for name in fails:
        policy = next(p for p in POLICIES if name.startswith(f"fail-{p}"))
        _one(graph, result, name, policy)
    assert not result.errors


def test_unknown_prefix_list_and_ports_are_cannot_verify_at_preview_and_pass_after(cases, cases_preview) -> None:
    graph, result = cases_preview
    late = graph.get("aws:ec2/securityGroup:SecurityGroup", "pass-sg-flows-agree-late-src")
    notes = [f for f in result.findings if f.policy == "sg-flows-agree" and CANNOT_VERIFY in f.message]
    assert len(notes) == 1 and notes[0].enforcement == "advisory"  # one per stack policy, naming each resource
    assert late.urn in notes[0].message and "destination of sgc-late-out" in notes[0].message
    src = graph.get("aws:ec2/securityGroup:SecurityGroup", "pass-sg-flows-agree-late-port-src")
    assert f"{src.urn}: protocol/ports of sgc-lp-out" in notes[0].message
    assert f"{src.urn}: egress rules towards sgc-lp-in" in notes[0].message
    graph, result = cases
    assert not [f for f in result.findings if f.policy == "sg-flows-agree" and CANNOT_VERIFY in f.message]


def test_database_nobody_can_reach(cases, cases_preview) -> None:
    graph, result = cases_preview  # `port` not set: the engine's default port
    msg = _one(graph, result, "fail-data-store-reachable-nobody", "data-store-reachable")
    assert "no compute in this stack can reach fail-data-store-reachable-nobody on tcp 3306 (the mysql default port)" in msg
    graph, result = cases  # after deployment RDS reports the port it chose
    msg = _one(graph, result, "fail-data-store-reachable-nobody", "data-store-reachable")
    assert "on tcp 3306 (its port)" in msg
    assert "sgc-closed admit no compute of this stack on tcp 3306 (no ingress rule at all)" in msg
    assert "sgc-asg (launch template sgc-lt) [sgc-asg]" in msg  # the compute it could serve, through its LT
    assert "aws.vpc.SecurityGroupIngressRule(security_group_id=sgc-closed.id" in msg


def test_store_admitting_the_wrong_port_and_compute_whose_egress_stops_short(cases) -> None:
    graph, result = cases
    docdb = _one(graph, result, "fail-data-store-reachable-wrong-port", "data-store-reachable")
    assert "tcp 27017 (the service's default port)" in docdb and "tcp 5432 from sgc-asg" in docdb
    mem = _one(graph, result, "fail-data-store-reachable-egress", "data-store-reachable")
    assert "on tcp 6380 (its port)" in mem
    assert "sgc-instance is admitted by tcp 6380 from sgc-only-https (sgc-memorydb-from-instance)" in mem
    assert "allows only tcp 443 to 0.0.0.0/0 (sgc-only-https-out)" in mem
    assert "aws.vpc.SecurityGroupEgressRule(security_group_id=sgc-only-https.id" in mem


def test_store_admitting_a_foreign_group_a_compute_here_uses_cannot_be_verified(cases) -> None:
    graph, result = cases
    cache = graph.get("aws:elasticache/replicationGroup:ReplicationGroup", "sgc-ext-cache")
    assert not _hits(graph, result, "sgc-ext-cache", "data-store-reachable")
    notes = [f for f in result.findings if f.policy == "data-store-reachable" and CANNOT_VERIFY in f.message]
    assert len(notes) == 1 and notes[0].enforcement == "advisory"
    assert f"{cache.urn}: reachability on tcp 6379" in notes[0].message


def test_data_only_stack_is_not_judged() -> None:
    graph = run_program(PROGRAMS / "behaviour_sg_data_only", stack="dev")
    result = analyze(graph, packs=[PACK])
    assert graph.of_type("aws:rds/instance:Instance")
    assert not [f for f in result.findings if f.policy == "data-store-reachable"]


def test_eks_nodes_reach_the_database_through_the_cluster_security_group() -> None:
    """hybrid-pdn: node groups without groups in their launch template sit in the EKS-created cluster security
    group (outbound all by default); the database admits that group."""
    for preview in (False, True):
        graph = run_stack("hybrid-pdn", preview=preview)
        result = analyze(graph, packs=[PACK])
        assert graph.of_type("aws:eks/nodeGroup:NodeGroup") and graph.of_type("aws:rds/instance:Instance")
        found = [f for f in result.findings if f.policy in POLICIES]
        if not preview:
            assert not found
        else:  # the database's client egress rule sits on the EKS-created group, whose id only exists after deployment
            assert found and all(f.enforcement == "advisory" and "cannot be verified" in f.message for f in found)
            assert all("db-client" in f.message for f in found)


def test_synthetic_tiers_every_tenth_broken() -> None:
    """The benchmark program at a small size: only tier 0 (whose app may only send 443) is flagged, once per
    policy; the checks run in-process on the same graph agree."""
    sys.path.insert(0, str(ROOT))
    from bench.bench_behaviour_sg import PROGRAM, time_checks

    graph = run_program(PROGRAM, stack="bench", overrides={"behaviour-sg-bench:tiers": "12"})
    result = analyze(graph, packs=[PACK])
    flagged = sorted((f.policy, f.name) for f in result.findings if f.policy in POLICIES)
    assert flagged == [("data-store-reachable", "t000-pg"), ("data-store-reachable", "t010-pg"),
                       ("sg-flows-agree", "t000-app"), ("sg-flows-agree", "t010-app")]
    _, violations = time_checks(graph, repeat=1)
    assert violations == 4


def test_cidr_reaches_a_group_through_its_vpc_or_every_subnet_of_its_members(cases) -> None:
    """The database group's members are the RDS instance in two /24 subnets of a /16 VPC."""
    graph, _ = cases
    sys.path[:0] = [str(ROOT), str(PACK)]
    from siaga_rules.behaviour.sg_model import Model

    from bench.bench_behaviour_sg import stack_ctx

    model = Model(stack_ctx(graph)).build()
    db = next(g for g in model.groups.values() if g.res.name == "pass-sg-flows-agree-subnet-cidr-db")
    assert [m.res.name for m in model.members[db.key]] == ["sgc-report-db"]
    assert model.cidr_reaches(["10.0.0.0/22"], db) is True  # both subnets
    assert model.cidr_reaches(["10.0.0.0/16"], db) is True  # the VPC
    assert model.cidr_reaches(["10.0.1.0/24"], db) is False  # one subnet of two
    assert model.cidr_reaches(["10.1.0.0/16"], db) is False
