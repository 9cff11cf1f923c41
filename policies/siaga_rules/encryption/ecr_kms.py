"""ECR repositories are encrypted with KMS."""

from pulumi_policy import Severity

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    kind = ctx.get("encryptionConfigurations.0.encryptionType")
    if kind not in ("KMS", "KMS_DSSE"):
        ctx.fail(f"encryptionConfigurations[0].encryptionType is {kind or 'not set (AES256)'}; KMS is required")


POLICY = resource_policy(
    id="ecr-kms",
    name="ECR repositories encrypted with KMS",
    category="encryption",
    types=("aws:ecr/repository:Repository",),
    description="ECR repositories use KMS encryption.",
    remediation="Set encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': key.arn}] (requires replacement).",
    check=check,
    controls=Controls(nist=("SC-28",), iso=("A.8.24",)),
    severity=Severity.MEDIUM,
)
