"""Auto Scaling groups can launch more than one instance type.

With one instance type, an AZ that runs out of capacity for it (common right after another AZ fails, when every
customer relaunches there) cannot replace instances: ``mixed_instances_policy.launch_template.overrides`` with two
or more types lets the group fall back
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html). The
multi-AZ half of FSBP AutoScaling.6 is asg-multi-az. Advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    overrides = as_list(ctx.get("mixedInstancesPolicy.launchTemplate.overrides"))
    types = {ctx.get("instanceType", o) for o in overrides if isinstance(o, dict)}
    requirements = any(isinstance(o, dict) and ctx.get("instanceRequirements", o) for o in overrides)
    if len(types - {None}) >= 2 or requirements:
        return
    ctx.fail(f"{len(types - {None}) or 'one'} instance type: when an AZ runs out of that type the group cannot "
             "replace instances there; add mixed_instances_policy overrides with two or more types")


POLICY = resource_policy(
    id="asg-multiple-instance-types",
    name="ASGs with several instance types",
    category="availability",
    level=EnforcementLevel.ADVISORY,
    types=("aws:autoscaling/group:Group",),
    description="Auto Scaling groups list two or more instance types (or instance requirements) in "
                "mixed_instances_policy.",
    remediation="mixed_instances_policy={'launch_template': {'launch_template_specification': {...}, "
                "'overrides': [{'instance_type': 'm7i.large'}, {'instance_type': 'm6i.large'}]}}.",
    check=check,
    controls=Controls(nist=("CP-10", "SC-5"), iso=("A.8.14",), fsbp=("AutoScaling.6",)),
)
