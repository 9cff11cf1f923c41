"""HybridKubernetes: the service on EKS in Jakarta (primary) and on an on-prem cluster (standby).

The root program calls :func:`compose_eks` when ``siaga:platform`` is ``eks``. It builds

- an :class:`~components.eks.EksCluster` over the private subnets of every AZ, keys from the stack's
  customer-managed keys, its API endpoint reachable by the deployer (``kubernetes.deployerCidrs`` on the
  public endpoint, or ``kubernetes.deployerInsideVpc``), the VPC CNI network policy agent on and the AWS Load
  Balancer Controller installed (the primary workload waits for both);
- the same :class:`~components.workload.HaWorkload` twice: on EKS (ingress class ``alb``: the AWS
  Load Balancer Controller puts an internet-facing ALB in the public subnets, TLS 1.3 policy, the
  ACM certificate of the domain, targets the pod IPs) and on the on-prem cluster through a
  ``kubernetes.Provider`` made from the kubeconfig in a secret config key;
- the ACM certificate of the domain (DNS-validated when a hosted zone id is given).

Who runs ``pulumi up`` (Kubernetes objects are created through the EKS API endpoint):

- from outside the VPC (a laptop, a hosted CI runner): set ``kubernetes.deployerCidrs`` to its public egress
  (NAT) address(es); the public endpoint opens to those CIDRs only, private access stays on;
- from inside the VPC (the locked-down option): ``kubernetes.deployerCidrs: []`` and
  ``kubernetes.deployerInsideVpc: true``, and run ``pulumi up`` on a runner in the private subnets, e.g. an AWS
  CodeBuild project with ``vpcConfig`` on those subnets, or an EC2 instance reached through SSM Session Manager;
  its security group must reach the cluster security group on 443. The API endpoint then stays private.

Anything else is refused at config time, never left to time out in ``pulumi up``.

``primary_hostname`` is the ALB's DNS name as the ingress controller publishes it: the root program
hands it to DnsFailover as the PRIMARY target, the standby address (``siaga:standby``) as SECONDARY.

The root program's hook (names of the network/key components as they land)::

    if cfg.platform == "eks":
        hybrid = compose_eks(cfg, HybridInputs(
            azs=<AZ names>, private_subnet_ids=<network private subnets, AZ order>,
            public_subnet_ids=<network public subnets>, key_arn=keys.arn,
            zone_id=<hosted zone id or None>, db_cidrs=<isolated subnet CIDRs>, vpc_id=<the VPC id>,
            waf_acl_arn=<the WAF web ACL's ARN, optional>), provider=provider)
        # DnsFailover: PRIMARY hostname = hybrid.primary_hostname, SECONDARY = cfg.standby.address
        # Database: allow hybrid.security_group_id (EKS nodes and pods) instead of the ASG's group

Not built here (installed by the platform team, reviewed by hand): the ingress controller and TLS secret on
the on-prem cluster. The load balancer controller is a Helm release: the policy pack sees the release and
its values, not the objects the chart renders (advisory ``opaque-resources``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.config import StackConfig
from components.eks import AccessGrant, EksCluster, EksClusterArgs
from components.workload import HaWorkload, HaWorkloadArgs

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass
class HybridInputs:
    """What the root program already built, as plain inputs (no dependency on other components' classes)."""

    azs: Sequence[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    key_arn: Callable[[str], pulumi.Input[str]]
    """Customer-managed key ARN by purpose: "secrets", "logs", "ebs"."""
    zone_id: pulumi.Input[str] | None = None
    """Public hosted zone of the domain: validates the ACM certificate by DNS when given."""
    db_cidrs: Sequence[str] = ()
    access_logs_bucket: pulumi.Input[str] | None = None
    """Bucket for the ALB's access logs under the prefix ``eks-alb`` (components/access_logs.py)."""
    access_logs_policy: pulumi.Resource | None = None
    """The bucket policy granting ELB log delivery: the Ingress that turns logging on waits for it."""
    vpc_id: pulumi.Input[str] | None = None
    """The VPC, for the load balancer controller (default: the EKS cluster's own ``vpc_config.vpc_id``)."""
    waf_acl_arn: pulumi.Input[str] | None = None
    """AWS WAF web ACL put on the primary's ALB (Ingress annotation ``alb.ingress.kubernetes.io/wafv2-acl-arn``)."""
    extra_tags: dict[str, str] = field(default_factory=dict)


class HybridKubernetes(pulumi.ComponentResource):
    """EKS primary + on-prem standby running the same highly available workload."""

    def __init__(self, name: str, cfg: StackConfig, inputs: HybridInputs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:hybrid:HybridKubernetes", name, None, opts)
        kube = cfg.kubernetes
        if kube is None:
            raise ValueError("siaga:kubernetes: not set while platform is 'eks'; allowed: a kubernetes section with image")
        child = pulumi.ResourceOptions(parent=self)
        n = len(inputs.azs)
        if kube.example_deployer_cidrs:
            pulumi.log.warn(f"siaga:kubernetes.deployerCidrs: {kube.example_deployer_cidrs} is a documentation example "
                            "(RFC 5737): the EKS API endpoint opens to it only, so pulumi up from your host times out "
                            "creating Kubernetes objects; set your deployer's public egress address, or "
                            "deployerInsideVpc: true with a runner in the private subnets", self)

        self.cluster = EksCluster(f"{name}-eks", EksClusterArgs(
            cluster_name=cfg.name_prefix,
            private_subnet_ids=list(inputs.private_subnet_ids)[:n],
            azs=list(inputs.azs),
            secrets_key_arn=inputs.key_arn("secrets"),
            logs_key_arn=inputs.key_arn("logs"),
            ebs_key_arn=inputs.key_arn("ebs"),
            version=kube.version,
            # the deployer reaches the API on the public endpoint from these CIDRs only (private access stays on)
            public_access_cidrs=list(dict.fromkeys([*kube.deployerCidrs, *kube.publicAccessCidrs])),
            deployer_inside_vpc=kube.deployerInsideVpc,
            vpc_id=inputs.vpc_id,
            access=[AccessGrant(arn, "AmazonEKSClusterAdminPolicy") for arn in kube.adminRoleArns],
            instance_types=list(kube.nodeInstanceTypes),
            nodes_per_az=kube.nodesPerAz,
            max_nodes_per_az=kube.maxNodesPerAz,
            node_volume_gib=kube.nodeVolumeGiB,
            protect=cfg.protectStatefulResources,
            tags=dict(inputs.extra_tags),
        ), opts=child)

        self.certificate = aws.acm.Certificate(f"{name}-cert", domain_name=cfg.domain, validation_method="DNS",
                                               opts=child)
        if inputs.zone_id is not None:
            option = self.certificate.domain_validation_options[0]
            record = aws.route53.Record(f"{name}-cert-validation", zone_id=inputs.zone_id,
                                        name=option.resource_record_name, type=option.resource_record_type,
                                        records=[option.resource_record_value], ttl=300, allow_overwrite=True,
                                        opts=child)
            validation = aws.acm.CertificateValidation(f"{name}-cert-validated", certificate_arn=self.certificate.arn,
                                                       validation_record_fqdns=[record.fqdn], opts=child)
            # the Ingress takes the ARN from the validation (as the EC2 listener does): the controller creates the
            # HTTPS listener only once ACM has ISSUED the certificate (a pending one is refused: UnsupportedCertificate)
            cert_arn: pulumi.Input[str] = validation.certificate_arn
        else:
            cert_arn = self.certificate.arn

        def workload(host_cidrs: Sequence[str], db_cidrs: Sequence[str], ingress_class: str, ingress_ns: str,
                     annotations: dict[str, pulumi.Input[str]], zone_spread: str,
                     namespace_labels: dict[str, str], pre_stop: int | None = None,
                     wait_for: Sequence[pulumi.Resource] = (),
                     waf_acl_arn: pulumi.Input[str] | None = None, db_port: int = cfg.database.port,
                     env: dict[str, str] | None = None) -> HaWorkloadArgs:
            return HaWorkloadArgs(
                image=kube.image, host=cfg.domain, tls_secret_name=kube.tlsSecretName, namespace=kube.namespace,
                app_name=cfg.service, port=cfg.cluster.appPort, replicas=kube.replicas, max_replicas=kube.maxReplicas,
                target_cpu_percent=cfg.cluster.targetCpuPercent, cpu_request=kube.cpuRequest,
                memory_request=kube.memoryRequest, cpu_limit=kube.cpuLimit, memory_limit=kube.memoryLimit,
                health_path=cfg.cluster.healthCheckPath, ingress_class=ingress_class, ingress_namespace=ingress_ns,
                ingress_cidrs=list(host_cidrs), ingress_annotations=annotations,  # type: ignore[arg-type]
                db_cidrs=list(db_cidrs), db_port=db_port, zone_spread=zone_spread,  # type: ignore[arg-type]
                env=dict(env or {}),
                labels={"siaga.go.id/service": cfg.service, "siaga.go.id/agency": cfg.agency},
                namespace_labels=namespace_labels, pre_stop_sleep_seconds=pre_stop,
                wait_for=list(wait_for), waf_acl_arn=waf_acl_arn,
            )

        # --- primary: EKS behind an ALB the AWS Load Balancer Controller manages -------------------
        attributes = ["deletion_protection.enabled=true", "routing.http.drop_invalid_header_fields.enabled=true"]
        if inputs.access_logs_bucket is not None:
            logs = pulumi.Output.from_input(inputs.access_logs_bucket).apply(
                lambda b: f"access_logs.s3.enabled=true,access_logs.s3.bucket={b},access_logs.s3.prefix=eks-alb")
        else:
            logs = pulumi.Output.from_input("")
        alb: dict[str, pulumi.Input[str]] = {
            "alb.ingress.kubernetes.io/scheme": "internet-facing",
            "alb.ingress.kubernetes.io/target-type": "ip",
            "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
            "alb.ingress.kubernetes.io/ssl-redirect": "443",
            "alb.ingress.kubernetes.io/ssl-policy": TLS_POLICY,
            "alb.ingress.kubernetes.io/certificate-arn": cert_arn,
            "alb.ingress.kubernetes.io/healthcheck-path": cfg.cluster.healthCheckPath,
            "alb.ingress.kubernetes.io/inbound-cidrs": ",".join(cfg.cluster.allowedCidrs),
            "alb.ingress.kubernetes.io/subnets": pulumi.Output.all(*inputs.public_subnet_ids).apply(
                lambda ids: ",".join(ids)),
            "alb.ingress.kubernetes.io/load-balancer-attributes": logs.apply(
                lambda extra: ",".join([*attributes, *([extra] if extra else [])])),
        }
        # the controller makes the Ingress's ALB and injects the readiness gates; the CNI add-on enforces the
        # NetworkPolicies: the workload's objects are created after both
        primary_after: list[pulumi.Resource] = [self.cluster.addons["vpc-cni"]]
        if inputs.access_logs_policy is not None:  # logging turned on only once delivery is granted
            primary_after.append(inputs.access_logs_policy)
        if self.cluster.load_balancer_controller is not None:
            primary_after.append(self.cluster.load_balancer_controller)
        self.primary = HaWorkload(
            f"{name}-primary",
            workload([cfg.vpcCidr], inputs.db_cidrs, kube.ingressClass, "kube-system", alb, "DoNotSchedule",
                     # rolling updates wait for the ALB to see new pods healthy (target type ip)
                     {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"} if kube.ingressClass == "alb" else {},
                     pre_stop=15,  # the ALB stops sending before the pod stops serving
                     wait_for=primary_after,
                     waf_acl_arn=inputs.waf_acl_arn if kube.ingressClass == "alb" else None),
            opts=pulumi.ResourceOptions(parent=self, provider=self.cluster.k8s_provider))

        # --- standby: the same workload on the on-prem cluster ---------------------------------
        namespace, key = kube.standbyKubeconfigKey.split(":", 1)
        self.onprem_provider = k8s.Provider(
            f"{name}-onprem", kubeconfig=pulumi.Config(namespace).require_secret(key),
            enable_server_side_apply=True, opts=child)
        # the standby's pods use the standby's own database (replicated by components/replication.py), never the
        # one in AWS: it is the AWS site being lost that sends users here. Egress: that database's address and port
        # only; without a standby database, the standby networks on the primary's port as before.
        sdb = cfg.standby.database
        if sdb is not None and sdb.address is not None:
            standby_db = dict(cidrs=[f"{sdb.address}/32"], db_port=sdb.port,
                              env={"DB_HOST": sdb.address, "DB_PORT": str(sdb.port), "DB_NAME": sdb.name})
        else:
            standby_db = dict(cidrs=list(cfg.standby.networks), db_port=cfg.database.port, env={})
        # on-prem nodes often carry no zone label: ScheduleAnyway keeps pods schedulable there
        self.standby = HaWorkload(
            f"{name}-standby",
            workload([], standby_db["cidrs"], kube.standbyIngressClass, kube.standbyIngressNamespace, {},  # type: ignore[arg-type]
                     "ScheduleAnyway", {}, db_port=standby_db["db_port"], env=standby_db["env"]),  # type: ignore[arg-type]
            opts=pulumi.ResourceOptions(parent=self, provider=self.onprem_provider))

        self.primary_hostname: pulumi.Output[str] = self.primary.hostname
        self.security_group_id = self.cluster.security_group_id  # nodes and pods: allow it into the database
        self.register_outputs({
            "clusterName": self.cluster.cluster.name,
            "kubeconfig": self.cluster.kubeconfig,
            "primaryHostname": self.primary_hostname,
            "standbyAddress": cfg.standby.address,
            "securityGroupId": self.security_group_id,
        })


def compose_eks(cfg: StackConfig, inputs: HybridInputs, provider: pulumi.ProviderResource | None = None,
                name: str | None = None) -> HybridKubernetes:
    """The root program's EKS hook: everything for ``platform: eks`` under one component."""
    opts = pulumi.ResourceOptions(providers={"aws": provider}) if provider is not None else None
    return HybridKubernetes(name or cfg.name_prefix, cfg, inputs, opts=opts)
