"""A node group that leaves its size to a cluster autoscaler has one on its cluster.

An EKS managed node group whose ``scalingConfig.desiredSize`` is ignored by the program (``ignore_changes``) or that is
tagged for Cluster Autoscaler auto-discovery (``k8s.io/cluster-autoscaler/enabled``) defers its size to an autoscaler.
EKS runs none by default ("Amazon EKS doesn't automatically scale your node group in or out":
https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html; autoscaling options:
https://docs.aws.amazon.com/eks/latest/userguide/autoscaling.html), so without one the group stays at its initial
size: ``maxSize`` is never used and the capacity of a lost AZ is never replaced. Present means, on that cluster: a Helm
chart/release or Deployment of ``cluster-autoscaler`` or ``karpenter``, or EKS Auto Mode (``computeConfig.enabled``).
"""

from __future__ import annotations

from siaga_rules.behaviour._k8s import installs
from siaga_rules.behaviour._wiring import EKS_CLUSTER, ignores
from siaga_rules.common import Controls, StackCtx, as_bool, stack_policy, tags_of

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NAMES = ("cluster-autoscaler", "karpenter")


def check(ctx: StackCtx) -> None:
    for ng in ctx.of_type(NODE_GROUP):
        tags = tags_of(ng.props) or {}
        deferred = ("ignore_changes on scalingConfig.desiredSize" if ignores(ng, "scalingConfig.desiredSize") else
                    "tag k8s.io/cluster-autoscaler/enabled" if "k8s.io/cluster-autoscaler/enabled" in tags else None)
        if deferred is None:
            continue
        clusters = ctx.resolve(ng, "clusterName", EKS_CLUSTER)
        if not clusters:
            continue  # a cluster outside the stack: its autoscaler is not visible here
        cluster = clusters[0]
        if as_bool(cluster.get("computeConfig.enabled")) or installs(ctx, cluster, NAMES) is not None:
            continue
        size = ng.get("scalingConfig") or {}
        ctx.fail(f"node group {ng.name} leaves its size to an autoscaler ({deferred}; min {size.get('minSize')}, max "
                 f"{size.get('maxSize')}), but nothing on EKS cluster {cluster.name} scales it: EKS does not, so it stays "
                 "at its initial size, maxSize is never used and a lost AZ's capacity is never replaced. Fix: install "
                 "the Cluster Autoscaler (Helm chart cluster-autoscaler with an IRSA/Pod Identity role) or Karpenter "
                 "on the cluster, or manage desiredSize in the program.", ng)


POLICY = stack_policy(
    id="nodegroup-autoscaler-present",
    name="Node groups sized by an autoscaler have one",
    category="behaviour",
    description="An EKS node group that ignores desiredSize or is tagged for Cluster Autoscaler discovery belongs to a "
                "cluster of the stack running the Cluster Autoscaler, Karpenter or EKS Auto Mode.",
    remediation="Install the Cluster Autoscaler (or Karpenter) on the cluster, or stop deferring desiredSize.",
    check=check,
    controls=Controls(nist=("SC-5", "CP-2"), iso=("A.8.6", "A.8.14")),
)
