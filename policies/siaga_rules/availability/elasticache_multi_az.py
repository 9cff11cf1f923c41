"""ElastiCache replication groups fail over to a replica in another AZ.

Multi-AZ needs automatic failover and at least one replica (``numCacheClusters`` >= 2, or ``replicasPerNodeGroup`` >=
1 in cluster mode); without it losing the primary's AZ loses the cache's writes until an operator acts
(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html). When the program pins the nodes'
AZs (``preferredCacheClusterAzs``) they are counted as AZs, not as nodes.
"""

from siaga_rules.common import Controls, Ctx, as_bool, as_list, has_unknown, resource_policy


def check(ctx: Ctx) -> None:
    multi_az, failover = as_bool(ctx.get("multiAzEnabled")), as_bool(ctx.get("automaticFailoverEnabled"))
    if multi_az is not True or failover is not True:
        ctx.fail(f"multiAzEnabled is {multi_az} and automaticFailoverEnabled is {failover}: losing the primary's AZ "
                 "stops writes until an operator promotes a replica; set both true")
        return
    nodes, replicas = ctx.get("numCacheClusters"), ctx.get("replicasPerNodeGroup")
    if (not has_unknown(nodes) and not has_unknown(replicas)
            and (nodes is None or float(nodes) < 2) and (replicas is None or float(replicas) < 1)):
        ctx.fail("no replica (numCacheClusters < 2 and replicasPerNodeGroup < 1): nothing to fail over to")
    azs = [a for a in as_list(ctx.get("preferredCacheClusterAzs")) if not has_unknown(a)]
    if azs and len(set(azs)) < 2:
        ctx.fail(f"preferredCacheClusterAzs puts every node in {azs[0]}: one AZ, whatever the node count")


POLICY = resource_policy(
    id="elasticache-multi-az",
    name="ElastiCache Multi-AZ with automatic failover",
    category="availability",
    types=("aws:elasticache/replicationGroup:ReplicationGroup",),
    description="ElastiCache replication groups have Multi-AZ and automatic failover on, with a replica in another AZ.",
    remediation="Set multi_az_enabled=True, automatic_failover_enabled=True and num_cache_clusters >= 2 (nodes in "
                "different AZs).",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14",)),
)
