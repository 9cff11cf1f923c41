"""Aurora MySQL clusters can be backtracked (FSBP RDS.14).

``backtrackWindow`` (seconds, default 0 = off) lets the cluster rewind a bad write in minutes without a restore
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html); only Aurora
MySQL supports it, and only when set at creation. Advisory: point-in-time restore (rds-backup-retention) stays the
recovery of record.
"""

from pulumi_policy import EnforcementLevel

from siaga_rules.common import Controls, Ctx, as_number, resource_policy


def check(ctx: Ctx) -> None:
    if str(ctx.get("engine") or "") != "aurora-mysql":
        return
    if not as_number(ctx.get("backtrackWindow")):
        ctx.fail("backtrackWindow is 0 or not set: the cluster cannot be rewound after a bad write")


POLICY = resource_policy(
    id="aurora-mysql-backtrack",
    name="Aurora MySQL backtracking",
    category="behaviour",
    types=("aws:rds/cluster:Cluster",),
    description="Aurora MySQL clusters set a backtrackWindow.",
    remediation="Set backtrack_window=86400 (seconds, up to 72 hours) when creating the cluster.",
    check=check,
    controls=Controls(nist=("CP-10",), iso=("A.8.13",), fsbp=("RDS.14",), checkov=("CKV_AWS_326",)),
    level=EnforcementLevel.ADVISORY,
)
