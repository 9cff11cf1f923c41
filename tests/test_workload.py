"""HaWorkload through the offline engine (fixture tests/fixtures/programs/k8s): the same workload on EKS
(primary) and on an on-prem cluster through a kubeconfig provider (standby). One run per module.

Every Kubernetes object the workload produces is validated against the OpenAPI schema of a pinned
Kubernetes version (kubernetes-validate ships the schemas: no network)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from components.workload import HaWorkloadArgs
from siaga.engine import Graph, Resource, run_program
from tests.conftest import PROGRAMS

K8S_VERSION = "1.33"  # = EksClusterArgs.version; the on-prem cluster must be at least this
WORKLOADS = ("primary", "standby")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(PROGRAMS / "k8s", stack="dev")


def _ints(value: Any) -> Any:
    """The wire carries every number as a float; Kubernetes integers are JSON integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def manifest(r: Resource) -> dict[str, Any]:
    """The object the provider would send to the API server, from the graph's inputs."""
    _, group_version, kind = r.type.split(":")
    group, version = group_version.split("/")
    api_version = version if group == "core" else f"{group}/{version}"
    obj = _ints(r.plain_inputs())
    obj.setdefault("apiVersion", api_version)
    obj.setdefault("kind", kind)
    assert obj["apiVersion"] == api_version and obj["kind"] == kind
    return obj


def k8s_objects(graph: Graph, component: Resource) -> list[Resource]:
    return [r for r in graph.children(component.urn) if r.type.startswith("kubernetes:")]


def validate_all(graph: Graph, component_type: str = "siaga:k8s:HaWorkload") -> int:
    """Validates every Kubernetes object under every component of the type; returns how many."""
    count = 0
    for component in graph.of_type(component_type):
        for r in k8s_objects(graph, component):
            try:
                kubernetes_validate.validate(manifest(r), K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as err:
                pytest.fail(f"{r.type} {r.name}: {err.message} at {list(err.path)}")
            count += 1
    return count


def one(graph: Graph, workload: str, type_: str) -> dict[str, Any]:
    component = graph.get("siaga:k8s:HaWorkload", workload)
    (found,) = [r for r in k8s_objects(graph, component) if r.type == type_]
    return manifest(found)


def test_every_object_validates_against_the_pinned_openapi_schema(graph: Graph) -> None:
    kinds = {r.type for c in graph.of_type("siaga:k8s:HaWorkload") for r in k8s_objects(graph, c)}
    assert len(kinds) == 8  # Namespace, NetworkPolicy, ServiceAccount, Deployment, PDB, HPA, Service, Ingress
    assert validate_all(graph) == 2 * 11  # 4 NetworkPolicies each
    (storage_class,) = graph.of_type("kubernetes:storage.k8s.io/v1:StorageClass")  # made by EksCluster
    kubernetes_validate.validate(manifest(storage_class), K8S_VERSION, strict=True)


def test_schema_check_catches_a_bad_object(graph: Graph) -> None:
    bad = one(graph, "primary", "kubernetes:apps/v1:Deployment")
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = "yes"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


@pytest.mark.parametrize("workload", WORKLOADS)
def test_deployment_replicated_spread_and_rolled_without_downtime(graph: Graph, workload: str) -> None:
    spec = one(graph, workload, "kubernetes:apps/v1:Deployment")["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    pod = spec["template"]["spec"]
    spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
    assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    assert spread["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
    for c in spread.values():
        assert c["maxSkew"] == 1 and c["labelSelector"] == spec["selector"]
    labels = spec["template"]["metadata"]["labels"]
    assert all(labels[k] == v for k, v in spec["selector"]["matchLabels"].items())
    deployment = [r for r in graph.of_type("kubernetes:apps/v1:Deployment") if r.name == f"{workload}-deployment"][0]
    assert deployment.options.ignoreChanges == ["spec.replicas"]  # owned by the autoscaler


@pytest.mark.parametrize("workload", WORKLOADS)
def test_probes_resources_and_security_context(graph: Graph, workload: str) -> None:
    pod = one(graph, workload, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
    assert set(container["resources"]) == {"requests", "limits"}
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert not any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
    sa = one(graph, workload, "kubernetes:core/v1:ServiceAccount")
    assert sa["automountServiceAccountToken"] is False and pod["serviceAccountName"] == sa["metadata"]["name"]


@pytest.mark.parametrize("workload", WORKLOADS)
def test_pdb_hpa_service_ingress(graph: Graph, workload: str) -> None:
    deployment = one(graph, workload, "kubernetes:apps/v1:Deployment")
    pdb = one(graph, workload, "kubernetes:policy/v1:PodDisruptionBudget")
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"] and pdb["spec"]["maxUnavailable"] == 1
    assert pdb["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    hpa = one(graph, workload, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": deployment["metadata"]["name"]}
    assert hpa["minReplicas"] == deployment["spec"]["replicas"] <= hpa["maxReplicas"]
    service = one(graph, workload, "kubernetes:core/v1:Service")["spec"]
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"]
    ingress = one(graph, workload, "kubernetes:networking.k8s.io/v1:Ingress")["spec"]
    assert ingress["tls"] == [{"hosts": ["layanan.example.go.id"], "secretName": "layanan-tls"}]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == one(graph, workload, "kubernetes:core/v1:Service")["metadata"]["name"]


@pytest.mark.parametrize("workload", WORKLOADS)
def test_namespace_restricted_and_network_default_deny(graph: Graph, workload: str) -> None:
    ns = one(graph, workload, "kubernetes:core/v1:Namespace")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    component = graph.get("siaga:k8s:HaWorkload", workload)
    policies = {r.name.removeprefix(f"{workload}-"): manifest(r)["spec"] for r in k8s_objects(graph, component)
                if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert [p["port"] for p in policies["allow-ingress"]["ingress"][0]["ports"]] == [8080]
    assert {p["port"] for p in policies["allow-dns"]["egress"][0]["ports"]} == {53}
    assert policies["allow-egress"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.20.128.0/20"}}]
    assert not any(r.options.protect for r in graph.children(component.urn)), "nothing stateless is protected"


def test_same_workload_on_two_clusters(graph: Graph) -> None:
    eks_provider = graph.get("pulumi:providers:kubernetes", "primary-k8s")
    onprem = graph.get("pulumi:providers:kubernetes", "onprem")
    for workload, provider in (("primary", eks_provider), ("standby", onprem)):
        component = graph.get("siaga:k8s:HaWorkload", workload)
        assert {r.provider_urn for r in k8s_objects(graph, component)} == {provider.urn}
    primary = [manifest(r)["spec"] for r in graph.of_type("kubernetes:apps/v1:Deployment")]
    assert primary[0]["template"]["spec"]["containers"] == primary[1]["template"]["spec"]["containers"]


def _args(**overrides: object) -> HaWorkloadArgs:
    base: dict[str, object] = dict(image="x", host="a.go.id", tls_secret_name="tls")
    base.update(overrides)
    return HaWorkloadArgs(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"replicas": 1}, "replicas: 1 is not highly available; allowed: at least 2"),
    ({"max_replicas": 2}, "max_replicas: 2 is below replicas 3"),
    ({"port": 80}, "port: 80; allowed: 1024-65535"),
    ({"namespace": "App_1"}, "namespace: 'App_1'; allowed: a DNS label"),
    ({"pdb_min_available": 3, "pdb_max_unavailable": None}, "pdb_min_available: 3 blocks every node drain"),
    ({"pdb_min_available": 1}, "pdb_max_unavailable / pdb_min_available: set exactly one"),
    ({"db_cidrs": ["10.0.0.1/8"]}, "db_cidrs/ingress_cidrs/extra_egress: '10.0.0.1/8'"),
    ({"service_account_annotations": {"eks.amazonaws.com/role-arn": "r"}}, "service_account_annotations: set"),
    ({"waf_acl_arn": "arn:aws:wafv2:ap-southeast-3:1:regional/webacl/x/y"}, "waf_acl_arn: set, but ingress_class is 'nginx'"),
    ({"health_path": "healthz"}, "health_path/liveness_path: 'healthz'/None; allowed: paths starting with /"),
])
def test_bad_args_one_clear_line(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as err:
        _args(**overrides).validate()
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    _args().validate()


def _route(rules: list[dict[str, Any]], host: str, path: str) -> dict[str, Any] | None:
    """The Ingress path a request (Host, path) matches: host rules before host-less ones (Kubernetes Ingress
    semantics: a rule without host matches every Host); Exact before Prefix."""
    for rule in sorted(rules, key=lambda r: "host" not in r):
        if rule.get("host") not in (None, host):
            continue
        for p in sorted(rule["http"]["paths"], key=lambda p: p["pathType"] != "Exact"):
            if p["path"] == path or (p["pathType"] == "Prefix" and path.startswith(p["path"].rstrip("/") + "/")) \
                    or (p["pathType"] == "Prefix" and p["path"] == "/"):
                return p
    return None


@pytest.mark.parametrize("workload", WORKLOADS)
def test_health_path_answered_for_any_host_and_nothing_else(graph: Graph, workload: str) -> None:
    """Health checkers send their own Host (Route 53: the load balancer's name); only the health path answers it."""
    ingress = one(graph, workload, "kubernetes:networking.k8s.io/v1:Ingress")["spec"]
    service = one(graph, workload, "kubernetes:core/v1:Service")["metadata"]["name"]
    health = one(graph, workload, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]["containers"][0][
        "readinessProbe"]["httpGet"]["path"]
    alb_name = "k8s-app-app-0123456789.ap-southeast-3.elb.amazonaws.com"
    answered = _route(ingress["rules"], alb_name, health)
    assert answered is not None and answered["backend"]["service"]["name"] == service
    assert answered["pathType"] == "Exact"
    for other in ("/", "/admin", health + "/x"):
        assert _route(ingress["rules"], alb_name, other) is None, f"{other} is not served for a foreign Host"
    assert _route(ingress["rules"], "layanan.example.go.id", "/admin") is not None  # the service host: everything


def test_waf_web_acl_on_the_alb_ingress_only(graph: Graph) -> None:
    key = "alb.ingress.kubernetes.io/wafv2-acl-arn"
    primary = one(graph, "primary", "kubernetes:networking.k8s.io/v1:Ingress")
    assert primary["spec"]["ingressClassName"] == "alb"
    assert primary["metadata"]["annotations"][key].startswith("arn:aws:wafv2:ap-southeast-3:")
    standby = one(graph, "standby", "kubernetes:networking.k8s.io/v1:Ingress")
    assert key not in (standby["metadata"].get("annotations") or {})


def test_every_object_waits_for_what_the_workload_waits_for(graph: Graph) -> None:
    component = graph.get("siaga:k8s:HaWorkload", "primary")
    (release,) = [r for r in graph.of_type("kubernetes:helm.sh/v3:Release")
                  if r.plain_inputs()["chart"] == "aws-load-balancer-controller"]
    (cni,) = [r for r in graph.of_type("aws:eks/addon:Addon") if r.plain_inputs()["addonName"] == "vpc-cni"]
    for r in k8s_objects(graph, component):
        assert {release.urn, cni.urn} <= set(r.options.dependencies), r.name
    standby = graph.get("siaga:k8s:HaWorkload", "standby")
    assert not any(release.urn in r.options.dependencies for r in k8s_objects(graph, standby))
