"""Every AWS provider (explicit or the default one) names an allowed region."""

from siaga_rules.common import Controls, Ctx, allowed_regions_schema, region_label, resource_policy


def check(ctx: Ctx) -> None:
    allowed = ctx.config["allowedRegions"]
    region = ctx.get("region")
    if region not in allowed:
        ctx.fail(f"provider region is {region_label(region)}; allowed: {allowed}")


POLICY = resource_policy(
    id="provider-region-allowed",
    name="AWS providers in an allowed region",
    category="residency",
    types=("pulumi:providers:aws",),
    description="Every aws provider (explicit aws.Provider and the default one built from aws:region) sets an allowed region.",
    remediation="aws.Provider(name, region='ap-southeast-3'); `pulumi config set aws:region ap-southeast-3`.",
    check=check,
    controls=Controls(nist=("SA-9(5)",), iso=("A.5.23",), pp71=("Pasal-20", "Pasal-21")),
    config=allowed_regions_schema(),
)
