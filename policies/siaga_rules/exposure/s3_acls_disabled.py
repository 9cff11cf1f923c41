"""S3 access is managed by policies, not ACLs (FSBP S3.12).

Since April 2023 new buckets have Object Ownership ``BucketOwnerEnforced``: ACLs are disabled
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). A stack re-enables them with
``aws.s3.BucketOwnershipControls`` set to ``ObjectWriter`` / ``BucketOwnerPreferred``, and grants through them with
``aws.s3.BucketAcl`` / ``BucketAclV2`` or a bucket's inline ``acl`` / ``grants`` (``private`` grants nothing).
"""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type.startswith("aws:s3/bucketOwnershipControls"):
        ownership = ctx.get("rule.objectOwnership")
        if ownership not in (None, "BucketOwnerEnforced"):
            ctx.fail(f"rule.objectOwnership is {ownership}: ACLs are enabled; use BucketOwnerEnforced")
        return
    acl = ctx.get("acl")
    if acl not in (None, "", "private"):
        ctx.fail(f"acl is {acl!r}: access is granted through an ACL")
    if as_list(ctx.get("grants")) or as_list(ctx.get("accessControlPolicy.grants")):
        ctx.fail("grants are set: access is granted through an ACL")


POLICY = resource_policy(
    id="s3-acls-disabled",
    name="S3 ACLs disabled",
    category="exposure",
    types=("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketAcl:BucketAcl",
           "aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"),
    description="S3 buckets keep Object Ownership BucketOwnerEnforced and grant nothing through ACLs (bucket acl "
                "other than private, grants, BucketAcl).",
    remediation="Use aws.s3.BucketOwnershipControls(rule={'object_ownership': 'BucketOwnerEnforced'}) and grant "
                "access in the bucket policy; remove BucketAcl resources and acl/grants arguments.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-6"), iso=("A.5.15",), fsbp=("S3.12",)),
)
