"""IsolatedBackupVault: the copy of every recovery point outside the blast radius of the stack's own account.

One compromised administrator of the workload account (or ransomware with those rights) can reach the database, its
key and the vault in that account. The copy lives in a **separate backup account** of the same AWS Organization, in
the **same in-country region** (ap-southeast-3, PP 71/2019), built through a second ``aws.Provider`` that assumes a
role there (``siaga:backup.isolatedAccount: {accountId, roleArn}``):

- a customer managed KMS key **of that account** (rotated, single-region; key guard on in production: only that
  account's root user may delete, disable or re-police it, see components/keys.py);
- a standard backup vault encrypted with it, and a vault lock in **compliance mode** in production (immutable after
  ``lockChangeableForDays``; governance mode outside production so staging can be torn down);
- a vault access policy that allows ``backup:CopyIntoBackupVault`` to the source account and nothing else, and
  denies deleting recovery points or shortening their lifecycle to everyone;
- the key policy lets AWS Backup of that account use the key and the source account create the copy's grants
  (destination-side requirements in
  https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
The source side (components/backup.py, components/keys.py): every rule of the stack's plan gets a copy action to
this vault's ARN; the stack's backup and data keys are shared with the backup account; the plan's role is allowed
``backup:CopyIntoBackupVault`` on this vault (an inline policy).

Why a standard vault and not a logically air-gapped one (``aws.backup.LogicallyAirGappedVault``): the issue asks for
a vault encrypted with a key of the backup account and an access policy admitting the source; a logically
air-gapped vault is encrypted with an AWS owned key by default and stores its backups in an AWS Backup service-owned
account (https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html), and we could not
confirm from AWS documentation that it is offered in ap-southeast-3: the region list of the logically air-gapped
vault feature was not found; the only indirect evidence is the AWS Config rules that check resources in such vaults
(ec2-resources-in-logically-air-gapped-vault lists every region except a few, Jakarta not excluded;
https://docs.aws.amazon.com/config/latest/developerguide/ec2-resources-in-logically-air-gapped-vault.html). A standard
vault in a separate account works wherever AWS Backup runs, and with compliance-mode Vault Lock it gives the same
immutability (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html). Switching later is a new
vault (stateful URN: add it, do not rename this one).

Prerequisites outside this stack (AWS Backup cannot do them for you):
- both accounts in the same AWS Organization, and cross-account backup turned on by the management account:
  ``aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true --region ap-southeast-3``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateGlobalSettings.html, "Returns an error if the
  account is not an Organizations management account");
- ``roleArn``: a role in the backup account that the deployer may assume, allowed to manage KMS keys, backup vaults,
  vault locks and vault policies there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backup import DENIED_VAULT_ACTIONS
from components.keys import DELETION_WINDOW_DAYS, guard_statements

COPY_ACTIONS: tuple[str, ...] = ("backup:CopyIntoBackupVault",)
"""What the source account may do on the isolated vault, and nothing else."""
_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


@dataclass
class IsolatedBackupVaultArgs:
    """Inputs of :class:`IsolatedBackupVault`."""

    name_prefix: str
    account_id: str
    """The backup account (12 digits), not the stack's own."""
    role_arn: str
    """Role in the backup account the provider assumes."""
    source_account_id: str
    """The stack's account: the only one allowed to copy in."""
    region: str = "ap-southeast-3"
    settings: Any = None
    """``cfg.backup`` (lock min/max/changeable days) [None: 7 / 3650 / 3]."""
    compliance_lock: bool = True
    """Compliance-mode vault lock (production) [True]; False: governance mode (removable, non-production)."""
    guard: bool = True
    """Key guard on the backup account's key (only its root user may delete/disable/re-police it) [True]."""
    protect: bool = True
    force_destroy: bool = False
    default_tags: dict[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """One line naming the key, the value and what is allowed."""
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"siaga:backup.isolatedAccount.accountId: {self.account_id!r}; allowed: a 12-digit id")
        if self.account_id == self.source_account_id:
            raise ValueError(f"siaga:backup.isolatedAccount.accountId: {self.account_id!r} is the stack's own account; "
                             "allowed: a separate backup account of the same AWS Organization")
        if not re.fullmatch(rf"arn:aws:iam::{self.account_id}:role/[\w+=,.@/-]+", self.role_arn):
            raise ValueError(f"siaga:backup.isolatedAccount.roleArn: {self.role_arn!r}; allowed: a role of account "
                             f"{self.account_id}, e.g. arn:aws:iam::{self.account_id}:role/siaga-backup-deployer")


def vault_name(name_prefix: str) -> str:
    return f"{name_prefix}-isolated-vault"


def key_policy(account: str, source_account: str, region: str, *, guard: bool, partition: str = "aws") -> dict:
    """The backup account key's policy (IAM JSON)."""
    root = f"arn:{partition}:iam::{account}:root"
    stmts: list[dict[str, Any]] = [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*",
         "Resource": "*"},
        # AWS Backup of the backup account encrypts the copies with this key
        {"Sid": "AwsBackup", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": [*_USE, "kms:CreateGrant"],
         "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                                         "kms:ViaService": f"backup.{region}.amazonaws.com"}}},
        # the copy job runs in the source account: it re-encrypts into this vault and creates grants for AWS Backup
        {"Sid": "SourceAccountCopies", "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{source_account}:root"},
         "Action": _USE, "Resource": "*"},
        {"Sid": "SourceAccountCopyGrants", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{source_account}:root"}, "Action": "kms:CreateGrant",
         "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
    ]
    if guard:
        for st in guard_statements(root):
            out: dict[str, Any] = {"Sid": st["sid"], "Effect": st.get("effect", "Allow"),
                                   "Principal": {"AWS": st["principals"][0]["identifiers"]},
                                   "Action": st["actions"], "Resource": "*"}
            for c in st.get("conditions", []):
                out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
            stmts.append(out)
    return {"Version": "2012-10-17", "Statement": stmts}


def vault_policy(vault_arn: str, source_account: str, partition: str = "aws") -> dict:
    """Copy in from the source account only; nobody deletes a recovery point or shortens its life
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "SourceAccountCopiesIn", "Effect": "Allow",
         "Principal": {"AWS": f"arn:{partition}:iam::{source_account}:root"}, "Action": list(COPY_ACTIONS),
         "Resource": "*"},
        {"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
         "Action": list(DENIED_VAULT_ACTIONS), "Resource": vault_arn},
    ]}


class IsolatedBackupVault(pulumi.ComponentResource):
    """See the module docstring. Outputs: ``vault_arn``, ``vault_name``, ``key_arn``, ``account_id``."""

    def __init__(self, name: str, args: IsolatedBackupVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("siaga:components:IsolatedBackupVault", name, None, opts)
        args.validate()
        s = args.settings
        lock_min = getattr(s, "lockMinRetentionDays", 7)
        lock_max = getattr(s, "lockMaxRetentionDays", 3650)
        changeable = getattr(s, "lockChangeableForDays", 3)
        # the backup account's provider: same in-country region, refuses any other account
        # (https://www.pulumi.com/registry/packages/aws/api-docs/provider/: assumeRoles, allowedAccountIds)
        self.provider = aws.Provider(
            f"{name}-account", region=args.region, allowed_account_ids=[args.account_id],
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=args.role_arn,
                                                     session_name=f"siaga-{args.name_prefix}"[:64])],
            default_tags={"tags": args.default_tags} if args.default_tags else None,
            opts=pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        stateful = pulumi.ResourceOptions(parent=self, provider=self.provider, protect=args.protect,
                                          retain_on_delete=args.protect)
        self.key = aws.kms.Key(
            f"{name}-key", description=f"{args.name_prefix} isolated backup copies (backup account, single-region)",
            enable_key_rotation=True, deletion_window_in_days=DELETION_WINDOW_DAYS, multi_region=False,
            key_usage="ENCRYPT_DECRYPT", customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=json.dumps(key_policy(args.account_id, args.source_account_id, args.region, guard=args.guard)),
            bypass_policy_lockout_safety_check=True if args.guard else None,
            tags={"Purpose": "isolated-backup"}, opts=stateful)
        aws.kms.Alias(f"{name}-key", name=f"alias/{args.name_prefix}-isolated-backup", target_key_id=self.key.key_id,
                      opts=child)
        self.vault = aws.backup.Vault(f"{name}-vault", name=vault_name(args.name_prefix), kms_key_arn=self.key.arn,
                                      force_destroy=args.force_destroy, opts=stateful)
        self.lock = aws.backup.VaultLockConfiguration(
            f"{name}-lock", backup_vault_name=self.vault.name,
            changeable_for_days=changeable if args.compliance_lock else None,
            min_retention_days=lock_min, max_retention_days=lock_max, opts=stateful)
        # the vault's ARN, spelled from the account, region and name (AWS Backup's format,
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbackup.html#awsbackup-resources-for-iam-policies):
        # known at preview, so the copy actions and residency checks see the destination's account and region; built
        # from the vault's output name, so the plan still waits for the vault
        self.vault_arn = self.vault.name.apply(
            lambda n: f"arn:aws:backup:{args.region}:{args.account_id}:backup-vault:{n}")
        self.policy = aws.backup.VaultPolicy(
            f"{name}-vault-policy", backup_vault_name=self.vault.name,
            policy=self.vault_arn.apply(lambda arn: json.dumps(vault_policy(arn, args.source_account_id))),
            opts=child)
        self.key_arn = self.key.arn
        self.account_id = args.account_id
        self.register_outputs({"vault_arn": self.vault_arn, "vault_name": self.vault.name, "key_arn": self.key.arn,
                               "account_id": args.account_id})
