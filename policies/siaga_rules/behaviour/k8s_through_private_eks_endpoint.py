"""Kubernetes resources deployed through an EKS cluster whose API endpoint is private only need a deployer in the VPC.

With the public endpoint off, "Kubernetes commands, by default (e.g. kubectl) ... must be run within the cluster
VPC" (https://docs.aws.amazon.com/eks/latest/eksctl/vpc-cluster-access.html), "from within the cluster's VPC, a
peered VPC or using some other means like AWS Direct Connect"
(https://docs.aws.amazon.com/eks/latest/eksctl/eks-private-cluster.html). A ``kubernetes.Provider`` built from the
cluster's kubeconfig then times out on every resource when ``pulumi up`` runs on a laptop or a hosted CI runner.
The provider's link to the cluster is read from its ``kubeconfig`` property dependencies (or the cluster's endpoint
inside a known kubeconfig). A public endpoint is fine here; who may reach it is ``eks``'s exposure policy's job.
"""

from __future__ import annotations

from siaga_rules.behaviour._wiring import EKS_CLUSTER, K8S_PROVIDER, provider_urn
from siaga_rules.common import Controls, Res, StackCtx, as_bool, is_unknown, stack_policy


def _clusters(ctx: StackCtx, prov: Res, by_endpoint: dict[str, Res]) -> list[Res]:
    found = ctx.resolve(prov, "kubeconfig", EKS_CLUSTER)
    if found:
        return found
    kubeconfig = prov.get("kubeconfig")
    if isinstance(kubeconfig, str) and not is_unknown(kubeconfig):
        return [c for endpoint, c in by_endpoint.items() if endpoint in kubeconfig]
    return []


def check(ctx: StackCtx) -> None:
    providers = ctx.of_type(K8S_PROVIDER)
    if not providers:
        return
    deployed: dict[str, list[Res]] = {}
    for r in ctx.resources:
        if r.type.startswith("kubernetes:"):
            urn = provider_urn(r)
            if urn:
                deployed.setdefault(urn, []).append(r)
    by_endpoint = {e: c for c in ctx.of_type(EKS_CLUSTER)
                   if isinstance(e := c.get("endpoint"), str) and e and not is_unknown(e)}
    inside = bool(ctx.config["deployerInsideVpc"])
    seen: set[str] = set()
    for prov in providers:
        if prov.urn in seen or not deployed.get(prov.urn):
            continue
        seen.add(prov.urn)
        for cluster in _clusters(ctx, prov, by_endpoint):
            public_raw = cluster.get("vpcConfig.endpointPublicAccess")
            if is_unknown(public_raw):
                ctx.cannot_verify(prov, f"{cluster.name} vpcConfig.endpointPublicAccess")
                continue
            if as_bool(public_raw) is not False or inside:
                continue  # EKS default: public endpoint on
            users = deployed[prov.urn]
            shown = ", ".join(r.name for r in users[:3]) + (f" and {len(users) - 3} more" if len(users) > 3 else "")
            ctx.fail(f"kubernetes provider {prov.name} reaches EKS cluster {cluster.name} through its API endpoint, "
                     f"which is private only (vpcConfig.endpointPublicAccess false): the {len(users)} Kubernetes "
                     f"resources it deploys ({shown}) can only be created by a deployer inside the cluster's VPC (or a "
                     "peered/Direct Connect network); from anywhere else `pulumi up` times out. Fix: run the "
                     "deployment on a runner in the VPC and set this policy's deployerInsideVpc true, or turn on the "
                     "public endpoint restricted to the deployer's CIDRs (endpointPublicAccess true, "
                     "publicAccessCidrs=[<runner CIDRs>]).", prov)


POLICY = stack_policy(
    id="k8s-through-private-eks-endpoint",
    name="Kubernetes deployer can reach the EKS API",
    category="behaviour",
    description="Kubernetes resources deployed through a provider whose kubeconfig comes from an EKS cluster with a "
                "private-only API endpoint fail unless the deployer runs inside the VPC (policy config "
                "deployerInsideVpc).",
    remediation="Run `pulumi up` from a runner inside the VPC and set deployerInsideVpc true, or enable the public "
                "endpoint limited to the runner's CIDRs with publicAccessCidrs.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-17", "CM-6"), iso=("A.8.20", "A.8.22")),
    config={"deployerInsideVpc": {"type": "boolean", "default": False,
                                  "description": "The deployment runs inside the cluster's VPC (or a connected "
                                                 "network), so a private-only EKS endpoint is reachable."}},
)
