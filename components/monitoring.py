"""Monitoring: encrypted incident topic (TTIS), alarms, CloudTrail to an encrypted in-country bucket, GuardDuty.

Defaults (inputs of :class:`MonitoringArgs`):

- ``kms_key_arn``: customer key for the SNS topic, the CloudTrail logs, the trail bucket and the trail's log group:
  EncryptionKeys' "logs" key, whose policy grants CloudTrail (for the trail named ``trail_name(prefix)``), CloudWatch
  Logs and the topic's publishers (``topic_name(prefix)``); pass both names in EncryptionKeysArgs.
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
- incident topic policy: the owner account's default statement (``AWS:SourceOwner``), plus ``SNS:Publish`` for the
  services that publish to it: CloudWatch alarms, EventBridge rules and AWS Backup vault notifications, each scoped by
  ``aws:SourceAccount`` and ``aws:SourceArn`` of this account's alarms / rules / vaults. The topic's key
  (``kms_key_arn``) must grant them GenerateDataKey* + Decrypt (EncryptionKeys' logs key does).
- ``force_destroy`` (False): trail bucket deletable with its objects (non-production stacks, so they can be torn down).
- GuardDuty (``guardduty``, "existing"): "existing" = the account's detector is managed outside this stack (by the
  organisation's delegated administrator or another stack), nothing is created (``guardduty_detector_id`` only
  records its id); "create" = an enabled detector (15-minute findings), one per account and region; "off" = none.
Output ``topic_arn`` (BackupPlan notifications send to it; DnsFailover creates no alarm, see its docstring),
``guardduty_detector_id`` (None when unknown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backup import BACKUP_TAG

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
"""CloudWatch Logs' allowed retention values (days)."""
GUARDDUTY_MODES = ("existing", "create", "off")
_DETECTOR_ID = re.compile(r"[a-z0-9]{1,300}")  # GuardDuty API: DetectorId


def trail_name(name_prefix: str) -> str:
    """Name of the stack's CloudTrail trail (the logs key grants CloudTrail on it: EncryptionKeysArgs.trail_names)."""
    return f"{name_prefix}-trail"


def topic_name(name_prefix: str) -> str:
    """Name of the stack's incident topic (EncryptionKeysArgs.sns_topic_names)."""
    return f"{name_prefix}-incidents"


def topic_policy(topic_arn: str, account: str, partition: str, region: str) -> str:
    """The incident topic's access policy: the owner's default statement, then one ``SNS:Publish`` statement per
    publishing service, scoped to this account's resources (confused-deputy prevention)."""
    def publisher(sid: str, service: str, source_arn: str) -> dict[str, Any]:
        return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": service}, "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}}}

    return json.dumps({"Version": "2012-10-17", "Id": "__default_policy_ID", "Statement": [
        # what SNS puts on a new topic: the owner account may manage and publish
        # (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html)
        {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                    "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
         "Resource": topic_arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}},
        # CloudWatch alarm actions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
        publisher("CloudWatchAlarms", "cloudwatch.amazonaws.com", f"arn:{partition}:cloudwatch:{region}:{account}:alarm:*"),
        # EventBridge rule targets: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
        publisher("EventBridgeRules", "events.amazonaws.com", f"arn:{partition}:events:{region}:{account}:rule/*"),
        # AWS Backup vault notifications; aws:SourceArn is the vault:
        # https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html and
        # https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-service-confused-deputy-prevention.html
        publisher("AwsBackupVaults", "backup.amazonaws.com",
                  f"arn:{partition}:backup:{region}:{account}:backup-vault:*"),
    ]})


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
    guardduty: str = "existing"
    """GuardDuty: "existing" (managed outside this stack) | "create" | "off" [existing]."""
    guardduty_detector_id: str | None = None
    """Id of the account's existing detector (recorded only) [None]."""
    force_destroy: bool = False
    """Trail bucket deleted with its objects on destroy (non-production) [False]."""
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
        if self.guardduty not in GUARDDUTY_MODES:
            raise ValueError(f"guardduty: {self.guardduty!r}; allowed: one of {list(GUARDDUTY_MODES)}")
        if self.guardduty_detector_id is not None and not _DETECTOR_ID.fullmatch(self.guardduty_detector_id):
            raise ValueError(f"guardduty_detector_id: {self.guardduty_detector_id!r}; allowed: a GuardDuty detector "
                             "id (lowercase letters and digits, e.g. 12abc34d567e8fa901bc2d34e56789f0)")
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

        ident = aws.get_caller_identity()
        region = aws.get_region().region
        partition = aws.get_partition().partition
        self.topic = aws.sns.Topic(f"{name}-incidents", name=topic_name(p), kms_master_key_id=args.kms_key_arn,
                                   opts=child)
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-incidents", arn=self.topic.arn,
            policy=self.topic.arn.apply(lambda arn: topic_policy(arn, ident.account_id, partition, region)),
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

        trail = trail_name(p)
        trail_arn = f"arn:{partition}:cloudtrail:{region}:{ident.account_id}:trail/{trail}"
        self.bucket = aws.s3.Bucket(f"{name}-trail-logs", bucket=f"{p}-cloudtrail-{ident.account_id}",
                                    force_destroy=args.force_destroy, tags={BACKUP_TAG[0]: BACKUP_TAG[1]}, opts=stateful)
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
            f"{name}-trail", name=trail, s3_bucket_name=self.bucket.id, is_multi_region_trail=True,
            include_global_service_events=True, enable_log_file_validation=True, enable_logging=True,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *([role_policy] if logs else [])]), **logs)
        self.guardduty_detector_id: pulumi.Input[str] | None = args.guardduty_detector_id
        if args.guardduty == "create":
            # one detector per account and region: CreateDetector fails when one exists (organisation-managed
            # accounts, a second stack): those use "existing"
            # mode "create" is the operator's statement that this stack owns the account's detector: tagged so
            # (policies/siaga_rules/behaviour/singleton_account_resources.py)
            detector = aws.guardduty.Detector(f"{name}-guardduty", enable=True,
                                              finding_publishing_frequency="FIFTEEN_MINUTES",
                                              tags={"siaga.go.id/account-singleton": "owner"}, opts=child)
            self.guardduty_detector_id = detector.id
        self.trail_arn = self.trail.arn
        self.trail_bucket = self.bucket.id
        self.register_outputs({"topic_arn": self.topic.arn, "trail_arn": self.trail.arn,
                               "trail_bucket": self.bucket.id, "guardduty_detector_id": self.guardduty_detector_id})
