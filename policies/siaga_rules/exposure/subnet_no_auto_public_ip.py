"""Subnets do not assign public IPv4 addresses on launch.

``map_public_ip_on_launch`` gives every ENI launched in the subnet without an explicit choice a public address.
Internet-facing load balancers and NAT gateways do not need it (they get their own addresses), so even public
subnets can leave it off, as components/network.py does.
"""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("mapPublicIpOnLaunch")) is True:
        ctx.fail("mapPublicIpOnLaunch is true: every instance launched here without associate_public_ip_address="
                 "False is on the internet")


POLICY = resource_policy(
    id="subnet-no-auto-public-ip",
    name="Subnets do not auto-assign public IPs",
    category="exposure",
    types=("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet"),
    description="Subnets (and adopted default subnets) do not set map_public_ip_on_launch=True.",
    remediation="map_public_ip_on_launch=False; load balancers and NAT gateways get their own public addresses.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.15",), cdk_nag=("NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled",),
                      checkov=("CKV_AWS_130",)),
)
