"""Every Kubernetes namespace that runs workloads has a NetworkPolicy.

Without any NetworkPolicy selecting its pods, a pod accepts traffic from every pod in the cluster and may connect
anywhere (https://kubernetes.io/docs/concepts/services-networking/network-policies/, "By default, a pod is
non-isolated for ingress/egress"): one compromised pod reaches every database client and service. Policies are
enforced only by a CNI that implements them (on EKS the VPC CNI with ``enableNetworkPolicy``; components/eks.py
turns it on). A namespace's workloads are Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and
Pods whose ``metadata.namespace`` is it (unset: ``default``); a namespace given as an output of a Namespace
resource is matched through that resource.
"""

from siaga_rules.common import POD_TEMPLATE_PATHS, Controls, Res, StackCtx, is_unknown, stack_policy

NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
NAMESPACE = "kubernetes:core/v1:Namespace"


def _namespace(ctx: StackCtx, r: Res) -> str | None:
    """The namespace name, or the Namespace resource's URN when the name is an output; None if unresolvable."""
    ns = r.get("metadata.namespace")
    if isinstance(ns, str) and not is_unknown(ns):
        return ns or "default"
    if ns is None:
        return "default"
    by_urn = ctx.by_urn()
    for urn in r.deps.get("metadata", []):
        target = by_urn.get(urn)
        if target is not None and target.type == NAMESPACE:
            name = target.get("metadata.name")
            return name if isinstance(name, str) and not is_unknown(name) else target.urn
    return None


def check(ctx: StackCtx) -> None:
    exempt = set(ctx.config["exemptNamespaces"])
    covered: set[str] = set()
    unresolved = False
    for pol in ctx.of_type(NETPOL):
        ns = _namespace(ctx, pol)
        if ns is None:
            unresolved = True
        else:
            covered.add(ns)
    for w in ctx.of_type(*POD_TEMPLATE_PATHS):
        ns = _namespace(ctx, w)
        if ns is None:
            ctx.cannot_verify(w, "metadata.namespace")
        elif ns in exempt or ns in covered:
            continue
        elif unresolved:
            ctx.cannot_verify(w, "a NetworkPolicy's metadata.namespace")
        else:
            shown = ns if not ns.startswith("urn:") else ns.rsplit("::", 1)[-1]
            ctx.fail(f"namespace {shown!r} runs this workload but has no NetworkPolicy: its pods accept traffic "
                     "from every pod in the cluster and may connect anywhere", w)


POLICY = stack_policy(
    id="k8s-network-policy",
    name="NetworkPolicy in every workload namespace",
    category="exposure",
    description="Every namespace with a Kubernetes workload has at least one NetworkPolicy (a default deny plus "
                "the allowed flows).",
    remediation="Add a default-deny NetworkPolicy (podSelector={}, policyTypes=['Ingress','Egress']) and policies "
                "for the flows the workload needs (components/workload.py does).",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4", "SC-7(5)"), iso=("A.8.20", "A.8.22")),
    config={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["kube-system"],
                                 "description": "Namespaces not judged (cluster add-ons managed by the provider)."}},
)
