"""DynamoDB tables are encrypted with a KMS key (not the AWS owned key)."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("serverSideEncryption.enabled") is not True:
        ctx.fail("serverSideEncryption.enabled is not true: the table uses an AWS owned key the agency "
                 "cannot audit or revoke")


POLICY = resource_policy(
    id="dynamodb-kms",
    name="DynamoDB encrypted with KMS",
    category="encryption",
    types=("aws:dynamodb/table:Table",),
    description="DynamoDB tables use KMS server-side encryption (customer or AWS managed key).",
    remediation="Set server_side_encryption={'enabled': True, 'kms_key_arn': key.arn}.",
    check=check,
    controls=Controls(nist=("SC-28", "SC-12"), iso=("A.8.24",), pp71=("Pasal-20",)),
)
