"""BackupPlan through the offline engine (rush_data fixture): the database is selected, the vault is locked in
compliance mode, continuous backup is on, copies stay in-country, and the pack finds nothing mandatory."""

from __future__ import annotations

import json
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
    bad = [f"{f.policy}: {f.name}: {f.message}" for f in report.mandatory]
    assert not bad, "\n".join(bad)


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


# --- behaviour: what AWS Backup does with these settings, judged from the graph ------------------------------------

# RDS instances' overridable restore metadata (keys not case sensitive):
# https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html
RDS_OVERRIDABLE = {"availabilityzone", "backupretentionperiod", "copytagstosnapshot", "dbinstanceclass",
                   "dbinstanceidentifier", "dbparametergroupname", "dbsubnetgroupname", "iops", "kmskeyid", "multiaz",
                   "optiongroupname", "port", "publiclyaccessible", "storagetype", "vpcsecuritygroupids"}


def test_continuous_rule_keeps_the_databases_own_pitr_window(graph: Graph) -> None:
    """AWS Backup sets the instance's backup retention to the continuous rule's: equal values, no drift."""
    (db,) = graph.of_type("aws:rds/instance:Instance")
    (plan,) = graph.of_type("aws:backup/plan:Plan")
    rules = {r["ruleName"]: r for r in plan.plain_inputs()["rules"]}
    assert rules["continuous"]["lifecycle"]["deleteAfter"] == db.plain_inputs()["backupRetentionPeriod"]


def test_restore_tests_land_in_the_isolated_subnets_without_access(graph: Graph) -> None:
    (db,) = graph.of_type("aws:rds/instance:Instance")
    (rts,) = graph.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    overrides = rts.plain_inputs()["restoreMetadataOverrides"]
    assert {k.lower() for k in overrides} <= RDS_OVERRIDABLE
    o = {k.lower(): v for k, v in overrides.items()}
    # the restored copy uses the database's own subnet group (its isolated subnets)
    assert o["dbsubnetgroupname"] == db.plain_inputs()["dbSubnetGroupName"]
    (group,) = [g for g in graph.of_type("aws:rds/subnetGroup:SubnetGroup")
                if g.plain_inputs()["name"] == o["dbsubnetgroupname"]]
    isolated = {s.id for s in graph.of_type("aws:ec2/subnet:Subnet") if "isolated" in s.name}
    assert set(group.plain_inputs()["subnetIds"]) == isolated
    # a security group of the database's VPC that nothing can reach and that reaches nothing
    (sg_id,) = json.loads(o["vpcsecuritygroupids"])
    (sg,) = [g for g in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if g.id == sg_id]
    (vpc,) = graph.of_type("aws:ec2/vpc:Vpc")
    assert sg.plain_inputs()["vpcId"] == vpc.id
    assert not sg.plain_inputs().get("ingress") and not sg.plain_inputs().get("egress")
    rules = [r for t in ("aws:ec2/securityGroupRule:SecurityGroupRule",
                         "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                         "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") for r in graph.of_type(t)]
    assert not [r for r in rules if sg_id in json.dumps(r.plain_inputs())]
    assert o["publiclyaccessible"] == "false"


def test_vault_policy_denies_deletion_but_not_later_policy_changes(graph: Graph) -> None:
    from iam_eval import decide

    (pol,) = graph.of_type("aws:backup/vaultPolicy:VaultPolicy")
    policy = pol.plain_inputs()["policy"]
    admin = "arn:aws:iam::123456789012:role/administrator"
    for action in ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"):
        assert decide(policy, aws=admin, action=action) == "deny", action
    for action in ("backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy",
                   "backup:CopyIntoBackupVault", "backup:StartCopyJob"):
        assert decide(policy, aws=admin, action=action) != "deny", action


@pytest.mark.parametrize("kwargs", [{"continuous_retention_days": 36}, {"continuous_retention_days": 0},
                                    {"restore_vpc_id": "vpc-1"}])
def test_bad_plan_args_one_line(kwargs: dict) -> None:
    from components.backup import BackupPlanArgs
    from components.config import Backup

    with pytest.raises(ValueError) as err:
        BackupPlanArgs(name_prefix="x", kms_key_arn="k", resource_arns=[], settings=Backup(), **kwargs).validate()
    assert "\n" not in str(err.value) and str(err.value).split(":")[0] in {"continuous_retention_days",
                                                                             "restore_vpc_id / restore_db_subnet_group_name"}


# --- the reference stacks: production keeps every lock, staging can be torn down -----------------------------------

@pytest.fixture(scope="module", params=["jakarta-prod", "jakarta-staging"])
def stack(request: pytest.FixtureRequest) -> Graph:
    from siaga.engine import run_stack

    return run_stack(request.param)


def test_reference_stack_pitr_window_has_one_owner(stack: Graph) -> None:
    (db,) = stack.of_type("aws:rds/instance:Instance")
    (plan,) = stack.of_type("aws:backup/plan:Plan")
    (continuous,) = [r for r in plan.plain_inputs()["rules"] if r.get("enableContinuousBackup")]
    assert continuous["lifecycle"]["deleteAfter"] == db.plain_inputs()["backupRetentionPeriod"]


def test_reference_stack_restore_tests_use_the_database_subnet_group(stack: Graph) -> None:
    (db,) = stack.of_type("aws:rds/instance:Instance")
    (rts,) = stack.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    o = {k.lower(): v for k, v in rts.plain_inputs()["restoreMetadataOverrides"].items()}
    assert o["dbsubnetgroupname"] == db.plain_inputs()["dbSubnetGroupName"] and o["publiclyaccessible"] == "false"


def test_production_keeps_the_locks_and_staging_can_be_destroyed(stack: Graph) -> None:
    """Staging: nothing protected or retained, a governance lock, vault and buckets deleted with their contents, no
    recovery point kept past the lock's maximum. Production: compliance lock, protected and retained data stores."""
    production = stack.stack == "jakarta-prod"
    # the stack's own vault (jakarta-prod also has the isolated account's: tests/test_backup_account.py)
    vault = stack.get("aws:backup/vault:Vault", "backup-vault")
    lock = stack.get("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup-lock")
    (plan,) = stack.of_type("aws:backup/plan:Plan")
    stores = [r for r in stack.resources if r.type in ("aws:kms/key:Key", "aws:rds/instance:Instance",
                                                       "aws:backup/vault:Vault", "aws:s3/bucket:Bucket")]
    buckets = [b for b in stack.of_type("aws:s3/bucket:Bucket")]
    assert stores and buckets
    if production:
        assert lock.plain_inputs().get("changeableForDays", 0) >= 3  # compliance mode
        assert all(r.options.protect and r.options.retainOnDelete for r in stores)
        assert not vault.plain_inputs().get("forceDestroy")
        return
    assert lock.plain_inputs().get("changeableForDays") is None  # governance: removable on teardown
    assert not [r.name for r in stack.resources if r.options.protect]  # `pulumi destroy` never refuses
    # retained (left in AWS, dropped from the state) only: the standards of a Security Hub the stack adopted, since
    # deleting a subscription switches the standard off for the whole account (components/detection.py)
    assert {r.type for r in stack.resources if r.options.retainOnDelete} <= {
        "aws:securityhub/standardsSubscription:StandardsSubscription"}
    assert vault.plain_inputs()["forceDestroy"] is True
    assert all(b.plain_inputs()["forceDestroy"] is True for b in buckets)
    longest = max(r["lifecycle"]["deleteAfter"] for r in plan.plain_inputs()["rules"])
    assert longest <= lock.plain_inputs()["maxRetentionDays"] <= 35
