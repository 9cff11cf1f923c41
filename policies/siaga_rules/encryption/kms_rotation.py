"""Symmetric customer managed KMS keys rotate automatically."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    spec = ctx.get("customerMasterKeySpec") or ctx.get("keySpec") or "SYMMETRIC_DEFAULT"
    usage = ctx.get("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        return  # AWS supports automatic rotation for symmetric encryption keys only
    if ctx.get("enableKeyRotation") is not True:
        ctx.fail("enableKeyRotation is not true (KMS default: off)")
        return
    period = ctx.get("rotationPeriodInDays")
    limit = ctx.config["maxRotationDays"]
    if period is not None and float(period) > limit:
        ctx.fail(f"rotationPeriodInDays is {int(float(period))}; at most {limit} allowed")


POLICY = resource_policy(
    id="kms-key-rotation",
    name="KMS keys rotated",
    category="encryption",
    types=("aws:kms/key:Key",),
    description="Symmetric customer managed KMS keys have automatic rotation on.",
    remediation="Set enable_key_rotation=True (rotation_period_in_days within the allowed maximum).",
    check=check,
    controls=Controls(nist=("SC-12", "SC-12(1)"), iso=("A.8.24",),
                      cdk_nag=("NIST.800.53.R5-KMSBackingKeyRotationEnabled",), checkov=("CKV_AWS_7",)),
    config={"maxRotationDays": {"type": "integer", "minimum": 90, "maximum": 2560, "default": 365,
                                "description": "Longest allowed rotation period in days."}},
)
