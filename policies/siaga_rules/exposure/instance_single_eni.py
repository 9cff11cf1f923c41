"""EC2 instances use one network interface (FSBP EC2.17).

An instance with several ENIs sits in several subnets (or security-group sets) at once and can bridge them,
bypassing the segmentation the security groups and NACLs describe. Counted: ``network_interfaces`` of the instance
and ``aws.ec2.NetworkInterfaceAttachment`` resources naming it. Advisory (appliances need it).
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, StackCtx, as_list, stack_policy

INSTANCE = "aws:ec2/instance:Instance"
ATTACH = "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"


def check(ctx: StackCtx) -> None:
    extra: dict[str, int] = {}
    for att in ctx.of_type(ATTACH):
        for inst in ctx.resolve(att, "instanceId", INSTANCE):
            extra[inst.urn] = extra.get(inst.urn, 0) + 1
    for inst in ctx.of_type(INSTANCE):
        count = max(len(as_list(inst.get("networkInterfaces"))), 1) + extra.get(inst.urn, 0)
        if count > 1:
            ctx.fail(f"{count} network interfaces: the instance can bridge the subnets / security groups they are "
                     "in", inst)


POLICY = stack_policy(
    id="instance-single-eni",
    name="EC2 instances with one network interface",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    description="EC2 instances have one network interface (network_interfaces plus NetworkInterfaceAttachments).",
    remediation="One ENI per instance; waive deliberate network appliances by name.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4"), iso=("A.8.22",), fsbp=("EC2.17",)),
)
