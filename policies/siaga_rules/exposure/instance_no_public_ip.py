"""EC2 instances get no public IPv4 address.

An instance gets one when ``associate_public_ip_address`` is true, or when it is unset and its subnet has
``map_public_ip_on_launch`` (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html#subnet-public-ip);
an instance with neither ``subnet_id`` nor ``network_interfaces`` launches in the default VPC, whose subnets assign
one (instance-in-vpc judges that case). An instance launched from a launch template takes the template's setting
(launch-template-no-public-ip).
"""

from siaga_rules.common import Controls, StackCtx, as_bool, stack_policy

INSTANCE = "aws:ec2/instance:Instance"
SUBNET = "aws:ec2/subnet:Subnet"


def check(ctx: StackCtx) -> None:
    for inst in ctx.of_type(INSTANCE):
        own = as_bool(inst.get("associatePublicIpAddress"))
        if own is True:
            ctx.fail("associatePublicIpAddress is true: the instance is reachable from the internet wherever its "
                     "security groups allow; put it in a private subnet behind a load balancer or use SSM", inst)
            continue
        if own is False:
            continue
        for subnet in ctx.resolve(inst, "subnetId", SUBNET):
            if as_bool(subnet.get("mapPublicIpOnLaunch")) is True:
                ctx.fail(f"its subnet {subnet.name} maps a public IP on launch and the instance does not set "
                         "associate_public_ip_address=False", inst)


POLICY = stack_policy(
    id="instance-no-public-ip",
    name="EC2 instances without public IPv4",
    category="exposure",
    description="EC2 instances do not set associate_public_ip_address=True and are not launched, without "
                "associate_public_ip_address=False, into a subnet that maps public IPs on launch.",
    remediation="associate_public_ip_address=False, a private subnet, and a load balancer or SSM Session Manager "
                "for access.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4", "AC-3"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.9",), cdk_nag=("NIST.800.53.R5-EC2InstanceNoPublicIp",), checkov=("CKV_AWS_88",)),
)
