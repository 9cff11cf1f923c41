"""DMS replication instances run Multi-AZ (a standby replica in another AZ that takes over on failure).

A single-AZ replication instance stops every task when its AZ is lost; with ``multiAz`` DMS keeps a synchronous
standby in another AZ of the replication subnet group and fails over to it
(https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.html, Multi-AZ). The AZs themselves come
from the replication subnet group, which DMS requires to cover at least two AZs.
"""

from siaga_rules.common import Controls, Ctx, as_bool, resource_policy


def check(ctx: Ctx) -> None:
    if as_bool(ctx.get("multiAz")) is not True:
        ctx.fail("multiAz is not true (API default: single-AZ): losing its AZ stops every replication task, and the "
                 "region-loss copy to the standby stops with it")


POLICY = resource_policy(
    id="dms-replication-multi-az",
    name="DMS replication instances Multi-AZ",
    category="availability",
    types=("aws:dms/replicationInstance:ReplicationInstance",),
    description="AWS DMS replication instances are Multi-AZ.",
    remediation="Set multi_az=True on the replication instance (its subnet group covers at least two AZs).",
    check=check,
    controls=Controls(nist=("CP-7", "CP-10", "SC-36"), iso=("A.8.14",)),
)
