"""Application Load Balancers drop HTTP headers with invalid names.

``drop_invalid_header_fields`` defaults to false (ALB attribute ``routing.http.drop_invalid_header_fields.enabled``,
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes):
headers the target may parse differently from the ALB (request smuggling, header injection) reach the application.
Only application load balancers have the attribute (``load_balancer_type`` unset means application).
"""

from siaga_rules.common import LB_TYPES, Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if (ctx.get("loadBalancerType") or "application") != "application":
        return
    if as_bool(ctx.get("dropInvalidHeaderFields")) is not True:
        ctx.fail("dropInvalidHeaderFields is not true (ALB default: false): headers with invalid names reach the "
                 "targets")


POLICY = resource_policy(
    id="alb-drop-invalid-headers",
    name="ALB drops invalid HTTP headers",
    category="exposure",
    types=LB_TYPES,
    description="Application load balancers set drop_invalid_header_fields=True.",
    remediation="aws.lb.LoadBalancer(..., drop_invalid_header_fields=True).",
    check=check,
    controls=Controls(nist=("SC-7", "SI-10"), iso=("A.8.20", "A.8.26"), fsbp=("ELB.4",), checkov=("CKV_AWS_131",)),
)
