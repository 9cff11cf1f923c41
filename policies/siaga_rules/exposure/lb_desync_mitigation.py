"""Application Load Balancers use defensive or strictest HTTP desync mitigation.

``desync_mitigation_mode`` is ``monitor``, ``defensive`` (the default) or ``strictest``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#desync-mitigation-mode);
``monitor`` forwards ambiguous requests that enable HTTP request smuggling. Unset passes (defensive).
"""

from siaga_rules.common import LB_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if (ctx.get("loadBalancerType") or "application") != "application":
        return
    mode = ctx.get("desyncMitigationMode")
    if isinstance(mode, str) and mode.lower() not in ("defensive", "strictest"):
        ctx.fail(f"desyncMitigationMode is {mode!r}: ambiguous requests (HTTP desync / request smuggling) are "
                 "forwarded; use 'defensive' (the default) or 'strictest'")


POLICY = resource_policy(
    id="alb-desync-mitigation",
    name="ALB desync mitigation defensive or strictest",
    category="exposure",
    types=LB_TYPES,
    description="Application load balancers keep desync_mitigation_mode 'defensive' (default) or 'strictest'.",
    remediation="Drop desync_mitigation_mode='monitor' (or set 'strictest').",
    check=check,
    controls=Controls(nist=("SC-7", "SI-10"), iso=("A.8.20", "A.8.26"), fsbp=("ELB.12",),
                      checkov=("CKV_AWS_328",)),
)
