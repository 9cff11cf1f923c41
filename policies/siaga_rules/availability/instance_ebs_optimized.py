"""Previous-generation instance types that support EBS optimization, but not by default, turn it on.

cdk-nag's EC2EBSOptimizedInstance list (cdklabs/cdk-nag src/rules/ec2/EC2EBSOptimizedInstance.ts, from
https://docs.aws.amazon.com/ec2/latest/instancetypes/ebs-optimized.html#previous): on these types EBS traffic
shares the network link with application traffic unless ``ebs_optimized`` is true. Current-generation types are
EBS-optimized by default (and the only ones offered in ap-southeast-3), so they pass. Advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy

SUPPORTED_NOT_DEFAULT = frozenset({
    "c1.xlarge", "c3.xlarge", "c3.2xlarge", "c3.4xlarge", "g2.2xlarge", "i2.xlarge", "i2.2xlarge", "i2.4xlarge",
    "m1.large", "m1.xlarge", "m2.2xlarge", "m2.4xlarge", "m3.xlarge", "m3.2xlarge", "r3.xlarge", "r3.2xlarge",
    "r3.4xlarge"})


def check(ctx: Ctx) -> None:
    kind = ctx.get("instanceType")
    if kind in SUPPORTED_NOT_DEFAULT and as_bool(ctx.get("ebsOptimized")) is not True:
        ctx.fail(f"{kind} is EBS-optimized only when asked: set ebs_optimized=True (or use a current-generation type)")


POLICY = resource_policy(
    id="instance-ebs-optimized",
    name="EBS optimization on older instance types",
    category="availability",
    level=EnforcementLevel.ADVISORY,
    types=("aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"),
    description="Instances and launch templates of previous-generation types that support EBS optimization set "
                "ebs_optimized=True.",
    remediation="ebs_optimized=True, or a current-generation instance type.",
    check=check,
    controls=Controls(nist=("SC-5", "CP-10"), iso=("A.8.6",), cdk_nag=("NIST.800.53.R5-EC2EBSOptimizedInstance",),
                      checkov=("CKV_AWS_135",)),
)
