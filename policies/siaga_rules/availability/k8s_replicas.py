"""Kubernetes Deployments and StatefulSets run at least N replicas."""

from siaga_rules.common import REPLICATED_KINDS, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    minimum = int(ctx.config["minReplicas"])
    replicas = ctx.get("spec.replicas")
    if replicas is None:
        if ctx.config["allowAutoscaled"] and ctx.get("metadata.annotations.siaga.go.id/autoscaled") == "true":
            return
        ctx.fail(f"spec.replicas is not set (Kubernetes default 1); at least {minimum} required")
    elif float(replicas) < minimum:
        ctx.fail(f"spec.replicas is {int(float(replicas))}; at least {minimum} required")


POLICY = resource_policy(
    id="k8s-min-replicas",
    name="Kubernetes workloads replicated",
    category="availability",
    types=REPLICATED_KINDS,
    description="Deployments and StatefulSets run at least the minimum number of replicas.",
    remediation="Set spec.replicas >= 2 (or 3 to spread over three zones).",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",)),
    config={"minReplicas": {"type": "integer", "minimum": 1, "default": 2, "description": "Minimum replicas."},
            "allowAutoscaled": {"type": "boolean", "default": False,
                                "description": "Accept an unset spec.replicas when annotated siaga.go.id/autoscaled=true."}},
)
