"""Which cluster a Kubernetes object lands on, and what is installed there (not a policy: not in the registry)."""

from __future__ import annotations

from siaga_rules.behaviour._paths import waits_for
from siaga_rules.behaviour._wiring import EKS_CLUSTER, provider_urn
from siaga_rules.common import Res, StackCtx

HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart")
DEPLOYMENT_TYPES = ("kubernetes:apps/v1:Deployment",)
ADDON = "aws:eks/addon:Addon"


def cluster_of(ctx: StackCtx, res: Res) -> Res | None:
    """The EKS cluster of the stack whose API the object is created through (its provider is built from the cluster's
    outputs), or None (a cluster outside the stack, or the ambient kubeconfig)."""
    prov = provider_urn(res)
    p = ctx.by_urn().get(prov) if prov else None
    if p is None:
        return None
    for c in ctx.of_type(EKS_CLUSTER):
        if waits_for(ctx, p, c.urn):
            return c
    return None


def same_target(ctx: StackCtx, a: Res, b: Res) -> bool:
    """``a`` and ``b`` land on one cluster: the same EKS cluster of the stack, or the same provider."""
    ca, cb = cluster_of(ctx, a), cluster_of(ctx, b)
    if ca is not None or cb is not None:
        return ca is not None and cb is not None and ca.urn == cb.urn
    return provider_urn(a) == provider_urn(b)


def installs(ctx: StackCtx, near: Res, names: tuple[str, ...]) -> Res | None:
    """A Helm chart/release, Deployment or EKS add-on named like one of ``names`` on ``near``'s cluster (``near`` is
    a Kubernetes object, or the EKS cluster itself)."""
    cluster = near if near.type == EKS_CLUSTER else cluster_of(ctx, near)

    def there(r: Res) -> bool:
        if cluster is not None:
            found = cluster_of(ctx, r)
            return found is not None and found.urn == cluster.urn
        return provider_urn(r) == provider_urn(near)

    for r in ctx.of_type(*HELM_TYPES):
        chart = str(r.get("chart") or "") + " " + str(r.get("name") or "")
        if any(n in chart for n in names) and there(r):
            return r
    for r in ctx.of_type(*DEPLOYMENT_TYPES):
        images = " ".join(str(c.get("image", "")) for c in (r.get("spec.template.spec.containers") or [])
                          if isinstance(c, dict))
        if any(n in images or n == r.get("metadata.name") for n in names) and there(r):
            return r
    for r in ctx.of_type(ADDON):
        if r.get("addonName") in names and cluster is not None and cluster in ctx.resolve(r, "clusterName", EKS_CLUSTER):
            return r
    return None
