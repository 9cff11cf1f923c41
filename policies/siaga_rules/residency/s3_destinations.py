"""S3 replication and log-delivery destination buckets are in an allowed region.

S3 ARNs carry no region, so the destination bucket is looked up in the stack and its region resolved.
"""

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    Res,
    StackCtx,
    allowed_regions_schema,
    as_list,
    has_unknown,
    parse_arn,
    stack_policy,
)


def _destinations(r: Res) -> list[tuple[str, object]]:
    if r.type == "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
        return [(f"rules[{i}].destination.bucket", (rule or {}).get("destination", {}).get("bucket"))
                for i, rule in enumerate(as_list(r.get("rules") or r.get("rule")))]
    if r.type in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        return [("accessLogs.bucket", r.get("accessLogs.bucket"))] if r.get("accessLogs.enabled") else []
    if r.type == "aws:cloudtrail/trail:Trail":
        return [("s3BucketName", r.get("s3BucketName"))]
    if r.type in ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"):
        return [("targetBucket", r.get("targetBucket"))]
    if r.type == "aws:ec2/flowLog:FlowLog" and r.get("logDestinationType") == "s3":
        return [("logDestination", r.get("logDestination"))]
    return []


def check(ctx: StackCtx) -> None:
    allowed = ctx.config["allowedRegions"]
    buckets = ctx.index(*BUCKET_TYPES)
    for r in ctx.resources:
        for path, ref in _destinations(r):
            if ref in (None, ""):
                continue
            top = path.split(".")[0].split("[")[0]
            found = ctx.resolve(r, top, *BUCKET_TYPES)
            if has_unknown(ref) and len(found) != 1:
                ctx.cannot_verify(r, path)
                continue
            name = str(ref)
            arn = parse_arn(name)
            if arn and arn.service == "s3":
                name = arn.resource.split("/")[0]
            target = buckets.get(str(ref)) or buckets.get(name) or (found[0] if len(found) == 1 else None)
            if target is None:
                ctx.fail(f"{path} is bucket {name!r}, not declared in this stack: its region cannot be shown "
                         f"to be in {allowed}", r)
                continue
            region = target.region()
            if has_unknown(region):
                ctx.cannot_verify(r, f"{path} region")
            elif region not in allowed:
                ctx.fail(f"{path} is bucket {name!r} in {region!r}; allowed: {allowed}", r)


POLICY = stack_policy(
    id="s3-destinations-in-country",
    name="S3 replication and log buckets in-country",
    category="residency",
    description="S3 replication destinations and log buckets (ALB access logs, CloudTrail, S3 server access logs, "
                "flow logs) are buckets of this stack in an allowed region.",
    remediation="Replicate and deliver logs only to buckets declared in the stack in ap-southeast-3.",
    check=check,
    controls=Controls(nist=("SA-9(5)", "AU-9"), iso=("A.5.23",), pp71=("Pasal-20", "Pasal-21")),
    config=allowed_regions_schema(),
)
