"""Launch templates and launch configurations do not give instances public IP addresses.

Launch template: ``network_interfaces[].associate_public_ip_address`` (a string "true"/"false" in the provider);
launch configuration: ``associate_public_ip_address``. Every instance an Auto Scaling group launches from them
gets a public IPv4 address.
"""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, resource_policy

LT = "aws:ec2/launchTemplate:LaunchTemplate"
LC = "aws:ec2/launchConfiguration:LaunchConfiguration"


def check(ctx: Ctx) -> None:
    if ctx.type == LC:
        if as_bool(ctx.get("associatePublicIpAddress")) is True:
            ctx.fail("associatePublicIpAddress is true: every instance the group launches gets a public IP")
        return
    for i, nic in enumerate(as_list(ctx.get("networkInterfaces"))):
        if isinstance(nic, dict) and as_bool(ctx.get("associatePublicIpAddress", nic)) is True:
            ctx.fail(f"networkInterfaces[{i}].associatePublicIpAddress is true: every instance launched from the "
                     "template gets a public IP")


POLICY = resource_policy(
    id="launch-template-no-public-ip",
    name="Launch templates without public IPs",
    category="exposure",
    types=(LT, LC),
    description="Launch templates' network interfaces and launch configurations do not set "
                "associate_public_ip_address to true.",
    remediation="Drop associate_public_ip_address (or set it false) and launch into private subnets.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.25", "AutoScaling.5"),
                      cdk_nag=("NIST.800.53.R5-AutoScalingLaunchConfigPublicIpDisabled",),
                      checkov=("CKV_AWS_88",)),
)
