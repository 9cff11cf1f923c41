"""Kubernetes pods do not share the node's network, PID or IPC namespaces."""

from siaga_rules.common import POD_TEMPLATE_PATHS, Controls, Ctx, pod_spec_path, resource_policy


def check(ctx: Ctx) -> None:
    if (ctx.get("metadata.namespace") or "default") in set(ctx.config["exemptNamespaces"]):
        return
    base = pod_spec_path(ctx.type) or "spec"
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if ctx.get(f"{base}.{key}") is True:
            ctx.fail(f"{key} is true: the pod shares the node's {key[4:].lower()} namespace")


POLICY = resource_policy(
    id="k8s-no-host-namespaces",
    name="No host network/PID/IPC pods",
    category="exposure",
    types=tuple(POD_TEMPLATE_PATHS),
    description="Kubernetes workloads do not set hostNetwork, hostPID or hostIPC.",
    remediation="Remove hostNetwork/hostPID/hostIPC; expose ports through a Service.",
    check=check,
    controls=Controls(nist=("AC-6", "SC-7", "CM-7"), iso=("A.8.22",)),
    config={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["kube-system"],
                                 "description": "Namespaces of node agents allowed host namespaces."}},
)
