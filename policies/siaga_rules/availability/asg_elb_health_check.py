"""An Auto Scaling group behind a load balancer uses the load balancer's health checks.

With the default ``health_check_type`` "EC2" the group replaces an instance only when EC2 reports it impaired; an
instance whose application stopped answering stays in service while the target group marks it unhealthy, so the
group never heals it (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html,
"the default health checks for an Auto Scaling group are EC2 health checks only"). A group is behind a load
balancer when it sets ``target_group_arns`` or ``load_balancers``, or an ``aws.autoscaling.Attachment`` /
``TrafficSourceAttachment`` names it.
"""

from siaga_rules.common import Controls, StackCtx, as_list, stack_policy

ASG = "aws:autoscaling/group:Group"
ATTACHMENTS = ("aws:autoscaling/attachment:Attachment",
               "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment")


def check(ctx: StackCtx) -> None:
    attached: set[str] = set()
    for att in ctx.of_type(*ATTACHMENTS):
        attached.update(r.urn for r in ctx.resolve(att, "autoscalingGroupName", ASG))
    for asg in ctx.of_type(ASG):
        behind = (asg.urn in attached or as_list(asg.get("targetGroupArns")) or as_list(asg.get("loadBalancers"))
                  or as_list(asg.get("trafficSources")))
        if not behind:
            continue
        kind = asg.get("healthCheckType")
        if isinstance(kind, str) and kind.upper() in ("ELB", "VPC_LATTICE"):
            continue
        ctx.fail(f"behind a load balancer but healthCheckType is {kind or 'not set (default: EC2)'}: instances "
                 "the load balancer finds unhealthy stay in service; set health_check_type='ELB'", asg)


POLICY = stack_policy(
    id="asg-elb-health-check",
    name="ASG behind a load balancer uses ELB health checks",
    category="availability",
    description="Auto Scaling groups with target groups, classic load balancers or an attachment set "
                "health_check_type='ELB'.",
    remediation="aws.autoscaling.Group(..., health_check_type='ELB', health_check_grace_period=<boot seconds>).",
    check=check,
    controls=Controls(nist=("CP-10", "SI-13", "SC-5"), iso=("A.8.14",),
                      fsbp=("AutoScaling.1",), cdk_nag=("NIST.800.53.R5-AutoScalingGroupELBHealthCheckRequired",),
                      checkov=("CKV2_AWS_15",)),
)
