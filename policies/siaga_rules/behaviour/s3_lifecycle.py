"""S3 buckets have a lifecycle configuration (FSBP S3.13, S3.25).

Without one, noncurrent versions (s3-versioning keeps them), incomplete multipart uploads and expired logs are kept
and paid for forever. A bucket counts when an aws.s3.BucketLifecycleConfiguration(V2) of the stack points at it or
it declares inline ``lifecycleRules``. Advisory: retention is the agency's decision.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    StackCtx,
    as_list,
    bucket_companions,
    stack_policy,
    unresolved,
)

LIFECYCLE = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
             "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
DIRECTORY = "aws:s3/directoryBucket:DirectoryBucket"


def check(ctx: StackCtx) -> None:
    if unresolved(ctx, LIFECYCLE, "bucket", *BUCKET_TYPES, DIRECTORY):
        for b in ctx.of_type(*BUCKET_TYPES, DIRECTORY):
            ctx.cannot_verify(b, "which bucket each lifecycle configuration applies to")
        return
    companions = bucket_companions(ctx, LIFECYCLE)
    for comp in ctx.of_type(*LIFECYCLE):
        for target in ctx.resolve(comp, "bucket", DIRECTORY):
            companions.setdefault(target.urn, []).append(comp)
    for b in ctx.of_type(*BUCKET_TYPES, DIRECTORY):
        if companions.get(b.urn) or as_list(b.get("lifecycleRules")):
            continue
        ctx.fail("no lifecycle configuration: old versions and incomplete uploads are kept forever", b)


POLICY = stack_policy(
    id="s3-lifecycle",
    name="S3 lifecycle configuration",
    category="behaviour",
    description="Every S3 bucket (general purpose and directory) has a lifecycle configuration.",
    remediation="Add aws.s3.BucketLifecycleConfiguration(bucket=b.id, rules=[noncurrent version expiration, "
                "abort incomplete multipart uploads, ...]).",
    check=check,
    controls=Controls(nist=("SI-12", "CM-2"), iso=("A.8.10",), fsbp=("S3.13", "S3.25"), checkov=("CKV2_AWS_61",)),
    level=EnforcementLevel.ADVISORY,
)
