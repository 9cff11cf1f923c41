"""Resources of other clouds (Google Cloud, Azure, AWS Cloud Control) are placed in an in-country location.

The location is the resource's own ``location``/``region``/``zone``, else its provider's (an explicit provider's
inputs, or the stack's ``<package>:`` config for the default one). A resource whose location cannot be established
is a violation: residency evidence never counts it as in-country.
"""

from siaga_rules.common import Controls, Ctx, is_unknown, raw, resource_policy
from siaga_rules.residency.locations import (
    DEFAULT_ALLOWED_LOCATIONS,
    LOCATION_KEYS,
    PROVIDER_KEYS,
    first_location,
    in_allowed,
)


def _package(t: str) -> str:
    return t.split(":", 1)[0]


def _applies(t: str) -> bool:
    return _package(t) in LOCATION_KEYS


def check(ctx: Ctx) -> None:
    package = _package(ctx.type)
    allowed = {**DEFAULT_ALLOWED_LOCATIONS, **ctx.config["allowedLocations"]}.get(package, [])
    own = first_location(ctx.props, LOCATION_KEYS[package])
    if own is not None:
        key, value = own
        source = f"its {key}"
    else:
        prov = first_location(raw(ctx.provider or {}), PROVIDER_KEYS[package])
        if prov is not None:
            key, value = prov
            source = f"its provider's {key}"
        else:
            ctx.fail(f"no location: neither the resource nor its provider sets {'/'.join(LOCATION_KEYS[package])}, "
                     f"so where its data lives cannot be established; allowed: {allowed}")
            return
    if is_unknown(value):
        ctx.known(value, key)
    if not isinstance(value, str) or not in_allowed(value, allowed):
        ctx.fail(f"{source} is {value!r}, outside Indonesia; allowed: {allowed} (and their zones)")


POLICY = resource_policy(
    id="other-cloud-location-allowed",
    name="Other clouds' resources in-country",
    category="residency",
    types=_applies,
    description="Google Cloud, Azure and AWS Cloud Control (aws-native) resources are placed in an in-country "
                "location (asia-southeast2, indonesiacentral, ap-southeast-3); an unestablished location fails.",
    remediation="Set location='asia-southeast2' (GCP), location='indonesiacentral' (Azure) or region='ap-southeast-3' "
                "(aws-native) on the resource or its provider; avoid multi-regions.",
    check=check,
    controls=Controls(nist=("SA-9(5)", "SC-7"), iso=("A.5.23",), pp71=("Pasal-20", "Pasal-21")),
    config={"allowedLocations": {
        "type": "object", "default": DEFAULT_ALLOWED_LOCATIONS,
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "description": "Package -> in-country locations (gcp, azure, azure-native, aws-native ...)."}},
)
