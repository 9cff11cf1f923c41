"""The account's EBS encryption by default, when the stack manages it, is on.

``aws.ebs.EncryptionByDefault(enabled=...)`` sets the per-region account setting that encrypts every new volume and
snapshot copy (https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html). A stack that declares
it disabled fails. Whether an account where no stack declares it has it on cannot be known before deployment.
"""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("enabled")) is False:
        ctx.fail("enabled is false: new EBS volumes in this account and region are not encrypted unless each "
                 "asks for it")


POLICY = resource_policy(
    id="ebs-encryption-by-default",
    name="EBS encryption by default",
    category="encryption",
    types=("aws:ebs/encryptionByDefault:EncryptionByDefault",),
    description="aws.ebs.EncryptionByDefault resources keep enabled=True (default).",
    remediation="aws.ebs.EncryptionByDefault('ebs-default', enabled=True) and aws.ebs.DefaultKmsKey(key_arn=...).",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), fsbp=("EC2.7",), checkov=("CKV_AWS_106",)),
)
