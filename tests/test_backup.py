"""BackupPlan through the offline engine (rush_data fixture): the database is selected, the vault is locked in
compliance mode, continuous backup is on, copies stay in-country, and the pack finds nothing mandatory."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.backup import check_copy_target
from siaga.analyzer import analyze
from siaga.engine import EngineError, Graph, run_program

FIXTURE = "tests/fixtures/programs/rush_data"
IN_COUNTRY = "arn:aws:backup:ap-southeast-3:123456789012:backup-vault:dr"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev", overrides={"fixture:copyToVaultArn": IN_COUNTRY})


def test_selection_contains_the_database_and_the_tag(graph: Graph) -> None:
    (db,) = graph.of_type("aws:rds/instance:Instance")
    (sel,) = graph.of_type("aws:backup/selection:Selection")
    i = sel.plain_inputs()
    assert db.outputs["arn"] in i["resources"]
    assert {"type": "STRINGEQUALS", "key": "Backup", "value": "siaga"} in i["selectionTags"]
    (plan,) = graph.of_type("aws:backup/plan:Plan")
    assert i["planId"] == plan.id
    role = graph.get("aws:iam/role:Role", "backup-role")
    assert i["iamRoleArn"] == role.outputs["arn"] and "backup.amazonaws.com" in role.plain_inputs()["assumeRolePolicy"]


def test_vault_encrypted_locked_in_compliance_mode_and_protected(graph: Graph) -> None:
    (vault,) = graph.of_type("aws:backup/vault:Vault")
    assert vault.plain_inputs()["kmsKeyArn"] == graph.get("aws:kms/key:Key", "key").outputs["arn"]
    assert vault.plain_inputs()["name"] == "rush-data-vault"
    assert vault.options.protect and vault.options.retainOnDelete
    (lock,) = graph.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    li = lock.plain_inputs()
    assert li["backupVaultName"] == "rush-data-vault"
    assert li["changeableForDays"] >= 3  # set = compliance mode
    assert li["minRetentionDays"] == 7 and li["maxRetentionDays"] == 3650
    (pol,) = graph.of_type("aws:backup/vaultPolicy:VaultPolicy")
    policy = pol.plain_inputs()["policy"]
    assert '"Deny"' in policy and "backup:DeleteRecoveryPoint" in policy


def test_rules_continuous_monthly_and_in_country_copy(graph: Graph) -> None:
    (plan,) = graph.of_type("aws:backup/plan:Plan")
    rules = {r["ruleName"]: r for r in plan.plain_inputs()["rules"]}
    assert rules["continuous"]["enableContinuousBackup"] is True
    assert rules["continuous"]["lifecycle"]["deleteAfter"] <= 35
    assert rules["monthly"]["schedule"] == "cron(0 18 1 * ? *)"
    assert rules["monthly"]["lifecycle"]["deleteAfter"] == 365
    assert rules["daily"]["lifecycle"]["deleteAfter"] == 35
    assert rules["daily"]["copyActions"][0]["destinationVaultArn"] == IN_COUNTRY
    assert all(r["targetVaultName"] == "rush-data-vault" for r in rules.values())


def test_restore_testing_over_this_vault_for_rds(graph: Graph) -> None:
    (rtp,) = graph.of_type("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    (vault,) = graph.of_type("aws:backup/vault:Vault")
    sel = rtp.plain_inputs()["recoveryPointSelection"]
    assert sel["includeVaults"] == [vault.outputs["arn"]]
    (rts,) = graph.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert rts.plain_inputs()["protectedResourceType"] == "RDS"
    assert rts.plain_inputs()["restoreTestingPlanName"] == rtp.plain_inputs()["name"]


def test_no_mandatory_findings(graph: Graph) -> None:
    report = analyze(graph, packs=[Path("policies")])
    bad = [f for f in report.findings if f.enforcement == "mandatory" and not f.waived_maybe]
    assert not bad, bad


def test_copy_out_of_country_rejected_in_one_line() -> None:
    arn = "arn:aws:backup:ap-southeast-1:123456789012:backup-vault:dr"
    with pytest.raises(EngineError) as err:
        run_program(FIXTURE, stack="dev", overrides={"fixture:copyToVaultArn": arn})
    msg = str(err.value).strip()
    assert "\n" not in msg
    assert f"siaga:backup.copyToVaultArn: '{arn}' is in ap-southeast-1; allowed: a vault in ap-southeast-3" in msg


def test_copy_target_check_accepts_in_country_and_rejects_garbage() -> None:
    check_copy_target(IN_COUNTRY, ["ap-southeast-3"])
    with pytest.raises(ValueError, match="^siaga:backup.copyToVaultArn: 'nope' is not a backup vault ARN"):
        check_copy_target("nope", ["ap-southeast-3"])
