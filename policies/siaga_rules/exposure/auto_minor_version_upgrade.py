"""Managed databases take minor-version (patch) upgrades automatically (FSBP RDS.13, RDS.35, DMS.6,
ElastiCache.2, Redshift.6).

``autoMinorVersionUpgrade`` defaults to true for RDS instances, DMS replication instances, ElastiCache and MemoryDB
(the create APIs' defaults), Redshift ``allowVersionUpgrade`` to true; only an explicit false fails. Aurora and
Multi-AZ DB clusters take the setting on the cluster (``autoMinorVersionUpgrade``) or on their instances. Pin the
major version only (rds-minor-version-drift explains why a pinned minor then drifts).
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy

FLAG = {"aws:redshift/cluster:Cluster": "allowVersionUpgrade"}
TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
         "aws:dms/replicationInstance:ReplicationInstance", "aws:elasticache/replicationGroup:ReplicationGroup",
         "aws:elasticache/cluster:Cluster", "aws:memorydb/cluster:Cluster", "aws:redshift/cluster:Cluster")


def check(ctx: Ctx) -> None:
    flag = FLAG.get(ctx.type, "autoMinorVersionUpgrade")
    if ctx.get(flag) is False:
        ctx.fail(f"{flag} is false: security patches of the engine are not applied in the maintenance window")


POLICY = resource_policy(
    id="auto-minor-version-upgrade",
    name="Automatic minor version upgrades",
    category="exposure",
    types=TYPES,
    description="RDS instances and clusters, DMS replication instances, ElastiCache, MemoryDB and Redshift "
                "clusters do not turn automatic minor-version upgrades off.",
    remediation="Remove auto_minor_version_upgrade=False (allow_version_upgrade=False for Redshift); pin the major "
                "engine version only.",
    check=check,
    controls=Controls(nist=("SI-2", "SI-2(2)"), iso=("A.8.8",),
                      fsbp=("RDS.13", "RDS.35", "DMS.6", "ElastiCache.2", "Redshift.6"),
                      cdk_nag=("NIST.800.53.R5-RedshiftClusterMaintenanceSettings",),
                      checkov=("CKV_AWS_226", "CKV_AWS_222", "CKV_AWS_141")),
    level=EnforcementLevel.ADVISORY,
)
