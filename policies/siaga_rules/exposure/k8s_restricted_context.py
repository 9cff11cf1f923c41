"""Kubernetes containers meet the Pod Security Standards "restricted" profile.

The restricted profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted) requires,
for every container, init container and ephemeral container: ``allowPrivilegeEscalation: false`` (container
level), ``runAsNonRoot: true`` (container, or the pod's securityContext), ``capabilities.drop`` containing ``ALL``,
and ``seccompProfile.type`` ``RuntimeDefault`` or ``Localhost`` (container, or pod). A container's own setting wins
over the pod's. Without them a process that breaks out of the application runs as root, gains privileges through
setuid binaries and calls every syscall the kernel offers. ``k8s-no-privileged`` and ``k8s-no-host-namespaces``
judge the baseline profile's privileged and host-namespace parts.
"""

from typing import Any

from siaga_rules.common import (
    POD_TEMPLATE_PATHS,
    Controls,
    Ctx,
    as_list,
    containers_of,
    lookup,
    pod_spec_path,
    resource_policy,
)


def _setting(container: dict[str, Any], pod: dict[str, Any], key: str) -> Any:
    own = lookup(lookup(container, "securityContext") or {}, key)
    return own if own is not None else lookup(pod, key)


def check(ctx: Ctx) -> None:
    if (ctx.get("metadata.namespace") or "default") in set(ctx.config["exemptNamespaces"]):
        return
    spec = ctx.known(ctx.get(pod_spec_path(ctx.type) or "spec") or {}, "pod spec")
    pod = lookup(spec, "securityContext") or {}
    for where, c in containers_of(spec):
        sc = lookup(c, "securityContext") or {}
        missing = []
        if lookup(sc, "allowPrivilegeEscalation") is not False:
            missing.append("allowPrivilegeEscalation: false")
        if _setting(c, pod, "runAsNonRoot") is not True:
            missing.append("runAsNonRoot: true")
        if "ALL" not in [str(x) for x in as_list(lookup(lookup(sc, "capabilities") or {}, "drop"))]:
            missing.append("capabilities.drop: [ALL]")
        seccomp = lookup(_setting(c, pod, "seccompProfile") or {}, "type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            missing.append("seccompProfile.type: RuntimeDefault")
        if missing:
            ctx.fail(f"{where} lacks {', '.join(missing)} (Pod Security Standards, restricted)")


POLICY = resource_policy(
    id="k8s-restricted-security-context",
    name="Pods meet the restricted Pod Security Standard",
    category="exposure",
    types=tuple(POD_TEMPLATE_PATHS),
    description="Every container sets allowPrivilegeEscalation=false and capabilities.drop=[ALL], and runs with "
                "runAsNonRoot=true and a RuntimeDefault/Localhost seccomp profile (its own or the pod's).",
    remediation="securityContext={'allow_privilege_escalation': False, 'run_as_non_root': True, 'capabilities': "
                "{'drop': ['ALL']}, 'seccomp_profile': {'type': 'RuntimeDefault'}} (components/workload.py does).",
    check=check,
    controls=Controls(nist=("AC-6", "AC-6(10)", "CM-7", "SC-39"), iso=("A.8.2", "A.8.9")),
    config={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["kube-system"],
                                 "description": "Namespaces of node agents that need privileges (CNI, CSI)."}},
)
