"""Every ARN a resource points at (copy, replication, log and key destinations) is in an allowed region."""

from siaga_rules.common import Controls, Ctx, allowed_regions_schema, arns_in, is_global_type, resource_policy

# permission documents name resources they grant access to, not places data is sent
SKIP_KEYS = {"policy", "assumeRolePolicy", "inlinePolicies", "policyDocument", "tags", "tagsAll"}


def check(ctx: Ctx) -> None:
    allowed = ctx.config["allowedRegions"]
    props = {k: v for k, v in ctx.props.items() if k not in SKIP_KEYS}
    seen: set[str] = set()
    for path, arn in arns_in(props):
        if arn.region and arn.region not in allowed and path not in seen:
            seen.add(path)
            ctx.fail(f"{path} points at {arn.service} in {arn.region!r} "
                     f"(arn:{arn.partition}:{arn.service}:{arn.region}:...); allowed: {allowed}")
    for key in ctx.config["destinationKeys"]:
        if key in props:
            ctx.known(props[key], key)


POLICY = resource_policy(
    id="arn-destinations-in-country",
    name="ARN destinations in an allowed region",
    category="residency",
    types=lambda t: t.startswith("aws:") and not is_global_type(t),
    description="Backup copy, replication, snapshot copy, log, stream and KMS key ARNs in a resource's inputs "
                "are in an allowed region.",
    remediation="Point copy/replication/log destinations at resources in ap-southeast-3 (e.g. a second "
                "vault in Jakarta, or the on-prem standby), never at another AWS region.",
    check=check,
    controls=Controls(nist=("SA-9(5)", "CP-6", "CP-9"), iso=("A.5.23", "A.5.34"), pp71=("Pasal-20", "Pasal-21")),
    config={**allowed_regions_schema(),
            "destinationKeys": {"type": "array", "items": {"type": "string"},
                                "default": ["rules", "rule", "destination", "destinationArn", "logDestination",
                                            "destinationVaultArn", "replicaKmsKeyId", "kmsKeyId", "s3Destination",
                                            "cloudWatchLogsGroupArn", "replicationConfiguration"],
                                "description": "Top-level inputs that must be known at preview "
                                               "(an unknown one is reported as cannot be verified)."}},
)
