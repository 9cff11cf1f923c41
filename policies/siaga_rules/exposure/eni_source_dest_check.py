"""Network interfaces and instances keep source/destination checking on.

With ``source_dest_check`` false an ENI sends and receives traffic not addressed to it: needed by NAT instances
and appliances only, otherwise it lets a compromised host route or spoof traffic
(https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck). Advisory: a
deliberate appliance is waived by name.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("sourceDestCheck")) is False:
        ctx.fail("sourceDestCheck is false: the interface forwards traffic not addressed to it (only NAT "
                 "instances and network appliances need that)")


POLICY = resource_policy(
    id="eni-source-dest-check",
    name="Source/destination check on",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    types=("aws:ec2/networkInterface:NetworkInterface", "aws:ec2/instance:Instance"),
    description="ENIs and instances keep source_dest_check=True (default).",
    remediation="Drop source_dest_check=False unless the resource is a NAT instance or appliance (then waive it).",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.20",), fsbp=("EC2.180",)),
)
