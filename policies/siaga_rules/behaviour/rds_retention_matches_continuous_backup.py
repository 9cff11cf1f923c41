"""An RDS database continuously backed up by AWS Backup declares the retention AWS Backup gives it.

With a continuous backup rule (``enableContinuousBackup``), AWS Backup's continuous recovery point for Amazon RDS
and Aurora is the database's own automated backup: "only one recovery point is possible at a time ... AWS Backup
updates the existing recovery point with the retention specifications within the backup plan"
(https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-retention-period.html; continuous
backup replays the database's transaction logs, up to 35 days:
https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html). The database's
``backupRetentionPeriod`` then becomes the rule's ``lifecycle.deleteAfter``, so a different value in the program is
drift: every ``pulumi up`` sets it back and AWS Backup sets it again. One of the two must own the value.
Selections are matched as ``backup-selection-coverage`` matches them (ARN, wildcard, tag).
"""

from __future__ import annotations

from siaga_rules.backup.backup_selection_coverage import SelectionIndex
from siaga_rules.behaviour._wiring import ignores
from siaga_rules.common import (
    Controls,
    EnforcementLevel,
    Res,
    StackCtx,
    as_bool,
    as_list,
    as_number,
    lookup,
    stack_policy,
)

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
DEFAULT_RETENTION = 1.0  # CreateDBInstance/CreateDBCluster BackupRetentionPeriod default: 1 day


def _continuous_rules(plan: Res) -> list[tuple[str, float | None]]:
    out = []
    for rule in as_list(plan.get("rules")):
        if isinstance(rule, dict) and as_bool(lookup(rule, "enableContinuousBackup")):
            days = as_number(lookup(lookup(rule, "lifecycle") or {}, "deleteAfter"))
            out.append((str(lookup(rule, "ruleName") or "?"), days))
    return out


def check(ctx: StackCtx) -> None:
    continuous = {p.urn: (p, rules) for p in ctx.of_type(PLAN) if (rules := _continuous_rules(p))}
    if not continuous:
        return
    plans: dict[str, tuple[Res, list[tuple[str, float | None]]]] = {}
    chosen: list[Res] = []
    for sel in ctx.of_type(SELECTION):
        for plan in ctx.resolve(sel, "planId", PLAN):
            if plan.urn in continuous:
                plans[sel.urn] = continuous[plan.urn]
                chosen.append(sel)
    if not chosen:
        return
    index = SelectionIndex(ctx, chosen)
    for db in ctx.of_type(INSTANCE, CLUSTER):
        if db.type == INSTANCE and (db.get("clusterIdentifier") or db.get("replicateSourceDb")):
            continue  # Aurora members and replicas have no retention of their own
        if ignores(db, "backupRetentionPeriod"):
            continue  # the program lets AWS Backup own it
        raw_days = db.get("backupRetentionPeriod")
        days = as_number(raw_days)
        if raw_days is not None and days is None:
            ctx.cannot_verify(db, "backupRetentionPeriod")
            continue
        declared = DEFAULT_RETENTION if days is None else days
        selecting, unknown = index.selecting(db)
        if unknown:
            ctx.cannot_verify(db, "whether a continuous AWS Backup selection selects it (resources unknown)")
        conflicts = [(sel, plans[sel.urn][0], rule_name, keep) for sel in selecting
                     for rule_name, keep in plans[sel.urn][1] if keep is not None and keep != declared]
        if not conflicts:
            continue
        sel, plan, rule_name, keep = conflicts[0]
        shown = f"{int(declared)} day{'s' if declared != 1 else ''}" + (" (not set: RDS default 1)" if days is None else "")
        more = f" (and {len(conflicts) - 1} more continuous selection rules)" if len(conflicts) > 1 else ""
        ctx.fail(f"RDS {db.name} has backupRetentionPeriod {shown} but AWS Backup plan {plan.name} rule "
                 f"{rule_name!r} (continuous backup, selected by {sel.name}){more} keeps {int(keep)} days and sets "
                 "the database's retention to that: every `pulumi up` drifts back and forth. Make one the owner: "
                 f"backupRetentionPeriod={int(keep)}, or ignore_changes=['backupRetentionPeriod'] so the plan owns it.",
                 db)

POLICY = stack_policy(
    id="rds-retention-matches-continuous-backup",
    name="RDS retention agrees with the AWS Backup continuous rule",
    category="behaviour",
    description="An RDS instance/cluster selected by an AWS Backup plan with a continuous rule declares the rule's "
                "lifecycle deleteAfter as its backupRetentionPeriod (AWS Backup sets it), or ignores the property.",
    remediation="Set backupRetentionPeriod to the continuous rule's deleteAfter, or ignore_changes it and let the "
                "backup plan own the retention.",
    check=check,
    controls=Controls(nist=("CP-9", "CM-2"), iso=("A.8.13",)),
    level=EnforcementLevel.ADVISORY,
)
