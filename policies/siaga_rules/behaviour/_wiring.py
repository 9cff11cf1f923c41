"""Small graph helpers shared by the wiring behaviour policies (not a policy: not in the registry)."""

from __future__ import annotations

import fnmatch

from siaga_rules.common import Res, StackCtx

CERT = "aws:acm/certificate:Certificate"
CERT_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
INGRESS_TYPES = ("kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:networking.k8s.io/v1beta1:Ingress",
                 "kubernetes:extensions/v1beta1:Ingress")
K8S_PROVIDER = "pulumi:providers:kubernetes"
EKS_CLUSTER = "aws:eks/cluster:Cluster"


def depends_on(res: Res) -> set[str]:
    """Every URN ``res`` waits for: its property dependencies and its dependsOn (the engine's ``dependencies``)."""
    out = {u for urns in res.deps.values() for u in urns}
    for dep in getattr(res.source, "dependencies", None) or []:
        urn = getattr(dep, "urn", None)
        if urn:
            out.add(urn)
    return out


def provider_urn(res: Res) -> str | None:
    """URN of the provider resource a resource was created with (None for providers and components)."""
    prov = getattr(res.source, "provider", None)
    return getattr(prov, "urn", None) if prov is not None else None


def ignores(res: Res, prop: str) -> bool:
    """True when the resource's ``ignoreChanges`` option names ``prop``."""
    opts = getattr(res.source, "opts", None)
    return prop in (getattr(opts, "ignore_changes", None) or [])


def urns_of(ctx: StackCtx, res: Res, prop: str, *types: str) -> list[Res]:
    """The resources of ``types`` among ``res.prop``'s property dependencies only (no value matching)."""
    by_urn = ctx.by_urn()
    return [by_urn[u] for u in res.deps.get(prop, []) if u in by_urn and by_urn[u].type in types]


def alb_host_matches(pattern: str, host: str) -> bool:
    """ALB host-header condition: case-insensitive, ``*`` matches 0 or more characters, ``?`` exactly one
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HostHeaderConditionConfig.html)."""
    return fnmatch.fnmatchcase(host.lower().rstrip("."), pattern.lower().rstrip("."))


def ingress_host_matches(pattern: str, host: str) -> bool:
    """Ingress rule host: exact (case-insensitive), or ``*.`` + suffix matching exactly one leading DNS label
    (https://kubernetes.io/docs/concepts/services-networking/ingress/#hostname-wildcards)."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return host == pattern
