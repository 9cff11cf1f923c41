"""RDS snapshots the stack creates or copies are not shared publicly (FSBP RDS.1).

``sharedAccounts`` on aws.rds.Snapshot / SnapshotCopy / ClusterSnapshot sets the snapshot's restore attribute;
the value ``all`` makes it restorable by every AWS account
(https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSnapshotAttribute.html).
"""

from siaga_rules.common import Controls, Ctx, as_list, resource_policy


def check(ctx: Ctx) -> None:
    if "all" in [str(a).lower() for a in as_list(ctx.get("sharedAccounts"))]:
        ctx.fail("sharedAccounts includes 'all': every AWS account can restore the snapshot")


POLICY = resource_policy(
    id="db-snapshot-not-public",
    name="RDS snapshots not public",
    category="exposure",
    types=("aws:rds/snapshot:Snapshot", "aws:rds/snapshotCopy:SnapshotCopy", "aws:rds/clusterSnapshot:ClusterSnapshot"),
    description="RDS DB and cluster snapshots (and snapshot copies) are not shared with 'all'.",
    remediation="Remove 'all' from shared_accounts; share with named account ids only.",
    check=check,
    controls=Controls(nist=("AC-3", "AC-21"), iso=("A.5.15",), fsbp=("RDS.1",), checkov=("CKV_AWS_302",)),
)
