"""Load balancer listeners use HTTPS/TLS with an allowed TLS policy; plain HTTP only redirects to HTTPS."""

from siaga_rules.common import LISTENER_TYPES, Controls, Ctx, as_list, resource_policy

DEFAULT_TLS_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]


def _redirects_to_https(ctx: Ctx) -> bool:
    actions = as_list(ctx.get("defaultActions"))
    if not actions:
        return False
    for i, _ in enumerate(actions):
        if ctx.get(f"defaultActions.{i}.type") != "redirect":
            return False
        proto = ctx.get(f"defaultActions.{i}.redirect.protocol")
        if proto != "HTTPS":
            return False
    return True


def check(ctx: Ctx) -> None:
    protocol = ctx.get("protocol")
    if protocol is None:
        protocol = "HTTP"  # ALB listeners default to HTTP; NLB listeners must name theirs
    protocol = str(protocol).upper()
    if protocol in ("HTTPS", "TLS"):
        policy = ctx.get("sslPolicy")
        allowed = ctx.config["allowedTlsPolicies"]
        if policy not in allowed:
            ctx.fail(f"sslPolicy is {policy or 'not set (the provider picks ELBSecurityPolicy-2016-08, TLS 1.0)'}; "
                     f"allowed: {allowed}")
        if not ctx.present("certificateArn"):
            ctx.fail(f"{protocol} listener without certificateArn")
        return
    if protocol == "HTTP":
        if not _redirects_to_https(ctx):
            ctx.fail("HTTP listener that does not only redirect to HTTPS (defaultActions must be a redirect "
                     "with protocol HTTPS)")
        return
    port = ctx.get("port")
    if port is not None and int(float(port)) in [int(p) for p in ctx.config["allowedPlainPorts"]]:
        return
    ctx.fail(f"{protocol} listener carries traffic unencrypted at the load balancer; use TLS "
             "(or list the port in allowedPlainPorts for end-to-end TLS passthrough)")


POLICY = resource_policy(
    id="lb-listener-tls",
    name="Load balancer listeners encrypt in transit",
    category="transit",
    types=LISTENER_TYPES,
    description="ALB/NLB listeners use HTTPS/TLS with an allowed TLS security policy; HTTP listeners only redirect to HTTPS.",
    remediation="Use protocol='HTTPS' (or 'TLS'), ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' and an ACM "
                "certificate; make port 80 a redirect: default_actions=[{'type': 'redirect', 'redirect': "
                "{'protocol': 'HTTPS', 'port': '443', 'status_code': 'HTTP_301'}}].",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)", "SC-13"), iso=("A.8.24", "A.8.20"),
                      fsbp=("ELB.1", "ELB.17", "ELB.18"), cdk_nag=("NIST.800.53.R5-ALBHttpToHttpsRedirection",),
                      checkov=("CKV_AWS_2", "CKV_AWS_103")),
    config={
        "allowedTlsPolicies": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_TLS_POLICIES,
                               "description": "ELB security policies allowed (TLS 1.2+ with forward secrecy)."},
        "allowedPlainPorts": {"type": "array", "items": {"type": "integer"}, "default": [],
                              "description": "TCP ports allowed without TLS termination (TLS passthrough)."},
    },
)
