"""RDS instances and clusters keep automated backups for at least the configured number of days."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:rds/instance:Instance" and ctx.get("replicateSourceDb"):
        return
    minimum = int(ctx.config["minRetentionDays"])
    days = ctx.get("backupRetentionPeriod")
    shown = "not set (API default 1)" if days is None else str(int(float(days)))
    if days is None or float(days) < minimum:
        ctx.fail(f"backupRetentionPeriod is {shown}; at least {minimum} days required")


POLICY = resource_policy(
    id="rds-backup-retention",
    name="RDS backup retention",
    category="backup",
    types=RDS_TYPES,
    description="RDS instances and clusters keep automated backups (and the PITR window) for at least the minimum days.",
    remediation="Set backup_retention_period to at least the minimum (default 7, at most 35).",
    check=check,
    controls=Controls(nist=("CP-9", "CP-10"), iso=("A.8.13",),
                      fsbp=("RDS.11",), cdk_nag=("NIST.800.53.R5-RDSInstanceBackupEnabled",),
                      checkov=("CKV_AWS_133",)),
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35, "default": 7,
                                 "description": "Minimum automated backup retention in days."}},
)
