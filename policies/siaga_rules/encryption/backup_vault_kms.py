"""AWS Backup vaults are encrypted with a customer managed KMS key."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if not ctx.present("kmsKeyArn"):
        ctx.fail("kmsKeyArn is not set: the vault uses the AWS managed aws/backup key")


POLICY = resource_policy(
    id="backup-vault-kms",
    name="Backup vaults encrypted with a customer key",
    category="encryption",
    types=("aws:backup/vault:Vault", "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"),
    description="AWS Backup vaults use a customer managed KMS key.",
    remediation="Set kms_key_arn=key.arn on aws.backup.Vault (requires replacement).",
    check=lambda ctx: None if ctx.type.endswith("LogicallyAirGappedVault") else check(ctx),
    controls=Controls(nist=("SC-28", "CP-9(8)"), iso=("A.8.24", "A.8.13"),
                      fsbp=("Backup.1",), checkov=("CKV_AWS_166",)),
)
