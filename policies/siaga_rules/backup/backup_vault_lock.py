"""AWS Backup vaults are locked (WORM) so backups cannot be deleted early, even by an administrator."""

from siaga_rules.common import Controls, StackCtx, has_unknown, stack_policy, unresolved


def check(ctx: StackCtx) -> None:
    vaults = ctx.of_type("aws:backup/vault:Vault")
    locks = ctx.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    by_vault: dict[str, list] = {v.urn: [] for v in vaults}
    for lock in locks:
        for v in ctx.resolve(lock, "backupVaultName", "aws:backup/vault:Vault"):
            by_vault[v.urn].append(lock)
    minimum = int(ctx.config["minRetentionDays"])
    for vault in vaults:
        found = by_vault[vault.urn]
        if not found:
            if unresolved(ctx, [lk.type for lk in locks], "backupVaultName", "aws:backup/vault:Vault"):
                ctx.cannot_verify(vault, "vault lock's backupVaultName")
            else:
                ctx.fail("no aws.backup.VaultLockConfiguration: recovery points can be deleted", vault)
            continue
        lock = found[0]
        days = lock.get("minRetentionDays")
        if has_unknown(days):
            ctx.cannot_verify(vault, "vault lock minRetentionDays")
        elif days is None or float(days) < minimum:
            ctx.fail(f"vault lock minRetentionDays is {days}; at least {minimum} required", vault)
        if ctx.config["requireComplianceMode"] and lock.get("changeableForDays") is None:
            ctx.fail("vault lock has no changeableForDays: governance mode, removable by privileged users; "
                     "set changeable_for_days for compliance mode", vault)


POLICY = stack_policy(
    id="backup-vault-lock",
    name="Backup vaults locked",
    category="backup",
    description="Every AWS Backup vault has a vault lock (compliance mode) with a minimum retention.",
    remediation="Add aws.backup.VaultLockConfiguration(backup_vault_name=vault.name, min_retention_days=7, "
                "max_retention_days=3650, changeable_for_days=3).",
    check=check,
    controls=Controls(nist=("CP-9", "CP-9(8)", "SI-7"), iso=("A.8.13",)),
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 7,
                                 "description": "Least minRetentionDays accepted on a vault lock."},
            "requireComplianceMode": {"type": "boolean", "default": True,
                                      "description": "Require changeableForDays (compliance mode)."}},
)
