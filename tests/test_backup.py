"""BackupPlan through the offline engine: every data store selected, vault lock compliance mode, in-country copy."""

from __future__ import annotations

import pytest

from siaga.engine import EngineError, Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/components_3b"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev",
                       overrides={"fixture:copyToVaultArn": "arn:aws:backup:ap-southeast-3:123456789012:backup-vault:dr"})


def test_every_data_store_selected_by_arn_and_tag(graph: Graph) -> None:
    stores = {plain(r.outputs).get("arn") for r in graph.of_type("aws:rds/instance:Instance", "aws:s3/bucketV2:BucketV2")}
    assert len(stores) == 2 and None not in stores
    (sel,) = graph.of_type("aws:backup/selection:Selection")
    i = plain(sel.inputs)
    assert stores <= set(i["resources"])
    assert {"type": "STRINGEQUALS", "key": "Backup", "value": "siaga"} in i["selectionTags"]


def test_vault_locked_compliance_encrypted_protected(graph: Graph) -> None:
    (vault,) = graph.of_type("aws:backup/vault:Vault")
    (key,) = [k for k in graph.of_type("aws:kms/key:Key") if plain(k.inputs)["tags"]["Purpose"] == "backup"]
    assert plain(vault.inputs)["kmsKeyArn"] == plain(key.outputs)["arn"]
    assert vault.options.protect and vault.options.retainOnDelete
    (lock,) = graph.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    li = plain(lock.inputs)
    assert li["changeableForDays"] == 3  # set = compliance mode
    assert li["minRetentionDays"] == 7 and li["maxRetentionDays"] == 3650
    (pol,) = graph.of_type("aws:backup/vaultPolicy:VaultPolicy")
    assert "backup:DeleteRecoveryPoint" in plain(pol.inputs)["policy"]


def test_rules_copy_and_restore_testing(graph: Graph) -> None:
    (plan,) = graph.of_type("aws:backup/plan:Plan")
    rules = {r["ruleName"]: r for r in plain(plan.inputs)["rules"]}
    assert set(rules) == {"daily", "monthly", "continuous"}
    assert rules["continuous"]["enableContinuousBackup"] is True
    assert rules["continuous"]["lifecycle"]["deleteAfter"] <= 35
    assert rules["daily"]["copyActions"][0]["destinationVaultArn"].startswith("arn:aws:backup:ap-southeast-3:")
    assert graph.of_type("aws:backup/restoreTestingPlan:RestoreTestingPlan")
    assert graph.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")


def test_copy_out_of_country_rejected_in_one_line() -> None:
    with pytest.raises(EngineError) as err:
        run_program(FIXTURE, stack="dev",
                    overrides={"fixture:copyToVaultArn": "arn:aws:backup:ap-southeast-1:123456789012:backup-vault:dr"})
    msg = str(err.value)
    assert "\n" not in msg.strip()
    assert "backup.copyToVaultArn" in msg and "ap-southeast-1" in msg
