"""WebApplicationFirewall: an AWS WAF (v2, REGIONAL) web ACL in front of internet-facing load balancers.

Rules (AWS managed rule groups, vendor ``AWS``, each in its own rule with ``override_action: none`` so the group's
own actions apply; https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html and
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html):

- a rate-based rule: more than ``rate_limit`` requests from one IP in 5 minutes are blocked (the limit applies to a
  300 s evaluation window, limit 10 at least;
  https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html);
- AWSManagedRulesAmazonIpReputationList (25 WCU), AWSManagedRulesCommonRuleSet (700), AWSManagedRulesKnownBadInputsRuleSet
  (200), AWSManagedRulesSQLiRuleSet (200): about 1,130 WCU, under the 1,500 WCU of a web ACL's base price.

Region: the four groups are the free baseline/IP-reputation groups, which AWS does not document as Region-limited (unlike
some paid groups); this was not checked against a live ap-southeast-3 account. Check once with
``aws wafv2 list-available-managed-rule-groups --scope REGIONAL --region ap-southeast-3``: a missing group makes
CreateWebACL fail (WAFNonexistentItemException), never a silently weaker ACL.

Logging: to a CloudWatch Logs log group named ``aws-waf-logs-<prefix>`` (the destination name MUST start with
``aws-waf-logs-``: https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html), encrypted with the
stack's logs key, kept 365 days, in the stack's region. When logging is enabled WAF adds its writer to the account's
shared CloudWatch Logs resource policy (``AWSWAF-LOGS``) itself, but that account-wide policy is limited to 5,120
characters and fails once many web ACLs share it (provider warning on aws_wafv2_web_acl_logging_configuration,
https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webaclloggingconfiguration/), so a resource policy for
``delivery.logs.amazonaws.com`` scoped to this log group, this account and this account's log deliveries is managed
here (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html). ``authorization``
and ``cookie`` headers are redacted: credentials and session tokens never land in the logs.

Reuse: the EC2 path (LoadBalancedCluster) calls :class:`WebApplicationFirewall` with its ALB's ARN; an EKS path whose
ALB is created by the AWS Load Balancer Controller passes no ARN and annotates the Ingress with
``alb.ingress.kubernetes.io/wafv2-acl-arn: <web_acl_arn>`` instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

LOG_GROUP_PREFIX = "aws-waf-logs-"
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
RATE_WINDOW_SECONDS = 300
REDACTED_HEADERS = ("authorization", "cookie")


@dataclass(frozen=True)
class WebApplicationFirewallArgs:
    """Inputs of :class:`WebApplicationFirewall` (defaults in brackets)."""

    name_prefix: str
    """Prefix of every name (required); the log group is ``aws-waf-logs-<name_prefix>``."""
    logs_key_arn: pulumi.Input[str]
    """Customer-managed key of the log group (the stack's logs key, which grants CloudWatch Logs) (required)."""
    resource_arns: list[pulumi.Input[str]] = field(default_factory=list)
    """Internet-facing ALBs (or API Gateway stages, ...) to protect [[]: associate elsewhere, e.g. an Ingress
    annotation]."""
    rate_limit: int = 2000
    """Requests per 5 minutes from one IP before it is blocked [2000]; WAF allows 10 to 2,000,000,000."""
    log_retention_days: int = 365
    """Retention of the WAF log group [365]."""
    protect: bool = True
    """protect + retain_on_delete on the log group [True]."""


def _rule(name: str, priority: int, statement: dict, *, managed: bool) -> dict:
    rule: dict = {"name": name, "priority": priority, "statement": statement,
                  "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": name,
                                        "sampled_requests_enabled": True}}
    if managed:
        rule["override_action"] = {"none": {}}
    else:
        rule["action"] = {"block": {}}
    return rule


def web_acl_rules(rate_limit: int) -> list[dict]:
    """The rules of the web ACL: per-IP rate limit first (cheapest rejection of a flood), then the managed groups."""
    if not 10 <= rate_limit <= 2_000_000_000:
        raise ValueError(f"siaga:waf.rateLimit: {rate_limit}; allowed: 10 to 2000000000 requests per 5 minutes")
    rules = [_rule("rate-limit-per-ip", 0, {"rate_based_statement": {
        "limit": rate_limit, "aggregate_key_type": "IP", "evaluation_window_sec": RATE_WINDOW_SECONDS}}, managed=False)]
    for i, group in enumerate(MANAGED_RULE_GROUPS, start=1):
        rules.append(_rule(group, i, {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
                           managed=True))
    return rules


class WebApplicationFirewall(pulumi.ComponentResource):
    """REGIONAL web ACL + associations + encrypted logging; see the module docstring."""

    web_acl_arn: pulumi.Output[str]
    log_group_name: str

    def __init__(self, name: str, args: WebApplicationFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:aws:WebApplicationFirewall", name, None, opts)
        p = args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl", name=f"{p}-web", scope="REGIONAL", description=f"{p}: AWS managed rules + per-IP rate limit",
            default_action={"allow": {}}, rules=web_acl_rules(args.rate_limit),
            visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": f"{p}-web",
                               "sampled_requests_enabled": True}, opts=child)

        self.log_group_name = f"{LOG_GROUP_PREFIX}{p}"
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=self.log_group_name, retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect))
        invoke = pulumi.InvokeOptions(parent=self)  # the component's provider: the stack's region
        account = aws.get_caller_identity(opts=invoke).account_id
        region = aws.get_region(opts=invoke).region
        policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-logs", policy_name=f"{p}-waf-logs", policy_document=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "WafLogDelivery", "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"arn:aws:logs:{region}:{account}:log-group:{self.log_group_name}:log-stream:*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account},
                                  "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account}:*"}}}]}),
            opts=child)  # not under the (protected) log group: protect is inherited, and the policy is not data
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging", resource_arn=self.web_acl.arn, log_destination_configs=[log_group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in REDACTED_HEADERS],
            opts=pulumi.ResourceOptions(parent=self.web_acl, depends_on=[policy]))
        for i, arn in enumerate(args.resource_arns):
            aws.wafv2.WebAclAssociation(f"{name}-assoc-{i}", resource_arn=arn, web_acl_arn=self.web_acl.arn,
                                        opts=pulumi.ResourceOptions(parent=self.web_acl))

        self.web_acl_arn = self.web_acl.arn
        self.register_outputs({"webAclArn": self.web_acl_arn, "logGroupName": self.log_group_name,
                               "rateLimit": args.rate_limit, "managedRuleGroups": list(MANAGED_RULE_GROUPS)})
