"""RDS instances and clusters have deletion protection."""

from siaga_rules.common import RDS_TYPES, Controls, Ctx, resource_policy


def check(ctx: Ctx) -> None:
    if ctx.get("deletionProtection") is not True:
        ctx.fail("deletionProtection is not true (API default: false)")


POLICY = resource_policy(
    id="rds-deletion-protection",
    name="RDS deletion protection",
    category="backup",
    types=RDS_TYPES,
    description="RDS instances and clusters cannot be deleted until deletion protection is turned off.",
    remediation="Set deletion_protection=True.",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13",)),
)
