"""RDS instances and clusters, and Neptune clusters, accept IAM database authentication (FSBP RDS.10, RDS.12,
Neptune.7).

``iamDatabaseAuthenticationEnabled`` defaults to false; IAM authentication lets applications connect with
short-lived tokens instead of stored passwords. Engines without IAM authentication (SQL Server, Oracle, Db2) are
skipped, as Security Hub does (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-10).
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy

NO_IAM = ("sqlserver", "oracle", "db2", "custom-")


def check(ctx: Ctx) -> None:
    engine = str(ctx.get("engine") or "").lower()
    if any(engine.startswith(e) for e in NO_IAM):
        return
    if ctx.get("iamDatabaseAuthenticationEnabled") is not True:
        ctx.fail("iamDatabaseAuthenticationEnabled is not true (default: false): only stored passwords authenticate")


POLICY = resource_policy(
    id="rds-iam-authentication",
    name="RDS and Neptune IAM database authentication",
    category="exposure",
    types=("aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:neptune/cluster:Cluster"),
    description="RDS instances and clusters (MySQL, MariaDB, PostgreSQL, Aurora) and Neptune clusters set "
                "iamDatabaseAuthenticationEnabled.",
    remediation="Set iam_database_authentication_enabled=True and grant rds-db:connect to the application roles.",
    check=check,
    controls=Controls(nist=("IA-2", "IA-5", "AC-2"), iso=("A.8.5",), fsbp=("RDS.10", "RDS.12", "Neptune.7"),
                      checkov=("CKV_AWS_161", "CKV_AWS_162")),
    level=EnforcementLevel.ADVISORY,
)
