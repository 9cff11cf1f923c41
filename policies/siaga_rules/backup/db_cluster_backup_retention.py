"""DocumentDB, Neptune, Redshift, ElastiCache and MemoryDB keep automated backups for a minimum period (FSBP
DocumentDB.2, Neptune.5, Redshift.3, ElastiCache.1; cdk-nag RedshiftBackupEnabled,
ElastiCacheRedisClusterAutomaticBackup).

API defaults: DocumentDB and Neptune ``backupRetentionPeriod`` 1 day, Redshift ``automatedSnapshotRetentionPeriod``
1 day, ElastiCache and MemoryDB ``snapshotRetentionLimit`` 0 (no automatic backups). Security Hub's DocumentDB.2 and
Neptune.5 ask for 7 days; cdk-nag asks 15 days for ElastiCache (Redis) clusters, the default of
``minCacheRetentionDays``. Memcached clusters have no backups and are skipped.
"""

from siaga_rules.common import Controls, Ctx, as_number, resource_policy

FIELD = {"aws:docdb/cluster:Cluster": "backupRetentionPeriod", "aws:neptune/cluster:Cluster": "backupRetentionPeriod",
         "aws:redshift/cluster:Cluster": "automatedSnapshotRetentionPeriod",
         "aws:elasticache/replicationGroup:ReplicationGroup": "snapshotRetentionLimit",
         "aws:elasticache/cluster:Cluster": "snapshotRetentionLimit",
         "aws:memorydb/cluster:Cluster": "snapshotRetentionLimit"}
DEFAULT = {"backupRetentionPeriod": 1, "automatedSnapshotRetentionPeriod": 1, "snapshotRetentionLimit": 0}
CACHES = ("aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster",
          "aws:memorydb/cluster:Cluster")


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:elasticache/cluster:Cluster" and (
            str(ctx.get("engine") or "").lower() == "memcached" or ctx.get("replicationGroupId")):
        return  # memcached keeps no backups; a member of a replication group is judged through the group
    field = FIELD[ctx.type]
    value = as_number(ctx.get(field))
    days = DEFAULT[field] if value is None else value
    minimum = ctx.config["minCacheRetentionDays" if ctx.type in CACHES else "minRetentionDays"]
    if days < minimum:
        shown = f"{days:g}" if value is not None else f"not set (API default: {DEFAULT[field]})"
        ctx.fail(f"{field} is {shown}: automated backups must be kept at least {minimum} days")


POLICY = resource_policy(
    id="db-cluster-backup-retention",
    name="DocumentDB, Neptune, Redshift and cache backups retained",
    category="backup",
    types=tuple(FIELD),
    description="DocumentDB/Neptune clusters keep backups (backupRetentionPeriod), Redshift clusters automated "
                "snapshots, ElastiCache (Redis/Valkey) and MemoryDB clusters snapshots (snapshotRetentionLimit) for "
                "at least the minimum days.",
    remediation="Set backup_retention_period=7 (or more), automated_snapshot_retention_period=7 for Redshift, "
                "snapshot_retention_limit=15 for ElastiCache/MemoryDB.",
    check=check,
    controls=Controls(nist=("CP-9", "CP-10"), iso=("A.8.13",),
                      fsbp=("DocumentDB.2", "Neptune.5", "Redshift.3", "ElastiCache.1"),
                      cdk_nag=("NIST.800.53.R5-RedshiftBackupEnabled",
                               "NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup"),
                      checkov=("CKV_AWS_360", "CKV_AWS_361", "CKV_AWS_343", "CKV_AWS_134")),
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 7,
                                 "description": "DocumentDB, Neptune and Redshift: shortest retention, in days."},
            "minCacheRetentionDays": {"type": "integer", "minimum": 1, "default": 15,
                                      "description": "ElastiCache and MemoryDB: shortest snapshot retention, days."}},
)
