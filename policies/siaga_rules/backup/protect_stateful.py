"""Stateful resources carry the Pulumi `protect` option so a refactor cannot delete them."""

from siaga_rules.common import DATA_STORE_TYPES, Controls, Ctx, resource_policy

EXTRA = ["aws:kms/key:Key", "aws:backup/vault:Vault"]


def check(ctx: Ctx) -> None:
    if ctx.type not in ctx.config["types"]:
        return
    if ctx.type == "aws:rds/instance:Instance" and ctx.get("replicateSourceDb"):
        return
    if not ctx.protect:
        ctx.fail("the `protect` resource option is not set: `pulumi destroy` or a rename deletes its data")


POLICY = resource_policy(
    id="protect-stateful",
    name="Stateful resources protected",
    category="backup",
    types=lambda t: t.startswith("aws:"),
    description="Data stores, KMS keys and backup vaults are declared with protect=True.",
    remediation="Pass opts=pulumi.ResourceOptions(protect=True) (and retain_on_delete=True for keys/vaults).",
    check=check,
    controls=Controls(nist=("CP-9", "SI-12"), iso=("A.8.13", "A.8.32")),
    config={"types": {"type": "array", "items": {"type": "string"}, "default": DATA_STORE_TYPES + EXTRA,
                      "description": "Resource types that must be protected."}},
)
