"""Every VPC's default security group allows no traffic.

AWS creates each VPC with a default security group that allows all inbound traffic from its own members and all
outbound traffic (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html); any ENI launched
without a group lands in it. The group cannot be deleted, only emptied: in Pulumi by adopting it with
``aws.ec2.DefaultSecurityGroup(vpc_id=..., ingress=[], egress=[])``, which removes every rule it does not list.
So a VPC of the stack passes only when such a resource names it with no rules.
"""

from siaga_rules.common import Controls, StackCtx, as_list, has_unknown, stack_policy

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def check(ctx: StackCtx) -> None:
    closed: set[str] = set()
    unresolved = False
    for sg in ctx.of_type(DEFAULT_SG):
        vpcs = ctx.resolve(sg, "vpcId", VPC)
        unresolved = unresolved or (not vpcs and has_unknown(sg.get("vpcId")))
        rules = [f"{k}[{i}]" for k in ("ingress", "egress") for i, _ in enumerate(as_list(sg.get(k)))]
        if rules:
            ctx.fail(f"the default security group keeps {', '.join(rules)}: set ingress=[] and egress=[] and give "
                     "resources their own groups", sg)
        closed.update(v.urn for v in vpcs)
    for vpc in ctx.of_type(VPC):
        if vpc.urn in closed:
            continue
        if unresolved:
            ctx.cannot_verify(vpc, "default security group vpcId")
        else:
            ctx.fail("the VPC's default security group is not managed by the stack, so it keeps AWS's rules (all "
                     "inbound from its members, all outbound): add aws.ec2.DefaultSecurityGroup(vpc_id=..., "
                     "ingress=[], egress=[])", vpc)


POLICY = stack_policy(
    id="default-sg-closed",
    name="Default security group closed",
    category="exposure",
    description="Every VPC has an aws.ec2.DefaultSecurityGroup with no ingress and no egress rules.",
    remediation="aws.ec2.DefaultSecurityGroup('<vpc>-default-sg', vpc_id=vpc.id, ingress=[], egress=[]).",
    check=check,
    controls=Controls(nist=("SC-7", "AC-4", "CM-7"), iso=("A.8.20", "A.8.22"),
                      fsbp=("EC2.2",), cdk_nag=("NIST.800.53.R5-VPCDefaultSecurityGroupClosed",),
                      checkov=("CKV2_AWS_12",)),
)
