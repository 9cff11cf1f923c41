"""Performance Insights data (which holds SQL text) is encrypted with a customer managed key."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("performanceInsightsEnabled") is True and not ctx.present("performanceInsightsKmsKeyId"):
        ctx.fail("performanceInsightsEnabled without performanceInsightsKmsKeyId: query text is kept "
                 "under the AWS managed key")


POLICY = resource_policy(
    id="performance-insights-kms",
    name="Performance Insights encrypted with a customer key",
    category="encryption",
    types=(*RDS_TYPES, "aws:rds/clusterInstance:ClusterInstance"),
    description="When Performance Insights is on, its data is encrypted with a customer managed KMS key.",
    remediation="Set performance_insights_kms_key_id=key.arn (or turn Performance Insights off).",
    check=check,
    controls=Controls(nist=("SC-28",), iso=("A.8.24",),
                      checkov=("CKV_AWS_354",)),
)
