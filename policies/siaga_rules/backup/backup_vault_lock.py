"""AWS Backup vaults are locked (WORM) so backups cannot be deleted early, even by an administrator.

Production (any vault not tagged with a non-production Environment; untagged means production) needs a lock in
compliance mode. A vault tagged Environment=staging/dev/... may have a governance-mode lock or none, so the stack can
be torn down; a lock it has still keeps the minimum retention.
"""

from siaga_rules.common import (
    Controls,
    StackCtx,
    environment_of,
    has_unknown,
    is_non_production,
    non_production_schema,
    stack_policy,
    unresolved,
)


def check(ctx: StackCtx) -> None:
    vaults = ctx.of_type("aws:backup/vault:Vault")
    locks = ctx.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    by_vault: dict[str, list] = {v.urn: [] for v in vaults}
    for lock in locks:
        for v in ctx.resolve(lock, "backupVaultName", "aws:backup/vault:Vault"):
            by_vault[v.urn].append(lock)
    minimum = int(ctx.config["minRetentionDays"])
    relaxed_envs = ctx.config["nonProductionEnvironments"]
    for vault in vaults:
        relaxed = is_non_production(vault.props, vault.provider, relaxed_envs)
        env = environment_of(vault.props, vault.provider)
        where = f"Environment {env!r}" if env else "no Environment tag (production)"
        found = by_vault[vault.urn]
        if not found:
            if relaxed:
                continue
            if unresolved(ctx, [lk.type for lk in locks], "backupVaultName", "aws:backup/vault:Vault"):
                ctx.cannot_verify(vault, "vault lock's backupVaultName")
            else:
                ctx.fail(f"no aws.backup.VaultLockConfiguration names this vault ({where}): recovery points can be "
                         "deleted", vault)
            continue
        lock = found[0]
        days = lock.get("minRetentionDays")
        if has_unknown(days):
            ctx.cannot_verify(vault, "vault lock minRetentionDays")
        elif days is None or float(days) < minimum:
            ctx.fail(f"vault lock {lock.name} minRetentionDays is {days}; at least {minimum} required", vault)
        if ctx.config["requireComplianceMode"] and not relaxed and lock.get("changeableForDays") is None:
            ctx.fail(f"vault lock {lock.name} has no changeableForDays ({where}): governance mode, removable by "
                     "privileged users; set changeable_for_days for compliance mode (governance is accepted only on "
                     "vaults tagged with a non-production Environment)", vault)


POLICY = stack_policy(
    id="backup-vault-lock",
    name="Backup vaults locked",
    category="backup",
    description="Every AWS Backup vault has a vault lock (compliance mode) with a minimum retention; vaults tagged with "
                "a non-production Environment may use governance mode or no lock.",
    remediation="Add aws.backup.VaultLockConfiguration(backup_vault_name=vault.name, min_retention_days=7, "
                "max_retention_days=3650, changeable_for_days=3).",
    check=check,
    controls=Controls(nist=("CP-9", "CP-9(8)", "SI-7"), iso=("A.8.13",)),
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 7,
                                 "description": "Least minRetentionDays accepted on a vault lock."},
            "requireComplianceMode": {"type": "boolean", "default": True,
                                      "description": "Require changeableForDays (compliance mode) on production "
                                                     "vaults."},
            **non_production_schema()},
)
