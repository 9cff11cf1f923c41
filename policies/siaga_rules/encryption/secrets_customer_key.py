"""Secrets Manager secrets are encrypted with a customer managed KMS key (cdk-nag SecretsManagerUsingKMSKey).

Without ``kmsKeyId`` Secrets Manager uses the AWS managed key ``aws/secretsmanager``, whose policy the agency cannot
scope, audit or revoke (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    key = ctx.get("kmsKeyId")
    if not ctx.present("kmsKeyId") or (isinstance(key, str) and key.endswith("alias/aws/secretsmanager")):
        ctx.fail("kmsKeyId is not a customer managed key: the secret is encrypted with the AWS managed "
                 "aws/secretsmanager key")


POLICY = resource_policy(
    id="secrets-customer-key",
    name="Secrets encrypted with a customer managed key",
    category="encryption",
    types=("aws:secretsmanager/secret:Secret",),
    description="Secrets Manager secrets set kmsKeyId to a customer managed KMS key (not aws/secretsmanager).",
    remediation="Set kms_key_id=<customer managed key ARN> whose policy allows secretsmanager.<region>.amazonaws.com.",
    check=check,
    controls=Controls(nist=("SC-12", "SC-28"), iso=("A.8.24",), pp71=("Pasal-20",),
                      cdk_nag=("NIST.800.53.R5-SecretsManagerUsingKMSKey",), checkov=("CKV_AWS_149",)),
)
