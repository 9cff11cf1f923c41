"""The three reference stacks deploy side by side in one account with one parent zone, and keep the promises issue
#28 found broken: each asserts what the resources do together, on the graphs the offline engine builds from the stack
files (the same graphs `siaga check --stack` judges).

The DNS claims are computed by the pack's own rules (policies/siaga_rules/behaviour/_dns.py), applied here across the
stack files instead of inside one stack.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from components.config import ConfigError, parse_config
from siaga.analyzer import analyze
from siaga.engine import Graph, run_stack
from siaga.engine.model import plain

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "policies"))
from siaga_rules.behaviour._dns import Claim, claims, conflicts, under  # noqa: E402
from siaga_rules.common import Res, StackCtx  # noqa: E402

STACKS = ("jakarta-prod", "jakarta-staging", "hybrid-pdn")
NEW_POLICIES = {"delivery-waits-for-grant", "dns-name-claimed-once", "dns-name-answered", "hpa-metrics-api-present",
                "nodegroup-autoscaler-present", "zone-spread-reschedules", "backup-tag-selection-opt-in"}


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {s: run_stack(s) for s in STACKS}


def _ctx(graph: Graph) -> StackCtx:
    """The graph as the pack's stack rules see it (outputs over inputs, property dependencies, dependsOn)."""
    out = []
    for r in graph.resources:
        source = SimpleNamespace(props={**r.plain_inputs(), **plain(r.outputs)}, provider=None,
                                 dependencies=[SimpleNamespace(urn=u) for u in r.options.dependencies],
                                 opts=SimpleNamespace(ignore_changes=r.options.ignoreChanges))
        out.append(Res(type=r.type, name=r.name, urn=r.urn, source=source, protect=r.options.protect,
                       parent=r.parent, deps=dict(r.options.propertyDependencies)))
    return StackCtx(resources=out, config={}, stack_tags={})


def _deps(r: Any) -> set[str]:
    return set(r.options.dependencies) | {u for us in r.options.propertyDependencies.values() for u in us}


def _waits_for(graph: Graph, r: Any, target: str) -> bool:
    by_urn, seen, todo = graph.by_urn(), set(), [r.urn]
    while todo:
        urn = todo.pop()
        if urn in seen or urn not in by_urn:
            continue
        seen.add(urn)
        deps = _deps(by_urn[urn])
        if target in deps:
            return True
        todo.extend(deps)
    return False


def _one(graph: Graph, type_: str, pred=lambda r: True) -> Any:
    found = [r for r in graph.of_type(type_) if pred(r)]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


# --- 1. one account, one parent zone: every name claimed once ------------------------------------------
def test_no_dns_name_is_claimed_twice_across_the_stack_files(graphs) -> None:
    all_claims = [c for s, g in graphs.items() for c in claims(_ctx(g), s)]
    assert not [(a.stack, a.name, b.stack, b.name, why) for a, b, why in conflicts(all_claims)]
    zones = {c.stack: c.name for c in all_claims if c.kind == "zone"}
    assert zones == {"jakarta-prod": "contoh.go.id", "jakarta-staging": "staging.contoh.go.id",
                     "hybrid-pdn": "hybrid.contoh.go.id"}
    # one parent zone: the other stacks' zones are delegated from jakarta-prod's, at names nobody else claims
    for stack in ("jakarta-staging", "hybrid-pdn"):
        assert under(zones[stack], zones["jakarta-prod"])
        assert not [c for c in all_claims if c.name == zones[stack] and c.kind != "zone"]


def test_the_cross_stack_rule_catches_the_collision_the_review_found(graphs) -> None:
    """The staging zone at layanan.contoh.go.id (as before) against prod's failover CNAMEs at that name."""
    prod = claims(_ctx(graphs["jakarta-prod"]), "jakarta-prod")
    old = Claim("jakarta-staging", "layanan.contoh.go.id", "zone", None, prod[0].res)
    found = conflicts([*prod, old])
    assert found and all(a is old and b.kind == "CNAME" and "NS records" in why for a, b, why in found)


# --- 2. EKS autoscaling: a metrics API and a node autoscaler with its IAM ---------------------------------
def test_eks_installs_the_metrics_api_and_a_cluster_autoscaler_that_owns_the_node_groups(graphs) -> None:
    g = graphs["hybrid-pdn"]
    cluster = _one(g, "aws:eks/cluster:Cluster")
    name = cluster.plain_inputs()["name"]
    addon = _one(g, "aws:eks/addon:Addon", lambda r: r.plain_inputs()["addonName"] == "metrics-server")
    assert cluster.urn in _deps(addon)
    ca = _one(g, "kubernetes:helm.sh/v3:Release", lambda r: r.plain_inputs()["chart"] == "cluster-autoscaler")
    values = ca.plain_inputs()["values"]
    assert values["autoDiscovery"]["clusterName"] == name and values["extraArgs"]["balance-similar-node-groups"]
    assert values["image"]["tag"] == "v1.33.0"  # the cluster's minor version
    role_arn = values["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    role = _one(g, "aws:iam/role:Role", lambda r: r.outputs.get("arn") == role_arn)
    trust = json.loads(role.plain_inputs()["assumeRolePolicy"])["Statement"][0]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert "system:serviceaccount:kube-system:cluster-autoscaler" in trust["Condition"]["StringEquals"].values()
    attached = [a for a in g.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if role.urn in _deps(a)]
    policy = _one(g, "aws:iam/policy:Policy", lambda r: any(r.urn in _deps(a) for a in attached))
    scale = [s for s in json.loads(policy.plain_inputs()["policy"])["Statement"]
             if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert scale[0]["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}": "owned"}}
    groups = g.of_type("aws:eks/nodeGroup:NodeGroup")
    assert len(groups) == 3
    for ng in groups:
        inputs = ng.plain_inputs()
        assert inputs["tags"][f"k8s.io/cluster-autoscaler/{name}"] == "owned"
        assert inputs["scalingConfig"]["maxSize"] == 3  # kubernetes.maxNodesPerAz: the range the autoscaler uses
        assert ng.options.ignoreChanges == ["scalingConfig.desiredSize"]


# --- 3 and 8. the EKS Ingress: validated certificate, access logs after their grant --------------------------
def test_eks_ingress_uses_the_validated_certificate_and_writes_access_logs_once_delivery_is_granted(graphs) -> None:
    g = graphs["hybrid-pdn"]
    validation = _one(g, "aws:acm/certificateValidation:CertificateValidation")
    ingress = _one(g, "kubernetes:networking.k8s.io/v1:Ingress", lambda r: "alb" in json.dumps(r.plain_inputs()))
    annotations = ingress.plain_inputs()["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == validation.outputs["certificateArn"]
    assert validation.urn in ingress.options.propertyDependencies["metadata"]
    bucket = _one(g, "aws:s3/bucket:Bucket", lambda r: r.name == "eks-alb-logs")
    attrs = annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]
    assert f"access_logs.s3.bucket={bucket.outputs['bucket']}" in attrs and "access_logs.s3.enabled=true" in attrs
    policy = _one(g, "aws:s3/bucketPolicy:BucketPolicy", lambda r: bucket.urn in _deps(r))
    grant = json.loads(policy.plain_inputs()["policy"])["Statement"][1]
    assert grant["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert grant["Resource"].endswith("/eks-alb/AWSLogs/" + grant["Resource"].split("/AWSLogs/")[1])
    assert _waits_for(g, ingress, policy.urn)


# --- 4. the EC2 tier's ALB turns logging on after the bucket policy ---------------------------------------
@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_alb_access_logs_wait_for_the_bucket_policy(graphs, stack: str) -> None:
    g = graphs[stack]
    alb = _one(g, "aws:lb/loadBalancer:LoadBalancer")
    bucket = _one(g, "aws:s3/bucketV2:BucketV2", lambda r: r.outputs.get("bucket") == alb.plain_inputs()["accessLogs"]["bucket"])
    policy = _one(g, "aws:s3/bucketPolicy:BucketPolicy", lambda r: bucket.urn in _deps(r))
    assert policy.urn in alb.options.dependencies


# --- 5. the standby name inside the stack's zone resolves ---------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_the_standby_name_is_answered_in_the_stacks_zone_before_it_is_probed(graphs, stack: str) -> None:
    g = graphs[stack]
    cfg = parse_config(yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"])
    zone = _one(g, "aws:route53/zone:Zone")
    assert under(cfg.standby.address, zone.outputs["name"])
    record = _one(g, "aws:route53/record:Record", lambda r: r.plain_inputs()["name"] == cfg.standby.address)
    assert record.plain_inputs()["type"] == "A" and record.plain_inputs()["records"] == cfg.standby.addressIps
    assert zone.urn in _deps(record)
    check = _one(g, "aws:route53/healthCheck:HealthCheck", lambda r: r.plain_inputs().get("fqdn") == cfg.standby.address)
    assert record.urn in check.options.dependencies
    secondary = _one(g, "aws:route53/record:Record", lambda r: r.plain_inputs().get("setIdentifier") == "secondary")
    assert secondary.plain_inputs()["records"] == [cfg.standby.address]


def test_a_standby_name_in_the_zone_with_nothing_to_answer_it_is_refused_in_one_line() -> None:
    raw = yaml.safe_load((ROOT / "stacks" / "Pulumi.jakarta-prod.yaml").read_text())["config"]
    raw["siaga:standby"] = {k: v for k, v in raw["siaga:standby"].items() if k != "addressIps"}
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    msg = str(err.value)
    assert "\n" not in msg and "standby.address" in msg and "'standby.layanan.contoh.go.id'" in msg
    assert "contoh.go.id" in msg and "addressIps" in msg
    # a name outside the zone needs no record
    raw["siaga:standby"]["address"] = "standby.pdn.example.net"
    assert parse_config(raw).standby.addressIps == []


# --- 6. zone spread reschedules after a real AZ loss; the drill that reproduces it --------------------------
def test_zone_spread_honours_node_taints_and_the_stop_drill_keeps_nodes(graphs) -> None:
    g = graphs["hybrid-pdn"]
    primary = [d for d in g.of_type("kubernetes:apps/v1:Deployment") if "primary" in d.urn]
    assert primary
    for d in primary:
        for c in d.plain_inputs()["spec"]["template"]["spec"]["topologySpreadConstraints"]:
            assert c["nodeTaintsPolicy"] == "Honor"
    template = _one(g, "aws:fis/experimentTemplate:ExperimentTemplate", lambda r: r.name == "drills-lose-az-stop")
    spec = template.plain_inputs()
    actions = {a["actionId"] for a in spec["actions"]}
    assert "aws:ec2:stop-instances" in actions and not any("terminate" in a for a in actions)
    stop = next(a for a in spec["actions"] if a["actionId"] == "aws:ec2:stop-instances")
    assert {"key": "startInstancesAfterDuration", "value": "PT5M"} in stop["parameters"]
    nodes = next(t for t in spec["targets"] if t["name"] == "az-nodes")
    assert {"path": "Placement.AvailabilityZone", "values": ["ap-southeast-3a"]} in nodes["filters"]
    role_policy = _one(g, "aws:iam/rolePolicy:RolePolicy", lambda r: r.name == "drills-fis")
    stmt = json.loads(role_policy.plain_inputs()["policy"])["Statement"][0]
    assert "ec2:StopInstances" in stmt["Action"] and "ec2:StartInstances" in stmt["Action"]


# --- 7. audit-log buckets backed up by explicit assignment -------------------------------------------------
@pytest.mark.parametrize("stack", STACKS)
def test_audit_log_buckets_are_assigned_to_the_backup_plan_by_arn(graphs, stack: str) -> None:
    g = graphs[stack]
    selection = _one(g, "aws:backup/selection:Selection")
    assigned = set(selection.plain_inputs()["resources"])
    trail = _one(g, "aws:cloudtrail/trail:Trail")
    trail_bucket = _one(g, "aws:s3/bucket:Bucket", lambda r: r.urn in trail.options.propertyDependencies["s3BucketName"])
    assert trail_bucket.outputs["arn"] in assigned
    logs = [b for b in g.resources if b.type in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
            and ("alb-logs" in b.name)]
    assert logs and all(b.outputs["arn"] in assigned for b in logs)


# --- every new behaviour policy: the reference stacks pass with 0 mandatory ---------------------------------
def test_reference_stacks_pass_the_new_behaviour_policies(graphs) -> None:
    for stack, g in graphs.items():
        result = analyze(g, packs=[ROOT / "policies"])
        assert not result.errors
        assert not [(f.policy, f.name, f.message) for f in result.findings
                    if f.policy in NEW_POLICIES and f.enforcement == "mandatory"], stack


# --- open questions the review could not settle, and what they revealed (docs/deploy-review.md) --------------
@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging"])
def test_the_database_waits_for_its_monitoring_roles_permissions(graphs, stack: str) -> None:
    g = graphs[stack]
    db = _one(g, "aws:rds/instance:Instance")
    role = _one(g, "aws:iam/role:Role", lambda r: r.outputs.get("arn") == db.plain_inputs()["monitoringRoleArn"])
    attachment = _one(g, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", lambda r: role.urn in _deps(r))
    assert attachment.plain_inputs()["policyArn"].endswith("/AmazonRDSEnhancedMonitoringRole")
    assert attachment.urn in db.options.dependencies
