"""S3 data buckets record server access logs (who read or wrote which object).

Logging is on when an ``aws.s3.BucketLogging`` / ``BucketLoggingV2`` points at the bucket, or the bucket sets the
inline ``logging`` (aws.s3.Bucket) / ``loggings`` (BucketV2) block (pulumi-aws:
https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucketlogging/). Skipped, because logging them would loop
or add nothing:

- buckets that are themselves log destinations in this stack: the target of a BucketLogging or inline logging, the
  bucket of an ALB/NLB/classic ELB's ``accessLogs`` (or ``connectionLogs``), a CloudTrail trail's ``s3BucketName``,
  an S3 flow log's ``logDestination``, a CloudFront distribution's ``loggingConfig.bucket`` (``<bucket>.s3.amazonaws.com``).
  Logging a log bucket writes a log object for every delivered log object; logging it to itself never settles (S3
  allows a bucket to be its own target: https://docs.aws.amazon.com/AmazonS3/latest/API/API_LoggingEnabled.html,
  which is why a bucket that logs to itself is reported);
- buckets tagged ``Purpose`` with a value in ``exemptPurposes``.
"""

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    Res,
    StackCtx,
    as_bool,
    as_list,
    has_unknown,
    parse_arn,
    stack_policy,
    tags_of,
)

LOGGING_TYPES = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer")


def _bucket_of(ctx: StackCtx, r: Res, prop: str, value: object) -> list[Res]:
    """Buckets ``value`` (under ``r.prop``) names: property dependencies, then name / ARN."""
    found = ctx.resolve(r, prop, *BUCKET_TYPES)
    if found:
        return found
    index = ctx.index(*BUCKET_TYPES)
    out: list[Res] = []
    for v in as_list(value):
        if not isinstance(v, str):
            continue
        arn = parse_arn(v)
        name = arn.resource.split("/")[0] if arn and arn.service == "s3" else v
        if ".s3." in name and name.endswith(".amazonaws.com"):  # CloudFront logging: <bucket>.s3.amazonaws.com
            name = name.split(".s3.", 1)[0]
        b = index.get(v) or index.get(name)
        if b is not None and b not in out:
            out.append(b)
    return out


def _inline_targets(b: Res) -> list[object]:
    out: list[object] = []
    for block in as_list(b.get("logging")) + as_list(b.get("loggings")):
        if isinstance(block, dict) and block.get("targetBucket") not in (None, ""):
            out.append(block.get("targetBucket"))
    return out


def check(ctx: StackCtx) -> None:
    exempt = {p.lower() for p in ctx.config["exemptPurposes"]}
    logged: dict[str, list[Res]] = {}  # source bucket URN -> target buckets
    destinations: set[str] = set()
    unresolved: list[str] = []

    def destination(r: Res, prop: str, value: object) -> list[Res]:
        if value in (None, ""):
            return []
        found = _bucket_of(ctx, r, prop, value)
        if not found and has_unknown(value):
            unresolved.append(f"{r.name}.{prop}")
        destinations.update(b.urn for b in found)
        return found

    for lg in ctx.of_type(*LOGGING_TYPES):
        targets = destination(lg, "targetBucket", lg.get("targetBucket"))
        sources = _bucket_of(ctx, lg, "bucket", lg.get("bucket"))
        if not sources and has_unknown(lg.get("bucket")):
            unresolved.append(f"{lg.name}.bucket")
        for s in sources:
            logged.setdefault(s.urn, []).extend(targets)
    for b in ctx.of_type(*BUCKET_TYPES):
        for target in _inline_targets(b):
            prop = "logging" if b.get("logging") else "loggings"
            found = destination(b, prop, target)
            logged.setdefault(b.urn, []).extend(found)
    for lb in ctx.of_type(*LB_TYPES):
        for block in ("accessLogs", "connectionLogs"):
            if as_bool(lb.get(f"{block}.enabled")) is not False and lb.get(f"{block}.bucket"):
                destination(lb, block, lb.get(f"{block}.bucket"))
    for dist in ctx.of_type("aws:cloudfront/distribution:Distribution"):
        destination(dist, "loggingConfig", dist.get("loggingConfig.bucket"))
    for trail in ctx.of_type("aws:cloudtrail/trail:Trail"):
        destination(trail, "s3BucketName", trail.get("s3BucketName"))
    for fl in ctx.of_type("aws:ec2/flowLog:FlowLog"):
        if fl.get("logDestinationType") == "s3":
            destination(fl, "logDestination", fl.get("logDestination"))

    for b in ctx.of_type(*BUCKET_TYPES):
        targets = logged.get(b.urn)
        if targets is not None:
            if any(t.urn == b.urn for t in targets):
                ctx.fail(f"bucket {b.name!r} delivers its server access logs to itself: every delivered log object "
                         "is itself logged, so logging never settles; send them to a separate log bucket", b)
            continue
        purpose = str(tags_of(b.props).get("Purpose") or tags_of(b.props).get("purpose") or "").lower()
        if b.urn in destinations or (purpose and purpose in exempt):
            continue
        if unresolved:
            ctx.cannot_verify(b, "server access logging (" + ", ".join(sorted(set(unresolved))) + " unknown)")
            continue
        ctx.fail(f"data bucket {b.name!r} has no server access logging: no aws.s3.BucketLogging targets it, so reads "
                 "and writes of its objects leave no request record; add aws.s3.BucketLogging(bucket="
                 f"{b.name}.id, target_bucket=<log bucket>.id, target_prefix='{b.name}/')", b)


POLICY = stack_policy(
    id="s3-access-logging",
    name="S3 server access logging",
    category="logging",
    description="Every S3 data bucket has server access logging (BucketLogging or inline logging); log destination "
                "buckets (logging targets, ALB access logs, CloudTrail, flow logs) and buckets tagged with an exempt "
                "Purpose are skipped; a bucket logging to itself is reported.",
    remediation="Add aws.s3.BucketLogging(bucket=b.id, target_bucket=log_bucket.id, target_prefix='<bucket>/') "
                "to a separate log bucket in the same region.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",),
                      fsbp=("S3.9",), cdk_nag=("NIST.800.53.R5-S3BucketLoggingEnabled",), checkov=("CKV_AWS_18",)),
    config={"exemptPurposes": {"type": "array", "items": {"type": "string"},
                               "default": ["access-logs", "logs", "log-archive"],
                               "description": "Purpose tag values of buckets that need no server access logging "
                                              "(log buckets)."}},
)
