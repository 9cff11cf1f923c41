"""DynamoDB tables have point-in-time recovery."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("pointInTimeRecovery.enabled") is not True:
        ctx.fail("pointInTimeRecovery.enabled is not true (API default: off)")


POLICY = resource_policy(
    id="dynamodb-pitr",
    name="DynamoDB point-in-time recovery",
    category="backup",
    types=("aws:dynamodb/table:Table",),
    description="DynamoDB tables have point-in-time recovery (continuous backups) on.",
    remediation="Set point_in_time_recovery={'enabled': True}.",
    check=check,
    controls=Controls(nist=("CP-9", "CP-10"), iso=("A.8.13",),
                      checkov=("CKV_AWS_28",)),
)
