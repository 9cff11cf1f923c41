"""Replicated Kubernetes workloads spread their pods over zones."""

from siaga_rules.common import REPLICATED_KINDS, ZONE_KEYS, Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    spec = ctx.get("spec.template.spec") or {}
    ctx.known(spec.get("topologySpreadConstraints"), "spec.template.spec.topologySpreadConstraints")
    for c in as_list(spec.get("topologySpreadConstraints")):
        if isinstance(c, dict) and c.get("topologyKey") in ZONE_KEYS:
            return
    anti = ctx.get("affinity.podAntiAffinity", spec) or {}
    for key in ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"):
        for term in as_list(anti.get(key)):
            term = (term or {}).get("podAffinityTerm", term) or {}
            if term.get("topologyKey") in ZONE_KEYS:
                return
    ctx.fail("no topologySpreadConstraints or podAntiAffinity on topology.kubernetes.io/zone: all replicas may "
             "land in one zone")


POLICY = resource_policy(
    id="k8s-zone-spread",
    name="Kubernetes pods spread over zones",
    category="availability",
    types=REPLICATED_KINDS,
    description="Deployments/StatefulSets declare a zone topology spread constraint (or zone anti-affinity).",
    remediation="Add spec.template.spec.topologySpreadConstraints=[{'maxSkew': 1, 'topologyKey': "
                "'topology.kubernetes.io/zone', 'whenUnsatisfiable': 'DoNotSchedule', 'labelSelector': {...}}].",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
)
