"""Every VPC has flow logs."""

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy


def check(ctx: StackCtx) -> None:
    vpcs = ctx.of_type("aws:ec2/vpc:Vpc")
    logs = ctx.of_type("aws:ec2/flowLog:FlowLog")
    covered: set[str] = set()
    unknown = False
    for fl in logs:
        found = ctx.resolve(fl, "vpcId", "aws:ec2/vpc:Vpc")
        covered.update(v.urn for v in found)
        unknown = unknown or (not found and has_unknown(fl.get("vpcId")))
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
    controls=Controls(nist=("AU-2", "AU-12", "SI-4"), iso=("A.8.15", "A.8.16"),
                      fsbp=("EC2.6",), cdk_nag=("NIST.800.53.R5-VPCFlowLogsEnabled",), checkov=("CKV2_AWS_11",)),
)
