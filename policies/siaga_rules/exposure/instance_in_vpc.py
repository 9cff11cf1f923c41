"""EC2 instances are launched into a subnet of a VPC the stack chooses.

An ``aws.ec2.Instance`` with neither ``subnet_id`` nor ``network_interfaces`` (nor a launch template that sets
them) launches into the default subnet of the account's default VPC, whose subnets assign public IPs
(https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html) and whose routes go to an internet gateway.
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.present("subnetId") or ctx.present("networkInterfaces") or ctx.present("launchTemplate"):
        return
    ctx.fail("neither subnet_id nor network_interfaces is set: the instance lands in the default VPC's default "
             "subnet (public IP, internet route)")


POLICY = resource_policy(
    id="instance-in-vpc",
    name="EC2 instances placed in a chosen subnet",
    category="exposure",
    types=("aws:ec2/instance:Instance",),
    description="EC2 instances set subnet_id, network_interfaces or a launch template (not the default VPC).",
    remediation="subnet_id=<private subnet of the stack's VPC>.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.22",), cdk_nag=("NIST.800.53.R5-EC2InstancesInVPC",)),
)
