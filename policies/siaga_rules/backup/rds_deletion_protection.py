"""RDS instances and clusters have deletion protection, except in a stack tagged as non-production.

A staging or dev stack must stay tear-down-able (``pulumi destroy`` fails on a deletion-protected database), so
deletion protection off is accepted on a resource whose Environment tag (own tags, tagsAll or the provider's default
tags) is one of ``nonProductionEnvironments``; an untagged resource counts as production. The final snapshot is
still required there, by rds-final-snapshot.
"""

from siaga_rules.common import (
    RDS_TYPES,
    Controls,
    Ctx,
    environment_of,
    is_non_production,
    non_production_schema,
    resource_policy,
)


def check(ctx: Ctx) -> None:
    if ctx.get("deletionProtection") is True:
        return
    non_production = ctx.config.get("nonProductionEnvironments") or []
    if is_non_production(ctx.props, ctx.provider, non_production):
        return
    env = environment_of(ctx.props, ctx.provider)
    where = (f"its Environment tag {env!r} is production (non-production: {sorted(non_production)})" if env
             else "it has no Environment tag, so it counts as production")
    ctx.fail(f"deletionProtection is not true (API default: false) and {where}; set deletion_protection=True, or tag "
             "the stack's provider with a non-production Environment (default_tags) if it must be torn down")


POLICY = resource_policy(
    id="rds-deletion-protection",
    name="RDS deletion protection",
    category="backup",
    types=RDS_TYPES,
    description="RDS instances and clusters cannot be deleted until deletion protection is turned off "
                "(non-production stacks, by Environment tag, may turn it off).",
    remediation="Set deletion_protection=True (production), or tag a staging/dev stack's provider with its Environment.",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13",),
                      fsbp=("RDS.7", "RDS.8"), cdk_nag=("NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled",),
                      checkov=("CKV_AWS_293", "CKV_AWS_139")),
    config=non_production_schema(),
)
