"""Kubernetes Ingresses terminate TLS; ALB ingresses (AWS Load Balancer Controller) use an allowed TLS policy.

The AWS Load Balancer Controller builds the ALB from annotations, so the listener rules of
``lb-listener-tls`` are checked here on the annotations: without them the controller opens HTTP:80 only
and, for HTTPS, uses ELBSecurityPolicy-2016-08 (TLS 1.0).
"""

import json

from siaga_rules.common import Controls, Ctx, as_list, resource_policy
from siaga_rules.transit.lb_listener_tls import DEFAULT_TLS_POLICIES

A = "alb.ingress.kubernetes.io/"


def _listen_ports(raw: object) -> list[str]:
    if raw is None:
        return ["HTTP"]
    try:
        ports = json.loads(str(raw))
    except ValueError:
        return ["?"]
    return [str(k).upper() for p in as_list(ports) if isinstance(p, dict) for k in p]


def check(ctx: Ctx) -> None:
    ann = ctx.get("metadata.annotations") or {}
    cls = ctx.get("spec.ingressClassName") or ann.get("kubernetes.io/ingress.class")
    tls = as_list(ctx.get("spec.tls"))
    if cls not in ctx.config["albClasses"]:
        if not tls:
            ctx.fail(f"ingress class {cls!r} without spec.tls: served over plain HTTP")
        return
    for key in ("listen-ports", "ssl-redirect", "ssl-policy"):
        ctx.known(ann.get(A + key), f"metadata.annotations[{A}{key}]")
    protocols = _listen_ports(ann.get(A + "listen-ports"))
    if "HTTPS" not in protocols:
        ctx.fail(f"{A}listen-ports opens {protocols or 'nothing'}: no HTTPS listener")
        return
    if "HTTP" in protocols and not ann.get(A + "ssl-redirect"):
        ctx.fail(f"HTTP listener without {A}ssl-redirect: plain HTTP is served, not redirected")
    policy = ann.get(A + "ssl-policy")
    allowed = ctx.config["allowedTlsPolicies"]
    if policy not in allowed:
        ctx.fail(f"{A}ssl-policy is {policy or 'not set (controller default ELBSecurityPolicy-2016-08, TLS 1.0)'}; "
                 f"allowed: {allowed}")
    if not ann.get(A + "certificate-arn") and not tls:  # an ARN unknown at preview is set
        ctx.fail(f"neither {A}certificate-arn nor spec.tls hosts: the HTTPS listener has no certificate")


POLICY = resource_policy(
    id="k8s-ingress-tls",
    name="Kubernetes ingresses encrypt in transit",
    category="transit",
    types=("kubernetes:networking.k8s.io/v1:Ingress",),
    description="Ingresses terminate TLS; ALB ingresses listen on HTTPS with an allowed TLS policy and redirect HTTP.",
    remediation="Add spec.tls; for ALB ingresses set alb.ingress.kubernetes.io/listen-ports='[{\"HTTP\":80},"
                "{\"HTTPS\":443}]', ssl-redirect='443', ssl-policy='ELBSecurityPolicy-TLS13-1-2-2021-06' and "
                "certificate-arn.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)", "SC-13"), iso=("A.8.24", "A.8.20")),
    config={"allowedTlsPolicies": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_TLS_POLICIES,
                                   "description": "ELB security policies allowed on ALB ingresses."},
            "albClasses": {"type": "array", "items": {"type": "string"}, "default": ["alb"],
                           "description": "Ingress classes served by the AWS Load Balancer Controller."}},
)
