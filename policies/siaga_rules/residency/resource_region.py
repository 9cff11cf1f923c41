"""Every AWS resource is created in an allowed (in-country) region."""

from siaga_rules.common import (
    Controls,
    Ctx,
    allowed_regions_schema,
    is_global_type,
    region_label,
    resource_policy,
)


def _applies(t: str) -> bool:
    return t.startswith("aws:") and not is_global_type(t)


def check(ctx: Ctx) -> None:
    allowed = ctx.config["allowedRegions"]
    own = ctx.get("region")
    if own:
        if own not in allowed:
            ctx.fail(f"region (per-resource, pulumi-aws 7) is {own!r}; allowed: {allowed}")
        return
    if ctx.provider is None:
        ctx.fail(f"no provider information: the region cannot be shown to be in {allowed}")
        return
    region = ctx.get("region", ctx.provider)
    if region not in allowed:
        how = "its provider's region" if ctx.provider_type else "the stack's aws:region"
        ctx.fail(f"{how} is {region_label(region)}; allowed: {allowed}"
                 + (" (an unset region falls back to AWS_REGION in the deploying shell, which no policy "
                    "can see)" if not region else ""))


POLICY = resource_policy(
    id="resource-region-allowed",
    name="Resources in an allowed region",
    category="residency",
    types=_applies,
    description="Every regional AWS resource is created in an allowed region: its own `region`, else its "
                "provider's region (explicit providers included), else the stack's aws:region.",
    remediation="Set aws:region: ap-southeast-3 in the stack, region='ap-southeast-3' on every aws.Provider, "
                "and remove per-resource region overrides outside the allowed list.",
    check=check,
    controls=Controls(nist=("SA-9(5)", "SC-7"), iso=("A.5.23", "A.5.34"), pp71=("Pasal-20", "Pasal-21")),
    config=allowed_regions_schema(),
)
