"""An HorizontalPodAutoscaler on resource metrics has a metrics API on its cluster.

An HPA scaling on CPU or memory (``type: Resource``/``ContainerResource``; autoscaling/v1, or v2 with no metrics,
means CPU) reads the resource metrics API ``metrics.k8s.io``, which the Kubernetes Metrics Server serves; EKS does not
deploy it ("it isn't deployed by default in Amazon EKS clusters":
https://docs.aws.amazon.com/eks/latest/userguide/metrics-server.html). Without it the HPA reports
``FailedGetResourceMetric`` and never scales (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
#support-for-resource-metrics). Present means, on the HPA's cluster: the EKS add-on ``metrics-server``, a Helm
chart/release or Deployment of ``metrics-server``, or an APIService ``v1beta1.metrics.k8s.io``. An HPA on a cluster
that is not in the stack cannot be judged before deployment.
"""

from __future__ import annotations

from siaga_rules.behaviour._k8s import cluster_of, installs, same_target
from siaga_rules.common import Controls, Res, StackCtx, as_list, stack_policy

HPA_TYPES = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
             "kubernetes:autoscaling/v1:HorizontalPodAutoscaler")
API_SERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService"
NAMES = ("metrics-server",)


def _resource_metrics(hpa: Res) -> list[str]:
    if hpa.type.endswith("/v1:HorizontalPodAutoscaler"):
        return ["cpu"]
    metrics = [m for m in as_list(hpa.get("spec.metrics")) if isinstance(m, dict)]
    if not metrics:
        return ["cpu (the default target)"]
    out = []
    for m in metrics:
        kind = m.get("type")
        if kind in ("Resource", "ContainerResource"):
            block = m.get("resource") or m.get("containerResource") or {}
            out.append(str(block.get("name", "?")) if isinstance(block, dict) else "?")
    return out


def check(ctx: StackCtx) -> None:
    for hpa in ctx.of_type(*HPA_TYPES):
        used = _resource_metrics(hpa)
        if not used:
            continue
        found = installs(ctx, hpa, NAMES) or next(
            (a for a in ctx.of_type(API_SERVICE) if a.get("metadata.name") == "v1beta1.metrics.k8s.io"
             and same_target(ctx, a, hpa)), None)
        if found is not None:
            continue
        cluster = cluster_of(ctx, hpa)
        if cluster is None:
            ctx.cannot_verify(hpa, "the metrics API of a cluster outside the stack")
            continue
        ctx.fail(f"HorizontalPodAutoscaler {hpa.name} scales on {', '.join(used)} through the resource metrics API "
                 f"(metrics.k8s.io), but nothing on EKS cluster {cluster.name} serves it: EKS does not deploy the "
                 "Metrics Server, so the HPA reports FailedGetResourceMetric and never scales. Fix: install the "
                 f"Metrics Server on {cluster.name} (aws.eks.Addon addon_name='metrics-server', or its Helm chart).",
                 hpa)


POLICY = stack_policy(
    id="hpa-metrics-api-present",
    name="HPAs on resource metrics have a metrics API",
    category="behaviour",
    description="A HorizontalPodAutoscaler on CPU/memory runs on a cluster of the stack where the Metrics Server "
                "(or another metrics.k8s.io APIService) is installed.",
    remediation="Install the Metrics Server on the cluster (EKS add-on metrics-server or its Helm chart).",
    check=check,
    controls=Controls(nist=("SC-5", "CP-2"), iso=("A.8.6", "A.8.14")),
)
