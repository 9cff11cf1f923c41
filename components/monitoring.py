"""Monitoring: encrypted incident topic (TTIS), alarms, CloudTrail to an encrypted in-country bucket, GuardDuty.

Defaults (inputs of :class:`MonitoringArgs`):

- ``kms_key_arn``: customer key for the SNS topic, the CloudTrail logs and the trail bucket (the "logs" key of
  EncryptionKeys allows SNS, CloudWatch and CloudTrail).
- ``contacts`` (cfg.alertContacts): one e-mail subscription each (they must confirm it).
- ``alb_arn_suffix`` (None): ALB 5xx > ``alb_5xx_threshold`` (10 per minute, 3 of 3 periods), target response time
  p95 > ``response_time_seconds`` (2 s); with ``target_group_arn_suffix`` (None) also unhealthy hosts > 0.
- ``db_instance_id`` (None): DB CPU > 80 %, free storage < ``db_free_storage_bytes`` (10 GiB), connections >
  ``db_max_connections`` (400).
- CloudTrail: multi-region trail (management events of every region, delivered only to this in-country bucket),
  log file validation on, KMS-encrypted; bucket with public access block, versioning, SSE-KMS, TLS-only policy and
  the CloudTrail bucket policy (aws:SourceArn of this trail). ``protect`` (True) -> bucket protect + retain_on_delete.
- GuardDuty detector (enabled, 15-minute findings) when ``guardduty`` (True); set False if the account already has one.
Output ``topic_arn`` (BackupPlan and DnsFailover alarms send to it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass
class MonitoringArgs:
    """Inputs of :class:`Monitoring` (defaults in the module docstring)."""

    name_prefix: str
    kms_key_arn: pulumi.Input[str]
    contacts: Sequence[Any]
    """cfg.alertContacts (objects with ``.email``) or plain e-mail strings."""
    alb_arn_suffix: pulumi.Input[str] | None = None
    target_group_arn_suffix: pulumi.Input[str] | None = None
    db_instance_id: pulumi.Input[str] | None = None
    protect: bool = True
    alb_5xx_threshold: int = 10
    response_time_seconds: float = 2.0
    db_free_storage_bytes: int = 10 * 1024**3
    db_max_connections: int = 400
    guardduty: bool = True


class Monitoring(pulumi.ComponentResource):
    """See the module docstring. Outputs: ``topic_arn``, ``trail_arn``, ``trail_bucket``."""

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        p = args.name_prefix

        self.topic = aws.sns.Topic(f"{name}-incidents", name=f"{p}-incidents", kms_master_key_id=args.kms_key_arn,
                                   opts=child)
        for i, contact in enumerate(args.contacts):
            email = contact if isinstance(contact, str) else contact.email
            aws.sns.TopicSubscription(f"{name}-contact-{i}", topic=self.topic.arn, protocol="email", endpoint=email,
                                      opts=child)
        self.topic_arn = self.topic.arn
        alarm = [self.topic.arn]

        def metric_alarm(suffix: str, **kw: Any) -> None:
            aws.cloudwatch.MetricAlarm(f"{name}-{suffix}", name=f"{p}-{suffix}", alarm_actions=alarm,
                                       ok_actions=alarm, treat_missing_data=kw.pop("treat_missing_data", "notBreaching"),
                                       opts=child, **kw)

        if args.alb_arn_suffix is not None:
            lb = {"LoadBalancer": args.alb_arn_suffix}
            metric_alarm("alb-5xx", namespace="AWS/ApplicationELB", metric_name="HTTPCode_ELB_5XX_Count",
                         dimensions=lb, statistic="Sum", period=60, evaluation_periods=3,
                         threshold=args.alb_5xx_threshold, comparison_operator="GreaterThanThreshold")
            metric_alarm("target-5xx", namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_5XX_Count",
                         dimensions=lb, statistic="Sum", period=60, evaluation_periods=3,
                         threshold=args.alb_5xx_threshold, comparison_operator="GreaterThanThreshold")
            metric_alarm("response-time", namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
                         dimensions=lb, extended_statistic="p95", period=60, evaluation_periods=5,
                         threshold=args.response_time_seconds, comparison_operator="GreaterThanThreshold")
            if args.target_group_arn_suffix is not None:
                metric_alarm("unhealthy-hosts", namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
                             dimensions={**lb, "TargetGroup": args.target_group_arn_suffix}, statistic="Maximum",
                             period=60, evaluation_periods=2, threshold=0, comparison_operator="GreaterThanThreshold")
        if args.db_instance_id is not None:
            db = {"DBInstanceIdentifier": args.db_instance_id}
            metric_alarm("db-cpu", namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=db,
                         statistic="Average", period=300, evaluation_periods=3, threshold=80,
                         comparison_operator="GreaterThanThreshold")
            metric_alarm("db-free-storage", namespace="AWS/RDS", metric_name="FreeStorageSpace", dimensions=db,
                         statistic="Minimum", period=300, evaluation_periods=1, threshold=args.db_free_storage_bytes,
                         comparison_operator="LessThanThreshold", treat_missing_data="breaching")
            metric_alarm("db-connections", namespace="AWS/RDS", metric_name="DatabaseConnections", dimensions=db,
                         statistic="Maximum", period=300, evaluation_periods=2, threshold=args.db_max_connections,
                         comparison_operator="GreaterThanThreshold")

        ident = aws.get_caller_identity()
        region = aws.get_region().region
        trail_name = f"{p}-trail"
        trail_arn = f"arn:aws:cloudtrail:{region}:{ident.account_id}:trail/{trail_name}"
        self.bucket = aws.s3.Bucket(f"{name}-trail-logs", bucket=f"{p}-cloudtrail-{ident.account_id}",
                                    force_destroy=False, opts=stateful)
        aws.s3.BucketPublicAccessBlock(f"{name}-trail-logs", bucket=self.bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=child)
        aws.s3.BucketVersioning(f"{name}-trail-logs", bucket=self.bucket.id,
                                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                                    status="Enabled"), opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-trail-logs", bucket=self.bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn),
                bucket_key_enabled=True)],
            opts=child)
        policy = aws.s3.BucketPolicy(
            f"{name}-trail-logs", bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": arn,
                 "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
                {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{ident.account_id}/*",
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                "aws:SourceArn": trail_arn}}},
            ]})),
            opts=child)
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail", name=trail_name, s3_bucket_name=self.bucket.id, is_multi_region_trail=True,
            include_global_service_events=True, enable_log_file_validation=True, kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
        if args.guardduty:
            aws.guardduty.Detector(f"{name}-guardduty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES",
                                   opts=child)
        self.register_outputs({"topic_arn": self.topic.arn, "trail_arn": self.trail.arn,
                               "trail_bucket": self.bucket.id})
