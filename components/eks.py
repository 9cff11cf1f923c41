"""EksCluster: a multi-AZ Amazon EKS cluster built from plain pulumi-aws resources.

Not the ``pulumi-eks`` remote component: every part is an ordinary resource, so the offline engine
and the policy pack see all of it. What you get with the defaults:

- control plane ENIs in the private subnet of every AZ; private API endpoint always on, the public one only
  for the CIDRs in ``public_access_cidrs`` (the deployer's egress; ``0.0.0.0/0`` is refused). Kubernetes
  objects (StorageClass, load balancer controller, workloads) are created through that endpoint, so a
  private-only cluster needs ``deployer_inside_vpc`` (``pulumi up`` from a runner in the private subnets):
  anything else is refused here rather than timing out in ``pulumi up``;
- Kubernetes secrets envelope-encrypted with the customer-managed key ``secrets_key_arn``;
- all five control-plane log types (api, audit, authenticator, controllerManager, scheduler) to a
  log group created beforehand with the EKS name, encrypted with ``logs_key_arn``, 365-day retention;
- API authentication mode with access entries (RBAC through EKS access policies), an IAM OIDC
  provider for workload identities (IRSA), ARC zonal shift enabled, deletion protection;
- one managed node group PER AZ, each on that AZ's private subnet, so the cluster autoscaler and
  managed updates keep the zones balanced; launch template with IMDSv2 required (hop limit 1: pods
  use IRSA, never the node role) and an encrypted gp3 root volume (``ebs_key_arn``);
- core add-ons vpc-cni (IRSA role, network policy agent on so NetworkPolicies are enforced), kube-proxy,
  coredns and aws-ebs-csi-driver (IRSA role allowed to use the EBS key) and an encrypted, default gp3
  StorageClass;
- the AWS Load Balancer Controller (Helm release, pinned chart, IRSA role with the controller's own IAM
  policy vendored in ``aws_load_balancer_controller_iam_policy.json``), so ``alb`` Ingresses get an ALB;
- the Kubernetes Metrics Server (the EKS community add-on ``metrics-server``): the resource metrics API
  (``metrics.k8s.io``) a HorizontalPodAutoscaler on CPU/memory reads; EKS does not deploy it by default
  (https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html,
  https://docs.aws.amazon.com/eks/latest/userguide/community-addons.html);
- the Kubernetes Cluster Autoscaler (Helm chart ``cluster-autoscaler``, image of the cluster's minor version,
  IRSA role with the AWS provider's recommended policy: describe anything, scale only groups tagged
  ``k8s.io/cluster-autoscaler/<cluster>=owned``), auto-discovering the node groups' Auto Scaling groups by those
  tags, which EKS puts on every managed node group's group ("Nodes launched as part of a managed node group are
  automatically tagged for auto-discovery by the Kubernetes Cluster Autoscaler":
  https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html), with
  ``--balance-similar-node-groups`` over the one-per-AZ groups (EKS best practices, Cluster Autoscaler:
  https://docs.aws.amazon.com/eks/latest/best-practices/cas.html). It owns each group's ``desiredSize`` between
  ``nodes_per_az`` and ``max_nodes_per_az``, so a lost AZ's pods, Pending elsewhere, get new nodes.

The cluster, its log group and the StorageClass's key use are stateful: the cluster and the log
group get ``protect`` (``protect=False`` in the args turns it off for tests and throw-away stacks).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
ACCESS_POLICIES = ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy")
CORE_ADDONS = ("vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver")
_OPEN = ("0.0.0.0/0", "::/0")

LBC_NAMESPACE = "kube-system"
LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller"
LBC_CHART = "aws-load-balancer-controller"
LBC_CHART_REPO = "https://aws.github.io/eks-charts"
LBC_POLICY_FILE = Path(__file__).with_name("aws_load_balancer_controller_iam_policy.json")
LBC_CHART_VERSION: str = json.loads(LBC_POLICY_FILE.read_text(encoding="utf-8"))["chartVersion"]
"""Chart 1.14.1 = controller v2.14.1, the release the EKS user guide installs
(https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html); the vendored policy is that release's."""
CA_CHART = "cluster-autoscaler"
CA_CHART_REPO = "https://kubernetes.github.io/autoscaler"
CA_CHART_VERSION = "9.38.0"
"""charts/cluster-autoscaler/Chart.yaml of kubernetes/autoscaler; the image is set to the cluster's minor below."""
CA_NAMESPACE = "kube-system"
CA_SERVICE_ACCOUNT = "cluster-autoscaler"
CA_DISCOVERY_TAG = "k8s.io/cluster-autoscaler/enabled"
METRICS_SERVER_ADDON = "metrics-server"
NETWORK_POLICY_MIN_CNI = (1, 14, 0)
"""The VPC CNI's network policy agent ships from v1.14.0 (clusters 1.25+):
https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html"""


def lbc_iam_policy() -> dict[str, Any]:
    """The AWS Load Balancer Controller's IAM policy, as its docs publish it (source URL in the data file)."""
    policy: dict[str, Any] = json.loads(LBC_POLICY_FILE.read_text(encoding="utf-8"))["policy"]
    return policy


@dataclass(frozen=True)
class AccessGrant:
    """One IAM principal given Kubernetes access through an EKS access entry.

    ``policy`` is an EKS access policy name; ``namespaces`` empty means cluster-wide.
    """

    principal_arn: str
    policy: Literal["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy",
                    "AmazonEKSViewPolicy"] = "AmazonEKSViewPolicy"
    namespaces: Sequence[str] = ()


@dataclass
class EksClusterArgs:
    """Arguments of :class:`EksCluster`. Defaults are the compliant, highly available setup."""

    private_subnet_ids: Sequence[pulumi.Input[str]]
    """One private subnet per AZ, in AZ order (control plane ENIs and one node group per subnet)."""
    azs: Sequence[str]
    """AZ names matching ``private_subnet_ids`` (names the node groups, e.g. ap-southeast-3a)."""
    secrets_key_arn: pulumi.Input[str]
    """Customer-managed KMS key for envelope encryption of Kubernetes secrets."""
    logs_key_arn: pulumi.Input[str]
    """Customer-managed KMS key of the control-plane log group."""
    ebs_key_arn: pulumi.Input[str]
    """Customer-managed KMS key of node root volumes and of EBS CSI volumes."""
    cluster_name: str | None = None
    """EKS cluster name (default: the component's name). Fixed, because the log group is named after it."""
    version: str = "1.33"
    """Kubernetes minor version (EKS standard support)."""
    public_access_cidrs: Sequence[str] = ()
    """Empty (default): private endpoint only. Otherwise the public endpoint is on for these CIDRs only (the
    private endpoint stays on for nodes and in-VPC clients)."""
    deployer_inside_vpc: bool = False
    """``pulumi up`` runs inside the VPC (CodeBuild project or EC2 runner in the private subnets): the only way
    to create Kubernetes objects through a private-only endpoint. Tags the cluster ``siaga.go.id/deployer``."""
    vpc_id: pulumi.Input[str] | None = None
    """The cluster's VPC, given to the load balancer controller (default: the cluster's ``vpc_config.vpc_id``)."""
    load_balancer_controller: bool = True
    """Install the AWS Load Balancer Controller (needed by ``alb`` Ingresses)."""
    lbc_chart_version: str = LBC_CHART_VERSION
    network_policy: bool = True
    """Turn on the VPC CNI network policy agent: without it NetworkPolicies are accepted but not enforced."""
    access: Sequence[AccessGrant] = ()
    """Access entries (RBAC). The identity running Pulumi is admin only if bootstrap_creator_admin."""
    bootstrap_creator_admin: bool = True
    """Give the identity that creates the cluster admin access (needed to deploy workloads in the same run)."""
    instance_types: Sequence[str] = ("m6i.large",)
    nodes_per_az: int = 1
    """Minimum (and initial) nodes in each AZ's node group."""
    max_nodes_per_az: int = 3
    node_volume_gib: int = 50
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    ami_type: str = "AL2023_x86_64_STANDARD"
    imds_hop_limit: int = 1
    """1 (default) keeps pods off the node's instance metadata (they use IRSA); 2 lets pods reach it."""
    log_retention_days: int = 365
    addon_versions: Mapping[str, str] = field(default_factory=dict)
    """Pin add-on versions by name; unset = the EKS default for the cluster version."""
    storage_class: bool = True
    """Create the encrypted default gp3 StorageClass (needs the Kubernetes provider to reach the cluster)."""
    metrics_server: bool = True
    """Install the Metrics Server add-on (the metrics API CPU/memory HorizontalPodAutoscalers need)."""
    cluster_autoscaler: bool = True
    """Install the Cluster Autoscaler, which sizes each node group between nodes_per_az and max_nodes_per_az."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """Raises ValueError (one line naming the argument, the value and what is allowed)."""
        if len(self.private_subnet_ids) < 2:
            raise ValueError(f"private_subnet_ids: {len(self.private_subnet_ids)} subnet(s); allowed: one per AZ, at least 2 AZs")
        if len(self.azs) != len(self.private_subnet_ids):
            raise ValueError(f"azs: {list(self.azs)} does not match the {len(self.private_subnet_ids)} private subnets; "
                             "allowed: one AZ name per subnet, in the same order")
        for cidr in self.public_access_cidrs:
            try:
                wide = cidr in _OPEN or ipaddress.ip_network(cidr, strict=False).prefixlen == 0
            except ValueError:
                raise ValueError(f"public_access_cidrs: {cidr!r} is not a CIDR; allowed: the deployer's public "
                                 "CIDRs such as 203.0.113.10/32") from None
            if wide:
                raise ValueError(f"public_access_cidrs: {cidr!r} opens the Kubernetes API to the internet; allowed: "
                                 "the agency's own CIDRs, or none for a private endpoint")
        if self.needs_kubernetes_api and not self.public_access_cidrs and not self.deployer_inside_vpc:
            raise ValueError("public_access_cidrs: [] and deployer_inside_vpc: False, but Kubernetes objects are "
                             "created through the private-only API endpoint, which a deployer outside the VPC cannot "
                             "reach (pulumi up times out); allowed: the deployer's public CIDRs, or "
                             "deployer_inside_vpc=True with pulumi up run from inside the VPC")
        pinned = self.addon_versions.get("vpc-cni")
        if self.network_policy and pinned and _semver(pinned) < NETWORK_POLICY_MIN_CNI:
            raise ValueError(f"addon_versions['vpc-cni']: {pinned!r} has no network policy agent; allowed: v1.14.0 "
                             "or later (or network_policy=False)")
        if not 1 <= self.nodes_per_az <= self.max_nodes_per_az:
            raise ValueError(f"nodes_per_az: {self.nodes_per_az}; allowed: 1 to max_nodes_per_az ({self.max_nodes_per_az})")
        if self.imds_hop_limit not in (1, 2):
            raise ValueError(f"imds_hop_limit: {self.imds_hop_limit}; allowed: 1 or 2")
        for grant in self.access:
            if grant.policy not in ACCESS_POLICIES:
                raise ValueError(f"access.policy: {grant.policy!r}; allowed: {list(ACCESS_POLICIES)}")

    @property
    def needs_kubernetes_api(self) -> bool:
        """True when the component itself creates Kubernetes objects (through the cluster's API endpoint)."""
        return self.storage_class or self.load_balancer_controller or self.cluster_autoscaler

    @property
    def deployer_reaches_api(self) -> bool:
        """The deployer can reach the API endpoint: it is public for some CIDRs, or the deployer is in the VPC."""
        return bool(self.public_access_cidrs) or self.deployer_inside_vpc


def _semver(version: str) -> tuple[int, ...]:
    """``v1.19.2-eksbuild.1`` -> (1, 19, 2)."""
    core = version.removeprefix("v").split("-", 1)[0]
    return tuple(int(p) for p in core.split(".") if p.isdigit())


def _assume(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})


class EksCluster(pulumi.ComponentResource):
    """A multi-AZ EKS cluster with encrypted secrets, full control-plane logging and one node group per AZ."""

    cluster: aws.eks.Cluster
    oidc_provider: aws.iam.OpenIdConnectProvider
    node_groups: list[aws.eks.NodeGroup]
    addons: dict[str, aws.eks.Addon]
    kubeconfig: pulumi.Output[str]

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:eks:EksCluster", name, None, opts)
        args.validate()
        self._name = name
        self._args = args
        cluster_name = args.cluster_name or name
        tags = dict(args.tags)
        cluster_tags = {**tags, "siaga.go.id/deployer": "inside-vpc"} if args.deployer_inside_vpc else tags
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)

        # --- control plane -------------------------------------------------------------------
        role = aws.iam.Role(f"{name}-cluster", assume_role_policy=_assume("eks.amazonaws.com"), tags=tags, opts=child)
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy", role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", opts=child)

        # EKS writes to /aws/eks/<cluster>/cluster; creating it first lets us encrypt and retain it.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane", name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=args.log_retention_days, kms_key_id=args.logs_key_arn, tags=tags, opts=stateful)

        public = bool(args.public_access_cidrs)
        self.cluster = aws.eks.Cluster(
            name,
            name=cluster_name,
            version=args.version,
            role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(args.private_subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=public,
                public_access_cidrs=list(args.public_access_cidrs) if public else None,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"],
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.secrets_key_arn),
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=args.bootstrap_creator_admin,
            ),
            bootstrap_self_managed_addons=False,  # the core add-ons are EKS-managed below
            zonal_shift_config=aws.eks.ClusterZonalShiftConfigArgs(enabled=True),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=args.protect,
            tags=cluster_tags,
            opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(
                depends_on=[cluster_policy, self.log_group])),
        )

        self.security_group_id: pulumi.Output[str] = self.cluster.vpc_config.cluster_security_group_id  # type: ignore[assignment]
        """The cluster security group EKS creates (control plane and nodes): allow it into the database."""

        # --- workload identities (IRSA) ------------------------------------------------------
        issuer = self.cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)  # type: ignore[index]
        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], tags=tags, opts=child)
        self._issuer_host = issuer.apply(lambda url: url.removeprefix("https://"))

        # --- access entries (RBAC) -----------------------------------------------------------
        self.access_entries: list[aws.eks.AccessEntry] = []
        for i, grant in enumerate(args.access):
            entry = aws.eks.AccessEntry(f"{name}-access-{i}", cluster_name=self.cluster.name,
                                        principal_arn=grant.principal_arn, type="STANDARD", tags=tags, opts=child)
            scope = aws.eks.AccessPolicyAssociationAccessScopeArgs(
                type="namespace" if grant.namespaces else "cluster",
                namespaces=list(grant.namespaces) if grant.namespaces else None)
            aws.eks.AccessPolicyAssociation(
                f"{name}-access-{i}-policy", cluster_name=self.cluster.name, principal_arn=grant.principal_arn,
                policy_arn=f"arn:aws:eks::aws:cluster-access-policy/{grant.policy}", access_scope=scope,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]))
            self.access_entries.append(entry)

        # --- add-ons that nodes need before they join -----------------------------------------
        self.addons = {}
        cni_role = self.irsa_role("vpc-cni", "kube-system", "aws-node",
                                  ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"])
        # The network policy agent enforces NetworkPolicies (off by default); the EKS add-on turns it on with
        # this configuration value: https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
        self.addons["vpc-cni"] = self._addon(
            "vpc-cni", cni_role.arn,
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}) if args.network_policy else None)
        self.addons["kube-proxy"] = self._addon("kube-proxy")

        # --- nodes: one managed node group per AZ -------------------------------------------
        node_role = aws.iam.Role(f"{name}-node", assume_role_policy=_assume("ec2.amazonaws.com"), tags=tags, opts=child)
        node_policies = [
            aws.iam.RolePolicyAttachment(f"{name}-node-{short}", role=node_role.name,
                                         policy_arn=f"arn:aws:iam::aws:policy/{policy}", opts=child)
            for short, policy in (("worker", "AmazonEKSWorkerNodePolicy"),
                                  ("ecr", "AmazonEC2ContainerRegistryPullOnly"),
                                  ("ssm", "AmazonSSMManagedInstanceCore"))
        ]
        self.launch_template = aws.ec2.LaunchTemplate(
            f"{name}-node",
            description=f"EKS {cluster_name} nodes: IMDSv2, encrypted gp3 root volume",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required",
                http_put_response_hop_limit=args.imds_hop_limit),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=args.node_volume_gib, volume_type="gp3", encrypted="true",
                    kms_key_id=args.ebs_key_arn, delete_on_termination="true"),
            )],
            tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                                for kind in ("instance", "volume")] if tags else None,
            update_default_version=True,
            tags=tags,
            opts=child,
        )
        self.node_groups = []
        for az, subnet in zip(args.azs, args.private_subnet_ids, strict=True):
            self.node_groups.append(aws.eks.NodeGroup(
                f"{name}-{az}",
                cluster_name=self.cluster.name,
                node_group_name=f"{cluster_name}-{az}",
                node_role_arn=node_role.arn,
                subnet_ids=[subnet],
                instance_types=list(args.instance_types),
                ami_type=args.ami_type,
                capacity_type=args.capacity_type,
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=args.nodes_per_az, desired_size=args.nodes_per_az, max_size=args.max_nodes_per_az),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                    id=self.launch_template.id, version=self.launch_template.latest_version.apply(str)),
                node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
                labels={"siaga.go.id/node-group-az": az},
                # EKS tags the group's Auto Scaling group with these itself; stated here so the graph says which
                # autoscaler owns desiredSize (ignored below)
                tags={**tags, CA_DISCOVERY_TAG: "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
                if args.cluster_autoscaler else tags,
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*node_policies, self.addons["vpc-cni"]],
                    # the cluster autoscaler owns it; without one the group stays at nodes_per_az
                    ignore_changes=["scalingConfig.desiredSize"] if args.cluster_autoscaler else None),
            ))

        # --- add-ons that run as pods (need nodes) --------------------------------------------
        self.addons["coredns"] = self._addon("coredns", depends_on=list(self.node_groups))
        if args.metrics_server:
            self.addons[METRICS_SERVER_ADDON] = self._addon(METRICS_SERVER_ADDON, depends_on=list(self.node_groups))
        ebs_role = self.irsa_role("ebs-csi", "kube-system", "ebs-csi-controller-sa",
                                  ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
                                  inline_policy=pulumi.Output.from_input(args.ebs_key_arn).apply(_ebs_key_policy))
        self.addons["aws-ebs-csi-driver"] = self._addon("aws-ebs-csi-driver", ebs_role.arn,
                                                        depends_on=list(self.node_groups))

        self.kubeconfig = pulumi.Output.all(self.cluster.name, self.cluster.endpoint,
                                            self.cluster.certificate_authority.data,
                                            aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region,
                                            ).apply(lambda a: _kubeconfig(*a))

        self._k8s_provider: k8s.Provider | None = None
        self.storage_class: k8s.storage.v1.StorageClass | None = None
        if args.storage_class:
            self.storage_class = k8s.storage.v1.StorageClass(
                f"{name}-gp3-encrypted",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name="gp3-encrypted",
                    annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
                provisioner="ebs.csi.aws.com",
                parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": args.ebs_key_arn},
                volume_binding_mode="WaitForFirstConsumer",  # the volume is made in the pod's AZ
                allow_volume_expansion=True,
                reclaim_policy="Retain",
                opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider,
                                            depends_on=[self.addons["aws-ebs-csi-driver"]]),
            )

        self.load_balancer_controller: k8s.helm.v3.Release | None = None
        if args.load_balancer_controller:
            self.load_balancer_controller = self._load_balancer_controller(cluster_name, tags)

        self.cluster_autoscaler: k8s.helm.v3.Release | None = None
        if args.cluster_autoscaler:
            self.cluster_autoscaler = self._cluster_autoscaler(cluster_name, tags)

        self.register_outputs({
            "clusterName": self.cluster.name,
            "endpoint": self.cluster.endpoint,
            "oidcProviderArn": self.oidc_provider.arn,
            "nodeGroups": [ng.node_group_name for ng in self.node_groups],
            "logGroup": self.log_group.name,
            "securityGroupId": self.security_group_id,
            "kubeconfig": self.kubeconfig,
            "loadBalancerController": self.load_balancer_controller.name if self.load_balancer_controller else None,
        })

    # ------------------------------------------------------------------------------------------
    def _addon(self, addon: str, role_arn: pulumi.Input[str] | None = None,
               depends_on: Sequence[pulumi.Resource] = (), configuration_values: str | None = None) -> aws.eks.Addon:
        return aws.eks.Addon(
            f"{self._name}-{addon}",
            cluster_name=self.cluster.name,
            addon_name=addon,
            addon_version=self._args.addon_versions.get(addon),
            service_account_role_arn=role_arn,
            configuration_values=configuration_values,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            tags=dict(self._args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
        )

    def _load_balancer_controller(self, cluster_name: str, tags: dict[str, str]) -> k8s.helm.v3.Release:
        """The AWS Load Balancer Controller, installed as its docs describe (IAM policy, IRSA role, service account
        annotated with the role, Helm chart from eks-charts with serviceAccount.create=false):
        https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html

        ``region`` and ``vpcId`` are given explicitly: with IMDS hop limit 1 (pods kept off the node's metadata)
        the controller cannot discover them itself. Subnets come from each Ingress's
        ``alb.ingress.kubernetes.io/subnets`` annotation, so no ``kubernetes.io/role/elb`` subnet tags are needed
        (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/).

        A ``helm.v3.Release`` (reported as opaque by the pack), not ``helm.v4.Chart``: the chart makes its webhook
        CA and serving certificate with ``genCA``/``genSignedCert`` at render time (templates/_helpers.tpl,
        https://github.com/aws/eks-charts/tree/master/stable/aws-load-balancer-controller), so declaring the
        rendered objects would change the webhook Secret and caBundle on every preview, and the Release is the
        install path the controller's docs support.
        """
        name = self._name
        policy = aws.iam.Policy(f"{name}-lbc", description=f"AWS Load Balancer Controller of EKS {cluster_name}",
                                policy=json.dumps(lbc_iam_policy()), tags=tags,
                                opts=pulumi.ResourceOptions(parent=self))
        role = self.irsa_role("lbc", LBC_NAMESPACE, LBC_SERVICE_ACCOUNT, [policy.arn])
        self.lbc_role = role
        service_account = k8s.core.v1.ServiceAccount(
            f"{name}-lbc",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=LBC_SERVICE_ACCOUNT, namespace=LBC_NAMESPACE,
                labels={"app.kubernetes.io/name": LBC_CHART, "app.kubernetes.io/managed-by": "siaga"},
                annotations={"eks.amazonaws.com/role-arn": role.arn}),
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        vpc_id = self._args.vpc_id if self._args.vpc_id is not None else self.cluster.vpc_config.vpc_id
        return k8s.helm.v3.Release(
            f"{name}-lbc",
            name=LBC_CHART,
            chart=LBC_CHART,
            version=self._args.lbc_chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=LBC_CHART_REPO),
            namespace=LBC_NAMESPACE,
            values={
                "clusterName": cluster_name,
                "region": region,
                "vpcId": vpc_id,
                "serviceAccount": {"create": False, "name": LBC_SERVICE_ACCOUNT},
                "replicaCount": 2,
                "podDisruptionBudget": {"maxUnavailable": 1},
            },
            # the controller's pods need nodes, DNS and pod networking; the release waits until they are ready, so
            # whatever depends on it (Ingresses, pod readiness-gate injection) finds its webhooks serving
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider, depends_on=[
                service_account, role, *self.node_groups, self.addons["vpc-cni"], self.addons["coredns"]]),
        )

    def _cluster_autoscaler(self, cluster_name: str, tags: dict[str, str]) -> k8s.helm.v3.Release:
        """The Cluster Autoscaler with its IAM through IRSA, as the AWS cloud provider's README sets it up
        (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md: the
        recommended policy, auto-discovery by ``k8s.io/cluster-autoscaler/enabled`` and
        ``k8s.io/cluster-autoscaler/<cluster>``, and "use the Cluster Autoscaler minor matching the cluster's")."""
        name = self._name
        policy = aws.iam.Policy(f"{name}-ca", description=f"Cluster Autoscaler of EKS {cluster_name}",
                                policy=json.dumps(cluster_autoscaler_policy(cluster_name)), tags=tags,
                                opts=pulumi.ResourceOptions(parent=self))
        role = self.irsa_role("ca", CA_NAMESPACE, CA_SERVICE_ACCOUNT, [policy.arn])
        self.ca_role = role
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        return k8s.helm.v3.Release(
            f"{name}-ca",
            name=CA_CHART,
            chart=CA_CHART,
            version=CA_CHART_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CA_CHART_REPO),
            namespace=CA_NAMESPACE,
            values={
                "cloudProvider": "aws",
                "awsRegion": region,
                "autoDiscovery": {"clusterName": cluster_name},
                "image": {"repository": "registry.k8s.io/autoscaling/cluster-autoscaler",
                          "tag": f"v{self._args.version}.0"},
                "rbac": {"serviceAccount": {"create": True, "name": CA_SERVICE_ACCOUNT,
                                            "annotations": {"eks.amazonaws.com/role-arn": role.arn}}},
                "extraArgs": {"balance-similar-node-groups": True, "skip-nodes-with-system-pods": False,
                              "expander": "least-waste"},
                "replicaCount": 1,
            },
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider, depends_on=[
                role, *self.node_groups, self.addons["vpc-cni"], self.addons["coredns"]]),
        )

    @property
    def k8s_provider(self) -> k8s.Provider:
        """The component's own Kubernetes provider (StorageClass, load balancer controller), made once."""
        if self._k8s_provider is None:
            self._k8s_provider = self.provider(f"{self._name}-k8s")
        return self._k8s_provider

    def irsa_role(self, name: str, namespace: str, service_account: str, policy_arns: Sequence[pulumi.Input[str]] = (),
                  inline_policy: pulumi.Input[str] | None = None) -> aws.iam.Role:
        """An IAM role only the given Kubernetes service account can assume (IRSA, through the OIDC provider)."""
        trust = pulumi.Output.all(self.oidc_provider.arn, self._issuer_host).apply(
            lambda a: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": a[0]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    f"{a[1]}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{a[1]}:aud": "sts.amazonaws.com"}},
            }]}))
        role = aws.iam.Role(f"{self._name}-irsa-{name}", assume_role_policy=trust, tags=dict(self._args.tags),
                            opts=pulumi.ResourceOptions(parent=self))
        for i, arn in enumerate(policy_arns):
            aws.iam.RolePolicyAttachment(f"{self._name}-irsa-{name}-{i}", role=role.name, policy_arn=arn,
                                         opts=pulumi.ResourceOptions(parent=role))
        if inline_policy is not None:
            aws.iam.RolePolicy(f"{self._name}-irsa-{name}-inline", role=role.id, policy=inline_policy,
                               opts=pulumi.ResourceOptions(parent=role))
        return role

    def provider(self, name: str, opts: pulumi.ResourceOptions | None = None) -> k8s.Provider:
        """A pulumi-kubernetes provider for this cluster (authenticates with ``aws eks get-token``).

        Refused when the deployer cannot reach the API endpoint (private only, deployer not in the VPC): every
        object created through it would time out in ``pulumi up``."""
        if not self._args.deployer_reaches_api:
            raise ValueError(f"{self._name}: Kubernetes provider for a cluster whose API endpoint is private only "
                             "(public_access_cidrs: []) and deployer_inside_vpc is False; allowed: the deployer's public "
                             "CIDRs in public_access_cidrs, or deployer_inside_vpc=True with pulumi up run inside the VPC")
        return k8s.Provider(name, kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                            opts=pulumi.ResourceOptions.merge(
                                pulumi.ResourceOptions(parent=self, depends_on=list(self.node_groups)), opts))


def cluster_autoscaler_policy(cluster_name: str) -> dict[str, Any]:
    """The Cluster Autoscaler's IAM policy (AWS cloud provider README, "IAM Policy"): read the groups and instance
    types anywhere, change capacity only of the groups tagged as this cluster's."""
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
            "eks:DescribeNodegroup"]},
        {"Effect": "Allow", "Resource": "*",
         "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
    ]}


def _ebs_key_policy(key_arn: str) -> str:
    """Lets the EBS CSI controller create volumes encrypted with the customer-managed key."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
         "Resource": [key_arn], "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                       "kms:DescribeKey"], "Resource": [key_arn]},
    ]})


def _kubeconfig(cluster: str, endpoint: str, ca: str, region: str) -> str:
    """A kubeconfig (JSON) holding no credential: kubectl/Pulumi run ``aws eks get-token`` for a short-lived token."""
    config: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Config", "current-context": cluster, "preferences": {},
        "clusters": [{"name": cluster, "cluster": {"server": endpoint, "certificate-authority-data": ca}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster}}],
        "users": [{"name": cluster, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster, "--region", region, "--output", "json"],
            "interactiveMode": "Never"}}}],
    }
    return json.dumps(config)
