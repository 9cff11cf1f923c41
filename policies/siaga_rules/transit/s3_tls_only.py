"""Every S3 bucket's policy denies requests that do not use TLS."""

import json
from typing import Any

from siaga_rules.common import (
    BUCKET_TYPES,
    Controls,
    StackCtx,
    bucket_companions,
    has_unknown,
    stack_policy,
    unresolved,
)

POLICY_TYPES = ("aws:s3/bucketPolicy:BucketPolicy",)


def denies_insecure(document: Any) -> bool:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement") or []
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Deny":
            continue
        cond = st.get("Condition") or {}
        for op in ("Bool", "BoolIfExists"):
            value = (cond.get(op) or {}).get("aws:SecureTransport")
            if value in ("false", False, ["false"]):
                return True
        tls = (cond.get("NumericLessThan") or {}).get("s3:TlsVersion")
        if tls is not None:
            return True
    return False


def check(ctx: StackCtx) -> None:
    companions = bucket_companions(ctx, POLICY_TYPES)
    for bucket in ctx.of_type(*BUCKET_TYPES):
        docs = [p.get("policy") for p in companions[bucket.urn]]
        if bucket.get("policy"):
            docs.append(bucket.get("policy"))
        if any(has_unknown(d) for d in docs) or (
                not docs and unresolved(ctx, POLICY_TYPES, "bucket", *BUCKET_TYPES)):
            ctx.cannot_verify(bucket, "bucket policy")
            continue
        if not any(denies_insecure(d) for d in docs):
            ctx.fail("no bucket policy denies requests with aws:SecureTransport=false", bucket)


POLICY = stack_policy(
    id="s3-tls-only",
    name="S3 buckets refuse plain HTTP",
    category="transit",
    description="Every S3 bucket has a bucket policy denying any request made without TLS.",
    remediation="Add aws.s3.BucketPolicy with a statement {'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*', "
                "'Resource': [arn, arn + '/*'], 'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}.",
    check=check,
    controls=Controls(nist=("SC-8", "SC-8(1)"), iso=("A.8.24", "A.5.14"),
                      fsbp=("S3.5",)),
)
