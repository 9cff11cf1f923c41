"""Kubernetes pods mount no hostPath volumes.

A ``hostPath`` volume gives the pod the node's filesystem (container runtime socket, kubelet credentials, other
pods' data); the Pod Security Standards forbid it from the baseline profile up
(https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline, "HostPath Volumes").
"""

from siaga_rules.common import (
    POD_TEMPLATE_PATHS,
    Controls,
    Ctx,
    as_list,
    lookup,
    pod_spec_path,
    resource_policy,
)


def check(ctx: Ctx) -> None:
    if (ctx.get("metadata.namespace") or "default") in set(ctx.config["exemptNamespaces"]):
        return
    spec = ctx.known(ctx.get(pod_spec_path(ctx.type) or "spec") or {}, "pod spec")
    for v in as_list(lookup(spec, "volumes")):
        host = lookup(v, "hostPath") if isinstance(v, dict) else None
        if host:
            ctx.fail(f"volume {v.get('name', '?')!r} mounts the node's {lookup(host, 'path') or 'filesystem'} "
                     "(hostPath)")


POLICY = resource_policy(
    id="k8s-no-host-path",
    name="No hostPath volumes",
    category="exposure",
    types=tuple(POD_TEMPLATE_PATHS),
    description="Kubernetes workloads mount no hostPath volume (Pod Security Standards, baseline).",
    remediation="Use emptyDir, a PersistentVolumeClaim, a ConfigMap/Secret or a CSI volume instead of hostPath.",
    check=check,
    controls=Controls(nist=("AC-6", "CM-7", "SC-4"), iso=("A.8.2", "A.8.9")),
    config={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["kube-system"],
                                 "description": "Namespaces of node agents that need the node's files (CNI, CSI, "
                                                "log shippers)."}},
)
