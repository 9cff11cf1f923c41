"""Auto Scaling groups launch from launch templates, not launch configurations.

Launch configurations are frozen (no new instance types, IMDSv2 hop limits or features since 2022) and AWS no
longer offers them to new accounts
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-configurations.html). A group passes with
``launch_template`` or ``mixed_instances_policy.launch_template``. Advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.present("launchTemplate") or ctx.present("mixedInstancesPolicy.launchTemplate"):
        return
    used = "launch_configuration" if ctx.present("launchConfiguration") else "no launch template"
    ctx.fail(f"the group uses {used}: launch configurations are frozen; use a launch template")


POLICY = resource_policy(
    id="asg-launch-template",
    name="ASGs use launch templates",
    category="availability",
    level=EnforcementLevel.ADVISORY,
    types=("aws:autoscaling/group:Group",),
    description="Auto Scaling groups set launch_template or mixed_instances_policy.launch_template.",
    remediation="aws.ec2.LaunchTemplate(...) and launch_template={'id': lt.id, 'version': lt.latest_version}.",
    check=check,
    controls=Controls(nist=("CM-2", "CM-6"), iso=("A.8.9",), fsbp=("AutoScaling.9",)),
)
