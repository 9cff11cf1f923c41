"""Database through the offline engine (rush_data fixture): Multi-AZ, encrypted with the given key, protected,
TLS + pgaudit, reachable only from the allowed security group, and clean under the policy pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.config import Database as DatabaseSettings
from components.database import Database, DatabaseArgs
from siaga.analyzer import analyze
from siaga.engine import Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/rush_data"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def _db(graph: Graph):  # noqa: ANN202
    (db,) = graph.of_type("aws:rds/instance:Instance")
    return db


def test_multi_az_encrypted_with_given_key_protected_and_retained(graph: Graph) -> None:
    db = _db(graph)
    i = db.plain_inputs()
    key_arn = graph.get("aws:kms/key:Key", "key").outputs["arn"]
    assert i["multiAz"] is True and i["storageEncrypted"] is True
    assert i["kmsKeyId"] == key_arn and i["performanceInsightsKmsKeyId"] == key_arn
    assert i["masterUserSecretKmsKeyId"] == key_arn
    assert i["manageMasterUserPassword"] is True and "password" not in i
    assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is False and i["finalSnapshotIdentifier"]
    assert i["backupRetentionPeriod"] >= 7 and i["publiclyAccessible"] is False
    assert i["backupWindow"] == "18:00-19:00" and i["storageType"] == "gp3"
    assert i["tags"]["Backup"] == "siaga"
    assert db.options.protect and db.options.retainOnDelete
    assert db.parent and db.parent.endswith("siaga:aws:Database::db")


def test_parameters_force_tls_and_pgaudit(graph: Graph) -> None:
    db = _db(graph)
    (pg,) = graph.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert db.plain_inputs()["parameterGroupName"] == plain(pg.inputs)["name"]
    params = {p["name"]: p for p in pg.plain_inputs()["parameters"]}
    assert params["rds.force_ssl"]["value"] == "1"
    assert "pgaudit" in params["shared_preload_libraries"]["value"].split(",")
    assert params["shared_preload_libraries"]["applyMethod"] == "pending-reboot"
    assert params["pgaudit.log"]["value"] == "ddl,role,write"
    assert pg.plain_inputs()["family"] == "postgres16"


def test_subnet_group_over_every_given_subnet(graph: Graph) -> None:
    db = _db(graph)
    (group,) = graph.of_type("aws:rds/subnetGroup:SubnetGroup")
    assert db.plain_inputs()["dbSubnetGroupName"] == group.plain_inputs()["name"]
    given = {s.id for s in graph.of_type("aws:ec2/subnet:Subnet")}
    assert len(given) == 3 and set(group.plain_inputs()["subnetIds"]) == given


def test_only_the_allowed_security_group_reaches_it(graph: Graph) -> None:
    db = _db(graph)
    app = graph.get("aws:ec2/securityGroup:SecurityGroup", "app")
    (sg,) = [s for s in graph.of_type("aws:ec2/securityGroup:SecurityGroup") if s.name == "rush-data-db"]
    assert db.plain_inputs()["vpcSecurityGroupIds"] == [sg.id]
    ingress = sg.plain_inputs()["ingress"]
    assert ingress and all(r["securityGroups"] == [app.id] and not r.get("cidrBlocks") for r in ingress)
    assert {(r["fromPort"], r["toPort"]) for r in ingress} == {(5432, 5432)}
    assert graph.exports["dbSecurityGroupId"] == sg.id


def test_no_mandatory_findings(graph: Graph) -> None:
    report = analyze(graph, packs=[Path("policies")])
    bad = [f for f in report.findings if f.enforcement == "mandatory" and not f.waived_maybe]
    assert not bad, bad


def test_cluster_mode_is_an_encrypted_protected_multi_az_cluster() -> None:
    g = run_program(FIXTURE, stack="dev", overrides={"fixture:mode": "multi-az-cluster"})
    (c,) = g.of_type("aws:rds/cluster:Cluster")
    i = c.plain_inputs()
    assert i["engine"] == "postgres" and i["storageType"] == "io1" and i["dbClusterInstanceClass"]
    assert i["storageEncrypted"] is True and i["deletionProtection"] is True and i["manageMasterUserPassword"] is True
    assert c.options.protect and c.options.retainOnDelete
    (pg,) = g.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert {p["name"]: p["value"] for p in pg.plain_inputs()["parameters"]}["rds.force_ssl"] == "1"
    assert not g.of_type("aws:rds/instance:Instance")


def test_short_retention_rejected_in_one_line() -> None:
    settings = DatabaseSettings.model_construct(**{**DatabaseSettings().model_dump(), "backupRetentionDays": 3})
    with pytest.raises(ValueError, match=r"^siaga:database\.backupRetentionDays: 3; allowed: 7-35$"):
        Database("db", DatabaseArgs(name_prefix="x", settings=settings, vpc_id="vpc-1", subnet_ids=["s"],
                                    allowed_security_group_ids=[], kms_key_arn="arn"))
