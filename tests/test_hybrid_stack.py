"""The hybrid-pdn reference stack: EKS in Jakarta as primary, the same workload on an on-prem cluster
as standby. One engine run (stacks/Pulumi.hybrid-pdn.yaml) per module; the policy pack runs on that graph.

Until the root program's EKS hook is wired, the graph comes from the hook's fixture program
(tests/fixtures/programs/k8s/hybrid: compose_eks over the same stack file with stand-in subnets/keys).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import kubernetes_validate
import pytest
import yaml

from components.config import ConfigError, parse_config
from siaga.analyzer.run import analyze
from siaga.engine import Graph, Resource, run_program, run_stack
from siaga.engine.model import SECRET_SIG, SIG_KEY, plain
from tests.conftest import PROGRAMS, REPO
from tests.test_workload import K8S_VERSION, _route, manifest, validate_all

STACK = "hybrid-pdn"
RAW = yaml.safe_load((REPO / "stacks" / f"Pulumi.{STACK}.yaml").read_text())["config"]
CONFIG = parse_config(RAW)


def _graph() -> Graph:
    graph = run_stack(STACK)
    if graph.of_type("siaga:hybrid:HybridKubernetes"):
        return graph
    return run_program(PROGRAMS / "k8s" / "hybrid", stack=STACK)  # root hook not wired yet


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _graph()


def _workload(graph: Graph, role: str) -> Resource:
    (found,) = [r for r in graph.of_type("siaga:k8s:HaWorkload") if r.name.endswith(f"-{role}")]
    return found


def _child(graph: Graph, parent: Resource, type_: str) -> dict:
    (found,) = [r for r in graph.children(parent.urn) if r.type == type_]
    return manifest(found)


def test_stack_file_is_the_eks_platform() -> None:
    assert CONFIG.platform == "eks" and CONFIG.kubernetes is not None
    assert CONFIG.kubernetes.version == K8S_VERSION and CONFIG.kubernetes.publicAccessCidrs == []
    assert CONFIG.kubernetes.deployerCidrs and not CONFIG.kubernetes.deployerInsideVpc
    text = (REPO / "stacks" / f"Pulumi.{STACK}.yaml").read_text()
    keyed = [line for line in text.splitlines()[1:] if ":" in line.split("#")[0]
             and not line.lstrip().startswith("#") and line.strip() != "config:"]
    assert all("#" in line for line in keyed), "every key is commented"


def test_eks_node_groups_in_every_az_encrypted_and_logged(graph: Graph) -> None:
    (cluster,) = graph.of_type("aws:eks/cluster:Cluster")
    inputs = cluster.plain_inputs()
    groups = [ng.plain_inputs() for ng in graph.of_type("aws:eks/nodeGroup:NodeGroup")]
    assert len(groups) == CONFIG.azCount
    assert sorted(g["subnetIds"][0] for g in groups) == sorted(inputs["vpcConfig"]["subnetIds"])
    assert len({g["labels"]["siaga.go.id/node-group-az"] for g in groups}) == CONFIG.azCount
    assert all(g["scalingConfig"]["minSize"] == CONFIG.kubernetes.nodesPerAz for g in groups)  # type: ignore[union-attr]
    assert inputs["encryptionConfig"]["resources"] == ["secrets"] and inputs["encryptionConfig"]["provider"]["keyArn"]
    assert len(inputs["enabledClusterLogTypes"]) == 5
    assert inputs["name"] == CONFIG.name_prefix
    (lt,) = graph.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert lt.plain_inputs()["metadataOptions"]["httpTokens"] == "required"
    admins = [r.plain_inputs()["principalArn"] for r in graph.of_type("aws:eks/accessEntry:AccessEntry")]
    assert admins == CONFIG.kubernetes.adminRoleArns  # type: ignore[union-attr]
    aws_resources = [r for r in graph.resources if r.type.startswith("aws:")]
    jakarta = graph.get("pulumi:providers:aws", "jakarta")
    # the isolated backup account's vault and key have a provider of their own (also in Jakarta:
    # tests/test_backup_account.py); everything else is on the Jakarta provider
    backup_account = {p.urn for p in graph.of_type("pulumi:providers:aws") if p.name == "isolated-backup-account"}
    assert {r.provider_urn for r in aws_resources} - backup_account == {jakarta.urn}, \
        "every AWS resource on the Jakarta provider"


def test_same_workload_primary_on_eks_standby_on_prem(graph: Graph) -> None:
    primary, standby = _workload(graph, "primary"), _workload(graph, "standby")
    deploy = {role: _child(graph, w, "kubernetes:apps/v1:Deployment")["spec"]
              for role, w in (("primary", primary), ("standby", standby))}
    for spec in deploy.values():
        assert spec["replicas"] == CONFIG.kubernetes.replicas  # type: ignore[union-attr]
        (container,) = spec["template"]["spec"]["containers"]
        assert container["image"] == CONFIG.kubernetes.image  # type: ignore[union-attr]
        assert container["ports"][0]["containerPort"] == CONFIG.cluster.appPort
    zone = {role: next(c["whenUnsatisfiable"] for c in spec["template"]["spec"]["topologySpreadConstraints"]
                       if c["topologyKey"] == "topology.kubernetes.io/zone") for role, spec in deploy.items()}
    assert zone == {"primary": "DoNotSchedule", "standby": "ScheduleAnyway"}
    (container,) = deploy["primary"]["template"]["spec"]["containers"]
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 15  # ALB deregistration before stop  # on-prem nodes may lack zone labels
    providers = {r.name: r for r in graph.of_type("pulumi:providers:kubernetes")}
    (onprem,) = [p for name, p in providers.items() if name.endswith("-onprem")]
    assert onprem.inputs["kubeconfig"][SIG_KEY] == SECRET_SIG, "the on-prem kubeconfig stays a secret"
    standby_objects = [r for r in graph.children(standby.urn) if r.type.startswith("kubernetes:")]
    assert {r.provider_urn for r in standby_objects} == {onprem.urn}
    primary_objects = [r for r in graph.children(primary.urn) if r.type.startswith("kubernetes:")]
    (eks_provider,) = {r.provider_urn for r in primary_objects}
    assert json.loads(graph.by_urn()[eks_provider].plain_inputs()["kubeconfig"])["kind"] == "Config"


def test_every_kubernetes_object_validates(graph: Graph) -> None:
    assert validate_all(graph) == 2 * 11
    for r in graph.of_type("kubernetes:storage.k8s.io/v1:StorageClass"):
        kubernetes_validate.validate(manifest(r), K8S_VERSION, strict=True)


def test_primary_ingress_alb_tls_and_network_policy(graph: Graph) -> None:
    primary = _workload(graph, "primary")
    ingress = _child(graph, primary, "kubernetes:networking.k8s.io/v1:Ingress")
    notes = ingress["metadata"]["annotations"]
    (cert,) = graph.of_type("aws:acm/certificate:Certificate")
    assert cert.plain_inputs()["domainName"] == CONFIG.domain
    assert notes["alb.ingress.kubernetes.io/certificate-arn"] == cert.outputs["arn"]
    assert notes["alb.ingress.kubernetes.io/ssl-policy"].startswith("ELBSecurityPolicy-TLS13")
    assert "deletion_protection.enabled=true" in notes["alb.ingress.kubernetes.io/load-balancer-attributes"]
    assert len(notes["alb.ingress.kubernetes.io/subnets"].split(",")) == CONFIG.azCount
    assert ingress["spec"]["tls"][0]["hosts"] == [CONFIG.domain]
    ns = _child(graph, primary, "kubernetes:core/v1:Namespace")["metadata"]["labels"]
    assert ns["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"  # rollouts wait for ALB target health
    assert ns["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {r.name: manifest(r)["spec"] for r in graph.children(primary.urn)
                if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"}
    allow = next(v for k, v in policies.items() if k.endswith("-allow-ingress"))
    assert {"ipBlock": {"cidr": CONFIG.vpcCidr}} in allow["ingress"][0]["from"]  # ALB -> pod IPs
    hostname = graph.exports.get("primaryHostname") or graph.get(
        "siaga:hybrid:HybridKubernetes", CONFIG.name_prefix).outputs["primaryHostname"]
    assert hostname.endswith(f".{CONFIG.region}.elb.amazonaws.com")


def test_policy_pack_zero_mandatory_violations(graph: Graph) -> None:
    result = analyze(graph, packs=[REPO / "policies"])
    mandatory = [f"{f.policy} {f.name}: {f.message}" for f in result.findings if f.enforcement == "mandatory"]
    assert not [f for f in result.findings if f.error]
    assert mandatory == []
    assert len(result.findings) < 100, "advisories stay reviewable"


def test_api_endpoint_public_for_the_deployer_cidrs_only(graph: Graph) -> None:
    """pulumi up creates Kubernetes objects through the endpoint: public for the deployer's CIDRs (never the
    internet), private access kept for nodes and pods, and every EKS object goes through that cluster."""
    (cluster,) = graph.of_type("aws:eks/cluster:Cluster")
    vpc = cluster.plain_inputs()["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == CONFIG.kubernetes.deployerCidrs  # type: ignore[union-attr]
    assert not {"0.0.0.0/0", "::/0"} & set(vpc["publicAccessCidrs"])
    providers = {r.urn: r for r in graph.of_type("pulumi:providers:kubernetes")}
    eks_side = [r for r in graph.resources if r.type.startswith("kubernetes:") and not r.is_provider
                and not providers[r.provider_urn].name.endswith("-onprem")]  # type: ignore[index]
    assert {r.type for r in eks_side} >= {"kubernetes:helm.sh/v3:Release", "kubernetes:networking.k8s.io/v1:Ingress"}
    for r in eks_side:
        server = json.loads(providers[r.provider_urn].plain_inputs()["kubeconfig"])["clusters"][0]["cluster"]["server"]  # type: ignore[index]
        assert server == cluster.outputs["endpoint"], r.name


def _with_kubernetes(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(RAW)
    raw["siaga:kubernetes"].update(changes)
    return raw


@pytest.mark.parametrize(("changes", "message"), [
    ({"deployerCidrs": [], "deployerInsideVpc": False},
     "siaga:kubernetes.deployerCidrs: [] and deployerInsideVpc: false leave no way for pulumi up to reach the private"),
    ({"deployerCidrs": ["0.0.0.0/0"]}, 'siaga:kubernetes.deployerCidrs: ["0.0.0.0/0"] is invalid: ' "'0.0.0.0/0' opens the"),
    ({"deployerCidrs": ["10.30.0.0/16"]}, 'siaga:kubernetes.deployerCidrs: ["10.30.0.0/16"] is invalid: ' "'10.30.0.0/16' is "
                                          "not a public network"),
    ({"deployerCidrs": ["203.0.113.10/24"]}, 'siaga:kubernetes.deployerCidrs: ["203.0.113.10/24"] is invalid: '
                                             "'203.0.113.10/24' is not an IPv4 CIDR"),
])
def test_deployer_config_one_clear_line(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with_kubernetes(**changes))
    assert str(err.value).startswith(message), str(err.value)
    assert "\n" not in str(err.value)


def test_private_endpoint_with_a_runner_inside_the_vpc() -> None:
    cfg = parse_config(_with_kubernetes(deployerCidrs=[], deployerInsideVpc=True))
    assert cfg.kubernetes is not None and cfg.kubernetes.deployerInsideVpc


def test_reference_deployer_cidr_is_flagged_as_an_example() -> None:
    """The reference stack's deployer address is a documentation range: compose_eks warns until it is replaced."""
    assert CONFIG.kubernetes is not None and CONFIG.kubernetes.example_deployer_cidrs == CONFIG.kubernetes.deployerCidrs
    real = parse_config(_with_kubernetes(deployerCidrs=["108.136.10.4/32", "198.51.100.0/28"]))
    assert real.kubernetes is not None and real.kubernetes.example_deployer_cidrs == ["198.51.100.0/28"]


def test_primary_health_check_host_and_path_answered_by_the_ingress(graph: Graph) -> None:
    """Route 53 sends the health check's fqdn as the Host header (HTTPS on 443: the fqdn alone,
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html); the Ingress that
    publishes that name must route (Host=fqdn, resource path) to the service, or the primary never fails back."""
    checks = graph.of_type("aws:route53/healthCheck:HealthCheck")
    ingresses = {}
    for r in graph.of_type("kubernetes:networking.k8s.io/v1:Ingress"):
        for lb in (r.outputs.get("status") or {}).get("loadBalancer", {}).get("ingress", []):
            ingresses[lb.get("hostname")] = r
    (check,) = [c for c in checks if c.plain_inputs().get("fqdn") in ingresses]
    hc = check.plain_inputs()
    assert (hc["type"], hc["port"]) == ("HTTPS", 443)
    host = hc["fqdn"]  # the Host header Route 53 sends
    assert host != CONFIG.domain
    ingress = ingresses[host]
    primary = _workload(graph, "primary")
    assert ingress.parent == primary.urn
    routed = _route(manifest(ingress)["spec"]["rules"], host, hc["resourcePath"])
    assert routed is not None, f"{host}{hc['resourcePath']}: no Ingress rule answers the health check"
    service = _child(graph, primary, "kubernetes:core/v1:Service")["metadata"]["name"]
    assert routed["backend"]["service"]["name"] == service
    readiness = _child(graph, primary, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]["containers"][0][
        "readinessProbe"]["httpGet"]["path"]
    assert hc["resourcePath"] == readiness  # the pods answer that path
    assert _route(manifest(ingress)["spec"]["rules"], host, "/") is None  # nothing else for a foreign Host


def test_load_balancer_controller_told_the_stacks_vpc_and_region(graph: Graph) -> None:
    (release,) = [r for r in graph.of_type("kubernetes:helm.sh/v3:Release")
                  if r.plain_inputs()["chart"] == "aws-load-balancer-controller"]
    values = release.plain_inputs()["values"]
    (vpc,) = graph.of_type("aws:ec2/vpc:Vpc")
    assert values["vpcId"] == vpc.id and values["region"] == CONFIG.region
    assert values["clusterName"] == CONFIG.name_prefix
    ingress = next(r for r in graph.of_type("kubernetes:networking.k8s.io/v1:Ingress") if r.name.endswith("-primary-ingress"))
    assert release.urn in ingress.options.dependencies
    (cni,) = [r for r in graph.of_type("aws:eks/addon:Addon") if r.plain_inputs()["addonName"] == "vpc-cni"]
    assert json.loads(cni.plain_inputs()["configurationValues"])["enableNetworkPolicy"] == "true"
    primary = _workload(graph, "primary")
    for r in graph.children(primary.urn):
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy":
            assert cni.urn in r.options.dependencies


def test_the_primary_ingress_alb_gets_the_stacks_waf_web_acl(graph: Graph) -> None:
    """hybrid-pdn's ALB is made by the load balancer controller: the stack's web ACL reaches it through the
    Ingress annotation, the ARN coming from the WebAcl resource itself (property dependency)."""
    acls = graph.of_type("aws:wafv2/webAcl:WebAcl")
    assert len(acls) == 1
    acl = acls[0]
    ingresses = [r for r in graph.of_type("kubernetes:networking.k8s.io/v1:Ingress")
                 if (plain(r.inputs).get("spec") or {}).get("ingressClassName") == "alb"]
    assert ingresses
    for ing in ingresses:
        annotations = plain(ing.inputs)["metadata"].get("annotations") or {}
        assert annotations.get("alb.ingress.kubernetes.io/wafv2-acl-arn") == acl.outputs.get("arn")
        assert acl.urn in ing.options.dependencies
    assert plain(acl.inputs)["scope"] == "REGIONAL"
