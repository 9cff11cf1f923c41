"""EFS file systems are encrypted at rest."""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("encrypted") is not True:
        ctx.fail("encrypted is not true (EFS API default: false)")


POLICY = resource_policy(
    id="efs-encrypted",
    name="EFS encrypted",
    category="encryption",
    types=("aws:efs/fileSystem:FileSystem",),
    description="EFS file systems are encrypted at rest.",
    remediation="Set encrypted=True and kms_key_id on aws.efs.FileSystem (replacement: copy the data).",
    check=check,
    controls=Controls(nist=("SC-28",), iso=("A.8.24",), pp71=("Pasal-20",)),
)
