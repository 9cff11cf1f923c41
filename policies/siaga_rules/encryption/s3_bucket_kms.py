"""Every S3 bucket is encrypted with SSE-KMS; with a customer managed key for classified data."""

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    StackCtx,
    bucket_companions,
    classification_of,
    has_unknown,
    stack_policy,
    unresolved,
)

SSE_TYPES = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
             "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")


def _lb_log_buckets(ctx: StackCtx) -> set[str]:
    """URNs of buckets that load balancers deliver access logs to.

    Elastic Load Balancing writes access logs with SSE-S3 only (AWS: "the only server-side encryption
    option that's supported is Amazon S3-managed keys (SSE-S3)"), so SSE-KMS cannot be asked of them.
    """
    out: set[str] = set()
    for lb in ctx.of_type(*LB_TYPES):
        for bucket in ctx.resolve(lb, "accessLogs", *BUCKET_TYPES) or ctx.resolve(lb, "accessLogs.bucket",
                                                                                   *BUCKET_TYPES):
            out.add(bucket.urn)
    return out


def _rules(res) -> list:
    rules = res.get("rules") or res.get("rule") or []
    return rules if isinstance(rules, list) else [rules]


def check(ctx: StackCtx) -> None:
    need_cmk_classes = [c.lower() for c in ctx.config["customerKeyClassifications"]]
    stack_class = ctx.stack_classification()
    companions = bucket_companions(ctx, SSE_TYPES)
    lb_logs = _lb_log_buckets(ctx)
    for bucket in ctx.of_type(*BUCKET_TYPES):
        configs = [r for comp in companions[bucket.urn] for r in _rules(comp)]
        inline = bucket.get("serverSideEncryptionConfiguration.rule")
        if inline:
            configs += inline if isinstance(inline, list) else [inline]
        if not configs:
            # the bucket's id may still be unknown at preview, so a companion cannot be matched
            if unresolved(ctx, SSE_TYPES, "bucket", *BUCKET_TYPES):
                ctx.cannot_verify(bucket, "encryption configuration's bucket reference")
                continue
            ctx.fail("no server-side encryption configuration: S3 applies SSE-S3 (AES256, AWS owned key) "
                     "by default; SSE-KMS is required", bucket)
            continue
        data_class = classification_of(bucket.props, bucket.provider) or stack_class
        for rule in configs:
            default = (rule or {}).get("applyServerSideEncryptionByDefault") or {}
            if isinstance(default, list):
                default = default[0] if default else {}
            algo, key = default.get("sseAlgorithm"), default.get("kmsMasterKeyId")
            if has_unknown(algo) or has_unknown(key):
                ctx.cannot_verify(bucket, "sseAlgorithm/kmsMasterKeyId")
                continue
            if bucket.urn in lb_logs and algo == "AES256":
                continue  # ELB access logs support SSE-S3 only; s3-tls-only and s3-no-public-access still apply
            if algo not in KMS_ALGORITHMS:
                ctx.fail(f"sseAlgorithm is {algo!r}; must be one of {list(KMS_ALGORITHMS)}", bucket)
            elif data_class in need_cmk_classes and not key:
                ctx.fail(f"data classification {data_class!r} requires a customer managed KMS key "
                         "(kmsMasterKeyId is empty: the AWS managed aws/s3 key is used)", bucket)


POLICY = stack_policy(
    id="s3-bucket-sse-kms",
    name="S3 buckets encrypted with SSE-KMS",
    category="encryption",
    description="Every S3 bucket has a server-side encryption configuration using SSE-KMS, with a "
                "customer managed key when the data classification requires it. Load balancer access-log "
                "buckets may use SSE-S3, the only encryption ELB log delivery supports.",
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=b.id, rules=[{"
                "'apply_server_side_encryption_by_default': {'sse_algorithm': 'aws:kms', "
                "'kms_master_key_id': key.arn}, 'bucket_key_enabled': True}]).",
    check=check,
    controls=Controls(nist=("SC-28", "SC-28(1)", "SC-12"), iso=("A.8.24",), pp71=("Pasal-20",),
                      cdk_nag=("NIST.800.53.R5-S3BucketServerSideEncryptionEnabled", "NIST.800.53.R5-S3DefaultEncryptionKMS"),
                      checkov=("CKV_AWS_145",)),
    config={"customerKeyClassifications": {
        "type": "array", "items": {"type": "string"}, "default": ["confidential", "restricted"],
        "description": "Data classifications (DataClassification tag on the bucket, else the highest in "
                       "the stack) that need a customer managed KMS key."}},
)
