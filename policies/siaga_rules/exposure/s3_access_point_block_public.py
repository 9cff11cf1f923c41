"""S3 access points keep their block public access settings on (FSBP S3.19).

An access point's ``publicAccessBlockConfiguration`` defaults to all four settings on
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateAccessPoint.html); only a setting turned off
fails. The settings cannot be changed after creation.
"""

from siaga_rules.common import Controls, Ctx, resource_policy

SETTINGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def check(ctx: Ctx) -> None:
    off = [s for s in SETTINGS if ctx.get(f"publicAccessBlockConfiguration.{s}") is False]
    if off:
        ctx.fail(f"publicAccessBlockConfiguration turns off {', '.join(off)}: the access point can be made public")


POLICY = resource_policy(
    id="s3-access-point-block-public",
    name="S3 access points block public access",
    category="exposure",
    types=("aws:s3/accessPoint:AccessPoint",),
    description="S3 access points do not turn off any of the four block public access settings.",
    remediation="Remove the public_access_block_configuration overrides (all four default to true).",
    check=check,
    controls=Controls(nist=("AC-3", "AC-21", "SC-7"), iso=("A.8.3",), fsbp=("S3.19",)),
)
