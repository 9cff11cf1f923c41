"""CloudWatch log groups keep their events for a minimum period (cdk-nag CloudWatchLogGroupRetentionPeriod).

``retentionInDays`` absent or 0 means "never expire" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/
APIReference/API_PutRetentionPolicy.html): that keeps everything, so it passes; a set retention shorter than the
minimum (default 365 days, as Security Hub's CloudWatch.16 and Checkov's CKV_AWS_338) fails. cdk-nag also asks
for an explicit retention: with ``requireExplicit`` (default true) an unset retention fails too.
"""

from siaga_rules.common import Controls, Ctx, as_number, resource_policy


def check(ctx: Ctx) -> None:
    days = as_number(ctx.get("retentionInDays"))
    minimum = ctx.config["minRetentionDays"]
    if days is None or days == 0:
        if ctx.config["requireExplicit"]:
            ctx.fail("retentionInDays is not set (never expire): set an explicit retention of at least "
                     f"{minimum} days")
    elif days < minimum:
        ctx.fail(f"retentionInDays is {days:g}, below the minimum of {minimum} days")


POLICY = resource_policy(
    id="log-group-retention",
    name="Log groups retain events",
    category="logging",
    types=("aws:cloudwatch/logGroup:LogGroup",),
    description="CloudWatch log groups set retentionInDays to at least the minimum (365 days by default).",
    remediation="Set retention_in_days=365 (or longer: 400, 545, 731, ...).",
    check=check,
    controls=Controls(nist=("AU-11", "SI-12"), iso=("A.8.15",),
                      cdk_nag=("NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod",),
                      checkov=("CKV_AWS_66", "CKV_AWS_338")),
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 365,
                                 "description": "Shortest retention allowed, in days."},
            "requireExplicit": {"type": "boolean", "default": True,
                                "description": "Fail a log group without retentionInDays (never expire)."}},
)
