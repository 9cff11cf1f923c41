"""A zone topology spread that must be satisfied (``DoNotSchedule``) can still place pods after a zone is lost.

When an AZ is lost its nodes stay in the cluster, NotReady, still labelled with their zone. Under the default
``nodeTaintsPolicy: Ignore`` the scheduler keeps counting that zone as a domain with the fewest matching pods, so
with ``whenUnsatisfiable: DoNotSchedule`` every replacement must go there, where nothing can run: they stay Pending
(https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition,
nodeTaintsPolicy; kubernetes/kubernetes#116118). The node lifecycle controller taints such nodes
``node.kubernetes.io/unreachable``/``not-ready`` (NoSchedule), which pods do not tolerate, so ``nodeTaintsPolicy:
Honor`` drops them from the skew; ``ScheduleAnyway`` only prefers balance. ``minDomains`` would count the lost zone
again, so it fails too.
"""

from __future__ import annotations

from siaga_rules.common import Controls, StackCtx, as_list, stack_policy

WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:ReplicaSet")
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone", "topology.ebs.csi.aws.com/zone")


def check(ctx: StackCtx) -> None:
    for w in ctx.of_type(*WORKLOADS):
        for c in as_list(w.get("spec.template.spec.topologySpreadConstraints")):
            if not isinstance(c, dict) or c.get("topologyKey") not in ZONE_KEYS:
                continue
            if c.get("whenUnsatisfiable") != "DoNotSchedule":
                continue
            honor = c.get("nodeTaintsPolicy") == "Honor"
            if honor and not c.get("minDomains"):
                continue
            why = (f"minDomains {c.get('minDomains')} counts the lost zone as a domain again" if honor else
                   f"nodeTaintsPolicy is {c.get('nodeTaintsPolicy') or 'unset (Ignore)'}, so the lost zone's NotReady "
                   "nodes still count as the domain with the fewest pods")
            ctx.fail(f"{w.name} spreads over {c.get('topologyKey')} with whenUnsatisfiable DoNotSchedule and {why}: "
                     "after a zone is lost every replacement pod must go to that zone and stays Pending. Fix: "
                     "nodeTaintsPolicy: Honor (and no minDomains), or whenUnsatisfiable: ScheduleAnyway.", w)


POLICY = stack_policy(
    id="zone-spread-reschedules",
    name="Zone spreads reschedule after a zone loss",
    category="behaviour",
    description="A DoNotSchedule topology spread over zones honours node taints (nodeTaintsPolicy: Honor, no "
                "minDomains), so replacement pods go to the surviving zones.",
    remediation="Set nodeTaintsPolicy: Honor on the zone spread constraint (or whenUnsatisfiable: ScheduleAnyway).",
    check=check,
    controls=Controls(nist=("CP-10", "SC-5"), iso=("A.8.14",)),
)
