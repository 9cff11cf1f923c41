"""Databases do not use the engine's well-known administrator user name (FSBP RDS.24, RDS.25, Redshift.8).

Security Hub fails RDS instances/clusters whose master user name is ``admin`` or ``postgres``, and Redshift
clusters using ``awsuser`` (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-25,
redshift-controls.html#redshift-8); a guessable name halves a brute-force attack. Read replicas and restores take
their source's user and are skipped when they set none.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, resource_policy

DEFAULT_NAMES = {"aws:redshift/cluster:Cluster": {"awsuser"}}
RDS_DEFAULTS = {"admin", "postgres", "root", "sa", "master"}
FIELD = {"aws:rds/instance:Instance": "username", "aws:rds/cluster:Cluster": "masterUsername",
         "aws:redshift/cluster:Cluster": "masterUsername", "aws:docdb/cluster:Cluster": "masterUsername"}


def check(ctx: Ctx) -> None:
    field = FIELD[ctx.type]
    name = ctx.get(field)
    if not isinstance(name, str) or not name:
        return
    if name.lower() in DEFAULT_NAMES.get(ctx.type, RDS_DEFAULTS):
        ctx.fail(f"{field} is {name!r}, a well-known default administrator name: choose a custom one")


POLICY = resource_policy(
    id="db-custom-admin-username",
    name="Custom database administrator name",
    category="exposure",
    types=tuple(FIELD),
    description="RDS instances and clusters, DocumentDB and Redshift clusters do not name their administrator "
                "admin, postgres, root, sa, master (Redshift: awsuser).",
    remediation="Set username / master_username to an agency-specific name (e.g. '<service>_admin').",
    check=check,
    controls=Controls(nist=("AC-2", "IA-5"), iso=("A.5.16",), fsbp=("RDS.24", "RDS.25", "Redshift.8")),
    level=EnforcementLevel.ADVISORY,
)
