"""DocumentDB and Neptune clusters export audit logs to CloudWatch Logs; Redshift clusters have audit logging
(FSBP DocumentDB.4, Neptune.2, Redshift.4).

DocumentDB: ``enabledCloudwatchLogsExports`` includes ``audit`` (the events are recorded only when the cluster
parameter ``audit_logs`` is on, https://docs.aws.amazon.com/documentdb/latest/developerguide/event-auditing.html;
a cluster parameter group of this stack setting it to ``disabled`` fails). Neptune: ``enableCloudwatchLogsExports``
includes ``audit``. Redshift: an ``aws.redshift.Logging`` resource for the cluster, or the cluster's own
``logging.enable``, with a destination (S3 bucket or CloudWatch log exports).
"""

from siaga_rules.common import Controls, Res, StackCtx, as_list, has_unknown, lookup, stack_policy

DOCDB, NEPTUNE, REDSHIFT = "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster", "aws:redshift/cluster:Cluster"
DOCDB_PG = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"
LOGGING = "aws:redshift/logging:Logging"


def _exports(r: Res, key: str) -> list[str] | None:
    value = r.get(key)
    return None if has_unknown(value) else [str(v) for v in as_list(value)]


def _param(ctx: StackCtx, r: Res, prop: str, pg_type: str, name: str) -> str | None:
    for pg in ctx.resolve(r, prop, pg_type):
        for p in as_list(pg.get("parameters")):
            if isinstance(p, dict) and lookup(p, "name") == name:
                return str(lookup(p, "value"))
    return None


def check(ctx: StackCtx) -> None:
    for r in ctx.of_type(DOCDB):
        exports = _exports(r, "enabledCloudwatchLogsExports")
        if exports is None:
            ctx.cannot_verify(r, "enabledCloudwatchLogsExports")
        elif "audit" not in exports:
            ctx.fail("enabledCloudwatchLogsExports does not include 'audit': DocumentDB audit events are not "
                     "exported to CloudWatch Logs", r)
        elif _param(ctx, r, "dbClusterParameterGroupName", DOCDB_PG, "audit_logs") == "disabled":
            ctx.fail("its cluster parameter group sets audit_logs=disabled: no audit events are recorded", r)
    for r in ctx.of_type(NEPTUNE):
        exports = _exports(r, "enableCloudwatchLogsExports")
        if exports is None:
            ctx.cannot_verify(r, "enableCloudwatchLogsExports")
        elif "audit" not in exports:
            ctx.fail("enableCloudwatchLogsExports does not include 'audit': Neptune audit logs are not exported", r)
    logged = {c.urn for lg in ctx.of_type(LOGGING) for c in ctx.resolve(lg, "clusterIdentifier", REDSHIFT)}
    for r in ctx.of_type(REDSHIFT):
        if r.urn in logged or r.get("logging.enable") is True:
            continue
        if any(has_unknown(lg.get("clusterIdentifier")) for lg in ctx.of_type(LOGGING)):
            ctx.cannot_verify(r, "which cluster the aws.redshift.Logging resources log")
            continue
        ctx.fail("no aws.redshift.Logging resource (or logging.enable) for the cluster: audit logging is off", r)


POLICY = stack_policy(
    id="db-cluster-audit-logs",
    name="DocumentDB, Neptune and Redshift audit logs",
    category="logging",
    description="DocumentDB and Neptune clusters export 'audit' logs to CloudWatch Logs; Redshift clusters have "
                "audit logging (aws.redshift.Logging).",
    remediation="Set enabled_cloudwatch_logs_exports=['audit', 'profiler'] (DocumentDB, with audit_logs=enabled), "
                "enable_cloudwatch_logs_exports=['audit'] (Neptune), aws.redshift.Logging(cluster_identifier=..., "
                "log_destination_type='cloudwatch', log_exports=['connectionlog', 'userlog', 'useractivitylog']).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",), fsbp=("DocumentDB.4", "Neptune.2", "Redshift.4"),
                      cdk_nag=("NIST.800.53.R5-RedshiftClusterConfiguration",),
                      checkov=("CKV_AWS_85", "CKV_AWS_101", "CKV_AWS_71")),
)
