"""Aurora clusters have at least two instances (a writer and a reader in another AZ)."""

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy, unresolved


def check(ctx: StackCtx) -> None:
    minimum = int(ctx.config["minInstances"])
    members = ctx.of_type("aws:rds/clusterInstance:ClusterInstance")
    for cluster in ctx.of_type("aws:rds/cluster:Cluster"):
        engine = cluster.get("engine") or ""
        if has_unknown(engine):
            ctx.cannot_verify(cluster, "engine")
            continue
        if not str(engine).startswith("aurora") or cluster.get("engineMode") == "serverless":
            continue  # Multi-AZ DB clusters (engine postgres/mysql) always have three instances
        count = sum(1 for m in members if cluster in ctx.resolve(m, "clusterIdentifier", "aws:rds/cluster:Cluster"))
        if count < minimum and unresolved(ctx, ["aws:rds/clusterInstance:ClusterInstance"], "clusterIdentifier",
                                          "aws:rds/cluster:Cluster"):
            ctx.cannot_verify(cluster, "cluster instances' clusterIdentifier")
            continue
        if count < minimum:
            ctx.fail(f"{count} cluster instance(s); at least {minimum} in different AZs needed to survive an AZ loss",
                     cluster)


POLICY = stack_policy(
    id="aurora-multi-az",
    name="Aurora clusters span AZs",
    category="availability",
    description="Every Aurora cluster has at least the minimum number of instances (writer + reader in another AZ).",
    remediation="Add aws.rds.ClusterInstance resources (cluster_identifier=cluster.id) so there are at least two.",
    check=check,
    controls=Controls(nist=("CP-7", "SC-36"), iso=("A.8.14",),
                      fsbp=("RDS.15",)),
    config={"minInstances": {"type": "integer", "minimum": 1, "default": 2,
                             "description": "Minimum instances per Aurora cluster."}},
)
