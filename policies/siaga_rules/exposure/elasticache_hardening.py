"""ElastiCache stays out of the default VPC and authenticates clients of old Redis versions (FSBP ElastiCache.6,
ElastiCache.7).

Without ``subnetGroupName`` a cluster or replication group lands in the default subnet group, i.e. the default
VPC (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html). Redis OSS before 6 has no RBAC: a
replication group without ``authToken`` (or a user group) lets any client that reaches the port in
(https://docs.aws.amazon.com/securityhub/latest/userguide/elasticache-controls.html#elasticache-6). A member of a
replication group is judged through the group.
"""

import re

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def _major(version: object) -> int | None:
    m = re.match(r"^(\d+)", str(version or ""))
    return int(m.group(1)) if m else None


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:elasticache/cluster:Cluster" and ctx.get("replicationGroupId"):
        return
    if not ctx.present("subnetGroupName"):
        ctx.fail("subnetGroupName is not set: the cache is placed in the default subnet group (default VPC)")
    engine = str(ctx.get("engine") or "redis").lower()
    major = _major(ctx.get("engineVersion"))
    if (ctx.type == "aws:elasticache/replicationGroup:ReplicationGroup" and engine == "redis" and major is not None
            and major < 6 and not ctx.present("authToken") and not as_list(ctx.get("userGroupIds"))):
        ctx.fail(f"Redis OSS {ctx.get('engineVersion')} without authToken: any client that reaches the port is "
                 "served; set auth_token (with transit encryption) or upgrade to 6+ with a user group")


POLICY = resource_policy(
    id="elasticache-hardening",
    name="ElastiCache subnet group and AUTH",
    category="exposure",
    types=("aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"),
    description="ElastiCache clusters and replication groups name a subnet group (not the default VPC's); Redis OSS "
                "replication groups before version 6 set an AUTH token.",
    remediation="Set subnet_group_name=<subnet group of private subnets>; for Redis < 6 set auth_token and "
                "transit_encryption_enabled=True, or upgrade to Redis 6+/Valkey with user_group_ids.",
    check=check,
    controls=Controls(nist=("SC-7", "IA-2", "AC-3"), iso=("A.8.20", "A.8.5"), fsbp=("ElastiCache.6", "ElastiCache.7"),
                      checkov=("CKV_AWS_31",)),
)
