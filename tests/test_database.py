"""Database through the offline engine: Multi-AZ, encrypted with the stack's key, protected, isolated."""

from __future__ import annotations

import pytest

from siaga.engine import Graph, run_stack


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


def test_multi_az_encrypted_with_stack_key_and_protected(prod: Graph) -> None:
    (db,) = prod.of_type("aws:rds/instance:Instance")
    i = db.plain_inputs()
    assert i["multiAz"] is True and i["storageEncrypted"] is True
    key_arns = {k.outputs.get("arn") for k in prod.of_type("aws:kms/key:Key")}
    assert i["kmsKeyId"] in key_arns and i["performanceInsightsKmsKeyId"] in key_arns
    assert i["manageMasterUserPassword"] is True and "password" not in i
    assert i["deletionProtection"] is True and i["backupRetentionPeriod"] >= 7
    assert db.options.protect and db.options.retainOnDelete


def test_subnet_group_over_isolated_subnets_of_every_az(prod: Graph) -> None:
    ids = {r.id: r for r in prod.resources if r.id}
    (group,) = prod.of_type("aws:rds/subnetGroup:SubnetGroup")
    subnets = [ids[s] for s in group.plain_inputs()["subnetIds"]]
    assert all("isolated" in s.name for s in subnets)
    assert {s.plain_inputs()["availabilityZoneId"] for s in subnets} == {"apse3-az1", "apse3-az2", "apse3-az3"}


def test_parameters_force_tls_and_pgaudit(prod: Graph) -> None:
    (pg,) = prod.of_type("aws:rds/parameterGroup:ParameterGroup")
    params = {p["name"]: p["value"] for p in pg.plain_inputs()["parameters"]}
    assert params["rds.force_ssl"] == "1" and "pgaudit" in params["shared_preload_libraries"]


def test_cluster_mode_builds_encrypted_protected_cluster() -> None:
    g = run_stack("jakarta-prod", overrides={"siaga:database": '{"mode": "multi-az-cluster"}'})
    (c,) = g.of_type("aws:rds/cluster:Cluster")
    assert c.plain_inputs()["storageEncrypted"] is True and c.options.protect
