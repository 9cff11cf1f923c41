"""EncryptionKeys: one customer-managed KMS key per purpose, in-region, rotated, with least-privilege policies.

Defaults (every input of :class:`EncryptionKeysArgs`):

- ``purposes`` = ("data", "logs", "backup", "secrets", "ebs"): one key and one alias ``alias/<prefix>-<purpose>`` each.
- ``deletion_window_days`` = 30: days a scheduled deletion can still be cancelled (AWS allows 7-30).
- ``enable_key_rotation`` = True (yearly automatic rotation) and ``multi_region`` = False (the key material never
  leaves the region; PP 71/2019 residency) are fixed, not arguments.
- ``protect`` = True: keys get ``protect=True`` and ``retain_on_delete=True`` (losing a key loses the data).
- ``region`` = "ap-southeast-3": used only to name the regional service principals in the key policies.
- ``trail_names`` = (): CloudTrail trails (names, in this account and region) that encrypt with the logs key.
- ``sns_topic_names`` = (): SNS topics encrypted with the logs key (None/empty: any topic of this account and region).
- ``autoscaling_role_arn`` = None: with the "ebs" purpose, the EC2 Auto Scaling service-linked role the ebs key
  grants; None creates ``AWSServiceRoleForAutoScaling_<suffix>`` (suffix from ``name_prefix``), so the key policy
  never names a role a fresh account does not have. Output ``autoscaling_role_arn`` (pass it to the ASG).
- ``default_autoscaling_role`` = False: True grants the default ``AWSServiceRoleForAutoScaling`` through an
  ``aws:PrincipalArn`` condition (KMS checks that a Principal exists, not a condition value, so the key is created
  even before AWS creates that role with the account's first Auto Scaling group) and creates no role: for EKS
  managed node groups, whose Auto Scaling groups always use the default role.

Key policies: the account root administers every key; then per purpose
- logs: CloudWatch Logs (``logs.<region>.amazonaws.com``) with an encryption-context condition on this account's log
  groups; CloudTrail (GenerateDataKey* on the trail's encryption context and ``aws:SourceArn`` of the trails,
  DescribeKey, and Decrypt for principals of this account reading the log files); the publishers of the encrypted
  incident topic: CloudWatch alarms, EventBridge and AWS Backup (GenerateDataKey* + Decrypt on the topic's encryption
  context);
- backup: AWS Backup (``backup.amazonaws.com``) through ``kms:ViaService`` backup;
- ebs: the EC2 Auto Scaling service-linked role (encrypted volumes at launch) incl. CreateGrant for AWS resources;
- data: RDS through ``kms:ViaService`` rds (storage, Performance Insights) and AWS Backup;
- secrets: Secrets Manager through ``kms:ViaService``.
- ``copy_account_ids`` = (): accounts the backup and data keys are shared with (the isolated backup account of
  ``components/backup_account.py``): a cross-account copy needs the source's customer managed key shared with the
  destination account (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).

Key guard (``guard`` = None: off; a :class:`KeyGuard`: on). Every key policy then ends with a Deny of
:data:`GUARDED_ACTIONS` (ScheduleKeyDeletion, DisableKey, PutKeyPolicy, DisableKeyRotation, DeleteImportedKeyMaterial)
to every principal whose ``aws:PrincipalArn`` is not the break-glass principal, and an Allow of those actions to it.
Why these: a scheduled deletion or a disabled key makes the database, its snapshots and the locked vault unreadable
together (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html); PutKeyPolicy would remove the
Deny itself; DisableKeyRotation weakens the key quietly. Not denied: CreateGrant (RDS, AWS Backup and Auto Scaling
need it, and a grant never permits an administrative operation such as ScheduleKeyDeletion or PutKeyPolicy:
https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations), alias changes (the
stack's resources use the key ARN, not the alias): alias changes and grant revocations are still alarmed on
(:class:`KeyTamperAlarm`, :data:`TAMPER_EVENTS`).

- Break-glass principal: ``KeyGuard.break_glass_arn`` (config ``siaga:keyGuard.breakGlassRoleArn``, a role of this
  account); unset = the account's root user, which can never be deleted, so the key can never become unmanageable.
  The principal is also named in an Allow statement: KMS checks that a key policy's principals exist, so a mistyped
  role fails CreateKey (MalformedPolicyDocumentException) instead of locking the key out.
- Key policy lockout: without ``BypassPolicyLockoutSafetyCheck`` KMS rejects a policy that does not let the caller
  call PutKeyPolicy again (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html,
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#prevent-unmanageable-key). The guard
  denies exactly that to the deploying role, on purpose, so guarded keys set ``bypass_policy_lockout_safety_check``;
  the break-glass principal keeps the key manageable. Consequence: once a guarded key exists, a ``pulumi up`` that
  changes a key policy (or destroys a key) must run as the break-glass role; other updates are unaffected.
- ``pulumi destroy``: guarded keys cannot be scheduled for deletion by the deployer, so non-production stacks run
  with the guard off by default (config ``keyGuard.enabled`` defaults to ``environment == prod``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

PURPOSES: tuple[str, ...] = ("data", "logs", "backup", "secrets", "ebs")
DELETION_WINDOW_DAYS = 30
TOPIC_PUBLISHERS: tuple[str, ...] = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com")
"""Services that publish to the incident topic: CloudWatch alarms, EventBridge rules, AWS Backup vault notifications."""

AUTOSCALING_ROLE_PREFIX = "AWSServiceRoleForAutoScaling_"
# IAM CreateServiceLinkedRole: CustomSuffix matches [\w+=,.@-]+; the role name (prefix + suffix) is at most 64
# characters, so the suffix of the Auto Scaling role has at most 64 - 29 = 35.
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html (custom suffix roles)
MAX_ROLE_NAME = 64
_SUFFIX_CHARS = re.compile(r"[^\w+=,.@-]")

_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
GUARDED_ACTIONS: tuple[str, ...] = ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy",
                                    "kms:DisableKeyRotation", "kms:DeleteImportedKeyMaterial")
"""Denied by the key guard to every principal but the break-glass one."""
BREAK_GLASS_EXTRA: tuple[str, ...] = ("kms:CancelKeyDeletion", "kms:EnableKey", "kms:EnableKeyRotation",
                                      "kms:GetKeyPolicy", "kms:DescribeKey")
"""What the break-glass principal also needs to undo an attack (cancel a deletion, re-enable the key)."""
TAMPER_EVENTS: tuple[str, ...] = ("ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy", "DisableKeyRotation",
                                  "DeleteImportedKeyMaterial", "DeleteAlias", "UpdateAlias", "RevokeGrant")
"""KMS API calls that the key-tamper EventBridge rule alarms on (any caller, success or failure). CreateGrant and
RetireGrant are left out: AWS services call them all day (every encrypted volume the ASG launches)."""


@dataclass(frozen=True)
class KeyGuard:
    """The key guard: ``break_glass_arn`` None = the account's root user."""

    break_glass_arn: str | None = None


def break_glass_principal(guard: KeyGuard, account: str, partition: str = "aws") -> str:
    """The one principal exempt from the guard (the configured role, else the account root user)."""
    return guard.break_glass_arn or f"arn:{partition}:iam::{account}:root"


def guard_statements(principal: str) -> list[dict]:
    """The guard's two statements (get_policy_document form): the exempt principal may do the guarded actions,
    everyone else is denied them. ``aws:PrincipalArn`` is the role ARN for a role session and
    ``arn:aws:iam::<account>:root`` for the root user; a request without it (a service principal) is denied too, as
    negated condition operators match an absent key
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)."""
    return [
        {"sid": "KeyGuardBreakGlass", "principals": [{"type": "AWS", "identifiers": [principal]}],
         "actions": [*GUARDED_ACTIONS, *BREAK_GLASS_EXTRA], "resources": ["*"]},
        {"sid": "KeyGuardDenyDestruction", "effect": "Deny", "principals": [{"type": "AWS", "identifiers": ["*"]}],
         "actions": list(GUARDED_ACTIONS), "resources": ["*"],
         "conditions": [{"test": "ArnNotEquals", "variable": "aws:PrincipalArn", "values": [principal]}]},
    ]


def autoscaling_role_suffix(name_prefix: str) -> str:
    """The custom suffix of the stack's Auto Scaling service-linked role: the name prefix, cleaned to IAM's character
    set, shortened with a stable hash when the role name would pass 64 characters."""
    suffix = _SUFFIX_CHARS.sub("-", name_prefix) or "siaga"
    room = MAX_ROLE_NAME - len(AUTOSCALING_ROLE_PREFIX)
    if len(suffix) > room:
        digest = hashlib.sha256(name_prefix.encode()).hexdigest()[:8]
        suffix = f"{suffix[:room - 9]}-{digest}"
    return suffix


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
    trail_names: Sequence[str] = ()
    """CloudTrail trails encrypting with the logs key [()]: none = no CloudTrail grant."""
    sns_topic_names: Sequence[str] = ()
    """Topics encrypted with the logs key [(): any topic of this account and region]."""
    autoscaling_role_arn: str | None = None
    """Existing EC2 Auto Scaling service-linked role for the ebs key [None: create one with a custom suffix]."""
    default_autoscaling_role: bool = False
    """Grant the account's default AWSServiceRoleForAutoScaling instead of creating a role [False]: for Auto Scaling
    groups the stack does not create itself (EKS managed node groups), which always use the default role."""
    guard: KeyGuard | None = None
    """The key guard (module docstring) [None: off]."""
    copy_account_ids: Sequence[str] = ()
    """Accounts the backup and data keys are shared with for cross-account backup copies [()]."""


def _cloudtrail(account: str, partition: str, region: str, trail_names: Sequence[str]) -> list[dict]:
    """CloudTrail's sections of the logs key policy, as documented in
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    (encrypt: GenerateDataKey* with the trail's encryption context and aws:SourceArn of the trail; describe the key;
    decrypt for the account's principals; the trail's S3 bucket uses SSE-KMS with this key, an S3 Bucket Key needs
    the Decrypt section too)."""
    if not trail_names:
        return []
    context = f"arn:{partition}:cloudtrail:*:{account}:trail/*"
    trails = [f"arn:{partition}:cloudtrail:{region}:{account}:trail/{n}" for n in trail_names]
    source = {"test": "StringEquals", "variable": "aws:SourceArn", "values": trails}
    return [
        {"sid": "CloudTrailEncryptLogs",
         "principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}],
         "actions": ["kms:GenerateDataKey*"], "resources": ["*"],
         "conditions": [source, {"test": "StringLike", "variable": "kms:EncryptionContext:aws:cloudtrail:arn",
                                 "values": [context]}]},
        {"sid": "CloudTrailDescribeKey",
         "principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}],
         "actions": ["kms:DescribeKey"], "resources": ["*"], "conditions": [source]},
        {"sid": "AccountDecryptsTrailLogs",
         "principals": [{"type": "AWS", "identifiers": ["*"]}],
         "actions": ["kms:Decrypt", "kms:ReEncryptFrom"], "resources": ["*"],
         "conditions": [{"test": "StringEquals", "variable": "kms:CallerAccount", "values": [account]},
                        {"test": "StringLike", "variable": "kms:EncryptionContext:aws:cloudtrail:arn",
                         "values": [context]}]},
    ]


def _statements(purpose: str, account: str, partition: str, region: str, *, trail_names: Sequence[str] = (),
                sns_topic_names: Sequence[str] = (), autoscaling_role: Any = None,
                copy_account_ids: Sequence[str] = (), guard: KeyGuard | None = None) -> list[dict]:
    root = f"arn:{partition}:iam::{account}:root"
    stmts: list[dict] = [{
        "sid": "AccountAdministers",
        "principals": [{"type": "AWS", "identifiers": [root]}],
        "actions": ["kms:*"],
        "resources": ["*"],
    }]
    if purpose == "logs":
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html: the regional logs
        # principal, scoped by the kms:EncryptionContext:aws:logs:arn of this account's log groups.
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
        stmts += _cloudtrail(account, partition, region, trail_names)
        # An AWS service publishing to an SSE-KMS topic needs kms:GenerateDataKey* and kms:Decrypt on the topic's key
        # (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
        # SNS encrypts with the encryption context aws:sns:topicArn, which scopes the grant to our topics.
        topics = [f"arn:{partition}:sns:{region}:{account}:{n}" for n in sns_topic_names] or \
            [f"arn:{partition}:sns:{region}:{account}:*"]
        stmts.append({
            "sid": "TopicPublishers",
            "principals": [{"type": "Service", "identifiers": list(TOPIC_PUBLISHERS)}],
            "actions": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "resources": ["*"],
            "conditions": [{"test": "ArnLike", "variable": "kms:EncryptionContext:aws:sns:topicArn",
                            "values": topics}],
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
    if purpose in ("backup", "data") and copy_account_ids:
        # "if your resources are encrypted with a customer managed key, you must share this customer managed key with
        # the destination account" (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html);
        # the account root delegates to that account's IAM policies (its AWS Backup role)
        stmts.append({
            "sid": "IsolatedBackupAccountCopies",
            "principals": [{"type": "AWS", "identifiers": [f"arn:{partition}:iam::{a}:root" for a in copy_account_ids]}],
            "actions": [*_USE, "kms:CreateGrant"],
            "resources": ["*"],
        })
    if purpose == "data":
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
    if purpose == "ebs" and autoscaling_role is None:
        # the default role, by condition: a key policy Principal must exist when the key is created, a condition value
        # need not (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html); the statements
        # are the ones https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
        # asks for, restricted to this account's default Auto Scaling role
        default = [{"test": "StringEquals", "variable": "kms:CallerAccount", "values": [account]},
                   {"test": "ArnEquals", "variable": "aws:PrincipalArn",
                    "values": [f"arn:{partition}:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/"
                               "AWSServiceRoleForAutoScaling"]}]
        stmts.append({"sid": "DefaultAutoScalingRoleUse", "principals": [{"type": "AWS", "identifiers": ["*"]}],
                      "actions": _USE, "resources": ["*"], "conditions": default})
        stmts.append({"sid": "DefaultAutoScalingRoleGrant", "principals": [{"type": "AWS", "identifiers": ["*"]}],
                      "actions": ["kms:CreateGrant"], "resources": ["*"],
                      "conditions": [*default, {"test": "Bool", "variable": "kms:GrantIsForAWSResource",
                                                "values": ["true"]}]})
    elif purpose == "ebs":
        # https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
        stmts.append({
            "sid": "AutoScalingUse",
            "principals": [{"type": "AWS", "identifiers": [autoscaling_role]}],
            "actions": _USE,
            "resources": ["*"],
        })
        stmts.append({
            "sid": "AutoScalingGrant",
            "principals": [{"type": "AWS", "identifiers": [autoscaling_role]}],
            "actions": ["kms:CreateGrant"],
            "resources": ["*"],
            "conditions": [{"test": "Bool", "variable": "kms:GrantIsForAWSResource", "values": ["true"]}],
        })
    if guard is not None:
        stmts += guard_statements(break_glass_principal(guard, account, partition))
    return stmts


class EncryptionKeys(pulumi.ComponentResource):
    """Customer-managed KMS keys, one per purpose. ``keys[purpose]`` -> aws.kms.Key; ``arn(purpose)`` -> Output[str];
    ``autoscaling_role_arn`` -> the Auto Scaling service-linked role the ebs key grants (None without "ebs")."""

    keys: dict[str, aws.kms.Key]
    aliases: dict[str, aws.kms.Alias]
    autoscaling_role_arn: pulumi.Output[str] | None

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
        if args.guard is not None and args.guard.break_glass_arn is not None:
            glass_account = args.guard.break_glass_arn.split(":")[4]
            if glass_account != ident.account_id:
                raise ValueError(f"siaga:keyGuard.breakGlassRoleArn: {args.guard.break_glass_arn!r} is in account "
                                 f"{glass_account}; allowed: a role of this stack's account {ident.account_id}")
        bad = [a for a in args.copy_account_ids if not re.fullmatch(r"\d{12}", a) or a == ident.account_id]
        if bad:
            raise ValueError(f"EncryptionKeysArgs.copy_account_ids: {bad}; allowed: 12-digit ids of other accounts "
                             f"than this one ({ident.account_id})")
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)
        child = pulumi.ResourceOptions(parent=self)
        self.keys = {}
        self.aliases = {}
        self.autoscaling_role_arn = None
        if "ebs" in args.purposes and not args.default_autoscaling_role:
            if args.autoscaling_role_arn:
                self.autoscaling_role_arn = pulumi.Output.from_input(args.autoscaling_role_arn)
            else:
                # Creating the role (with a suffix of its own, so a second stack in the account never collides with
                # the default AWSServiceRoleForAutoScaling) makes the key depend on it through the policy below.
                role = aws.iam.ServiceLinkedRole(
                    f"{name}-autoscaling", aws_service_name="autoscaling.amazonaws.com",
                    custom_suffix=autoscaling_role_suffix(args.name_prefix),
                    description=f"EC2 Auto Scaling for {args.name_prefix} (uses the {args.name_prefix}-ebs key)",
                    opts=child)
                self.autoscaling_role_arn = role.arn
        for purpose in args.purposes:
            statements = _statements(purpose, ident.account_id, partition, args.region, trail_names=args.trail_names,
                                     sns_topic_names=args.sns_topic_names,
                                     autoscaling_role=self.autoscaling_role_arn,
                                     copy_account_ids=args.copy_account_ids, guard=args.guard)
            # KMS rejects a policy naming a principal IAM has not propagated yet (MalformedPolicyDocumentException);
            # the provider retries CreateKey on it while IAM propagates (waitIAMPropagation around CreateKey in
            # terraform-provider-aws internal/service/kms/key.go), so a role created in the same `up` is safe.
            policy = (aws.iam.get_policy_document_output(statements=statements).json
                      if purpose == "ebs" and self.autoscaling_role_arn is not None
                      else aws.iam.get_policy_document(statements=statements).json)
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{args.name_prefix} {purpose} (customer-managed, single-region)",
                enable_key_rotation=True,
                deletion_window_in_days=args.deletion_window_days,
                multi_region=False,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=policy,
                # the guard denies PutKeyPolicy to the deployer on purpose (module docstring: key policy lockout)
                bypass_policy_lockout_safety_check=True if args.guard is not None else None,
                tags={"Purpose": purpose},
                opts=stateful,
            )
            self.keys[purpose] = key
            self.aliases[purpose] = aws.kms.Alias(
                f"{name}-{purpose}",
                name=f"alias/{args.name_prefix}-{purpose}",
                target_key_id=key.key_id,
                opts=child,
            )
        self.register_outputs({
            "arns": {p: k.arn for p, k in self.keys.items()},
            "aliases": {p: a.name for p, a in self.aliases.items()},
            "autoscaling_role_arn": self.autoscaling_role_arn,
        })

    def arn(self, purpose: str) -> pulumi.Output[str]:
        """ARN of the key for ``purpose`` (KeyError with the known purposes otherwise)."""
        if purpose not in self.keys:
            raise KeyError(f"no key for purpose {purpose!r}; created: {sorted(self.keys)}")
        return self.keys[purpose].arn


def tamper_event_pattern(event_names: Sequence[str] = TAMPER_EVENTS) -> dict[str, Any]:
    """EventBridge pattern of KMS API calls recorded by CloudTrail: source ``aws.kms``, detail-type ``AWS API Call via
    CloudTrail``, ``detail.eventSource`` kms.amazonaws.com and ``detail.eventName`` one of ``event_names``
    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html,
    https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html). No ``errorCode`` filter:
    a denied attempt is the alarm we want most."""
    return {"source": ["aws.kms"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": list(event_names)}}


@dataclass
class KeyTamperAlarmArgs:
    """Inputs of :class:`KeyTamperAlarm`."""

    name_prefix: str
    topic_arn: pulumi.Input[str]
    """The incident (TTIS) topic: Monitoring's ``topic_arn``; its policy lets EventBridge rules of this account
    publish (aws:SourceArn arn:aws:events:<region>:<account>:rule/*) and its key grants events.amazonaws.com."""
    event_names: Sequence[str] = field(default_factory=lambda: TAMPER_EVENTS)


class KeyTamperAlarm(pulumi.ComponentResource):
    """An EventBridge rule on the default bus: any attempt (allowed or denied) to delete, disable or re-police a KMS
    key of this account and region, or to change its aliases or revoke grants, is sent to the TTIS topic. CloudTrail
    sends "AWS API Call via CloudTrail" events to the default bus of the region of the call, best effort
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html); the rule lives in
    the stack's region, where the keys are. CloudTrail records a refused call too, with ``errorCode``; the pattern does
    not filter on it. Outputs: ``rule_arn``, ``rule_name``."""

    def __init__(self, name: str, args: KeyTamperAlarmArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:KeyTamperAlarm", name, None, opts)
        unknown = [e for e in args.event_names if not re.fullmatch(r"[A-Z][A-Za-z]+", e)]
        if not args.event_names or unknown:
            raise ValueError(f"KeyTamperAlarmArgs.event_names: {unknown or list(args.event_names)}; allowed: KMS API "
                             f"operation names such as {list(TAMPER_EVENTS[:3])}")
        child = pulumi.ResourceOptions(parent=self)
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule", name=f"{args.name_prefix}-kms-tamper",
            description="KMS key deletion, disabling, policy, alias or grant change attempted: alarm TTIS",
            event_pattern=json.dumps(tamper_event_pattern(args.event_names)), opts=child)
        # SNS targets need no role: the topic's resource policy admits events.amazonaws.com
        # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions)
        self.target = aws.cloudwatch.EventTarget(f"{name}-ttis", rule=self.rule.name, arn=args.topic_arn,
                                                 target_id="ttis-topic", opts=child)
        self.rule_arn = self.rule.arn
        self.register_outputs({"rule_arn": self.rule.arn, "rule_name": self.rule.name})
