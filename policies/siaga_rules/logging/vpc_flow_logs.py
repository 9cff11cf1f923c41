"""Every VPC has flow logs."""

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy


def check(ctx: StackCtx) -> None:
    vpcs = ctx.of_type("aws:ec2/vpc:Vpc")
    logs = ctx.of_type("aws:ec2/flowLog:FlowLog")
    index = ctx.index("aws:ec2/vpc:Vpc")
    covered: set[str] = set()
    unknown = False
    for fl in logs:
        ref = fl.get("vpcId")
        if has_unknown(ref):
            unknown = True
        elif ref in index:
            covered.add(index[ref].urn)
    for vpc in vpcs:
        if vpc.urn in covered:
            continue
        if unknown:
            ctx.cannot_verify(vpc, "flow log vpcId")
        else:
            ctx.fail("no aws.ec2.FlowLog for this VPC: no record of who talked to what", vpc)


POLICY = stack_policy(
    id="vpc-flow-logs",
    name="VPC flow logs",
    category="logging",
    description="Every VPC in the stack has an aws.ec2.FlowLog.",
    remediation="Add aws.ec2.FlowLog(vpc_id=vpc.id, traffic_type='ALL', log_destination=<log group or bucket ARN>).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12", "SI-4"), iso=("A.8.15", "A.8.16")),
)
