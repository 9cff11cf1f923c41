"""BackupPlan: a locked, customer-key-encrypted AWS Backup vault, daily/monthly/continuous rules, a selection covering
every data store (by ARN and by tag ``Backup=siaga``), optional in-country copy, restore testing, failure notifications.

Defaults (inputs of :class:`BackupPlanArgs`; ``settings`` is ``cfg.backup``, see ``components/config.py``):

- vault encrypted with ``kms_key_arn``; ``aws.backup.VaultLockConfiguration`` with min/max retention =
  settings.lockMin/MaxRetentionDays (7 / 3650), in compliance mode (``changeable_for_days`` =
  settings.lockChangeableForDays (3)) when ``compliance_lock`` (True), else governance mode (removable by the account's
  administrators, so a non-production stack can be destroyed); ``force_destroy`` (False) deletes the recovery points
  with the vault. Vault policy denies ``backup:DeleteRecoveryPoint`` and lifecycle edits to everyone; it does not deny
  ``backup:PutBackupVaultAccessPolicy``, so the account's administrators can still change the access policy (e.g. to
  accept copies from another account's vault).
- rules: ``daily`` (settings.dailySchedule, kept settings.dailyRetentionDays = 35), ``monthly`` (1st of month,
  18:00 UTC, kept settings.monthlyRetentionDays = 365), ``continuous`` (PITR for RDS/S3/Aurora) when
  settings.continuous (True), kept ``continuous_retention_days`` (None: min(35, dailyRetentionDays)). AWS Backup
  applies that value to an RDS database's backup retention period, so pass the database's own
  backupRetentionDays: one owner of the PITR window, no drift.
- selection: ``resource_arns`` (by ARN: backed up whatever the account's opt-in settings; the stack's audit-log
  buckets are passed here, since a tag-only S3 selection needs the account's S3 opt-in, which no stack should own:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html) AND every resource tagged
  ``Backup=siaga`` (for resource types the account has opted in to); IAM role with the AWS managed
  AWSBackupServiceRolePolicyForBackup / ...ForRestores (and the S3 ones).
- copy: settings.copyToVaultArn (None) to a second vault whose ARN region must be in ``allowed_regions``
  (default ("ap-southeast-3",)); anything else is one clear error.
- ``isolated_vault_arn`` (None): the vault in the separate backup account (components/backup_account.py); every
  rule (daily, monthly, continuous) also copies there, kept as long as in this vault. A continuous (PITR) recovery
  point is copied as a snapshot
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html). The plan's role gets an
  inline policy allowing backup:CopyIntoBackupVault on that vault (the copy job runs with it).
- restore testing (settings.restoreTesting, True): monthly plan (first Sunday) over this vault's latest recovery points + a
  selection of ``restore_test_resource_type`` ("RDS") resources. For RDS, ``restore_db_subnet_group_name`` (None) and
  ``restore_vpc_id`` (None) keep the restored copy in the database's isolated subnets: the selection overrides the
  restore metadata with that subnet group, a restore-test security group without any rule in that VPC and
  ``publiclyAccessible`` false (without them AWS Backup restores into the default VPC, or fails if it was deleted).
- ``sns_topic_arn`` (None): when set, failed/expired backup, copy and restore jobs are notified to it.
- ``protect`` (True): vault and lock get protect + retain_on_delete.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

BACKUP_TAG = ("Backup", "siaga")
MAX_CONTINUOUS_DAYS = 35
MONTHLY_SCHEDULE = "cron(0 18 1 * ? *)"  # 1st of the month, 01:00 WIB
RESTORE_TEST_SCHEDULE = "cron(0 20 ? * 1#1 *)"  # monthly: first Sunday, 03:00 WIB (Monday)
_MANAGED = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
)
DENIED_VAULT_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")
"""Denied to everyone by the vault policy (recovery points live their lifecycle out)."""
_FAILURE_EVENTS = ["BACKUP_JOB_FAILED", "BACKUP_JOB_EXPIRED", "COPY_JOB_FAILED", "RESTORE_JOB_FAILED",
                   "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED", "RECOVERY_POINT_MODIFIED"]


def vault_arn_region(arn: str) -> str:
    """Region of a backup vault ARN ``arn:<partition>:backup:<region>:<account>:backup-vault:<name>``."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "backup" or parts[5] != "backup-vault":
        raise ValueError(f"siaga:backup.copyToVaultArn: {arn!r} is not a backup vault ARN; allowed: "
                         "arn:aws:backup:<region>:<account>:backup-vault:<name>")
    return parts[3]


def check_copy_target(arn: str, allowed_regions: Sequence[str]) -> None:
    """One-line ValueError when the copy vault is outside the allowed (in-country) regions."""
    region = vault_arn_region(arn)
    if region not in allowed_regions:
        raise ValueError(f"siaga:backup.copyToVaultArn: {arn!r} is in {region}; allowed: a vault in "
                         f"{', '.join(allowed_regions)}")


@dataclass
class BackupPlanArgs:
    """Inputs of :class:`BackupPlan` (defaults in the module docstring)."""

    name_prefix: str
    kms_key_arn: pulumi.Input[str]
    resource_arns: list[pulumi.Input[str]]
    """Every data store the stack creates (RDS instances/clusters, buckets, EFS, ...)."""
    settings: Any
    """``cfg.backup`` (components.config.Backup)."""
    allowed_regions: Sequence[str] = field(default_factory=lambda: ("ap-southeast-3",))
    sns_topic_arn: pulumi.Input[str] | None = None
    protect: bool = True
    restore_test_resource_type: str = "RDS"
    continuous_retention_days: int | None = None
    """PITR window of the continuous rule, 1-35 [None: min(35, dailyRetentionDays)]; = the database's retention."""
    compliance_lock: bool = True
    """Compliance-mode vault lock (immutable after the cooling-off) [True]; False = governance mode (non-production)."""
    force_destroy: bool = False
    """Delete the recovery points with the vault on destroy (non-production) [False]."""
    restore_vpc_id: pulumi.Input[str] | None = None
    """VPC of the restore-test security group (the database's VPC) [None]."""
    restore_db_subnet_group_name: pulumi.Input[str] | None = None
    """DB subnet group restore tests land in (the database's isolated subnet group) [None]."""
    isolated_vault_arn: pulumi.Input[str] | None = None
    """Vault in the separate backup account every rule also copies to [None: no cross-account copy]."""

    def validate(self) -> None:
        """One line naming the field, the value and what is allowed."""
        days = self.continuous_retention_days
        if days is not None and (not isinstance(days, int) or not 1 <= days <= MAX_CONTINUOUS_DAYS):
            raise ValueError(f"continuous_retention_days: {days!r}; allowed: 1-{MAX_CONTINUOUS_DAYS} days (AWS "
                             "Backup continuous backup)")
        if (self.restore_vpc_id is None) != (self.restore_db_subnet_group_name is None):
            raise ValueError("restore_vpc_id / restore_db_subnet_group_name: only one is set; allowed: both (the "
                             "restore-test security group must be in the subnet group's VPC) or neither")


class BackupPlan(pulumi.ComponentResource):
    """See the module docstring. Outputs: ``vault_arn``, ``vault_name``, ``plan_id``, ``selection_id``, ``role_arn``."""

    def __init__(self, name: str, args: BackupPlanArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:BackupPlan", name, None, opts)
        s = args.settings
        args.validate()
        if s.copyToVaultArn:
            check_copy_target(s.copyToVaultArn, args.allowed_regions)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect)

        self.vault = aws.backup.Vault(f"{name}-vault", name=f"{args.name_prefix}-vault",
                                      kms_key_arn=args.kms_key_arn, force_destroy=args.force_destroy, opts=stateful)
        # changeable_for_days set = compliance mode (immutable after the cooling-off); unset = governance mode, which
        # users with backup:DeleteBackupVaultLockConfiguration can remove
        # (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html)
        self.lock = aws.backup.VaultLockConfiguration(
            f"{name}-lock", backup_vault_name=self.vault.name,
            changeable_for_days=s.lockChangeableForDays if args.compliance_lock else None,
            min_retention_days=s.lockMinRetentionDays, max_retention_days=s.lockMaxRetentionDays,
            opts=stateful)
        # Vault access policies take no wildcard actions
        # (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html). Denying
        # PutBackupVaultAccessPolicy to everyone would freeze this policy for good (no copy source could ever be
        # allowed in): the account's IAM administrators keep that right.
        aws.backup.VaultPolicy(
            f"{name}-vault-policy", backup_vault_name=self.vault.name,
            policy=self.vault.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
                "Action": list(DENIED_VAULT_ACTIONS),
                "Resource": arn}]})),
            opts=child)

        def copies(days: int) -> list[aws.backup.PlanRuleCopyActionArgs] | None:
            out = []
            if s.copyToVaultArn:
                out.append(aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=s.copyToVaultArn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=s.dailyRetentionDays)))
            if args.isolated_vault_arn is not None:
                out.append(aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=args.isolated_vault_arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=days)))
            return out or None

        rules = [
            aws.backup.PlanRuleArgs(rule_name="daily", target_vault_name=self.vault.name, schedule=s.dailySchedule,
                                    start_window=60, completion_window=360,
                                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=s.dailyRetentionDays),
                                    copy_actions=copies(s.dailyRetentionDays)),
            aws.backup.PlanRuleArgs(rule_name="monthly", target_vault_name=self.vault.name,
                                    schedule=MONTHLY_SCHEDULE, start_window=60, completion_window=720,
                                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=s.monthlyRetentionDays),
                                    copy_actions=copies(s.monthlyRetentionDays)),
        ]
        if s.continuous:
            # For RDS, AWS Backup manages the database's automated backups: it sets the instance's backup retention
            # period to this rule's retention, and a retention change updates the one recovery point in place
            # (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html,
            # https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-retention-period.html).
            # Passing the database's own backupRetentionDays keeps the two owners of the PITR window equal.
            pitr_days = (args.continuous_retention_days if args.continuous_retention_days is not None
                         else min(MAX_CONTINUOUS_DAYS, s.dailyRetentionDays))
            rules.append(aws.backup.PlanRuleArgs(
                rule_name="continuous", target_vault_name=self.vault.name, schedule=s.dailySchedule,
                enable_continuous_backup=True,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=pitr_days),
                copy_actions=copies(max(pitr_days, s.lockMinRetentionDays)) if args.isolated_vault_arn is not None
                else None))
        self.plan = aws.backup.Plan(f"{name}-plan", name=f"{args.name_prefix}-plan", rules=rules, opts=child)

        self.role = aws.iam.Role(
            f"{name}-role", name=f"{args.name_prefix}-backup",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            opts=child)
        for i, policy in enumerate(_MANAGED):
            aws.iam.RolePolicyAttachment(f"{name}-role-{i}", role=self.role.name,
                                         policy_arn=f"arn:aws:iam::aws:policy/{policy}", opts=child)
        if args.isolated_vault_arn is not None:
            # the copy job runs with this role; CopyIntoBackupVault on the destination vault is stated here rather
            # than relied on from the AWS managed policy's contents
            # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html)
            aws.iam.RolePolicy(
                f"{name}-role-isolated-copy", role=self.role.id,
                policy=pulumi.Output.from_input(args.isolated_vault_arn).apply(lambda arn: json.dumps({
                    "Version": "2012-10-17", "Statement": [{
                        "Sid": "CopyIntoIsolatedVault", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
                        "Resource": arn}]})),
                opts=child)
        self.selection = aws.backup.Selection(
            f"{name}-selection", name=f"{args.name_prefix}-all-data", plan_id=self.plan.id,
            iam_role_arn=self.role.arn, resources=list(args.resource_arns),
            selection_tags=[aws.backup.SelectionSelectionTagArgs(type="STRINGEQUALS", key=BACKUP_TAG[0],
                                                                 value=BACKUP_TAG[1])],
            opts=child)

        if s.restoreTesting:
            rtp_name = args.name_prefix.replace("-", "_") + "_restore_test"
            self.restore_plan = aws.backup.RestoreTestingPlan(
                f"{name}-restore-test", name=rtp_name, schedule_expression=RESTORE_TEST_SCHEDULE,
                recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
                    algorithm="LATEST_WITHIN_WINDOW", include_vaults=[self.vault.arn],
                    recovery_point_types=["SNAPSHOT"], selection_window_days=7),
                opts=child)
            overrides: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
            if args.restore_test_resource_type == "RDS" and args.restore_db_subnet_group_name is not None:
                # no rule at all: nothing reaches the restored copy and it reaches nothing (AWS Backup validates it
                # through the RDS API, not the network)
                self.restore_security_group = aws.ec2.SecurityGroup(
                    f"{name}-restore-test", name=f"{args.name_prefix}-restore-test", vpc_id=args.restore_vpc_id,
                    description="Restore tests of AWS Backup: no ingress, no egress", ingress=[], egress=[],
                    opts=child)
                # Overridable restore metadata of RDS instances (keys are not case sensitive):
                # https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html
                overrides = {
                    "dbSubnetGroupName": args.restore_db_subnet_group_name,
                    "vpcSecurityGroupIds": self.restore_security_group.id.apply(lambda sg: json.dumps([sg])),
                    "publiclyAccessible": "false",
                }
            elif args.restore_test_resource_type == "RDS":
                pulumi.log.warn(f"{name}: RDS restore tests without restore_db_subnet_group_name land in the default "
                                "VPC (or fail where it was deleted); pass the database's subnet group and VPC",
                                resource=self)
            aws.backup.RestoreTestingSelection(
                f"{name}-restore-test-selection", name=rtp_name + "_sel",
                restore_testing_plan_name=self.restore_plan.name,
                protected_resource_type=args.restore_test_resource_type, iam_role_arn=self.role.arn,
                protected_resource_arns=["*"], validation_window_hours=24, restore_metadata_overrides=overrides,
                opts=child)

        if args.sns_topic_arn is not None:
            aws.backup.VaultNotifications(f"{name}-notifications", backup_vault_name=self.vault.name,
                                          sns_topic_arn=args.sns_topic_arn, backup_vault_events=_FAILURE_EVENTS,
                                          opts=child)
        self.vault_arn = self.vault.arn
        self.vault_name = self.vault.name
        self.plan_id = self.plan.id
        self.register_outputs({"vault_arn": self.vault.arn, "vault_name": self.vault.name, "plan_id": self.plan.id,
                               "selection_id": self.selection.id, "role_arn": self.role.arn})
