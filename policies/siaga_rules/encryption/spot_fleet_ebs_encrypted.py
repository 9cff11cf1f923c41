"""Spot Fleet launch specifications encrypt their EBS volumes.

Each ``launch_specifications[].root_block_device`` / ``ebs_block_devices[]`` entry sets ``encrypted``; unset is
unencrypted unless the account's EBS encryption by default is on, which cannot be known before deployment, so
unset fails too (FSBP EC2.173). Fleets launching from launch templates are judged on the template
(ebs-encrypted).
"""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy


def check(ctx: Ctx) -> None:
    for i, spec in enumerate(as_list(ctx.get("launchSpecifications"))):
        if not isinstance(spec, dict):
            continue
        devices = [("rootBlockDevice", d) for d in as_list(ctx.get("rootBlockDevices", spec))]
        devices += [("rootBlockDevice", d) for d in as_list(ctx.get("rootBlockDevice", spec))]
        devices += [("ebsBlockDevices", d) for d in as_list(ctx.get("ebsBlockDevices", spec))]
        for where, dev in devices:
            if isinstance(dev, dict) and as_bool(ctx.get("encrypted", dev)) is not True:
                ctx.fail(f"launchSpecifications[{i}].{where} ({dev.get('deviceName', 'root')}) is not encrypted")


POLICY = resource_policy(
    id="spot-fleet-ebs-encrypted",
    name="Spot Fleet volumes encrypted",
    category="encryption",
    types=("aws:ec2/spotFleetRequest:SpotFleetRequest",),
    description="Spot Fleet launch specifications set encrypted=True on every root and EBS block device.",
    remediation="launch_specifications=[{..., 'root_block_devices': [{'encrypted': True, 'kms_key_id': ...}]}].",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)"), iso=("A.8.24",), fsbp=("EC2.173",)),
)
