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

from siaga_rules.backup.backup_selection_coverage import selection_covers
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
    selections: list[tuple[Res, Res, list[tuple[str, float | None]]]] = []
    for sel in ctx.of_type(SELECTION):
        for plan in ctx.resolve(sel, "planId", PLAN):
            if plan.urn in continuous:
                selections.append((sel, plan, continuous[plan.urn][1]))
    if not selections:
        return
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
        for sel, plan, rules in selections:
            covered = selection_covers(ctx, sel, db)
            if covered is None:
                ctx.cannot_verify(db, f"whether {sel.name} selects it")
                continue
            if not covered:
                continue
            for rule_name, keep in rules:
                if keep is None or keep == declared:
                    continue
                shown = f"{int(declared)} days" + (" (not set: RDS default 1)" if days is None else "")
                ctx.fail(f"RDS {db.name} has backupRetentionPeriod {shown} but AWS Backup plan {plan.name} rule "
                         f"{rule_name!r} (continuous backup, selected by {sel.name}) keeps {int(keep)} days and "
                         f"sets the database's retention to that: every `pulumi up` drifts back and forth. Make one "
                         f"the owner: backupRetentionPeriod={int(keep)}, or "
                         "ignore_changes=['backupRetentionPeriod'] so the plan owns it.", db)


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
