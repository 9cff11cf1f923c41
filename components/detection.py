"""Detection for the incident response team (TTIS): GuardDuty protection plans, Security Hub with NIST SP 800-53 r5
and AWS FSBP, the AWS Config recorder Security Hub needs, Inspector, and EventBridge routes of findings to the
incident topic.

Account/region singletons (Security Hub subscription, Config recorder and delivery channel, Inspector enablement) use
the GuardDuty approach (``siaga:guardDuty.mode``): ``existing`` (default) = enabled outside this stack (an
organisation's delegated administrator / Control Tower, or another stack): nothing singleton is created, so `pulumi
up` works in an organisation-managed account where a second CreateRecorder / EnableSecurityHub fails with "already
exists" (policies/siaga_rules/behaviour/singleton_account_resources.py); ``create`` = this stack owns them (a
standalone account's baseline stack); ``off``. What is not a singleton is always built when detection is on:

- GuardDuty protection plans as ``aws.guardduty.DetectorFeature`` on the detector (the created one, the configured
  ``detectorId`` or the one ``aws.guardduty.get_detector()`` finds): RDS_LOGIN_EVENTS, S3_DATA_EVENTS,
  EBS_MALWARE_PROTECTION, and with EKS EKS_AUDIT_LOGS + RUNTIME_MONITORING with EKS_ADDON_MANAGEMENT (GuardDuty
  deploys its agent add-on). Feature names: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfiguration.html
  (RUNTIME_MONITORING and EKS_RUNTIME_MONITORING are exclusive; RUNTIME_MONITORING includes EKS). Region
  differences (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_regions.html) list none of these plans as
  missing in ap-southeast-3 (only two EC2 DoH/DoT finding types; RDS Protection is missing in ap-east-2 only).
  In a member account whose plans an organisation policy manages they are read-only through the API
  (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-organization-policies-considerations.html): set
  ``guardDutyFeatures: false`` there.
- Security Hub standards subscriptions (NIST SP 800-53 r5, AWS FSBP) on the created or the adopted hub; set
  ``standards: []`` when the organisation's central configuration owns the standards. On an adopted hub they are
  ``retain_on_delete``: destroying the stack leaves the account's standards on. The protection plans are left on too
  (deleting an ``aws_guardduty_detector_feature`` is a no-op in the provider: ``DeleteWithoutTimeout:
  schema.NoopContext``, internal/service/guardduty/detector_feature.go), so a non-production stack with detection on
  stays tear-down-able without taking account-wide detection with it. Both standards exist in
  ap-southeast-3; some of their controls do not (listed per Region, "Asia Pacific (Jakarta)":
  https://docs.aws.amazon.com/securityhub/latest/userguide/regions-controls.html).
- EventBridge rules, target = the TTIS topic: GuardDuty severity >= 4 (medium, high, critical), Security Hub new
  active HIGH/CRITICAL findings, Inspector active CRITICAL findings. The topic's policy (components/monitoring.py)
  allows events.amazonaws.com for ``arn:aws:events:<region>:<account>:rule/*`` and the logs key grants it.

``create`` for Config adds an encrypted bucket of the stack in the region (own KMS key with rotation, public access
block, versioning, TLS-only + the Config delivery bucket policy, tagged ``Backup=siaga`` for the backup selection,
``protect`` in production), the recorder role (AWS_ConfigRole + write to that bucket and key), the recorder (all
supported types), the delivery channel and the recorder status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backup import BACKUP_TAG

MODES = ("existing", "create", "off")
STANDARDS: dict[str, str] = {
    # ARNs of the regional standards (replace partition and region):
    # https://www.pulumi.com/registry/packages/aws/api-docs/securityhub/standardssubscription/ and
    # https://docs.aws.amazon.com/securityhub/latest/userguide/standards-reference.html
    "nist-800-53": "standards/nist-800-53/v/5.0.0",
    "aws-foundational": "standards/aws-foundational-security-best-practices/v/1.0.0",
}
BASE_FEATURES = ("RDS_LOGIN_EVENTS", "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION")
EKS_FEATURES = ("EKS_AUDIT_LOGS", "RUNTIME_MONITORING")
GUARDDUTY_MEDIUM = 4
"""GuardDuty severity: low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0
(https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html)."""
CONFIG_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
"""AWS managed policy for a Config recorder role (https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html)."""


def guardduty_pattern(min_severity: float = GUARDDUTY_MEDIUM) -> dict[str, Any]:
    """GuardDuty findings at or above ``min_severity``; event shape:
    https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html"""
    return {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", min_severity]}]}}


def securityhub_pattern() -> dict[str, Any]:
    """New, active HIGH/CRITICAL findings (updates of a known finding are not sent again); event shape:
    https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html"""
    return {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
            "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]},
                                    "RecordState": ["ACTIVE"], "Workflow": {"Status": ["NEW"]}}}}


def inspector_pattern() -> dict[str, Any]:
    """Active CRITICAL Inspector findings; event shape:
    https://docs.aws.amazon.com/inspector/latest/user/eventbridge-integration.html"""
    return {"source": ["aws.inspector2"], "detail-type": ["Inspector2 Finding"],
            "detail": {"severity": ["CRITICAL"], "status": ["ACTIVE"]}}


@dataclass
class DetectionArgs:
    """Inputs of :class:`Detection` (defaults in brackets)."""

    name_prefix: str
    """Prefix of every resource name (required)."""
    topic_arn: pulumi.Input[str]
    """The TTIS incident topic (Monitoring.topic_arn) (required)."""
    guardduty_mode: str = "existing"
    """siaga:guardDuty.mode: existing | create | off [existing]."""
    detector_id: pulumi.Input[str] | None = None
    """The detector to add plans to: created by Monitoring or configured [None: get_detector() finds it]."""
    guardduty_features: bool = True
    """Add the protection plans [True]."""
    eks: bool = False
    """The stack runs EKS: also EKS audit logs + runtime monitoring [False]."""
    security_hub: str = "existing"
    """existing | create | off [existing]."""
    standards: Sequence[str] = field(default_factory=lambda: list(STANDARDS))
    """Standards to subscribe (keys of STANDARDS) [both]."""
    config_recorder: str = "existing"
    """AWS Config recorder: existing | create | off [existing]."""
    inspector: str = "existing"
    """Inspector EC2 + ECR scanning: existing | create | off [existing]."""
    finding_routes: bool = True
    """EventBridge rules to the topic [True]."""
    guardduty_min_severity: float = GUARDDUTY_MEDIUM
    """Lowest GuardDuty severity routed [4 = medium]."""
    protect: bool = True
    """protect + retain_on_delete on the Config bucket and its key [True]."""
    force_destroy: bool = False
    """Config bucket deleted with its objects (non-production) [False]."""

    def validate(self) -> None:
        """One line naming the key, the value and what is allowed."""
        for key in ("guardduty_mode", "security_hub", "config_recorder", "inspector"):
            if getattr(self, key) not in MODES:
                raise ValueError(f"{key}: {getattr(self, key)!r}; allowed: one of {list(MODES)}")
        unknown = [s for s in self.standards if s not in STANDARDS]
        if unknown:
            raise ValueError(f"standards: {unknown!r}; allowed: a subset of {list(STANDARDS)}")
        if not 1 <= self.guardduty_min_severity <= 9:
            raise ValueError(f"guardduty_min_severity: {self.guardduty_min_severity!r}; allowed: 1 to 9 "
                             "(low 1, medium 4, high 7, critical 9)")


class Detection(pulumi.ComponentResource):
    """See the module docstring. Outputs: ``detector_id``, ``rule_arns`` (name -> ARN), ``config_bucket``."""

    def __init__(self, name: str, args: DetectionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:Detection", name, None, opts)
        args.validate()
        child = pulumi.ResourceOptions(parent=self)
        p = args.name_prefix
        account = aws.get_caller_identity().account_id
        region = aws.get_region().region
        partition = aws.get_partition().partition

        # --- GuardDuty protection plans on the account's detector
        self.detector_id: pulumi.Input[str] | None = None
        if args.guardduty_mode != "off":
            self.detector_id = args.detector_id if args.detector_id is not None else \
                aws.guardduty.get_detector_output(
                opts=pulumi.InvokeOutputOptions(parent=self)).id
            if args.guardduty_features:
                for feature in (*BASE_FEATURES, *(EKS_FEATURES if args.eks else ())):
                    extra = [aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(
                        name="EKS_ADDON_MANAGEMENT", status="ENABLED")] if feature == "RUNTIME_MONITORING" else None
                    aws.guardduty.DetectorFeature(
                        f"{name}-{feature.lower().replace('_', '-')}", detector_id=self.detector_id, name=feature,
                        status="ENABLED", additional_configurations=extra, opts=child)

        # --- AWS Config (Security Hub's controls are Config rules: it needs a recorder in the account and region,
        # https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-setup-prereqs.html)
        self.config_bucket: pulumi.Output[str] | None = None
        self.config_bucket_arn: pulumi.Output[str] | None = None
        """The Config delivery bucket's ARN (mode create): assigned to the backup plan by ARN (components/backup.py)."""
        recorder_ready: list[pulumi.Resource] = []
        if args.config_recorder == "create":
            recorder_ready = self._config(name, args, account, region, partition)

        # --- Security Hub and its standards
        if args.security_hub != "off":
            after: list[pulumi.Resource] = list(recorder_ready)
            if args.security_hub == "create":
                # default standards off: exactly the configured ones are subscribed (below)
                after.append(aws.securityhub.Account(
                    f"{name}-securityhub", enable_default_standards=False, auto_enable_controls=True,
                    control_finding_generator="SECURITY_CONTROL", opts=pulumi.ResourceOptions(
                        parent=self, depends_on=recorder_ready)))
            # Deleting a subscription disables the standard for the whole account and region (BatchDisableStandards:
            # https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/securityhub/standards_subscription.go).
            # On a hub this stack does not own (existing), `pulumi destroy` of this stack (a staging stack sharing
            # the account, say) must not switch the account's standards off: the subscriptions are retained.
            keep = args.security_hub == "existing"
            for key in args.standards:
                aws.securityhub.StandardsSubscription(
                    f"{name}-standard-{key}", standards_arn=f"arn:{partition}:securityhub:{region}::{STANDARDS[key]}",
                    opts=pulumi.ResourceOptions(parent=self, depends_on=after, retain_on_delete=keep))

        # --- Inspector: EC2 and ECR scanning (https://docs.aws.amazon.com/inspector/latest/user/inspector_regions.html)
        if args.inspector == "create":
            aws.inspector2.Enabler(f"{name}-inspector", account_ids=[account], resource_types=["EC2", "ECR"],
                                   opts=child)

        # --- findings to the TTIS topic
        self.rule_arns: dict[str, pulumi.Output[str]] = {}
        if args.finding_routes:
            routes = {"guardduty": (guardduty_pattern(args.guardduty_min_severity),
                                    f"GuardDuty findings of severity {args.guardduty_min_severity:g} and above"),
                      "securityhub": (securityhub_pattern(), "new HIGH/CRITICAL Security Hub findings"),
                      "inspector": (inspector_pattern(), "active CRITICAL Inspector findings")}
            services = {"guardduty": args.guardduty_mode, "securityhub": args.security_hub, "inspector": args.inspector}
            for key, (pattern, what) in routes.items():
                if services[key] == "off":  # a service turned off for the account sends no findings
                    continue
                rule = aws.cloudwatch.EventRule(f"{name}-{key}", name=f"{p}-{key}-findings",
                                                description=f"{what} to the TTIS incident topic",
                                                event_pattern=json.dumps(pattern), opts=child)
                aws.cloudwatch.EventTarget(f"{name}-{key}", rule=rule.name, arn=args.topic_arn, opts=child)
                self.rule_arns[key] = rule.arn
        self.register_outputs({"detector_id": self.detector_id, "rule_arns": self.rule_arns,
                               "config_bucket": self.config_bucket})

    def _config(self, name: str, args: DetectionArgs, account: str, region: str, partition: str
                ) -> list[pulumi.Resource]:
        """Recorder role, encrypted bucket, recorder, delivery channel, status; returns what must exist first."""
        p = args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        role_name = f"{p}-config-recorder"
        role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
        source = {"StringEquals": {"aws:SourceAccount": account}}
        # the key of the Config bucket: Config delivers with the recorder role's credentials, the service principal
        # is granted too (https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html)
        key = aws.kms.Key(f"{name}-config", description=f"{p}: AWS Config delivery bucket", enable_key_rotation=True,
                          deletion_window_in_days=30, policy=json.dumps({"Version": "2012-10-17", "Statement": [
                              {"Sid": "AccountAdmin", "Effect": "Allow",
                               "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "kms:*",
                               "Resource": "*"},
                              {"Sid": "ConfigDelivery", "Effect": "Allow",
                               "Principal": {"Service": "config.amazonaws.com", "AWS": role_arn},
                               "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
                          ]}), opts=stateful)
        bucket = aws.s3.Bucket(f"{name}-config", bucket=f"{p}-config-{account}", force_destroy=args.force_destroy,
                               tags={BACKUP_TAG[0]: BACKUP_TAG[1]}, opts=stateful)
        aws.s3.BucketPublicAccessBlock(f"{name}-config", bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                                       opts=child)
        aws.s3.BucketVersioning(f"{name}-config", bucket=bucket.id,
                                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                                    status="Enabled"), opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-config", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key.arn),
                bucket_key_enabled=True)], opts=child)
        # https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
        policy = aws.s3.BucketPolicy(
            f"{name}-config", bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow",
                 "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": arn,
                 "Condition": source},
                {"Sid": "AWSConfigBucketExistenceCheck", "Effect": "Allow",
                 "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:ListBucket", "Resource": arn,
                 "Condition": source},
                {"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/{account}/Config/*",
                 "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                "aws:SourceAccount": account}}},
            ]})), opts=child)
        role = aws.iam.Role(f"{name}-config", name=role_name, assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "config.amazonaws.com"},
                                                    "Condition": source}]}), opts=child)
        managed = aws.iam.RolePolicyAttachment(f"{name}-config", role=role.name, policy_arn=CONFIG_ROLE_POLICY,
                                               opts=child)
        delivery = aws.iam.RolePolicy(
            f"{name}-config-delivery", role=role.id,
            policy=pulumi.Output.all(bucket.arn, key.arn).apply(lambda a: json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{a[0]}/AWSLogs/{account}/Config/*",
                     "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
                    {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": a[0]},
                    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": a[1]}]})),
            opts=child)
        recorder = aws.cfg.Recorder(
            f"{name}-recorder", name=f"{p}-recorder", role_arn=role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(all_supported=True, include_global_resource_types=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[managed, delivery]))
        channel = aws.cfg.DeliveryChannel(
            f"{name}-delivery", name=f"{p}-delivery", s3_bucket_name=bucket.id, s3_kms_key_arn=key.arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[recorder, policy]))
        status = aws.cfg.RecorderStatus(f"{name}-recorder", name=recorder.name, is_enabled=True,
                                        opts=pulumi.ResourceOptions(parent=self, depends_on=[channel]))
        self.config_bucket = bucket.id
        self.config_bucket_arn = bucket.arn
        return [status]
