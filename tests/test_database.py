"""Database through the offline engine (rush_data fixture): Multi-AZ, encrypted with the given key, protected,
TLS + pgaudit, reachable only from the allowed security group, and clean under the policy pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config import Database as DatabaseSettings
from components.database import Database, DatabaseArgs, parameter_group_family
from siaga.analyzer import analyze
from siaga.engine import EngineError, Graph, run_program, run_stack
from siaga.engine.model import Resource, plain

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
    bad = [f"{f.policy}: {f.name}: {f.message}" for f in report.mandatory]
    assert not bad, "\n".join(bad)


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


# ---- behaviour (issue 13) ------------------------------------------------------------------------------------

EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


def _db_group(g: Graph) -> Resource:
    (db,) = g.of_type("aws:rds/instance:Instance")
    (sg_id,) = db.plain_inputs()["vpcSecurityGroupIds"]
    return next(s for s in g.of_type(SG) if s.id == sg_id)


def _egress_of(g: Graph, group_id: str) -> list[dict]:
    return [r.plain_inputs() for r in g.of_type(EGRESS) if plain(r.inputs["securityGroupId"]) == group_id]


def _reaches(rule: dict, port: int, group_id: str) -> bool:
    proto = str(rule.get("ipProtocol"))
    if proto == "-1":
        return rule.get("referencedSecurityGroupId") == group_id or rule.get("cidrIpv4") == "0.0.0.0/0"
    return (proto in ("tcp", "6") and int(rule["fromPort"]) <= port <= int(rule["toPort"])
            and rule.get("referencedSecurityGroupId") == group_id)


@pytest.mark.parametrize("program", ["rush_data", "cluster_db", "jakarta-prod", "jakarta-staging"])
def test_every_allowed_group_can_open_the_connection(program: str) -> None:
    """Security groups are stateful, but the client's OUTBOUND rules must allow the connection: follow the DB
    group's ingress source group to that group's egress rules and find the DB port toward the DB group."""
    g = run_stack(program) if program.startswith("jakarta") else run_program(f"tests/fixtures/programs/{program}",
                                                                            stack="dev")
    db_sg = _db_group(g)
    port = int(plain(g.of_type("aws:rds/instance:Instance")[0].inputs["port"]))
    sources = {s for rule in db_sg.plain_inputs()["ingress"] for s in rule["securityGroups"]
               if int(rule["fromPort"]) <= port <= int(rule["toPort"])}
    assert sources, "nothing may reach the database"
    for source in sources:
        rules = _egress_of(g, source)
        assert any(_reaches(r, port, db_sg.id) for r in rules), (
            f"security group {source} may connect to {db_sg.name} on {port} by its ingress, but has no egress rule "
            f"to it: add an egress rule tcp/{port} -> {db_sg.id} on {source}")


def test_the_app_group_egress_is_widened_only_by_the_db_port() -> None:
    g = run_stack("jakarta-prod")
    app = next(s for s in g.of_type(SG) if s.name == "cluster-app")
    db_sg = _db_group(g)
    rules = {(r["ipProtocol"], int(r["fromPort"]), int(r["toPort"]), r.get("cidrIpv4"), r.get("referencedSecurityGroupId"))
             for r in _egress_of(g, app.id)}
    assert rules == {("tcp", 443, 443, "0.0.0.0/0", None), ("tcp", 5432, 5432, None, db_sg.id)}
    # the DB group itself gets no egress (it only answers), and its ingress is the app group and the DMS replication
    # instance's group (components/replication.py) only
    assert not _egress_of(g, db_sg.id) and not db_sg.plain_inputs().get("egress")
    dms = next(s for s in g.of_type(SG) if s.name.endswith("-dms"))
    assert {s for r in db_sg.plain_inputs()["ingress"] for s in r["securityGroups"]} == {app.id, dms.id}


def test_subnet_group_name_is_an_output_for_restores(graph: Graph) -> None:
    (group,) = graph.of_type("aws:rds/subnetGroup:SubnetGroup")
    (comp,) = [r for r in graph.resources if r.type == "siaga:aws:Database"]
    assert comp.outputs["subnetGroupName"] == group.plain_inputs()["name"]


def test_major_only_version_follows_rds_minors_and_the_family_follows_the_major(graph: Graph) -> None:
    db = _db(graph)
    i = db.plain_inputs()
    assert i["engineVersion"] == "16" and i["autoMinorVersionUpgrade"] is True
    (pg,) = graph.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert pg.plain_inputs()["family"] == "postgres16"
    assert parameter_group_family("17") == "postgres17" and parameter_group_family("16.9") == "postgres16"


@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging", "hybrid-pdn"])
def test_reference_stacks_pin_the_major_only(stack: str) -> None:
    g = run_stack(stack)
    (db,) = g.of_type("aws:rds/instance:Instance")
    i = db.plain_inputs()
    assert "." not in i["engineVersion"] and i["autoMinorVersionUpgrade"] is True


@pytest.mark.parametrize("database, fragment", [
    ({"engineVersion": "16.4"}, "'16.4' can no longer be used for new RDS instances"),
    ({"engineVersion": "16.9"}, "'16.9' pins a minor while autoMinorVersionUpgrade is true"),
    ({"engineVersion": "12"}, "'12' is not a supported RDS PostgreSQL version"),
])
def test_engine_version_errors_are_one_line(database: dict, fragment: str) -> None:
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:database": json.dumps(database)})
    text = str(err.value).strip()
    assert "\n" not in text and text.startswith("siaga:database.engineVersion: ") and fragment in text
    assert "allowed: a major of ['14', '15', '16', '17']" in text


def test_a_supported_minor_pin_turns_auto_minor_upgrades_off() -> None:
    g = run_stack("jakarta-prod", overrides={"siaga:database": json.dumps(
        {"engineVersion": "16.9", "autoMinorVersionUpgrade": False})})
    (db,) = g.of_type("aws:rds/instance:Instance")
    assert db.plain_inputs()["engineVersion"] == "16.9" and db.plain_inputs()["autoMinorVersionUpgrade"] is False
    (pg,) = g.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert pg.plain_inputs()["family"] == "postgres16"


def test_deletion_protection_off_needs_a_non_production_environment_tag() -> None:
    """The pack accepts a tear-down-able database only where the Environment tag says non-production: a program
    that turns deletion protection off without tagging its environment is told so (untagged = production)."""
    g = run_program("tests/fixtures/programs/cluster_db", stack="dev", overrides={"fixture:production": "false"})
    (db,) = g.of_type("aws:rds/instance:Instance")
    assert db.plain_inputs()["deletionProtection"] is False and db.plain_inputs()["finalSnapshotIdentifier"]
    report = analyze(g, packs=[Path("policies")])
    (finding,) = [f for f in report.findings if f.policy == "rds-deletion-protection" and f.urn == db.urn]
    assert finding.enforcement == "mandatory"
    assert "no Environment tag, so it counts as production" in finding.message
    assert "default_tags" in finding.message
