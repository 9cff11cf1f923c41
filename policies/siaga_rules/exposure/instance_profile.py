"""EC2 instances have an instance profile (an IAM role) attached.

Without ``iam_instance_profile`` the instance has no AWS credentials of its own, which invites long-lived access
keys on disk, and cannot be managed by SSM (no Session Manager, no patching). Advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.present("iamInstanceProfile") or ctx.present("launchTemplate"):
        return
    ctx.fail("no iam_instance_profile: no role credentials (keys end up on disk) and no SSM management")


POLICY = resource_policy(
    id="instance-profile-attached",
    name="EC2 instances have an instance profile",
    category="exposure",
    level=EnforcementLevel.ADVISORY,
    types=("aws:ec2/instance:Instance",),
    description="EC2 instances set iam_instance_profile (or take it from a launch template).",
    remediation="iam_instance_profile=aws.iam.InstanceProfile(role=<least-privilege role with "
                "AmazonSSMManagedInstanceCore>).name.",
    check=check,
    controls=Controls(nist=("AC-2", "AC-3", "IA-5"), iso=("A.5.15", "A.8.2"),
                      cdk_nag=("NIST.800.53.R5-EC2InstanceProfileAttached",)),
)
