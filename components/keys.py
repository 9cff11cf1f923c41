"""EncryptionKeys: one customer-managed KMS key per purpose, in-region, rotated, with least-privilege policies.

Defaults (every input of :class:`EncryptionKeysArgs`):

- ``purposes`` = ("data", "logs", "backup", "secrets", "ebs"): one key and one alias ``alias/<prefix>-<purpose>`` each.
- ``deletion_window_days`` = 30: days a scheduled deletion can still be cancelled (AWS allows 7-30).
- ``enable_key_rotation`` = True (yearly automatic rotation) and ``multi_region`` = False (the key material never
  leaves the region; PP 71/2019 residency) are fixed, not arguments.
- ``protect`` = True: keys get ``protect=True`` and ``retain_on_delete=True`` (losing a key loses the data).
- ``region`` = "ap-southeast-3": used only to name the regional service principals in the key policies.

Key policies (rendered with ``aws.iam.get_policy_document``): the account root administers every key; then per purpose
- logs: CloudWatch Logs (``logs.<region>.amazonaws.com``) with an encryption-context condition on this account's log
  groups; SNS and CloudWatch alarms (the incident topic is encrypted with the logs key);
- backup: AWS Backup (``backup.amazonaws.com``) through ``kms:ViaService`` backup;
- ebs: the EC2 Auto Scaling service-linked role (encrypted volumes at launch) incl. CreateGrant for AWS resources;
- data: RDS through ``kms:ViaService`` rds (storage, Performance Insights) and AWS Backup; CloudWatch alarms and
  EventBridge (``cloudwatch.amazonaws.com``, ``events.amazonaws.com``) may Decrypt/GenerateDataKey* to publish to
  SNS topics encrypted with it;
- secrets: Secrets Manager through ``kms:ViaService``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

PURPOSES: tuple[str, ...] = ("data", "logs", "backup", "secrets", "ebs")
DELETION_WINDOW_DAYS = 30

_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


@dataclass
class EncryptionKeysArgs:
    """Inputs of :class:`EncryptionKeys` (defaults in the module docstring)."""

    name_prefix: str
    """Prefix of aliases and names, e.g. ``kemenkes-layanan-prod``."""
    purposes: Sequence[str] = field(default_factory=lambda: PURPOSES)
    """Which keys to create [all of :data:`PURPOSES`]; each must be one of them."""
    deletion_window_days: int = DELETION_WINDOW_DAYS
    """Waiting period before a scheduled key deletion [30]; AWS allows 7-30."""
    protect: bool = True
    """protect + retain_on_delete on every key."""
    region: str = "ap-southeast-3"
    """Region of the regional service principals in the policies."""


def _statements(purpose: str, account: str, partition: str, region: str) -> list[dict]:
    root = f"arn:{partition}:iam::{account}:root"
    stmts: list[dict] = [{
        "sid": "AccountAdministers",
        "principals": [{"type": "AWS", "identifiers": [root]}],
        "actions": ["kms:*"],
        "resources": ["*"],
    }]
    if purpose == "logs":
        stmts.append({
            "sid": "CloudWatchLogs",
            "principals": [{"type": "Service", "identifiers": [f"logs.{region}.amazonaws.com"]}],
            "actions": _USE,
            "resources": ["*"],
            "conditions": [{
                "test": "ArnLike",
                "variable": "kms:EncryptionContext:aws:logs:arn",
                "values": [f"arn:{partition}:logs:{region}:{account}:*"],
            }],
        })
        stmts.append({
            "sid": "SnsAndAlarms",
            "principals": [{"type": "Service", "identifiers": ["sns.amazonaws.com", "cloudwatch.amazonaws.com",
                                                               "cloudtrail.amazonaws.com"]}],
            "actions": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "resources": ["*"],
            "conditions": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [account]}],
        })
    if purpose in ("backup", "data"):
        stmts.append({
            "sid": "AwsBackup",
            "principals": [{"type": "AWS", "identifiers": ["*"]}],
            "actions": [*_USE, "kms:CreateGrant"],
            "resources": ["*"],
            "conditions": [
                {"test": "StringEquals", "variable": "kms:CallerAccount", "values": [account]},
                {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"backup.{region}.amazonaws.com"]},
            ],
        })
    if purpose == "data":
        stmts.append({
            "sid": "AlarmsToEncryptedTopics",
            "principals": [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}],
            "actions": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "resources": ["*"],
        })
        stmts.append({
            "sid": "Rds",
            "principals": [{"type": "AWS", "identifiers": ["*"]}],
            "actions": [*_USE, "kms:CreateGrant", "kms:ListGrants"],
            "resources": ["*"],
            "conditions": [
                {"test": "StringEquals", "variable": "kms:CallerAccount", "values": [account]},
                {"test": "StringEquals", "variable": "kms:ViaService", "values": [f"rds.{region}.amazonaws.com"]},
            ],
        })
    if purpose == "secrets":
        stmts.append({
            "sid": "SecretsManager",
            "principals": [{"type": "AWS", "identifiers": ["*"]}],
            "actions": [*_USE, "kms:CreateGrant"],
            "resources": ["*"],
            "conditions": [
                {"test": "StringEquals", "variable": "kms:CallerAccount", "values": [account]},
                {"test": "StringEquals", "variable": "kms:ViaService",
                 "values": [f"secretsmanager.{region}.amazonaws.com"]},
            ],
        })
    if purpose == "ebs":
        asg = f"arn:{partition}:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        stmts.append({
            "sid": "AutoScalingUse",
            "principals": [{"type": "AWS", "identifiers": [asg]}],
            "actions": _USE,
            "resources": ["*"],
        })
        stmts.append({
            "sid": "AutoScalingGrant",
            "principals": [{"type": "AWS", "identifiers": [asg]}],
            "actions": ["kms:CreateGrant"],
            "resources": ["*"],
            "conditions": [{"test": "Bool", "variable": "kms:GrantIsForAWSResource", "values": ["true"]}],
        })
    return stmts


class EncryptionKeys(pulumi.ComponentResource):
    """Customer-managed KMS keys, one per purpose. ``keys[purpose]`` -> aws.kms.Key; ``arn(purpose)`` -> Output[str]."""

    keys: dict[str, aws.kms.Key]
    aliases: dict[str, aws.kms.Alias]

    def __init__(self, name: str, args: EncryptionKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:EncryptionKeys", name, None, opts)
        unknown = [p for p in args.purposes if p not in PURPOSES]
        if unknown:
            raise ValueError(f"EncryptionKeysArgs.purposes: {unknown} unknown; allowed: {list(PURPOSES)}")
        if len(set(args.purposes)) != len(list(args.purposes)):
            raise ValueError(f"EncryptionKeysArgs.purposes: {list(args.purposes)} has duplicates; allowed: each purpose once")
        if not isinstance(args.deletion_window_days, int) or not 7 <= args.deletion_window_days <= 30:
            raise ValueError(f"EncryptionKeysArgs.deletion_window_days: {args.deletion_window_days!r}; allowed: 7-30")
        ident = aws.get_caller_identity()
        partition = aws.get_partition().partition
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        self.keys = {}
        self.aliases = {}
        for purpose in args.purposes:
            doc = aws.iam.get_policy_document(
                statements=_statements(purpose, ident.account_id, partition, args.region))
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{args.name_prefix} {purpose} (customer-managed, single-region)",
                enable_key_rotation=True,
                deletion_window_in_days=args.deletion_window_days,
                multi_region=False,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=doc.json,
                tags={"Purpose": purpose},
                opts=stateful,
            )
            self.keys[purpose] = key
            self.aliases[purpose] = aws.kms.Alias(
                f"{name}-{purpose}",
                name=f"alias/{args.name_prefix}-{purpose}",
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({
            "arns": {p: k.arn for p, k in self.keys.items()},
            "aliases": {p: a.name for p, a in self.aliases.items()},
        })

    def arn(self, purpose: str) -> pulumi.Output[str]:
        """ARN of the key for ``purpose`` (KeyError with the known purposes otherwise)."""
        if purpose not in self.keys:
            raise KeyError(f"no key for purpose {purpose!r}; created: {sorted(self.keys)}")
        return self.keys[purpose].arn
