"""Every AWS provider (explicit or the default one) names an allowed region, and sends no API traffic elsewhere.

A provider's ``endpoints`` (custom service endpoints, e.g. ``{"s3": "https://s3.us-east-1.amazonaws.com"}``)
override where each service's calls go, whatever ``region`` says: an endpoint in another region, or on a host
that is not an AWS regional endpoint (its location cannot be established), fails unless the host is listed in
``allowedEndpointHosts`` (e.g. an in-country VPC endpoint's private DNS name).
"""

import json

from siaga_rules.common import Controls, Ctx, allowed_regions_schema, as_list, region_label, resource_policy
from siaga_rules.residency.locations import endpoint_region


def _endpoints(value: object) -> list[tuple[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [("endpoints", value)]
    out = []
    for block in as_list(value):
        if isinstance(block, dict):
            out += [(k, v) for k, v in block.items() if isinstance(v, str) and v]
    return out


def check(ctx: Ctx) -> None:
    allowed = ctx.config["allowedRegions"]
    region = ctx.get("region")
    if region not in allowed:
        ctx.fail(f"provider region is {region_label(region)}; allowed: {allowed}")
    hosts = {h.lower() for h in ctx.config["allowedEndpointHosts"]}
    for service, url in _endpoints(ctx.get("endpoints")):
        where, host = endpoint_region(url)
        if host in hosts:
            continue
        if where is None:
            ctx.fail(f"endpoints.{service} sends {service} calls to {url!r}, a host that is not an AWS regional "
                     f"endpoint: where that data goes cannot be established; allowed: endpoints in {allowed} or a "
                     "host listed in allowedEndpointHosts")
        elif where not in allowed:
            ctx.fail(f"endpoints.{service} sends {service} calls to {url!r} in {where}; allowed: {allowed}")


POLICY = resource_policy(
    id="provider-region-allowed",
    name="AWS providers in an allowed region",
    category="residency",
    types=("pulumi:providers:aws",),
    description="Every aws provider (explicit aws.Provider and the default one built from aws:region) sets an allowed "
                "region, and its custom endpoints stay in allowed regions.",
    remediation="aws.Provider(name, region='ap-southeast-3'); `pulumi config set aws:region ap-southeast-3`; remove "
                "custom endpoints outside ap-southeast-3.",
    check=check,
    controls=Controls(nist=("SA-9(5)",), iso=("A.5.23",), pp71=("Pasal-20", "Pasal-21")),
    config={**allowed_regions_schema(),
            "allowedEndpointHosts": {"type": "array", "items": {"type": "string"}, "default": [],
                                     "description": "Custom endpoint hosts known to be in-country (e.g. VPC endpoints)."}},
)
