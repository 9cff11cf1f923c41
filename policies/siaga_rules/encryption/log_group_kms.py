"""CloudWatch log groups are encrypted with a customer managed KMS key."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if not ctx.present("kmsKeyId"):
        ctx.fail("kmsKeyId is not set: logs (which may hold personal data) use the service key")


POLICY = resource_policy(
    id="log-group-kms",
    name="CloudWatch log groups encrypted with KMS",
    category="encryption",
    types=("aws:cloudwatch/logGroup:LogGroup",),
    description="CloudWatch log groups are encrypted with a customer managed KMS key.",
    remediation="Set kms_key_id=key.arn on aws.cloudwatch.LogGroup (the key policy must allow logs.<region>.amazonaws.com).",
    check=check,
    controls=Controls(nist=("SC-28", "AU-9"), iso=("A.8.24", "A.8.15"), pp71=("Pasal-20",),
                      cdk_nag=("NIST.800.53.R5-CloudWatchLogGroupEncrypted",), checkov=("CKV_AWS_158",)),
)
