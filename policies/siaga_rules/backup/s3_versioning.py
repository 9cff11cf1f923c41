"""S3 data buckets keep object versions."""

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    StackCtx,
    bucket_companions,
    classification_of,
    has_unknown,
    stack_policy,
    tags_of,
    unresolved,
)

VERSIONING_TYPES = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")


def check(ctx: StackCtx) -> None:
    exempt = {p.lower() for p in ctx.config["exemptPurposes"]}
    companions = bucket_companions(ctx, VERSIONING_TYPES)
    for bucket in ctx.of_type(*BUCKET_TYPES):
        purpose = str(tags_of(bucket.props).get("Purpose") or tags_of(bucket.props).get("purpose") or "").lower()
        if purpose in exempt and classification_of(bucket.props) in (None, "public", "internal"):
            continue
        statuses = [c.get("versioningConfiguration.status") for c in companions[bucket.urn]]
        if bucket.get("versioning.enabled") is True:
            statuses.append("Enabled")
        if any(has_unknown(s) for s in statuses) or (
                not statuses and unresolved(ctx, VERSIONING_TYPES, "bucket", *BUCKET_TYPES)):
            ctx.cannot_verify(bucket, "versioning status")
            continue
        if "Enabled" not in statuses:
            ctx.fail("versioning is not Enabled (S3 default: unversioned); overwritten or deleted objects "
                     "cannot be recovered", bucket)


POLICY = stack_policy(
    id="s3-versioning",
    name="S3 data buckets versioned",
    category="backup",
    description="Every S3 data bucket has versioning Enabled (buckets tagged with an exempt Purpose and not "
                "classified confidential/restricted are skipped).",
    remediation="Add aws.s3.BucketVersioning(bucket=b.id, versioning_configuration={'status': 'Enabled'}).",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13",),
                      cdk_nag=("NIST.800.53.R5-S3BucketVersioningEnabled",), checkov=("CKV_AWS_21",)),
    config={"exemptPurposes": {"type": "array", "items": {"type": "string"}, "default": [],
                               "description": "Purpose tag values whose buckets need no versioning "
                                              "(e.g. 'access-logs')."}},
)
