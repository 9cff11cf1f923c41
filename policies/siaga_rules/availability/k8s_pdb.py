"""Every replicated Kubernetes workload has a PodDisruptionBudget selecting its pods."""

from siaga_rules.common import REPLICATED_KINDS, Controls, Res, StackCtx, has_unknown, stack_policy

PDB_TYPES = ("kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:policy/v1beta1:PodDisruptionBudget")


def _ns(r: Res) -> str:
    return r.get("metadata.namespace") or "default"


def check(ctx: StackCtx) -> None:
    pdbs = ctx.of_type(*PDB_TYPES)
    for wl in ctx.of_type(*REPLICATED_KINDS):
        labels = wl.get("spec.template.metadata.labels") or {}
        if has_unknown(labels):
            ctx.cannot_verify(wl, "pod template labels")
            continue
        found = False
        for pdb in pdbs:
            sel = pdb.get("spec.selector.matchLabels")
            if has_unknown(sel) or has_unknown(_ns(pdb)):
                ctx.cannot_verify(wl, f"PodDisruptionBudget {pdb.name} selector")
                continue
            if sel and _ns(pdb) == _ns(wl) and all(labels.get(k) == v for k, v in sel.items()):
                found = True
                break
        if not found:
            ctx.fail("no PodDisruptionBudget selects its pods: a node drain can stop every replica at once", wl)


POLICY = stack_policy(
    id="k8s-pod-disruption-budget",
    name="Kubernetes workloads have a PodDisruptionBudget",
    category="availability",
    description="Every Deployment/StatefulSet has a PodDisruptionBudget in its namespace whose selector matches its pods.",
    remediation="Add kubernetes.policy.v1.PodDisruptionBudget with spec.selector.matchLabels = the pod labels and "
                "max_unavailable=1 (or min_available).",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
)
