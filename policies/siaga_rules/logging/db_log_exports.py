"""RDS databases export their logs to CloudWatch Logs."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, as_list, resource_policy

DEFAULT_EXPORTS = {"postgres": ["postgresql"], "aurora-postgresql": ["postgresql"], "mysql": ["error", "audit"],
                   "aurora-mysql": ["error", "audit"], "mariadb": ["error", "audit"]}


def check(ctx: Ctx) -> None:
    if ctx.type == "aws:rds/instance:Instance" and ctx.get("clusterIdentifier"):
        return
    engine = ctx.get("engine")
    required = ctx.config["requiredExports"].get(str(engine), [])
    if not required:
        return
    enabled = set(as_list(ctx.get("enabledCloudwatchLogsExports")))
    missing = [e for e in required if e not in enabled]
    if missing:
        ctx.fail(f"enabledCloudwatchLogsExports lacks {missing} for engine {engine}")


POLICY = resource_policy(
    id="db-log-exports",
    name="Database logs exported",
    category="logging",
    types=RDS_TYPES,
    description="RDS instances and clusters export their engine logs to CloudWatch Logs.",
    remediation="Set enabled_cloudwatch_logs_exports (PostgreSQL: ['postgresql']; MySQL/MariaDB: ['error', 'audit']).",
    check=check,
    controls=Controls(nist=("AU-2", "AU-12"), iso=("A.8.15",)),
    config={"requiredExports": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                "default": DEFAULT_EXPORTS, "description": "engine -> log types to export."}},
)
