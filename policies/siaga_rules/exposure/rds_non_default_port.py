"""RDS databases listen on a port other than the engine's default (FSBP RDS.23).

Security Hub fails an instance or cluster using its engine's default port
(https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-23); ``port`` absent means the
default. Replicas take their source's port and are skipped when they set none. A hygiene control: advisory.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_number, resource_policy

DEFAULT_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306, "aurora-mysql": 3306,
                 "aurora": 3306, "oracle": 1521, "sqlserver": 1433, "db2": 50000}


def check(ctx: Ctx) -> None:
    engine = str(ctx.get("engine") or "").lower()
    family = next((e for e in sorted(DEFAULT_PORTS, key=len, reverse=True) if engine.startswith(e)), None)
    if family is None:
        return  # a replica or restore without engine, or an engine without a known default
    port = as_number(ctx.get("port"))
    if port is None or port == DEFAULT_PORTS[family]:
        shown = f"{port:g}" if port is not None else f"not set (default {DEFAULT_PORTS[family]})"
        ctx.fail(f"port is {shown}, the {engine} default: scanners try it first")


POLICY = resource_policy(
    id="rds-non-default-port",
    name="RDS not on the default port",
    category="exposure",
    types=("aws:rds/instance:Instance", "aws:rds/cluster:Cluster"),
    description="RDS instances and clusters set a port other than their engine's default.",
    remediation="Set port=<non-default port> and open only that port in the database security group.",
    check=check,
    controls=Controls(nist=("CM-7", "SC-7"), iso=("A.8.20",), fsbp=("RDS.23",)),
    level=EnforcementLevel.ADVISORY,
)
