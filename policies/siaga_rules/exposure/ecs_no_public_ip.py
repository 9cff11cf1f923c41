"""ECS services do not give their tasks public IP addresses.

``networkConfiguration.assignPublicIp`` defaults to false ("When you use create-service or update-service, the
default is DISABLED": https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html); a task
with a public IP in a public subnet is reachable from the internet on every port its security groups admit.
"""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("networkConfiguration.assignPublicIp")) is True:
        ctx.fail("networkConfiguration.assignPublicIp is true: every task gets a public IP address and is reachable "
                 "from the internet through its security groups; set assign_public_ip=False, run the tasks in "
                 "private subnets and reach them through a load balancer (egress through a NAT gateway)")


POLICY = resource_policy(
    id="ecs-no-public-ip",
    name="ECS tasks without public IPs",
    category="exposure",
    types=("aws:ecs/service:Service", "aws:ecs/taskSet:TaskSet"),
    description="ECS services and task sets do not set networkConfiguration.assignPublicIp (default false).",
    remediation="network_configuration={'subnets': private_subnet_ids, 'security_groups': [...], "
                "'assign_public_ip': False}.",
    check=check,
    controls=Controls(nist=("SC-7", "AC-3"), iso=("A.8.20", "A.8.22")),
)
