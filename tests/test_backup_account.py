"""The isolated backup copy, from the reference stacks' graphs: every rule copies to a vault that lives in the
separate backup account (through the provider that assumes its role) and in ap-southeast-3; the vault is encrypted
with that account's key and locked; its access policy admits the source account's copy and nothing else; both keys
involved let the copy happen (evaluated with tests/iam_eval.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iam_eval import allows, decide

from components.backup_account import IsolatedBackupVaultArgs, key_policy
from components.config import ConfigError, parse_config
from siaga.analyzer import analyze
from siaga.engine import EngineError, Graph, run_stack
from siaga.engine.model import Resource, plain

SOURCE = "123456789012"
BACKUP = "111122223333"  # the example backup account of stacks/Pulumi.jakarta-prod.yaml
REGION = "ap-southeast-3"
OTHER = "999999999999"
BACKUP_ACTIONS = ("backup:CopyIntoBackupVault", "backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
                  "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVault", "backup:StartRestoreJob",
                  "backup:DeleteBackupVaultLockConfiguration", "backup:StartCopyJob")


@pytest.fixture(scope="module", params=["jakarta-prod", "hybrid-pdn"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_stack(request.param)


def _provider(graph: Graph, res: Resource) -> Resource:
    """The provider resource a resource is registered with (the reference is ``<urn>::<id>``)."""
    assert res.provider, res.name
    return graph.by_urn()[res.provider.rsplit("::", 1)[0]]


def _isolated(graph: Graph, type_: str) -> Resource:
    (res,) = [r for r in graph.of_type(type_) if r.name.startswith("isolated-backup")]
    return res


def test_backup_account_provider_assumes_its_role_in_jakarta(graph: Graph) -> None:
    vault = _isolated(graph, "aws:backup/vault:Vault")
    prov = plain(_provider(graph, vault).inputs)
    assert prov["region"] == REGION
    assert json.loads(prov["allowedAccountIds"]) == [BACKUP]
    (role,) = json.loads(prov["assumeRoles"])
    assert role["roleArn"].split(":")[4] == BACKUP
    # the key, the lock and the vault policy are made there too; the stack's own vault is not
    for type_ in ("aws:kms/key:Key", "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
                  "aws:backup/vaultPolicy:VaultPolicy"):
        assert _provider(graph, _isolated(graph, type_)).urn == _provider(graph, vault).urn, type_
    own = graph.get("aws:backup/vault:Vault", "backup-vault")
    assert _provider(graph, own).urn != _provider(graph, vault).urn


def test_every_rule_copies_to_the_other_account_in_country(graph: Graph) -> None:
    vault = _isolated(graph, "aws:backup/vault:Vault")
    vault_name = plain(vault.inputs)["name"]
    rules = plain(graph.get("aws:backup/plan:Plan", "backup-plan").inputs)["rules"]
    assert {r["ruleName"] for r in rules} == {"daily", "monthly", "continuous"}
    for rule in rules:
        dests = [c["destinationVaultArn"] for c in rule.get("copyActions") or []]
        isolated = [d for d in dests if d.endswith(f":backup-vault:{vault_name}")]
        assert len(isolated) == 1, rule["ruleName"]
        _, _, service, region, account, kind, _ = isolated[0].split(":")
        assert (service, region, account, kind) == ("backup", REGION, BACKUP, "backup-vault"), rule["ruleName"]
        assert account != SOURCE
        (copy,) = [c for c in rule["copyActions"] if c["destinationVaultArn"] == isolated[0]]
        assert copy["lifecycle"]["deleteAfter"] >= rule["lifecycle"]["deleteAfter"]


def test_vault_is_encrypted_with_that_accounts_key_and_locked_in_compliance_mode(graph: Graph) -> None:
    vault = _isolated(graph, "aws:backup/vault:Vault")
    key = _isolated(graph, "aws:kms/key:Key")
    assert plain(vault.inputs)["kmsKeyArn"] == key.outputs["arn"]
    assert key.urn in vault.options.propertyDependencies.get("kmsKeyArn", [])
    assert plain(key.inputs)["multiRegion"] is False and plain(key.inputs)["enableKeyRotation"] is True
    lock = plain(_isolated(graph, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").inputs)
    assert lock["backupVaultName"] == plain(vault.inputs)["name"]
    assert lock["changeableForDays"] >= 3  # set = compliance mode
    for res in (vault, key):
        assert res.options.protect and res.options.retainOnDelete


def test_vault_access_policy_admits_exactly_the_source_accounts_copy(graph: Graph) -> None:
    policy = plain(_isolated(graph, "aws:backup/vaultPolicy:VaultPolicy").inputs)["policy"]
    source, backup, other = (f"arn:aws:iam::{a}:root" for a in (SOURCE, BACKUP, OTHER))
    allowed = {(who, action) for who in (source, backup, other) for action in BACKUP_ACTIONS
               if allows(policy, action=action, aws=who)}
    assert allowed == {(source, "backup:CopyIntoBackupVault")}
    for who in (source, backup, other):
        assert decide(policy, action="backup:DeleteRecoveryPoint", aws=who) == "deny"


def test_keys_on_both_sides_let_the_copy_happen(graph: Graph) -> None:
    keys = {k.name: plain(k.inputs)["policy"] for k in graph.of_type("aws:kms/key:Key")}
    backup_root = f"arn:aws:iam::{BACKUP}:root"
    # the source's recovery points (the database snapshot: data key; the vault: backup key) are shared with the
    # backup account ...
    for name in ("keys-data", "keys-backup"):
        for action in ("kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom"):
            assert allows(keys[name], action=action, aws=backup_root, context={"kms:CallerAccount": BACKUP}), name
        # ... which still cannot destroy them
        assert decide(keys[name], action="kms:ScheduleKeyDeletion", aws=backup_root,
                      context={"aws:PrincipalArn": backup_root}) == "deny", name
    for name in ("keys-logs", "keys-secrets", "keys-ebs"):
        assert not allows(keys[name], action="kms:Decrypt", aws=backup_root, context={"kms:CallerAccount": BACKUP})
    # the backup account's key: its AWS Backup encrypts, the source account re-encrypts into it and creates grants
    iso = keys["isolated-backup-key"]
    via = {"kms:CallerAccount": BACKUP, "kms:ViaService": f"backup.{REGION}.amazonaws.com"}
    assert allows(iso, action="kms:GenerateDataKey", aws=f"arn:aws:iam::{BACKUP}:role/x", context=via)
    source_root = f"arn:aws:iam::{SOURCE}:root"
    assert allows(iso, action="kms:ReEncryptTo", aws=source_root)
    assert allows(iso, action="kms:CreateGrant", aws=source_root, context={"kms:GrantIsForAWSResource": "true"})
    assert not allows(iso, action="kms:CreateGrant", aws=source_root, context={"kms:GrantIsForAWSResource": "false"})
    # nobody from the source account (an attacker there included) can destroy it; only the backup account's root
    for who in (source_root, f"arn:aws:iam::{SOURCE}:role/Admin", f"arn:aws:iam::{BACKUP}:role/Admin"):
        for action in ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"):
            assert decide(iso, action=action, aws=who, context={"aws:PrincipalArn": who}) == "deny", (who, action)
    assert allows(iso, action="kms:ScheduleKeyDeletion", aws=f"arn:aws:iam::{BACKUP}:root",
                  context={"aws:PrincipalArn": f"arn:aws:iam::{BACKUP}:root"})


def test_pack_reports_no_mandatory_finding(graph: Graph) -> None:
    result = analyze(graph, packs=[Path("policies")])
    assert result.errors == []
    assert [(f.policy, f.name, f.message) for f in result.mandatory] == []
    isolated = [f for f in result.findings if "isolated-backup" in (f.urn or "")]
    assert not any("cannot be verified" in f.message for f in isolated), isolated


def test_staging_copies_nothing_out_and_prod_without_an_account_says_so_in_one_line() -> None:
    staging = run_stack("jakarta-staging")
    assert not [r for r in staging.resources if r.name.startswith("isolated-backup")]
    assert staging.warnings == [] or not any("isolatedAccount" in w for w in staging.warnings)
    bare = run_stack("jakarta-prod", overrides={"siaga:backup": json.dumps({})})
    assert not [r for r in bare.resources if r.name.startswith("isolated-backup")]
    # the stack output says so in one line (the program also logs it with pulumi.log.warn, which the offline engine
    # does not record); the copy is never dropped silently
    line = bare.exports["isolatedBackupVaultArn"]
    assert line.startswith("none:") and "isolatedAccount not set" in line and "\n" not in line
    with_copy = run_stack("jakarta-prod")
    assert with_copy.exports["isolatedBackupVaultArn"] == f"arn:aws:backup:{REGION}:{BACKUP}:backup-vault:" \
        "contoh-layanan-prod-isolated-vault"


def _raw(isolated: Any) -> dict[str, Any]:
    return {"siaga:agency": "contoh", "siaga:service": "layanan", "siaga:domain": "a.contoh.go.id",
            "siaga:standby": {"address": "s.contoh.go.id", "addressIps": ["198.51.100.30"]}, "siaga:alertContacts": [{"name": "t", "email": "t@c.go.id"}],
            "siaga:tags": {"owner": "o", "costCentre": "1"}, "siaga:backup": {"isolatedAccount": isolated}}


@pytest.mark.parametrize(("isolated", "key"), [
    ({"accountId": "1111", "roleArn": "arn:aws:iam::111122223333:role/x"}, "accountId"),
    ({"accountId": "111122223333", "roleArn": "role/x"}, "roleArn"),
    ({"accountId": "111122223333", "roleArn": "arn:aws:iam::444455556666:role/x"}, "roleArn"),
    ({"accountId": "111122223333"}, "roleArn"),
])
def test_bad_isolated_account_is_one_line(isolated: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_raw(isolated))
    (line,) = str(err.value).splitlines()
    assert line.startswith("siaga:backup.isolatedAccount") and key in line


def test_the_stacks_own_account_is_refused_in_one_line() -> None:
    own = json.dumps({"isolatedAccount": {"accountId": SOURCE, "roleArn": f"arn:aws:iam::{SOURCE}:role/x"}})
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:backup": own})
    line = next(ln for ln in str(err.value).splitlines() if "isolatedAccount.accountId" in ln)
    assert SOURCE in line and "separate backup account" in line


def test_key_policy_without_guard_leaves_the_backup_account_root_in_charge() -> None:
    policy = key_policy(BACKUP, SOURCE, REGION, guard=False)
    root = f"arn:aws:iam::{BACKUP}:root"
    assert not any(s["Effect"] == "Deny" for s in policy["Statement"])
    assert allows(policy, action="kms:ScheduleKeyDeletion", aws=root, context={"aws:PrincipalArn": root})
    with pytest.raises(ValueError, match="roleArn"):
        IsolatedBackupVaultArgs(name_prefix="x", account_id=BACKUP, role_arn=f"arn:aws:iam::{OTHER}:role/x",
                                source_account_id=SOURCE).validate()


def test_siaga_new_prod_stack_keeps_the_isolated_copy_and_the_key_guard() -> None:
    from siaga.scaffold import NewStack, render

    req = NewStack(agency="dukcapil", service="adminduk", domain="a.dukcapil.go.id", owner="o", cost_centre="1",
                   contact_email="t@dukcapil.go.id", standby="s.dukcapil.go.id", standby_networks=["10.60.0.0/16"],
                   standby_ips=["198.51.100.40"])  # the standby name lies in the stack's zone: answered there
    text, _, cfg = render(req, Path("stacks"))
    assert cfg.production and cfg.key_guard_enabled
    assert cfg.backup.isolatedAccount is not None and cfg.backup.isolatedAccount.accountId == BACKUP
    assert "REPLACE with the agency's backup account" in text
    staging, _, scfg = render(NewStack(**{**req.__dict__, "environment": "staging", "source": "jakarta-staging"}),
                              Path("stacks"))
    assert scfg.backup.isolatedAccount is None and not scfg.key_guard_enabled


def test_the_plans_role_may_copy_into_the_isolated_vault(graph: Graph) -> None:
    vault_name = plain(_isolated(graph, "aws:backup/vault:Vault").inputs)["name"]
    role = graph.get("aws:iam/role:Role", "backup-role")
    (policy,) = [p for p in graph.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "backup-role-isolated-copy"]
    assert plain(policy.inputs)["role"] in (role.id, role.outputs.get("id"), plain(role.inputs)["name"])
    doc = json.loads(plain(policy.inputs)["policy"])
    (st,) = doc["Statement"]
    assert st["Action"] == "backup:CopyIntoBackupVault" and st["Effect"] == "Allow"
    assert st["Resource"] == f"arn:aws:backup:{REGION}:{BACKUP}:backup-vault:{vault_name}"


def test_drp_ransomware_section_restores_from_the_isolated_vault_with_that_accounts_key() -> None:
    """The DRP names the copy a compromised production account cannot reach, its account and its key, with the
    commands; a stack without an isolated account gets no such section."""
    from siaga.documents import drp
    from siaga.documents.topology import analyse
    from siaga.engine import run_stack

    prod = drp.render_markdown(analyse(run_stack("jakarta-prod")), "jakarta-prod")
    line = next(ln for ln in prod.splitlines() if ln.startswith("# RANSOMWARE"))
    assert "contoh-layanan-prod-isolated-vault" in line and "111122223333" in line and "isolated-backup-key" in line
    assert "aws sts assume-role --role-arn arn:aws:iam::111122223333:role/" in prod
    assert "aws backup start-copy-job --source-backup-vault-name contoh-layanan-prod-isolated-vault" in prod
    staging = drp.render_markdown(analyse(run_stack("jakarta-staging")), "jakarta-staging")
    assert "# RANSOMWARE" not in staging
