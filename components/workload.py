"""HaWorkload: one highly available, locked-down HTTP service on ANY Kubernetes cluster.

Cluster-agnostic: pass the pulumi-kubernetes provider of an EKS cluster (``EksCluster.provider()``)
or of an on-prem cluster (``kubernetes.Provider(kubeconfig=...)``) in ``opts.provider``. Creates:

- a Namespace labelled for the ``restricted`` Pod Security Standard (enforce, audit and warn);
- NetworkPolicies: default deny (ingress and egress), then only ingress controller (namespace, or
  ``ingress_cidrs`` for load balancers that target pod IPs) -> app port,
  DNS egress to kube-dns, and egress to the database CIDRs (plus any ``extra_egress``);
- a ServiceAccount with no token mounted (unless ``service_account_token``), IRSA annotations optional;
- a Deployment: ``replicas`` >= 2 (default 3), spread over ``topology.kubernetes.io/zone`` and
  ``kubernetes.io/hostname``, RollingUpdate maxUnavailable 0 / maxSurge 1, startup, readiness and
  liveness probes, requests and limits, non-root, read-only root filesystem (a writable ``/tmp``
  emptyDir), no privilege escalation, ALL capabilities dropped, seccomp RuntimeDefault;
- a PodDisruptionBudget (maxUnavailable 1 by default), an autoscaling/v2 HorizontalPodAutoscaler
  from ``replicas`` to ``max_replicas`` (the Deployment ignores later changes to spec.replicas, which
  the autoscaler owns), a ClusterIP Service and a TLS Ingress: ``host`` for the whole service, plus (with
  ``health_any_host``) one rule without a host for the exact ``health_path`` only, because health checkers
  send their own Host (Route 53 sends the checked endpoint's name, e.g. the ALB's DNS name) and a host-only
  Ingress answers them 404;
- optionally an AWS WAF web ACL on the ALB the AWS Load Balancer Controller makes for the Ingress
  (``waf_acl_arn``).

Nothing here is stateful, so nothing is protected.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_kubernetes as k8s

meta = k8s.meta.v1
core = k8s.core.v1
apps = k8s.apps.v1
net = k8s.networking.v1

MIN_REPLICAS = 2
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")


@dataclass
class HaWorkloadArgs:
    """Arguments of :class:`HaWorkload`. Defaults are the highly available, restricted setup."""

    image: str
    """Container image, pinned by digest or immutable tag."""
    host: str
    """Public host name served by the Ingress (TLS)."""
    tls_secret_name: str
    """Secret (in the namespace) holding the TLS certificate and key for ``host``."""
    namespace: str = "app"
    app_name: str = "app"
    port: int = 8080
    """Container port (>= 1024: the container runs as non-root)."""
    replicas: int = 3
    """At least 2; 3 puts one pod in each Jakarta AZ."""
    max_replicas: int = 12
    target_cpu_percent: int = 60
    cpu_request: str = "250m"
    memory_request: str = "256Mi"
    cpu_limit: str = "1"
    memory_limit: str = "512Mi"
    health_path: str = "/healthz"
    """Readiness and startup probe path."""
    liveness_path: str | None = None
    """Liveness probe path (default: ``health_path``)."""
    run_as_user: int = 10001
    pre_stop_sleep_seconds: int | None = None
    """Keep a terminating pod serving this long while load balancers deregister it (preStop sleep action,
    Kubernetes >= 1.30; no shell needed). None: no preStop hook."""
    zone_spread: Literal["DoNotSchedule", "ScheduleAnyway"] = "DoNotSchedule"
    """DoNotSchedule keeps zones balanced (needs nodes labelled topology.kubernetes.io/zone). Both spreads set
    ``nodeTaintsPolicy: Honor``: a lost AZ's nodes stay NotReady, still labelled, and the default policy (Ignore)
    keeps counting them as a domain with zero matching pods, so under DoNotSchedule every replacement would have to
    go there and stays Pending. The node lifecycle controller taints them ``node.kubernetes.io/unreachable`` /
    ``not-ready`` with effect NoSchedule, which pods do not tolerate (their default tolerations are NoExecute), so
    Honor drops them from the skew and replacements go to the surviving zones
    (https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition,
    https://kubernetes.io/docs/reference/labels-annotations-taints/#node-kubernetes-io-unreachable)."""
    ingress_class: str = "nginx"
    ingress_namespace: str = "ingress-nginx"
    """Namespace of the ingress controller pods allowed to reach the app port."""
    ingress_cidrs: Sequence[str] = ()
    """Networks also allowed to the app port: load balancers that send to pod IPs (AWS ALB, target type ip)."""
    ingress_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    db_cidrs: Sequence[str] = ()
    """Networks of the database(s) the pods may connect to (egress)."""
    db_port: int = 5432
    extra_egress: Sequence[tuple[str, int]] = ()
    """More (CIDR, TCP port) pairs the pods may reach, e.g. VPC endpoints on 443."""
    env: Mapping[str, str] = field(default_factory=dict)
    service_account_token: bool = False
    """Mount a service-account token (only for apps that call the Kubernetes or AWS APIs)."""
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    """E.g. {"eks.amazonaws.com/role-arn": ...} for IRSA (needs service_account_token)."""
    pdb_max_unavailable: int | None = 1
    pdb_min_available: int | None = None
    """Set this (and pdb_max_unavailable=None) to use minAvailable instead."""
    labels: Mapping[str, str] = field(default_factory=dict)
    health_any_host: bool = True
    """Answer ``health_path`` (exact path, same backend) for any Host header, nothing else. Route 53 health checks
    send their ``fqdn`` as Host (the load balancer's name, not ``host``):
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (FullyQualifiedDomainName)."""
    waf_acl_arn: pulumi.Input[str] | None = None
    """AWS WAF (v2) web ACL for the ALB of the Ingress, through the AWS Load Balancer Controller's
    ``alb.ingress.kubernetes.io/wafv2-acl-arn`` annotation (ingress class ``alb`` only)."""
    wait_for: Sequence[pulumi.Resource] = ()
    """Resources every object of the workload waits for: the ingress controller (its webhooks must serve before
    the Ingress and the pods are admitted) and the CNI add-on that enforces the NetworkPolicies."""
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra namespace labels, e.g. {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"} so a rolling update
    waits until the ALB sees the new pods healthy (AWS Load Balancer Controller, target type ip)."""

    def validate(self) -> None:
        """Raises ValueError (one line naming the argument, the value and what is allowed)."""
        if self.replicas < MIN_REPLICAS:
            raise ValueError(f"replicas: {self.replicas} is not highly available; allowed: at least {MIN_REPLICAS} "
                             "(default 3, one per zone)")
        if self.max_replicas < self.replicas:
            raise ValueError(f"max_replicas: {self.max_replicas} is below replicas {self.replicas}; allowed: >= replicas")
        for key in ("namespace", "app_name"):
            if not _DNS_LABEL.match(getattr(self, key)):
                raise ValueError(f"{key}: {getattr(self, key)!r}; allowed: a DNS label (lowercase letters, digits, hyphens)")
        if not 1024 <= self.port <= 65535:
            raise ValueError(f"port: {self.port}; allowed: 1024-65535 (the container runs as non-root)")
        if (self.pdb_max_unavailable is None) == (self.pdb_min_available is None):
            raise ValueError("pdb_max_unavailable / pdb_min_available: set exactly one")
        if self.pdb_min_available is not None and self.pdb_min_available >= self.replicas:
            raise ValueError(f"pdb_min_available: {self.pdb_min_available} blocks every node drain with {self.replicas} "
                             "replicas; allowed: below replicas")
        if not self.health_path.startswith("/") or (self.liveness_path is not None and not self.liveness_path.startswith("/")):
            raise ValueError(f"health_path/liveness_path: {self.health_path!r}/{self.liveness_path!r}; allowed: paths "
                             "starting with /")
        if self.waf_acl_arn is not None and self.ingress_class != "alb":
            raise ValueError(f"waf_acl_arn: set, but ingress_class is {self.ingress_class!r}; allowed: ingress_class 'alb' "
                             "(the AWS Load Balancer Controller associates the web ACL), or no waf_acl_arn")
        if self.service_account_annotations and not self.service_account_token:
            raise ValueError("service_account_annotations: set, but service_account_token is false; allowed: enable the "
                             "token for IRSA, or drop the annotations")
        for cidr in [*self.db_cidrs, *self.ingress_cidrs, *(c for c, _ in self.extra_egress)]:
            if not isinstance(cidr, str):
                continue  # an Output: checked by the API server
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"db_cidrs/ingress_cidrs/extra_egress: {cidr!r}; allowed: a CIDR such as 10.20.64.0/20") from None


class HaWorkload(pulumi.ComponentResource):
    """A replicated, zone-spread, restricted HTTP workload with PDB, HPA, Service and TLS Ingress."""

    def __init__(self, name: str, args: HaWorkloadArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:k8s:HaWorkload", name, None, opts)
        args.validate()
        ns_name = args.namespace
        selector = {"app.kubernetes.io/name": args.app_name, "app.kubernetes.io/instance": name}
        labels = {**args.labels, **selector, "app.kubernetes.io/managed-by": "siaga"}
        pss = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}

        after = list(args.wait_for)
        self.namespace = core.Namespace(
            f"{name}-ns", metadata=meta.ObjectMetaArgs(name=ns_name, labels={**args.namespace_labels, **labels, **pss}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=after))
        # everything below is in the namespace; what the workload waits for is repeated so each object says it
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace, *after])

        def md(suffix: str, **extra: object) -> meta.ObjectMetaArgs:
            return meta.ObjectMetaArgs(name=f"{args.app_name}{suffix}", namespace=ns_name, labels=labels, **extra)  # type: ignore[arg-type]

        # --- network policies: deny everything, then allow what the service needs -------------
        pods = meta.LabelSelectorArgs(match_labels=selector)
        self.network_policies = [
            net.NetworkPolicy(f"{name}-default-deny", metadata=md("-default-deny"), spec=net.NetworkPolicySpecArgs(
                pod_selector=meta.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]), opts=in_ns),
            net.NetworkPolicy(f"{name}-allow-ingress", metadata=md("-allow-ingress-controller"),
                              spec=net.NetworkPolicySpecArgs(
                pod_selector=pods, policy_types=["Ingress"],
                ingress=[net.NetworkPolicyIngressRuleArgs(
                    from_=[net.NetworkPolicyPeerArgs(namespace_selector=meta.LabelSelectorArgs(
                        match_labels={"kubernetes.io/metadata.name": args.ingress_namespace}))]
                    + [net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=c)) for c in args.ingress_cidrs],
                    ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=args.port)])]), opts=in_ns),
            net.NetworkPolicy(f"{name}-allow-dns", metadata=md("-allow-dns"), spec=net.NetworkPolicySpecArgs(
                pod_selector=pods, policy_types=["Egress"],
                egress=[net.NetworkPolicyEgressRuleArgs(
                    to=[net.NetworkPolicyPeerArgs(
                        namespace_selector=meta.LabelSelectorArgs(
                            match_labels={"kubernetes.io/metadata.name": "kube-system"}),
                        pod_selector=meta.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}))],
                    ports=[net.NetworkPolicyPortArgs(protocol=p, port=53) for p in ("UDP", "TCP")])]), opts=in_ns),
        ]
        egress = [(cidr, args.db_port) for cidr in args.db_cidrs] + list(args.extra_egress)
        if egress:
            self.network_policies.append(net.NetworkPolicy(
                f"{name}-allow-egress", metadata=md("-allow-egress"), spec=net.NetworkPolicySpecArgs(
                    pod_selector=pods, policy_types=["Egress"],
                    egress=[net.NetworkPolicyEgressRuleArgs(
                        to=[net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=cidr))],
                        ports=[net.NetworkPolicyPortArgs(protocol="TCP", port=port)]) for cidr, port in egress]),
                opts=in_ns))

        # --- identity ---------------------------------------------------------------------
        self.service_account = core.ServiceAccount(
            f"{name}-sa", metadata=md("", annotations=dict(args.service_account_annotations) or None),
            automount_service_account_token=args.service_account_token, opts=in_ns)

        # --- the pods -----------------------------------------------------------------------
        def probe(path: str, period: int, failures: int) -> core.ProbeArgs:
            return core.ProbeArgs(http_get=core.HTTPGetActionArgs(path=path, port="http"),
                                  period_seconds=period, timeout_seconds=2, failure_threshold=failures)

        spread = [
            core.TopologySpreadConstraintArgs(
                max_skew=1, topology_key=key, when_unsatisfiable=when, label_selector=pods,
                match_label_keys=["pod-template-hash"], node_taints_policy="Honor")
            for key, when in (("topology.kubernetes.io/zone", args.zone_spread),
                              ("kubernetes.io/hostname", "ScheduleAnyway"))
        ]
        container = core.ContainerArgs(
            name=args.app_name,
            image=args.image,
            image_pull_policy="IfNotPresent",
            ports=[core.ContainerPortArgs(name="http", container_port=args.port, protocol="TCP")],
            env=[core.EnvVarArgs(name=k, value=v) for k, v in sorted(args.env.items())] or None,
            resources=core.ResourceRequirementsArgs(
                requests={"cpu": args.cpu_request, "memory": args.memory_request},
                limits={"cpu": args.cpu_limit, "memory": args.memory_limit}),
            startup_probe=probe(args.health_path, 5, 30),           # up to 150 s to start
            readiness_probe=probe(args.health_path, 5, 3),
            liveness_probe=probe(args.liveness_path or args.health_path, 10, 3),
            security_context=core.SecurityContextArgs(
                run_as_non_root=True, run_as_user=args.run_as_user, run_as_group=args.run_as_user,
                read_only_root_filesystem=True, allow_privilege_escalation=False, privileged=False,
                capabilities=core.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
            volume_mounts=[core.VolumeMountArgs(name="tmp", mount_path="/tmp")],
            lifecycle=core.LifecycleArgs(pre_stop=core.LifecycleHandlerArgs(
                sleep=core.SleepActionArgs(seconds=args.pre_stop_sleep_seconds)))
            if args.pre_stop_sleep_seconds else None,
        )
        self.deployment = apps.Deployment(
            f"{name}-deployment",
            metadata=md(""),
            spec=apps.DeploymentSpecArgs(
                replicas=args.replicas,
                revision_history_limit=5,
                min_ready_seconds=5,
                progress_deadline_seconds=600,
                selector=pods,
                strategy=apps.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=apps.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1)),
                template=core.PodTemplateSpecArgs(
                    metadata=meta.ObjectMetaArgs(labels=labels),
                    spec=core.PodSpecArgs(
                        service_account_name=args.app_name,
                        automount_service_account_token=args.service_account_token,
                        enable_service_links=False,
                        termination_grace_period_seconds=30 + (args.pre_stop_sleep_seconds or 0),
                        topology_spread_constraints=spread,
                        security_context=core.PodSecurityContextArgs(
                            run_as_non_root=True, run_as_user=args.run_as_user, run_as_group=args.run_as_user,
                            fs_group=args.run_as_user,
                            seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
                        containers=[container],
                        volumes=[core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="64Mi"))],
                    ),
                ),
            ),
            # the HorizontalPodAutoscaler owns spec.replicas once running
            opts=pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(
                depends_on=[self.service_account], ignore_changes=["spec.replicas"])),
        )

        self.pdb = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb", metadata=md(""),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                selector=pods, max_unavailable=args.pdb_max_unavailable, min_available=args.pdb_min_available,
                unhealthy_pod_eviction_policy="AlwaysAllow"),
            opts=in_ns)

        self.hpa = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa", metadata=md(""),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=args.app_name),
                min_replicas=args.replicas, max_replicas=args.max_replicas,
                metrics=[k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource", resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu", target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization", average_utilization=args.target_cpu_percent)))],
                behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
                    scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(stabilization_window_seconds=300))),
            opts=pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(depends_on=[self.deployment])))

        self.service = core.Service(
            f"{name}-svc", metadata=md(""),
            spec=core.ServiceSpecArgs(type="ClusterIP", selector=selector,
                                      ports=[core.ServicePortArgs(name="http", port=80, target_port="http",
                                                                  protocol="TCP")]),
            opts=in_ns)

        backend = net.IngressBackendArgs(service=net.IngressServiceBackendArgs(
            name=args.app_name, port=net.ServiceBackendPortArgs(name="http")))
        rules = [net.IngressRuleArgs(host=args.host, http=net.HTTPIngressRuleValueArgs(paths=[
            net.HTTPIngressPathArgs(path="/", path_type="Prefix", backend=backend)]))]
        if args.health_any_host:
            # no host: matches every Host header, for this one exact path (health checkers use their own Host)
            rules.append(net.IngressRuleArgs(http=net.HTTPIngressRuleValueArgs(paths=[
                net.HTTPIngressPathArgs(path=args.health_path, path_type="Exact", backend=backend)])))
        annotations: dict[str, pulumi.Input[str]] = dict(args.ingress_annotations)
        if args.waf_acl_arn is not None:
            # https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#wafv2-acl-arn
            annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] = args.waf_acl_arn
        self.ingress = net.Ingress(
            f"{name}-ingress", metadata=md("", annotations=annotations or None),
            spec=net.IngressSpecArgs(
                ingress_class_name=args.ingress_class,
                tls=[net.IngressTLSArgs(hosts=[args.host], secret_name=args.tls_secret_name)],
                rules=rules),
            opts=pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(depends_on=[self.service])))

        self.hostname: pulumi.Output[str] = self.ingress.status.apply(_lb_address)
        """The address the ingress controller publishes (load balancer hostname or IP), "" until it has one."""

        self.register_outputs({
            "namespace": ns_name,
            "deployment": self.deployment.metadata.name,
            "replicas": args.replicas,
            "host": args.host,
            "loadBalancer": self.hostname,
        })


def _lb_address(status: object) -> str:
    lb = getattr(status, "load_balancer", None) if status is not None else None
    for entry in (getattr(lb, "ingress", None) or []):
        address = getattr(entry, "hostname", None) or getattr(entry, "ip", None)
        if address:
            return str(address)
    return ""
