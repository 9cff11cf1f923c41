"""RDS instances and clusters take a final snapshot when deleted."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:rds/instance:Instance" and (ctx.get("replicateSourceDb") or ctx.get("clusterIdentifier")):
        return
    if ctx.get("skipFinalSnapshot") is True:
        ctx.fail("skipFinalSnapshot is true: deleting the database loses its data")
    elif not ctx.present("finalSnapshotIdentifier"):
        ctx.fail("finalSnapshotIdentifier is not set: the provider cannot take the final snapshot on delete")


POLICY = resource_policy(
    id="rds-final-snapshot",
    name="RDS final snapshot",
    category="backup",
    types=RDS_TYPES,
    description="Deleting an RDS instance or cluster takes a final snapshot.",
    remediation="Set skip_final_snapshot=False and final_snapshot_identifier='<name>-final'.",
    check=check,
    controls=Controls(nist=("CP-9",), iso=("A.8.13",)),
)
