"""Global services (Route 53, IAM, CloudFront, ...) hold configuration only: reported, not passed silently."""

from pulumi_policy import EnforcementLevel, Severity

from siaga_rules.common import Controls, Ctx, aws_module, is_global_type, resource_policy


def check(ctx: Ctx) -> None:
    ctx.fail(f"{aws_module(ctx.type)} is a global AWS service with no region: configuration only. Residency is "
             "not enforced here; keep personal data (NIK, names, addresses) out of its names, tags and records.")


POLICY = resource_policy(
    id="global-service-configuration-only",
    name="Global services hold configuration only",
    category="residency",
    types=is_global_type,
    description="Resources of global AWS services (Route 53, IAM, CloudFront, Organizations, ...) are reported as "
                "configuration-only: they are outside any region's residency guarantee.",
    remediation="No change needed if the resource holds configuration only; never place citizen data in it. "
                "Set this policy to disabled in the policy config only after review.",
    check=check,
    controls=Controls(nist=("SA-9(5)",), iso=("A.5.23",), pp71=("Pasal-20",)),
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
)
