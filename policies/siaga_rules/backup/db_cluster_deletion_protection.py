"""DocumentDB and Neptune clusters have deletion protection (FSBP DocumentDB.5, Neptune.4).

``deletionProtection`` defaults to false in both APIs. As for RDS (rds-deletion-protection), stacks tagged with a
non-production Environment may leave it off, so they stay tear-down-able.
"""

from siaga_rules.common import Controls, Ctx, is_non_production, non_production_schema, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("deletionProtection") is True:
        return
    if is_non_production(ctx.props, ctx.provider, ctx.config["nonProductionEnvironments"]):
        return
    ctx.fail("deletionProtection is not true (API default: false): one API call deletes the cluster")


POLICY = resource_policy(
    id="db-cluster-deletion-protection",
    name="DocumentDB and Neptune deletion protection",
    category="backup",
    types=("aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster"),
    description="DocumentDB and Neptune clusters set deletionProtection (non-production stacks, by Environment tag, "
                "may leave it off).",
    remediation="Set deletion_protection=True.",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13",), fsbp=("DocumentDB.5", "Neptune.4")),
    config=non_production_schema(),
)
