"""Load balancer target groups encrypt the hop from the load balancer to the targets.

A listener that terminates TLS and forwards to an HTTP/TCP target group sends citizen data in clear text inside
the VPC. Target group protocols (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html,
"For Application Load Balancers, the supported protocols are HTTP and HTTPS. For Network Load Balancers ... TCP,
TLS, UDP, or TCP_UDP. For Gateway Load Balancers, the supported protocol is GENEVE. ... If the target is a Lambda
function, this parameter does not apply"):

- HTTPS / TLS pass.
- HTTP, TCP, UDP, TCP_UDP fail unless listed in ``allowedPlainProtocols`` (e.g. TCP for end-to-end TLS passthrough,
  where the NLB forwards the client's own TLS bytes).
- ``targetType="lambda"`` is exempt: the load balancer invokes the function through the Lambda API (HTTPS), the
  protocol does not apply.
- ``targetType="alb"`` is exempt: an NLB forwards TCP to an ALB registered as its single target
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html), and the
  ALB's own listeners terminate TLS, judged by ``lb-listener-tls``.
- GENEVE (Gateway Load Balancer) is exempt: it forwards whole IP packets to inline appliances, encapsulated, without
  terminating anything; the client's encryption passes through untouched.
"""

from siaga_rules.common import Controls, Ctx, resource_policy

ENCRYPTED = {"HTTPS", "TLS"}


def check(ctx: Ctx) -> None:
    target_type = str(ctx.get("targetType") or "instance").lower()  # API default: instance
    if target_type == "lambda":
        return
    if target_type == "alb":
        return
    protocol = ctx.get("protocol")
    if protocol is None:
        ctx.fail(f"target group ({target_type} targets) sets no protocol: AWS requires one for {target_type} "
                 "targets and the traffic to the targets is not shown to be encrypted; set protocol='HTTPS' (ALB) "
                 "or 'TLS' (NLB)")
        return
    protocol = str(protocol).upper()
    if protocol in ENCRYPTED or protocol == "GENEVE":
        return
    allowed = [str(p).upper() for p in ctx.config["allowedPlainProtocols"]]
    if protocol in allowed:
        return
    fix = "HTTPS" if protocol == "HTTP" else "TLS"
    port = ctx.get("port")
    ctx.fail(f"target group sends {protocol} to its {target_type} targets on port "
             f"{int(float(port)) if port is not None else '?'}: the hop from the load balancer to the "
             f"targets is unencrypted; use protocol='{fix}' (the targets serve TLS), or list {protocol!r} in "
             "allowedPlainProtocols for TLS passthrough")


POLICY = resource_policy(
    id="lb-target-tls",
    name="Load balancer to target traffic encrypted",
    category="transit",
    types=("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"),
    description="ALB/NLB target groups use HTTPS/TLS to their targets; HTTP/TCP only when allowed by config; lambda "
                "and alb target types and GENEVE (GWLB) are exempt.",
    remediation="Set protocol='HTTPS' (ALB) or 'TLS' (NLB) on the target group and serve TLS on the targets "
                "(a self-signed certificate is accepted by ELB), with a matching HTTPS health check.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)"), iso=("A.8.24", "A.8.20")),
    config={"allowedPlainProtocols": {"type": "array", "items": {"type": "string"}, "default": [],
                                      "description": "Target group protocols allowed without TLS (e.g. TCP for "
                                                     "TLS passthrough)."}},
)
