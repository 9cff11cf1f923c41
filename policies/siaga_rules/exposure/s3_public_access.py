"""S3 buckets are not public: public access blocks keep all four settings on; no public ACLs."""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy

FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
BPA_TYPES = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
             "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")
ACL_TYPES = ("aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl",
             "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")


def check(ctx: Ctx) -> None:
    if ctx.type in BPA_TYPES:
        off = [f for f in FLAGS if as_bool(ctx.get(f)) is not True]
        if off:
            ctx.fail(f"{', '.join(off)} not true (unset means false on this resource)")
        return
    acl = ctx.get("acl")
    if acl in PUBLIC_ACLS:
        ctx.fail(f"acl is {acl!r}: objects are readable by anyone")
    for i, grant in enumerate(ctx.get("accessControlPolicy.grants") or []):
        uri = str(ctx.get(f"accessControlPolicy.grants.{i}.grantee.uri") or "")
        if uri.endswith(("/global/AllUsers", "/global/AuthenticatedUsers")):
            ctx.fail(f"accessControlPolicy.grants[{i}] grants {grant.get('permission')} to {uri.rsplit('/', 1)[-1]}")


POLICY = resource_policy(
    id="s3-no-public-access",
    name="S3 buckets not public",
    category="exposure",
    types=BPA_TYPES + ACL_TYPES,
    description="Bucket/account public access blocks have all four settings on and no bucket ACL grants public "
                "access (a bucket without a block keeps the S3 default since 2023: all four on).",
    remediation="aws.s3.BucketPublicAccessBlock(bucket=b.id, block_public_acls=True, block_public_policy=True, "
                "ignore_public_acls=True, restrict_public_buckets=True); remove public-read ACLs; serve public "
                "content through CloudFront with origin access control.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-21", "SC-7"), iso=("A.8.3", "A.5.15"),
                      fsbp=("S3.1", "S3.2", "S3.3", "S3.8"),
                      cdk_nag=("NIST.800.53.R5-S3BucketLevelPublicAccessProhibited", "NIST.800.53.R5-S3BucketPublicReadProhibited", "NIST.800.53.R5-S3BucketPublicWriteProhibited"),
                      checkov=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_20", "CKV_AWS_57")),
)
