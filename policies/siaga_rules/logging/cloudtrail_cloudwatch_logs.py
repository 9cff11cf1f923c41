"""CloudTrail trails deliver to CloudWatch Logs (FSBP CloudTrail.5, cdk-nag CloudTrailCloudWatchLogsEnabled).

Delivery needs both ``cloudWatchLogsGroupArn`` and ``cloudWatchLogsRoleArn``
(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html); without them API activity is
only in S3, where no metric filter or alarm can see it.
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    missing = [p for p in ("cloudWatchLogsGroupArn", "cloudWatchLogsRoleArn") if not ctx.present(p)]
    if missing:
        ctx.fail(f"{' and '.join(missing)} not set: the trail does not deliver to CloudWatch Logs")


POLICY = resource_policy(
    id="cloudtrail-cloudwatch-logs",
    name="CloudTrail delivers to CloudWatch Logs",
    category="logging",
    types=("aws:cloudtrail/trail:Trail",),
    description="CloudTrail trails set cloudWatchLogsGroupArn and cloudWatchLogsRoleArn.",
    remediation="Set cloud_watch_logs_group_arn=f'{group.arn}:*' and cloud_watch_logs_role_arn=<role CloudTrail "
                "assumes, allowed logs:CreateLogStream and logs:PutLogEvents on the group>.",
    check=check,
    controls=Controls(nist=("AU-6", "AU-12", "SI-4"), iso=("A.8.15", "A.8.16"), fsbp=("CloudTrail.5",),
                      cdk_nag=("NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled",), checkov=("CKV2_AWS_10",)),
)
