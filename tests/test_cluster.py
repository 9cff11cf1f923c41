"""LoadBalancedCluster in the jakarta-prod reference stack: spans every AZ, TLS only, IMDSv2, encrypted."""

from __future__ import annotations

import base64

import pytest

from components.cluster import TLS_POLICY
from components.userdata import settings_from_user_data
from siaga.engine import Graph, run_stack
from siaga.engine.model import plain


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_stack("jakarta-prod")


def _subnets_by_id(graph: Graph, tier: str) -> dict[str, str]:
    return {r.id: r.inputs["availabilityZoneId"] for r in graph.of_type("aws:ec2/subnet:Subnet")
            if r.inputs.get("tags", {}).get("siaga:tier") == tier}


def test_alb_and_asg_span_every_az(graph: Graph) -> None:
    alb = graph.of_type("aws:lb/loadBalancer:LoadBalancer")[0].plain_inputs()
    public = _subnets_by_id(graph, "public")
    assert sorted(public[s] for s in alb["subnets"]) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assert alb["enableDeletionProtection"] and alb["dropInvalidHeaderFields"] and alb["accessLogs"]["enabled"]
    asg = graph.of_type("aws:autoscaling/group:Group")[0].plain_inputs()
    private = _subnets_by_id(graph, "private")
    assert sorted(private[s] for s in asg["vpcZoneIdentifiers"]) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    assert asg["minSize"] >= 3 and asg["healthCheckType"] == "ELB"
    assert asg["instanceRefresh"]["preferences"]["minHealthyPercentage"] == 100


def test_listeners_tls_only_and_http_redirects(graph: Graph) -> None:
    listeners = {r.inputs["port"]: r.plain_inputs() for r in graph.of_type("aws:lb/listener:Listener")}
    assert listeners[443]["sslPolicy"] == TLS_POLICY and listeners[443]["protocol"] == "HTTPS"
    assert [a["type"] for a in listeners[80]["defaultActions"]] == ["redirect"]
    assert listeners[80]["defaultActions"][0]["redirect"]["protocol"] == "HTTPS"


def test_launch_template_imdsv2_and_encrypted_root_with_stack_key(graph: Graph) -> None:
    lt = graph.of_type("aws:ec2/launchTemplate:LaunchTemplate")[0].plain_inputs()
    assert lt["metadataOptions"]["httpTokens"] == "required"
    ebs = lt["blockDeviceMappings"][0]["ebs"]
    ebs_key = graph.get("aws:kms/key:Key", "keys-ebs") if any(
        r.name == "keys-ebs" for r in graph.of_type("aws:kms/key:Key")) else None
    assert ebs["encrypted"] == "true" and ebs["volumeType"] == "gp3"
    keys = {r.outputs["arn"] for r in graph.of_type("aws:kms/key:Key")}
    assert ebs["kmsKeyId"] in keys
    if ebs_key is not None:
        assert ebs["kmsKeyId"] == ebs_key.outputs["arn"]
    baseline = settings_from_user_data(base64.b64decode(lt["userData"]))
    assert baseline is not None and baseline.app_port == 8080 and baseline.health_path == "/healthz"


def test_instances_reachable_only_from_the_alb(graph: Graph) -> None:
    app_sg = next(r for r in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == "cluster-app")
    rules = [r.plain_inputs() for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if plain(r.inputs["securityGroupId"]) == app_sg.id]
    alb_sg = next(r for r in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == "cluster-alb")
    assert rules and all(r.get("referencedSecurityGroupId") == alb_sg.id for r in rules)
    assert not any(r.get("cidrIpv4") for r in rules)
