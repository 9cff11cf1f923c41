"""EksCluster through the offline engine (fixture program tests/fixtures/programs/k8s): one run per module."""

from __future__ import annotations

import json

import pytest

from components.eks import (
    CONTROL_PLANE_LOG_TYPES,
    CORE_ADDONS,
    LBC_CHART_VERSION,
    AccessGrant,
    EksClusterArgs,
    lbc_iam_policy,
)
from siaga.engine import EngineError, Graph, Resource, run_program
from tests.conftest import PROGRAMS

KEY = "arn:aws:kms:ap-southeast-3:123456789012:key/{}"
AZS = ["ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(PROGRAMS / "k8s", stack="dev")


@pytest.fixture(scope="module")
def cluster(graph: Graph) -> Resource:
    (only,) = graph.of_type("aws:eks/cluster:Cluster")
    return only


def test_one_node_group_per_az_on_that_azs_private_subnet(graph: Graph, cluster: Resource) -> None:
    groups = graph.of_type("aws:eks/nodeGroup:NodeGroup")
    control_plane_subnets = cluster.plain_inputs()["vpcConfig"]["subnetIds"]
    assert len(control_plane_subnets) == 3
    per_az = {}
    for ng in groups:
        inputs = ng.plain_inputs()
        assert len(inputs["subnetIds"]) == 1, "one AZ per node group keeps scaling balanced"
        per_az[inputs["labels"]["siaga.go.id/node-group-az"]] = inputs["subnetIds"][0]
        assert inputs["scalingConfig"]["minSize"] >= 1
        assert "scalingConfig.desiredSize" in ng.options.ignoreChanges
    assert sorted(per_az) == AZS
    assert sorted(per_az.values()) == sorted(control_plane_subnets)


def test_node_launch_template_imdsv2_and_encrypted_gp3(graph: Graph) -> None:
    (lt,) = graph.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    inputs = lt.plain_inputs()
    assert inputs["metadataOptions"]["httpTokens"] == "required"
    assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
    (bdm,) = inputs["blockDeviceMappings"]
    assert bdm["ebs"]["encrypted"] == "true" and bdm["ebs"]["volumeType"] == "gp3"
    assert bdm["ebs"]["kmsKeyId"] == KEY.format("ebs")
    for ng in graph.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert ng.plain_inputs()["launchTemplate"]["id"] == lt.id


def test_control_plane_private_encrypted_logged_protected(graph: Graph, cluster: Resource) -> None:
    inputs = cluster.plain_inputs()
    vpc = inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True and vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc
    assert inputs["encryptionConfig"] == {"resources": ["secrets"], "provider": {"keyArn": KEY.format("secrets")}}
    assert sorted(inputs["enabledClusterLogTypes"]) == sorted(CONTROL_PLANE_LOG_TYPES)
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    assert inputs["deletionProtection"] is True and cluster.options.protect
    (logs,) = graph.of_type("aws:cloudwatch/logGroup:LogGroup")
    log_inputs = logs.plain_inputs()
    assert log_inputs["name"] == f"/aws/eks/{inputs['name']}/cluster"  # the name EKS writes to
    assert log_inputs["kmsKeyId"] == KEY.format("logs") and log_inputs["retentionInDays"] >= 365
    assert logs.options.protect and logs.urn in cluster.options.dependencies


def test_oidc_provider_and_irsa_roles(graph: Graph, cluster: Resource) -> None:
    (oidc,) = graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    issuer = cluster.outputs["identities"][0]["oidcs"][0]["issuer"]
    assert oidc.plain_inputs()["url"] == issuer
    assert oidc.plain_inputs()["clientIdLists"] == ["sts.amazonaws.com"]
    host = issuer.removeprefix("https://")
    subjects = {}
    for role in graph.of_type("aws:iam/role:Role"):
        statement = json.loads(role.plain_inputs()["assumeRolePolicy"])["Statement"][0]
        if statement["Action"] == "sts:AssumeRoleWithWebIdentity":
            assert statement["Principal"]["Federated"] == oidc.outputs["arn"]
            subjects[role.name] = statement["Condition"]["StringEquals"][f"{host}:sub"]
    assert subjects == {"fixture-irsa-vpc-cni": "system:serviceaccount:kube-system:aws-node",
                        "fixture-irsa-ebs-csi": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                        "fixture-irsa-lbc": "system:serviceaccount:kube-system:aws-load-balancer-controller",
                        "fixture-irsa-ca": "system:serviceaccount:kube-system:cluster-autoscaler"}
    node_policies = {r.plain_inputs()["policyArn"].rsplit("/", 1)[-1]
                     for r in graph.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                     if r.name.startswith("fixture-node-")}
    assert "AmazonEKS_CNI_Policy" not in node_policies, "the CNI uses IRSA, not the node role"


def groups_first(graph: Graph, addon: Resource) -> bool:
    """A pod-running add-on is created once every node group exists."""
    return {ng.urn for ng in graph.of_type("aws:eks/nodeGroup:NodeGroup")} <= set(addon.options.dependencies)


def test_core_addons_ordered_around_the_node_groups(graph: Graph) -> None:
    addons = {r.plain_inputs()["addonName"]: r for r in graph.of_type("aws:eks/addon:Addon")}
    assert sorted(addons) == sorted([*CORE_ADDONS, "metrics-server"])  # the metrics API the HPA reads
    assert groups_first(graph, addons["metrics-server"])
    roles = {r.name: r for r in graph.of_type("aws:iam/role:Role")}
    assert addons["vpc-cni"].plain_inputs()["serviceAccountRoleArn"] == roles["fixture-irsa-vpc-cni"].outputs["arn"]
    assert addons["aws-ebs-csi-driver"].plain_inputs()["serviceAccountRoleArn"] == \
        roles["fixture-irsa-ebs-csi"].outputs["arn"]
    groups = {ng.urn for ng in graph.of_type("aws:eks/nodeGroup:NodeGroup")}
    for ng in graph.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert addons["vpc-cni"].urn in ng.options.dependencies  # pods get IPs as soon as nodes join
    assert groups <= set(addons["coredns"].options.dependencies)
    (sc,) = graph.of_type("kubernetes:storage.k8s.io/v1:StorageClass")
    params = sc.plain_inputs()["parameters"]
    assert params == {"type": "gp3", "encrypted": "true", "kmsKeyId": KEY.format("ebs")}
    inline = json.loads(graph.get("aws:iam/rolePolicy:RolePolicy", "fixture-irsa-ebs-csi-inline").plain_inputs()["policy"])
    assert all(s["Resource"] == [KEY.format("ebs")] for s in inline["Statement"])


def test_access_entries_rbac(graph: Graph) -> None:
    associations = {r.plain_inputs()["principalArn"]: r.plain_inputs()
                    for r in graph.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")}
    admin = associations["arn:aws:iam::123456789012:role/platform-admins"]
    assert admin["policyArn"].endswith("/AmazonEKSClusterAdminPolicy") and admin["accessScope"] == {"type": "cluster"}
    team = associations["arn:aws:iam::123456789012:role/app-team"]
    assert team["accessScope"] == {"type": "namespace", "namespaces": ["app"]}
    entries = {r.plain_inputs()["principalArn"] for r in graph.of_type("aws:eks/accessEntry:AccessEntry")}
    assert entries == set(associations)


def test_kubeconfig_output_has_no_credential(graph: Graph, cluster: Resource) -> None:
    kubeconfig = json.loads(graph.exports["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"]["server"] == cluster.outputs["endpoint"]
    user = kubeconfig["users"][0]["user"]
    assert "token" not in user and user["exec"]["command"] == "aws"
    assert user["exec"]["args"][:2] == ["eks", "get-token"] and "ap-southeast-3" in user["exec"]["args"]
    component = graph.get("siaga:eks:EksCluster", "fixture")
    assert component.outputs["kubeconfig"] == graph.exports["kubeconfig"]
    assert component.outputs["securityGroupId"] == cluster.outputs["vpcConfig"]["clusterSecurityGroupId"]
    assert all(r.parent for r in graph.resources if r.type.startswith("aws:")), "every part is a child"


def _args(**overrides: object) -> EksClusterArgs:
    base: dict[str, object] = dict(private_subnet_ids=["s-a", "s-b", "s-c"], azs=AZS, secrets_key_arn="k",
                                   logs_key_arn="k", ebs_key_arn="k", deployer_inside_vpc=True)
    base.update(overrides)
    return EksClusterArgs(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"public_access_cidrs": ["0.0.0.0/0"]}, "public_access_cidrs: '0.0.0.0/0' opens the Kubernetes API"),
    ({"private_subnet_ids": ["s-a"], "azs": AZS[:1]}, "private_subnet_ids: 1 subnet(s); allowed: one per AZ, at least 2"),
    ({"azs": AZS[:2]}, "azs: ['ap-southeast-3a', 'ap-southeast-3b'] does not match the 3 private subnets"),
    ({"nodes_per_az": 4}, "nodes_per_az: 4; allowed: 1 to max_nodes_per_az (3)"),
    ({"imds_hop_limit": 3}, "imds_hop_limit: 3; allowed: 1 or 2"),
    ({"access": [AccessGrant("arn:aws:iam::1:role/x", "Root")]}, "access.policy: 'Root'"),  # type: ignore[arg-type]
    ({"public_access_cidrs": ["0.0.0.0/0"], "deployer_inside_vpc": False}, "public_access_cidrs: '0.0.0.0/0' opens"),
    ({"public_access_cidrs": ["any"]}, "public_access_cidrs: 'any' is not a CIDR"),
    ({"deployer_inside_vpc": False}, "public_access_cidrs: [] and deployer_inside_vpc: False, but Kubernetes objects"),
    ({"addon_versions": {"vpc-cni": "v1.13.4-eksbuild.1"}}, "addon_versions['vpc-cni']: 'v1.13.4-eksbuild.1' has no "
                                                            "network policy agent"),
])
def test_bad_args_one_clear_line(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as err:
        _args(**overrides).validate()
    assert str(err.value).startswith(message) and "\n" not in str(err.value)
    _args().validate()  # the defaults are valid


def test_private_endpoint_only_with_a_deployer_inside_the_vpc(graph: Graph, cluster: Resource) -> None:
    """Kubernetes objects go through the API endpoint: private-only needs pulumi up inside the VPC, else refused."""
    assert cluster.plain_inputs()["tags"]["siaga.go.id/deployer"] == "inside-vpc"
    k8s_objects = [r for r in graph.resources if r.type.startswith("kubernetes:") and not r.is_provider]
    eks_providers = {r.urn for r in graph.of_type("pulumi:providers:kubernetes") if r.name != "onprem"}
    assert {r.provider_urn for r in k8s_objects if r.provider_urn in eks_providers}, "objects through the EKS API"
    # the same cluster with a deployer outside the VPC: refused before anything is registered, in one line
    with pytest.raises(ValueError, match=r"^public_access_cidrs: \[\] and deployer_inside_vpc: False") as err:
        _args(deployer_inside_vpc=False).validate()
    assert "\n" not in str(err.value)
    _args(deployer_inside_vpc=False, public_access_cidrs=["203.0.113.10/32"]).validate()  # public for the deployer
    _args(deployer_inside_vpc=False, storage_class=False, load_balancer_controller=False,
          cluster_autoscaler=False).validate()  # no k8s objects


def test_network_policy_agent_on_before_the_workload_policies(graph: Graph) -> None:
    """NetworkPolicies are enforced only by the VPC CNI's network policy agent; they are created after it is on."""
    (cni,) = [r for r in graph.of_type("aws:eks/addon:Addon") if r.plain_inputs()["addonName"] == "vpc-cni"]
    assert json.loads(cni.plain_inputs()["configurationValues"]) == {"enableNetworkPolicy": "true"}
    primary = graph.get("siaga:k8s:HaWorkload", "primary")
    policies = [r for r in graph.children(primary.urn) if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"]
    assert len(policies) == 4
    assert all(cni.urn in r.options.dependencies for r in policies)


def test_load_balancer_controller_installed_with_its_irsa_role(graph: Graph, cluster: Resource) -> None:
    """Role trusted by the controller's service account only, the controller's own policy attached to it, the
    service account annotated with that role, the chart pinned and told its cluster/region/VPC; Ingresses wait."""
    (release,) = [r for r in graph.of_type("kubernetes:helm.sh/v3:Release")
                  if r.plain_inputs()["chart"] == "aws-load-balancer-controller"]
    inputs = release.plain_inputs()
    assert inputs["chart"] == "aws-load-balancer-controller" and inputs["version"] == LBC_CHART_VERSION
    assert inputs["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
    assert inputs["namespace"] == "kube-system"
    values = inputs["values"]
    assert values["clusterName"] == cluster.plain_inputs()["name"]
    assert values["region"] == "ap-southeast-3" and values["vpcId"] == "vpc-0fixture"  # IMDS hop limit 1: no discovery
    assert values["serviceAccount"] == {"create": False, "name": "aws-load-balancer-controller"}

    sas = {r.name: r for r in graph.of_type("kubernetes:core/v1:ServiceAccount")}
    sa = sas["fixture-lbc"]
    meta = sa.plain_inputs()["metadata"]
    assert (meta["namespace"], meta["name"]) == ("kube-system", values["serviceAccount"]["name"])
    role = graph.get("aws:iam/role:Role", "fixture-irsa-lbc")
    assert meta["annotations"]["eks.amazonaws.com/role-arn"] == role.outputs["arn"]
    assert sa.urn in release.options.dependencies

    (oidc,) = graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    host = cluster.outputs["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
    (statement,) = json.loads(role.plain_inputs()["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
    assert statement["Condition"] == {"StringEquals": {
        f"{host}:sub": "system:serviceaccount:kube-system:aws-load-balancer-controller", f"{host}:aud": "sts.amazonaws.com"}}

    policy = graph.get("aws:iam/policy:Policy", "fixture-lbc")
    attached = [r.plain_inputs() for r in graph.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if r.parent == role.urn]
    assert attached == [{"role": role.outputs["name"], "policyArn": policy.outputs["arn"]}]
    document = json.loads(policy.plain_inputs()["policy"])
    assert document == lbc_iam_policy()
    actions = {a for st in document["Statement"] for a in st["Action"]}
    assert {"elasticloadbalancing:CreateLoadBalancer", "wafv2:AssociateWebACL", "ec2:DescribeSubnets"} <= actions
    assert len(json.dumps(document, separators=(",", ":"))) <= 6144  # managed policy size limit

    # through the cluster's own endpoint, and the ALB Ingress is only created once the controller serves
    eks_provider = graph.by_urn()[release.provider_urn]  # type: ignore[index]
    assert json.loads(eks_provider.plain_inputs()["kubeconfig"])["clusters"][0]["cluster"]["server"] == \
        cluster.outputs["endpoint"]
    (ingress,) = [r for r in graph.of_type("kubernetes:networking.k8s.io/v1:Ingress") if r.name == "primary-ingress"]
    assert ingress.plain_inputs()["spec"]["ingressClassName"] == "alb"
    assert release.urn in ingress.options.dependencies


def test_kubernetes_provider_refused_for_an_unreachable_private_endpoint() -> None:
    """Any program that asks for a provider of a private-only cluster from outside the VPC stops with one line,
    instead of a pulumi up that times out on the first Kubernetes object."""
    with pytest.raises(EngineError) as info:
        run_program(PROGRAMS / "k8s_unreachable", stack="dev")
    message = str(info.value)
    assert message.startswith("ValueError: unreachable: Kubernetes provider for a cluster whose API endpoint is "
                              "private only") and "\n" not in message
    graph = info.value.graph
    assert graph is not None and graph.of_type("aws:eks/cluster:Cluster")
    assert not graph.of_type("pulumi:providers:kubernetes")
