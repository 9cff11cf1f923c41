"""Stateful resources carry the Pulumi `protect` option so a refactor cannot delete them.

A resource tagged with a non-production Environment (its own tags or its provider's default tags; untagged means
production) may go without `protect`: staging and dev stacks must stay tear-down-able.
"""

from siaga_rules.common import (
    DATA_STORE_TYPES,
    Controls,
    Ctx,
    is_non_production,
    non_production_schema,
    resource_policy,
)

EXTRA = ["aws:kms/key:Key", "aws:backup/vault:Vault"]


def check(ctx: Ctx) -> None:
    if ctx.type not in ctx.config["types"]:
        return
    if ctx.type == "aws:rds/instance:Instance" and ctx.get("replicateSourceDb"):
        return
    if is_non_production(ctx.props, ctx.provider, ctx.config["nonProductionEnvironments"]):
        return
    if not ctx.protect:
        ctx.fail("the `protect` resource option is not set: `pulumi destroy` or a rename deletes its data "
                 "(production, or no non-production Environment tag); set protect=True, or tag a staging/dev "
                 "stack's resources Environment=<staging|dev> to keep it tear-down-able")


POLICY = resource_policy(
    id="protect-stateful",
    name="Stateful resources protected",
    category="backup",
    types=lambda t: t.startswith("aws:"),
    description="Data stores, KMS keys and backup vaults are declared with protect=True (unless tagged with a "
                "non-production Environment).",
    remediation="Pass opts=pulumi.ResourceOptions(protect=True) (and retain_on_delete=True for keys/vaults); "
                "non-production stacks: tag Environment=staging|dev (provider default_tags).",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13", "A.8.32"),
                      fsbp=("KMS.3",)),
    config={"types": {"type": "array", "items": {"type": "string"}, "default": DATA_STORE_TYPES + EXTRA,
                      "description": "Resource types that must be protected."},
            **non_production_schema()},
)
