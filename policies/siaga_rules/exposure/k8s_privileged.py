"""No privileged containers (or privilege escalation) in Kubernetes workloads."""

from siaga_rules.common import (
    POD_TEMPLATE_PATHS,
    Controls,
    Ctx,
    containers_of,
    pod_spec_path,
    resource_policy,
)


def check(ctx: Ctx) -> None:
    spec = ctx.get(pod_spec_path(ctx.type) or "spec") or {}
    ctx.known(spec, "pod spec")
    exempt = set(ctx.config["exemptNamespaces"])
    if (ctx.get("metadata.namespace") or "default") in exempt:
        return
    for where, c in containers_of(spec):
        sc = c.get("securityContext") or {}
        if sc.get("privileged") is True:
            ctx.fail(f"{where} runs privileged: full access to the node")
        caps = (sc.get("capabilities") or {}).get("add") or []
        if "SYS_ADMIN" in caps or "ALL" in caps:
            ctx.fail(f"{where} adds capability {'ALL' if 'ALL' in caps else 'SYS_ADMIN'}")


POLICY = resource_policy(
    id="k8s-no-privileged",
    name="No privileged pods",
    category="exposure",
    types=tuple(POD_TEMPLATE_PATHS),
    description="Kubernetes workloads run no privileged container and add no SYS_ADMIN/ALL capability.",
    remediation="Remove securityContext.privileged and capabilities.add; run as non-root with "
                "allowPrivilegeEscalation=false.",
    check=check,
    controls=Controls(nist=("AC-6", "CM-7"), iso=("A.8.2", "A.8.9")),
    config={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["kube-system"],
                                 "description": "Namespaces of node agents allowed privileges (CNI, CSI)."}},
)
