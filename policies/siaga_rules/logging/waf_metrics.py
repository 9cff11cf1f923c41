"""WAFv2 web ACLs and their rules publish CloudWatch metrics.

``visibility_config.cloudwatch_metrics_enabled`` is required on the web ACL and on each rule; false hides the
rule's matches from CloudWatch (and from alarms on them).
"""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("visibilityConfig.cloudwatchMetricsEnabled")) is False:
        ctx.fail("visibilityConfig.cloudwatchMetricsEnabled is false on the web ACL")
    for i, rule in enumerate(as_list(ctx.get("rules"))):
        if isinstance(rule, dict) and as_bool(ctx.get("visibilityConfig.cloudwatchMetricsEnabled", rule)) is False:
            ctx.fail(f"rules[{i}] ({rule.get('name', '?')}) has visibilityConfig.cloudwatchMetricsEnabled false")


POLICY = resource_policy(
    id="waf-metrics",
    name="WAF rules publish CloudWatch metrics",
    category="logging",
    types=("aws:wafv2/webAcl:WebAcl", "aws:wafv2/ruleGroup:RuleGroup"),
    description="WAFv2 web ACLs, rule groups and their rules set visibility_config.cloudwatch_metrics_enabled=True.",
    remediation="visibility_config={'cloudwatch_metrics_enabled': True, 'sampled_requests_enabled': True, "
                "'metric_name': ...} on the ACL and on every rule.",
    check=check,
    controls=Controls(nist=("AU-2", "SI-4", "AU-6"), iso=("A.8.15", "A.8.16"), fsbp=("WAF.12",)),
)
