"""DMS replication instances, ElastiCache replication groups and Redshift clusters survive the loss of an AZ
(FSBP DMS.13, ElastiCache.3, Redshift.18).

DMS ``multiAz`` (default false) keeps a synchronous standby in another AZ; ElastiCache ``automaticFailoverEnabled``
(default false) promotes a replica when the primary fails, and ``multiAzEnabled`` places that replica in another
AZ; Redshift ``multiAz`` (RA3 only, default false) runs the cluster in two AZs.
"""

from siaga_rules.common import Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:dms/replicationInstance:ReplicationInstance":
        if ctx.get("multiAz") is not True:
            ctx.fail("multiAz is not true (DMS default: false): replication stops when its AZ fails")
    elif ctx.type == "aws:redshift/cluster:Cluster":
        if ctx.get("multiAz") is not True:
            ctx.fail("multiAz is not true (Redshift default: false): the cluster runs in one AZ")
    else:
        if ctx.get("automaticFailoverEnabled") is not True:
            ctx.fail("automaticFailoverEnabled is not true (ElastiCache default: false): a failed primary is not "
                     "replaced by a replica")
        elif ctx.get("multiAzEnabled") is not True:
            ctx.fail("multiAzEnabled is not true: the replica that takes over may be in the failed AZ")


POLICY = resource_policy(
    id="data-service-multi-az",
    name="DMS, ElastiCache and Redshift Multi-AZ",
    category="availability",
    types=("aws:dms/replicationInstance:ReplicationInstance", "aws:elasticache/replicationGroup:ReplicationGroup",
           "aws:redshift/cluster:Cluster"),
    description="DMS replication instances and Redshift clusters set multiAz; ElastiCache replication groups set "
                "automaticFailoverEnabled and multiAzEnabled.",
    remediation="Set multi_az=True (DMS, Redshift RA3); for ElastiCache automatic_failover_enabled=True, "
                "multi_az_enabled=True and at least one replica per shard.",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14",),
                      fsbp=("DMS.13", "ElastiCache.3", "Redshift.18")),
)
