"""Every WAFv2 web ACL has logging configured.

Without an ``aws.wafv2.WebAclLoggingConfiguration`` naming the ACL (``resource_arn``), blocked and allowed requests
leave no record beyond sampled requests (https://docs.aws.amazon.com/waf/latest/developerguide/logging.html).
"""

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy

ACL = "aws:wafv2/webAcl:WebAcl"
LOGCFG = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"


def check(ctx: StackCtx) -> None:
    logged: set[str] = set()
    unresolved = False
    for cfg in ctx.of_type(LOGCFG):
        found = ctx.resolve(cfg, "resourceArn", ACL)
        logged.update(r.urn for r in found)
        unresolved = unresolved or (not found and has_unknown(cfg.get("resourceArn")))
    for acl in ctx.of_type(ACL):
        if acl.urn in logged:
            continue
        if unresolved:
            ctx.cannot_verify(acl, "web ACL logging configuration resourceArn")
        else:
            ctx.fail("no aws.wafv2.WebAclLoggingConfiguration for this web ACL: no record of what it blocked", acl)


POLICY = stack_policy(
    id="waf-logging",
    name="WAF web ACL logging",
    category="logging",
    description="Every WAFv2 web ACL has an aws.wafv2.WebAclLoggingConfiguration.",
    remediation="aws.wafv2.WebAclLoggingConfiguration(resource_arn=acl.arn, log_destination_configs=[<log group "
                "named aws-waf-logs-* ARN>]).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12", "SI-4"), iso=("A.8.15", "A.8.16"),
                      cdk_nag=("NIST.800.53.R5-WAFv2LoggingEnabled",), checkov=("CKV2_AWS_31",)),
)
