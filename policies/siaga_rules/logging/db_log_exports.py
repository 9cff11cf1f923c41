"""RDS databases export their logs to CloudWatch Logs, read replicas included.

A read replica (``replicateSourceDb``) sets no ``engine``: it inherits the source's ("All other DB instance
attributes ... are inherited from the source DB instance, except as specified",
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html), but its
``EnableCloudwatchLogsExports`` is its own (a parameter of that call), so a replica of a logged source may export
nothing. The replica's engine is taken from its source instance in this stack (through property dependencies, then
identifier / ARN, following replica chains); for a source outside the stack it is inferred from the replica's
parameter group family (a ParameterGroup of this stack) or from the log types it exports; otherwise the replica
cannot be verified. An instance restored from a snapshot or a point in time without ``engine`` is judged the same
way. Instances of an Aurora/Multi-AZ cluster are skipped: the cluster exports.
"""

from siaga_rules.common import RDS_TYPES, Controls, Res, StackCtx, as_list, has_unknown, stack_policy

DEFAULT_EXPORTS = {"postgres": ["postgresql"], "aurora-postgresql": ["postgresql"], "mysql": ["error", "audit"],
                   "aurora-mysql": ["error", "audit"], "mariadb": ["error", "audit"]}
INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
# log type -> instance engine families that export it (CreateDBInstance EnableCloudwatchLogsExports: "RDS for
# MariaDB - audit | error | general | slowquery | iam-db-auth-error ... RDS for Microsoft SQL Server - agent | error
# ... RDS for MySQL - audit | error | general | slowquery | iam-db-auth-error ... RDS for Oracle - alert | audit |
# listener | trace | oemagent ... RDS for PostgreSQL - postgresql | upgrade | iam-db-auth-error ... RDS for Db2 -
# diag.log | notify.log | iam-db-auth-error",
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)
LOG_ENGINES = {"postgresql": {"postgres"}, "upgrade": {"postgres"},
               "iam-db-auth-error": {"postgres", "mysql", "mariadb", "db2"},
               "error": {"mysql", "mariadb", "sqlserver"}, "general": {"mysql", "mariadb"},
               "slowquery": {"mysql", "mariadb"}, "audit": {"mysql", "mariadb", "oracle"}, "agent": {"sqlserver"},
               "alert": {"oracle"}, "listener": {"oracle"}, "trace": {"oracle"}, "oemagent": {"oracle"},
               "diag.log": {"db2"}, "notify.log": {"db2"}}
FAMILIES = ("postgres", "mysql", "mariadb", "sqlserver", "oracle", "db2")


class _Unknown(Exception):
    pass


def _source_engine(ctx: StackCtx, r: Res, seen: set[str]) -> tuple[str | None, Res | None]:
    """(engine, source instance in the stack) of a read replica; raises _Unknown for an unknown engine."""
    found = ctx.resolve(r, "replicateSourceDb", INSTANCE)
    if not found:
        ref = r.get("replicateSourceDb")
        if isinstance(ref, str) and ":db:" in ref:  # ARN of an instance: arn:aws:rds:<region>:<acct>:db:<id>
            found = [x for x in [ctx.index(INSTANCE).get(ref.rsplit(":db:", 1)[1])] if x is not None]
    if not found:
        return None, None
    src = found[0]
    if src.urn in seen:
        return None, None
    seen.add(src.urn)
    engine = src.get("engine")
    if has_unknown(engine):
        raise _Unknown
    if engine:
        return str(engine), src
    if src.get("replicateSourceDb"):
        return _source_engine(ctx, src, seen)[0], src
    return None, src


def _inferred(ctx: StackCtx, r: Res) -> set[str]:
    """Engine families a replica of a source outside the stack can be: its parameter group's family (a ParameterGroup
    of this stack, e.g. "postgres16"), else the families that export every log type it exports."""
    for pg in ctx.resolve(r, "parameterGroupName", PARAMETER_GROUP):
        family = pg.get("family")
        if isinstance(family, str):
            for engine in FAMILIES:
                if family.startswith(engine):
                    return {engine}
    engines: set[str] | None = None
    for log in as_list(r.get("enabledCloudwatchLogsExports")):
        can = LOG_ENGINES.get(str(log), set())
        engines = can if engines is None else engines & can
    return engines or set()


def _judge(ctx: StackCtx, r: Res, engine: str, how: str) -> None:
    required = ctx.config["requiredExports"].get(engine, [])
    enabled = {str(e) for e in as_list(r.get("enabledCloudwatchLogsExports"))}
    missing = [e for e in required if e not in enabled]
    if missing:
        ctx.fail(f"enabledCloudwatchLogsExports lacks {missing} for engine {engine}{how}: its engine logs "
                 f"(connections, errors, audit) stay on the instance and are lost with it; set "
                 f"enabled_cloudwatch_logs_exports={required}", r)


def check(ctx: StackCtx) -> None:
    for r in ctx.of_type(*RDS_TYPES):
        if r.type == INSTANCE and r.get("clusterIdentifier"):
            continue
        exports = r.get("enabledCloudwatchLogsExports")
        engine = r.get("engine")
        if has_unknown(engine) or has_unknown(exports):
            ctx.cannot_verify(r, "engine/enabledCloudwatchLogsExports")
            continue
        if engine:
            _judge(ctx, r, str(engine), "")
            continue
        if r.type != INSTANCE:
            continue
        if not r.get("replicateSourceDb"):
            # restored from a snapshot / point in time: the engine comes from the snapshot, which the stack cannot see
            restored = r.get("snapshotIdentifier") or r.get("restoreToPointInTime")
            if restored:
                _foreign(ctx, r, f"restored from {restored!r}")
            continue
        try:
            engine, src = _source_engine(ctx, r, {r.urn})
        except _Unknown:
            ctx.cannot_verify(r, "engine of the read replica's source")
            continue
        if engine:
            _judge(ctx, r, engine, f" (read replica of {src.name!r}, whose engine it inherits)" if src else "")
            continue
        if has_unknown(r.get("replicateSourceDb")) and src is None:
            ctx.cannot_verify(r, "replicateSourceDb")
            continue
        _foreign(ctx, r, f"read replica of {r.get('replicateSourceDb')!r}")


def _foreign(ctx: StackCtx, r: Res, origin: str) -> None:
    """An instance whose engine comes from outside the stack: judged by the engine it can be inferred from."""
    candidates = _inferred(ctx, r)
    requirements = {tuple(ctx.config["requiredExports"].get(e, [])) for e in candidates}
    if len(requirements) == 1:
        _judge(ctx, r, sorted(candidates)[0], f" ({origin}, outside this stack; engine inferred)")
    else:
        ctx.cannot_verify(r, f"engine of {r.name!r} ({origin}, not in this stack; set parameter_group_name to a "
                             "ParameterGroup of this stack, or engine)")


POLICY = stack_policy(
    id="db-log-exports",
    name="Database logs exported",
    category="logging",
    description="RDS instances (read replicas included, judged by their source's engine) and clusters export their "
                'engine logs to CloudWatch Logs.',
    remediation="Set enabled_cloudwatch_logs_exports (PostgreSQL: ['postgresql']; MySQL/MariaDB: ['error', 'audit']), "
                "on read replicas too.",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",),
                      fsbp=("RDS.9", "RDS.34", "RDS.36", "RDS.37", "RDS.40", "RDS.42"),
                      cdk_nag=("NIST.800.53.R5-RDSLoggingEnabled",), checkov=("CKV_AWS_129",)),
    config={"requiredExports": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                "default": DEFAULT_EXPORTS, "description": "engine -> log types to export."}},
)
