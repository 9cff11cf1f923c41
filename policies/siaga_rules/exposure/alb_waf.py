"""Every internet-facing Application Load Balancer of the stack is protected by a WAF web ACL.

An ALB is internet-facing when ``internal`` is false or absent (the API default scheme is internet-facing) and it is
an application load balancer (``loadBalancerType`` "application" or absent, the API default):
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
It is protected when an ``aws.wafv2.WebAclAssociation`` (or a WAF Classic regional ``aws.wafregional.WebAclAssociation``)
has ``resourceArn`` = the ALB's ARN, found through the engine's property dependencies or by ARN. AssociateWebACL
"Associates a web ACL with a regional application resource ... an Application Load Balancer"; "For Amazon
CloudFront, don't use this call" (https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html), so a
CLOUDFRONT-scope web ACL cannot protect an ALB and its association fails. ALBs created by the AWS Load Balancer
Controller for an Ingress are not stack resources and are not judged here (their WAF is the
``alb.ingress.kubernetes.io/wafv2-acl-arn`` annotation).
"""

from siaga_rules.common import LB_TYPES, Controls, StackCtx, as_bool, has_unknown, stack_policy

ASSOCIATIONS = ("aws:wafv2/webAclAssociation:WebAclAssociation", "aws:wafregional/webAclAssociation:WebAclAssociation")
WEB_ACL = "aws:wafv2/webAcl:WebAcl"


RULE_TYPES = ("aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation", "aws:wafv2/webAclRule:WebAclRule")


def _default(acl: object) -> str:
    action = acl.get("defaultAction")  # type: ignore[attr-defined]
    if isinstance(action, dict):
        return next((k for k, v in action.items() if v is not None), "allow")
    return "allow"


def _empty(ctx: StackCtx, acl: object) -> bool:
    """No rule in ``rules``, none in ``ruleJson``, and no separate rule resource of the stack attached to it. Unknown
    values are not judged."""
    rules, raw = acl.get("rules"), acl.get("ruleJson")  # type: ignore[attr-defined]
    if has_unknown(rules) or has_unknown(raw):
        return False
    if rules or (isinstance(raw, str) and raw.strip() not in ("", "[]")):
        return False
    return not any(acl in ctx.resolve(r, "webAclArn", WEB_ACL) for r in ctx.of_type(*RULE_TYPES))


def check(ctx: StackCtx) -> None:
    covered: set[str] = set()
    unresolved = False
    for assoc in ctx.of_type(*ASSOCIATIONS):
        found = ctx.resolve(assoc, "resourceArn", *LB_TYPES)
        covered.update(lb.urn for lb in found)
        unresolved = unresolved or (not found and has_unknown(assoc.get("resourceArn")))
        if assoc.type.startswith("aws:wafv2/"):
            for acl in ctx.resolve(assoc, "webAclArn", WEB_ACL):
                if _empty(ctx, acl):
                    ctx.fail(f"WebAclAssociation {assoc.name!r} attaches web ACL {acl.name!r}, which has no rules: "
                             f"every request gets its default action ({_default(acl)}), so the ALB is not filtered at "
                             "all; add AWS managed rule groups and a rate-based rule to the web ACL", assoc)
                scope = acl.get("scope")
                if isinstance(scope, str) and scope.upper() == "CLOUDFRONT":
                    ctx.fail(f"WebAclAssociation {assoc.name!r} attaches web ACL {acl.name!r} of scope CLOUDFRONT: "
                             "only REGIONAL web ACLs can be associated with a load balancer, AssociateWebACL fails; "
                             "create the web ACL with scope='REGIONAL' in the ALB's region", assoc)
    for lb in ctx.of_type(*LB_TYPES):
        lb_type, internal = lb.get("loadBalancerType"), lb.get("internal")
        if has_unknown(lb_type) or has_unknown(internal):
            ctx.cannot_verify(lb, "loadBalancerType/internal")
            continue
        if (lb_type or "application") != "application" or as_bool(internal) is True:
            continue
        if lb.urn in covered:
            continue
        if unresolved:
            ctx.cannot_verify(lb, "resourceArn of a WAF web ACL association")
            continue
        ctx.fail(f"internet-facing ALB {lb.name!r} has no WAF web ACL: no aws.wafv2.WebAclAssociation in this stack "
                 "has resourceArn = this ALB, so requests reach the listeners unfiltered (no rate limit, no managed "
                 "rule groups); add aws.wafv2.WebAcl(scope='REGIONAL', ...) and "
                 f"aws.wafv2.WebAclAssociation(resource_arn={lb.name}.arn, web_acl_arn=acl.arn)", lb)


POLICY = stack_policy(
    id="alb-waf",
    name="Internet-facing ALBs behind a WAF web ACL",
    category="exposure",
    description="Every internet-facing ALB of the stack has an aws.wafv2.WebAclAssociation (or WAF Classic regional "
                "association) whose resourceArn is that ALB; a CLOUDFRONT-scope web ACL associated with an ALB is "
                "refused, and so is a web ACL with no rules (it filters nothing).",
    remediation="Create a REGIONAL aws.wafv2.WebAcl (AWS managed rule groups, a rate-based rule) and "
                "aws.wafv2.WebAclAssociation(resource_arn=alb.arn, web_acl_arn=acl.arn).",
    check=check,
    controls=Controls(nist=("SC-7", "SI-4", "SC-5"), iso=("A.8.20", "A.8.23"),
                      fsbp=("WAF.10",), cdk_nag=("NIST.800.53.R5-ALBWAFEnabled",), checkov=("CKV2_AWS_28",)),
)
