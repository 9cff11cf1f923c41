"""Aurora MySQL clusters record audit events (FSBP RDS.45).

Aurora MySQL writes audit events only when its cluster parameter ``server_audit_logging`` is 1; the default cluster
parameter group has it off (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Auditing.html),
so the cluster needs a cluster parameter group of this stack that turns it on (exporting the ``audit`` log is
db-log-exports' part). A parameter group outside the stack cannot be verified.
"""

from siaga_rules.common import Controls, StackCtx, as_list, has_unknown, lookup, stack_policy

CLUSTER, PG = "aws:rds/cluster:Cluster", "aws:rds/clusterParameterGroup:ClusterParameterGroup"


def check(ctx: StackCtx) -> None:
    for r in ctx.of_type(CLUSTER):
        if str(r.get("engine") or "") != "aurora-mysql":
            continue
        name = r.get("dbClusterParameterGroupName")
        groups = ctx.resolve(r, "dbClusterParameterGroupName", PG)
        if not groups:
            if has_unknown(name):
                ctx.cannot_verify(r, "dbClusterParameterGroupName")
            elif name in (None, "") or str(name).startswith("default."):
                ctx.fail("uses the default cluster parameter group (server_audit_logging=0): no audit events are "
                         "recorded", r)
            else:
                ctx.cannot_verify(r, f"server_audit_logging of cluster parameter group {name!r}, not in this stack")
            continue
        params = {str(lookup(p, "name")): str(lookup(p, "value")) for g in groups
                  for p in as_list(g.get("parameters")) if isinstance(p, dict)}
        if params.get("server_audit_logging") not in ("1", "ON", "on"):
            ctx.fail("its cluster parameter group does not set server_audit_logging=1: no audit events are recorded", r)


POLICY = stack_policy(
    id="aurora-mysql-audit-logging",
    name="Aurora MySQL audit logging",
    category="logging",
    description="Aurora MySQL clusters use a cluster parameter group of the stack with server_audit_logging=1.",
    remediation="aws.rds.ClusterParameterGroup(family='aurora-mysql8.0', parameters=[{'name': 'server_audit_logging', "
                "'value': '1'}, {'name': 'server_audit_events', 'value': 'CONNECT,QUERY_DCL,QUERY_DDL'}]) as "
                "db_cluster_parameter_group_name, and export the 'audit' log.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",), fsbp=("RDS.45",)),
)
