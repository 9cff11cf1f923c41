"""Monitoring: encrypted incident topic (TTIS), alarms, CloudTrail to an encrypted in-country bucket, GuardDuty.

Defaults (inputs of :class:`MonitoringArgs`):

- ``kms_key_arn``: customer key for the SNS topic, the CloudTrail logs and the trail bucket (the "logs" key of
  EncryptionKeys allows SNS, CloudWatch and CloudTrail).
- ``contacts`` (cfg.alertContacts): one e-mail subscription each (they must confirm it).
- ``alb_arn_suffix`` (None): ALB 5xx > ``alb_5xx_threshold`` (10 per minute, 3 of 3 periods), target response time
  p99 > ``response_time_seconds`` (2 s, 5 of 5 minutes); with ``target_group_arn_suffix`` (None) also unhealthy
  hosts > 0 (dimensions TargetGroup + LoadBalancer).
- ``db_identifier`` (None): DB CPU > 80 %, free storage < ``db_free_storage_bytes`` (10 GiB), connections >
  ``db_max_connections`` (400).
- CloudTrail: multi-region trail (it only records: management events of every region, delivered only to this
  in-country bucket), global service events, logging and log file validation on, KMS-encrypted; bucket with public
  access block, versioning, SSE-KMS, TLS-only policy and the CloudTrail bucket policy (aws:SourceArn of this trail).
  ``protect`` (True) -> bucket (and log group) protect + retain_on_delete. The bucket is tagged ``Backup=siaga`` so
  the stack's BackupPlan selects it (audit evidence kept in the locked vault too).
- ``trail_log_retention_days`` (365): the trail also delivers to a KMS-encrypted CloudWatch log group
  ``/aws/cloudtrail/<prefix>`` kept that many days (with a role CloudTrail assumes to write it); None = S3 only.
- GuardDuty detector (enabled, 15-minute findings) when ``guardduty`` (True); set False if the account already has one.
Output ``topic_arn`` (BackupPlan notifications send to it; DnsFailover creates no alarm, see its docstring).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backup import BACKUP_TAG

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
"""CloudWatch Logs' allowed retention values (days)."""


@dataclass
class MonitoringArgs:
    """Inputs of :class:`Monitoring` (defaults in the module docstring)."""

    name_prefix: str
    """Prefix of every resource name (required)."""
    kms_key_arn: pulumi.Input[str]
    """Customer key of the topic, trail, trail bucket and log group (required)."""
    contacts: Sequence[Any]
    """cfg.alertContacts (objects with ``.email``) or plain e-mail strings (required; may be empty)."""
    alb_arn_suffix: pulumi.Input[str] | None = None
    """ALB ``arn_suffix`` [None: no ALB alarms]."""
    target_group_arn_suffix: pulumi.Input[str] | None = None
    """Target group ``arn_suffix`` [None: no unhealthy-hosts alarm]; needs ``alb_arn_suffix``."""
    db_identifier: pulumi.Input[str] | None = None
    """RDS instance identifier [None: no database alarms]."""
    protect: bool = True
    """protect + retain_on_delete on the trail bucket and log group [True]."""
    alb_5xx_threshold: int = 10
    """5xx responses per minute (ELB and target each) [10]."""
    response_time_seconds: float = 2.0
    """TargetResponseTime p99 threshold in seconds [2.0]."""
    db_free_storage_bytes: int = 10 * 1024**3
    """FreeStorageSpace alarm threshold in bytes [10 GiB]."""
    db_max_connections: int = 400
    """DatabaseConnections alarm threshold [400]."""
    guardduty: bool = True
    """Create an enabled GuardDuty detector [True]; one per account and region."""
    trail_log_retention_days: int | None = 365
    """CloudTrail -> CloudWatch log group retention [365]; None = no log group."""

    def validate(self) -> None:
        """One clear line naming the key, the value and what is allowed."""
        if self.target_group_arn_suffix is not None and self.alb_arn_suffix is None:
            raise ValueError("target_group_arn_suffix: set without alb_arn_suffix; allowed: both (UnHealthyHostCount "
                             "needs the TargetGroup and LoadBalancer dimensions) or neither")
        for key in ("alb_5xx_threshold", "db_max_connections", "db_free_storage_bytes"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: {getattr(self, key)!r}; allowed: an integer >= 1")
        if self.response_time_seconds <= 0:
            raise ValueError(f"response_time_seconds: {self.response_time_seconds!r}; allowed: a number > 0")
        if self.trail_log_retention_days is not None and self.trail_log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"trail_log_retention_days: {self.trail_log_retention_days!r}; allowed: None or one of "
                             f"{list(LOG_RETENTION_DAYS)}")
        for c in self.contacts:
            if not isinstance(c, str) and not isinstance(getattr(c, "email", None), str):
                raise ValueError(f"contacts: {c!r}; allowed: components.config.Contact objects or e-mail strings")


class Monitoring(pulumi.ComponentResource):
    """See the module docstring. Outputs: ``topic_arn``, ``trail_arn``, ``trail_bucket``."""

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:Monitoring", name, None, opts)
        args.validate()
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
                         dimensions=lb, extended_statistic="p99", period=60, evaluation_periods=5,
                         threshold=args.response_time_seconds, comparison_operator="GreaterThanThreshold")
            if args.target_group_arn_suffix is not None:
                metric_alarm("unhealthy-hosts", namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
                             dimensions={**lb, "TargetGroup": args.target_group_arn_suffix}, statistic="Maximum",
                             period=60, evaluation_periods=2, threshold=0, comparison_operator="GreaterThanThreshold")
        if args.db_identifier is not None:
            db = {"DBInstanceIdentifier": args.db_identifier}
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
                                    force_destroy=False, tags={BACKUP_TAG[0]: BACKUP_TAG[1]}, opts=stateful)
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
        logs: dict[str, pulumi.Input[str]] = {}
        if args.trail_log_retention_days is not None:
            group = aws.cloudwatch.LogGroup(
                f"{name}-trail", name=f"/aws/cloudtrail/{p}", kms_key_id=args.kms_key_arn,
                retention_in_days=args.trail_log_retention_days, opts=stateful)
            role = aws.iam.Role(f"{name}-trail-logs", name=f"{p}-cloudtrail-logs", assume_role_policy=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}}]}), opts=child)
            role_policy = aws.iam.RolePolicy(
                f"{name}-trail-logs", role=role.id, policy=group.arn.apply(lambda arn: json.dumps({
                    "Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn.removesuffix(':*')}:log-stream:*"}]})), opts=child)
            logs = {"cloud_watch_logs_group_arn": group.arn.apply(lambda arn: arn if arn.endswith(":*") else f"{arn}:*"),
                    "cloud_watch_logs_role_arn": role.arn}
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail", name=trail_name, s3_bucket_name=self.bucket.id, is_multi_region_trail=True,
            include_global_service_events=True, enable_log_file_validation=True, enable_logging=True,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *([role_policy] if logs else [])]), **logs)
        if args.guardduty:
            aws.guardduty.Detector(f"{name}-guardduty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES",
                                   opts=child)
        self.trail_arn = self.trail.arn
        self.trail_bucket = self.bucket.id
        self.register_outputs({"topic_arn": self.topic.arn, "trail_arn": self.trail.arn,
                               "trail_bucket": self.bucket.id})
