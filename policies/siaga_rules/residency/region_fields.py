"""Region names inside a resource's inputs (replicas, cross-region copies) are in the allowed list."""

from typing import Any

from siaga_rules.common import Controls, Ctx, allowed_regions_schema, is_unknown, resource_policy


def _region_fields(value: Any, path: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}" if path else k
            low = k.lower()
            if path and (low.endswith("region") or low.endswith("regionname") or low == "regions") \
                    or (not path and low in ("regions", "replicaregions", "sourceregion", "destinationregion",
                                             "targetregion", "regionname")):
                out.append((p, v))
            else:
                out.extend(_region_fields(v, p))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_region_fields(v, f"{path}[{i}]"))
    return out


def check(ctx: Ctx) -> None:
    allowed = ctx.config["allowedRegions"]
    for path, value in _region_fields(ctx.props):
        for v in value if isinstance(value, list) else [value]:
            if is_unknown(v):
                ctx.soft_unknown(path)
            elif isinstance(v, str) and v and v not in allowed:
                ctx.fail(f"{path} is {v!r}: a copy or replica outside {allowed}")


POLICY = resource_policy(
    id="replica-regions-in-country",
    name="Replica and copy regions allowed",
    category="residency",
    types=lambda t: t.startswith("aws:"),
    description="Region names inside inputs (DynamoDB replicas, DLM cross-region copy targets, multi-region "
                "access points, source/destination regions) are in the allowed list.",
    remediation="Remove replicas and cross-region copy rules that leave the allowed regions; keep the second "
                "copy in-country (another AZ, a locked vault in Jakarta, or the on-prem standby).",
    check=check,
    controls=Controls(nist=("SA-9(5)", "CP-6"), iso=("A.5.23",), pp71=("Pasal-20", "Pasal-21")),
    config=allowed_regions_schema(),
)
