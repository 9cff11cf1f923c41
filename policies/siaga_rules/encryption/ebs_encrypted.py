"""EBS volumes, instance block devices and launch-template block devices are encrypted."""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy

VOLUME_TYPES = ("aws:ebs/volume:Volume", "aws:ec2/volume:Volume")
TYPES = (*VOLUME_TYPES, "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance")


def check(ctx: Ctx) -> None:
    if ctx.type in VOLUME_TYPES:
        if as_bool(ctx.get("encrypted")) is not True:
            ctx.fail("encrypted is not true (AWS default: unencrypted unless the account default is on, "
                     "which a policy cannot see)")
        return
    if ctx.type == "aws:ec2/launchTemplate:LaunchTemplate":
        for i, bdm in enumerate(as_list(ctx.get("blockDeviceMappings"))):
            if ctx.get("virtualName", bdm) or ctx.get("noDevice", bdm):
                continue
            ebs = ctx.get("ebs", bdm)
            if ebs is None:
                continue
            if as_bool(ctx.get(f"blockDeviceMappings.{i}.ebs.encrypted")) is not True:
                ctx.fail(f"blockDeviceMappings[{i}] ({ctx.get('deviceName', bdm)}) ebs.encrypted is not true")
        return
    root = ctx.get("rootBlockDevice")
    if as_bool(ctx.get("rootBlockDevice.encrypted")) is not True and ctx.get("launchTemplate") is None:
        ctx.fail("rootBlockDevice.encrypted is not true" if root else
                 "no rootBlockDevice with encrypted=true (the AMI's default applies: usually unencrypted)")
    for i, _ in enumerate(as_list(ctx.get("ebsBlockDevices"))):
        if as_bool(ctx.get(f"ebsBlockDevices.{i}.encrypted")) is not True:
            ctx.fail(f"ebsBlockDevices[{i}].encrypted is not true")


POLICY = resource_policy(
    id="ebs-encrypted",
    name="EBS storage encrypted",
    category="encryption",
    types=TYPES,
    description="EBS volumes, instance root/data volumes and launch-template block devices are encrypted at rest.",
    remediation="Set encrypted=True (and kms_key_id to a customer managed key) on the volume, on "
                "root_block_device/ebs_block_devices, or on launch template block_device_mappings[].ebs "
                "(encrypted='true').",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), pp71=("Pasal-20",),
                      fsbp=("EC2.3", "EC2.181"), checkov=("CKV_AWS_3", "CKV_AWS_8")),
)
