"""AccessLogBucket: an S3 bucket an Elastic Load Balancing load balancer can write its access logs to.

ELB delivers access logs with SSE-S3 only (it cannot use a KMS key) and checks, when the load balancer's
``access_logs.s3.enabled`` attribute is set, that it may write to the bucket: "Access Denied for bucket: ... Please
check S3bucket permission" fails ModifyLoadBalancerAttributes/CreateLoadBalancer while the bucket policy is missing
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html). Regions launched
after August 2022, ap-southeast-3 among them, grant the log delivery service principal
``logdelivery.elasticloadbalancing.amazonaws.com`` instead of an ELB account (same page, "Attach a policy to your S3
bucket"). Whatever turns logging on must therefore wait for :attr:`AccessLogBucket.policy`, not only for the bucket:
the load balancer's ``depends_on``, or for an ALB made by the AWS Load Balancer Controller, the Ingress carrying the
``load-balancer-attributes`` annotation.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.backup import BACKUP_TAG


class AccessLogBucket(pulumi.ComponentResource):
    """Versioned, public-blocked, TLS-only SSE-S3 bucket; ELB log delivery may put objects under ``prefix`` only."""

    bucket: pulumi.Output[str]
    arn: pulumi.Output[str]
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, bucket_name: pulumi.Input[str], prefix: str, account_id: pulumi.Input[str],
                 protect: bool = True, force_destroy: bool = False, retention_days: int = 365,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:AccessLogBucket", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect)
        logs = aws.s3.Bucket(name, bucket=bucket_name, tags={BACKUP_TAG[0]: BACKUP_TAG[1]},
                             force_destroy=force_destroy, opts=keep)
        child = pulumi.ResourceOptions(parent=logs)
        aws.s3.BucketPublicAccessBlock(name, bucket=logs.id, block_public_acls=True, block_public_policy=True,
                                       ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketVersioning(name, bucket=logs.id, versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=logs.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=child)
        aws.s3.BucketLifecycleConfiguration(name, bucket=logs.id, rules=[{
            "id": "expire", "status": "Enabled", "filter": {"prefix": ""},
            "expiration": {"days": retention_days}, "noncurrent_version_expiration": {"noncurrent_days": 30}}],
            opts=child)
        self.policy = aws.s3.BucketPolicy(
            name, bucket=logs.id, policy=pulumi.Output.all(logs.arn, account_id).apply(lambda a: json.dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": [a[0], f"{a[0]}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                    {"Sid": "ElbLogDelivery", "Effect": "Allow",
                     "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                     "Action": "s3:PutObject", "Resource": f"{a[0]}/{prefix}/AWSLogs/{a[1]}/*"},
                ]})), opts=child)
        self.bucket = logs.bucket
        self.arn = logs.arn
        self.register_outputs({"bucket": self.bucket, "arn": self.arn})
