"""Replication to the standby database (components/replication.py), the availability model with the standby as a
parallel site, the DRP's region-loss RPO and ``siaga verify --standby``: asserted from the reference stacks' graphs."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from components.config import ConfigError, parse_config
from siaga.cli import app
from siaga.documents import availability as av
from siaga.documents import drp
from siaga.documents.topology import analyse
from siaga.engine import run_stack
from siaga.engine.model import plain
from siaga.verify.standby import StandbyTarget, check_standby, standby_target_from_graph
from tests.conftest import install_stand_in

DMS = "aws:dms/replicationInstance:ReplicationInstance"


@pytest.fixture(scope="module")
def prod():
    return run_stack("jakarta-prod")


def _one(graph, rtype, name_part=""):
    found = [r for r in graph.of_type(rtype) if name_part in r.name]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def test_task_reads_the_stacks_database_and_writes_inside_the_standby_networks(prod) -> None:
    cfg = parse_config(prod.config)
    task = _one(prod, "aws:dms/replicationTask:ReplicationTask")
    ti = plain(task.inputs)
    assert ti["migrationType"] == "full-load-and-cdc"
    assert json.loads(ti["tableMappings"])["rules"][0]["object-locator"] == {"schema-name": "public", "table-name": "%"}
    by_urn = prod.by_urn()
    source = _one(prod, "aws:dms/endpoint:Endpoint", "dms-source")
    target = _one(prod, "aws:dms/endpoint:Endpoint", "dms-target")
    si, tg = plain(source.inputs), plain(target.inputs)
    assert si["endpointType"] == "source" and tg["endpointType"] == "target"
    assert si["sslMode"] in {"require", "verify-full"} and tg["sslMode"] in {"require", "verify-full"}
    # the source is the stack's RDS: the endpoint depends on that database (and its secret role is DMS's)
    db = _one(prod, "aws:rds/instance:Instance")
    assert db.urn in source.options.dependencies
    host, port = tg["tags"]["siaga.go.id/server"].split(":")
    assert any(ipaddress.ip_address(host) in ipaddress.ip_network(n) for n in cfg.standby.networks)
    # the instance: Multi-AZ, private, the stack's data key, in the isolated subnets
    inst = plain(_one(prod, DMS).inputs)
    assert inst["multiAz"] is True and inst["publiclyAccessible"] is False
    keys = {r.urn: r for r in prod.of_type("aws:kms/key:Key")}
    assert any("data" in k.name for k in keys.values())
    group = plain(_one(prod, "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup").inputs)
    isolated = {s.id for s in prod.of_type("aws:ec2/subnet:Subnet") if "isolated" in s.name}
    assert set(group["subnetIds"]) == isolated and len(isolated) == 3
    # egress of the DMS group: the standby's /32 on its port, and the RDS port towards the database group
    sg = _one(prod, "aws:ec2/securityGroup:SecurityGroup", "-dms")
    egress = [plain(r.inputs) for r in prod.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
              if plain(r.inputs).get("securityGroupId") == sg.id]
    assert {"cidrIpv4": f"{host}/32", "fromPort": int(port)}.items() <= next(
        e for e in egress if e.get("cidrIpv4")).items()
    db_sg = _one(prod, "aws:ec2/securityGroup:SecurityGroup", "-db")
    assert any(e.get("referencedSecurityGroupId") == db_sg.id and e["fromPort"] == cfg.database.port for e in egress)
    # and HTTPS to the VPC's interface endpoints only (Secrets Manager, KMS): nothing else on 443
    endpoints = _one(prod, "aws:ec2/securityGroup:SecurityGroup", "-endpoints")
    https = [e for e in egress if e["fromPort"] == 443]
    assert https == [next(e for e in https if e.get("referencedSecurityGroupId") == endpoints.id)]
    assert {"secretsmanager", "kms"} <= {plain(r.inputs)["serviceName"].rsplit(".", 1)[1]
                                         for r in prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
                                         if plain(r.inputs).get("vpcEndpointType") == "Interface"}
    assert sg.id in plain(db_sg.inputs)["ingress"][0]["securityGroups"]
    # the VPN routes reach the isolated route tables the instance uses
    props = [plain(r.inputs) for r in prod.of_type("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation")]
    isolated_rts = {r.id for r in prod.of_type("aws:ec2/routeTable:RouteTable") if "isolated" in r.name}
    assert isolated_rts <= {p["routeTableId"] for p in props}
    assert by_urn  # graph indexed


def test_latency_alarms_go_to_the_ttis_topic_at_the_rpo(prod) -> None:
    cfg = parse_config(prod.config)
    topic = _one(prod, "aws:sns/topic:Topic")
    alarms = [plain(a.inputs) for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if plain(a.inputs).get("namespace") == "AWS/DMS"]
    assert {a["metricName"] for a in alarms} == {"CDCLatencySource", "CDCLatencyTarget"}
    for a in alarms:
        assert a["threshold"] == cfg.standby.database.rpoSeconds
        assert a["treatMissingData"] == "breaching"
        assert a["dimensions"]["ReplicationInstanceIdentifier"] == plain(_one(prod, DMS).inputs)["replicationInstanceId"]
    topic_deps = [a for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") if "dms" in a.name]
    assert all(topic.urn in a.options.propertyDependencies.get("alarmActions", []) for a in topic_deps)


def test_secrets_role_is_assumed_by_dms_and_reads_only_the_endpoint_secrets(prod) -> None:
    role = _one(prod, "aws:iam/role:Role", "dms-secrets")
    trust = json.loads(plain(role.inputs)["assumeRolePolicy"])["Statement"][0]
    assert "dms.ap-southeast-3.amazonaws.com" in trust["Principal"]["Service"]
    policy = json.loads(plain(_one(prod, "aws:iam/rolePolicy:RolePolicy", "dms-secrets").inputs)["policy"])
    read, decrypt = policy["Statement"]
    assert read["Action"] == "secretsmanager:GetSecretValue" and len(read["Resource"]) == 2
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == "secretsmanager.ap-southeast-3.amazonaws.com"
    for ep in prod.of_type("aws:dms/endpoint:Endpoint"):
        assert role.urn in ep.options.propertyDependencies.get("secretsManagerAccessRoleArn", [])


def test_database_gets_logical_replication_and_keeps_its_urn(prod) -> None:
    pg = plain(_one(prod, "aws:rds/parameterGroup:ParameterGroup").inputs)
    param = next(p for p in pg["parameters"] if p["name"] == "rds.logical_replication")
    assert param == {"name": "rds.logical_replication", "value": "1", "applyMethod": "pending-reboot"}
    db = _one(prod, "aws:rds/instance:Instance")
    assert db.urn == "urn:pulumi:jakarta-prod::siaga::siaga:aws:Database$aws:rds/instance:Instance::contoh-layanan-prod-db"
    staging = run_stack("jakarta-staging")
    assert not staging.of_type(DMS)
    assert all(p["name"] != "rds.logical_replication"
               for p in plain(_one(staging, "aws:rds/parameterGroup:ParameterGroup").inputs)["parameters"])


BASE = {"siaga:agency": "contoh", "siaga:service": "layanan", "siaga:domain": "layanan.contoh.go.id",
        "siaga:alertContacts": [{"name": "T", "email": "t@contoh.go.id"}], "siaga:tags": {"owner": "o", "costCentre": "1"}}
SECRET = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:standby-AbCdEf"


def _standby(**extra) -> dict:
    return {**BASE, "siaga:standby": {"address": "standby.contoh.go.id", "addressIps": ["198.51.100.30"],
                                      "networks": ["10.50.0.0/16"], **extra}}


@pytest.mark.parametrize(("standby", "message"), [
    ({"vpn": True, "customerGatewayIp": "198.51.100.20", "database": {"address": "10.60.0.5", "secretArn": SECRET}},
     "siaga:standby.database.address: 10.60.0.5 is outside standby.networks"),
    ({"database": {"address": "10.50.0.5", "secretArn": SECRET}},
     "siaga:standby.database.replication: 'dms' needs a private path to standby.networks"),
    ({"vpn": True, "customerGatewayIp": "198.51.100.20", "database": {"address": "10.50.0.5"}},
     "siaga:standby.database.secretArn: not set while replication is 'dms'"),
    ({"database": {"replication": "none"}}, "siaga:standby.database.reason: not set while replication is 'none'"),
    ({"vpn": True, "customerGatewayIp": "198.51.100.20",
      "database": {"address": "10.50.0.5", "secretArn": SECRET.replace("ap-southeast-3", "ap-southeast-1")}},
     "siaga:standby.database.secretArn: 'arn:aws:secretsmanager:ap-southeast-1"),
])
def test_bad_standby_database_is_one_line(standby: dict, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(_standby(**standby))
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_standby_database_is_said_in_one_line() -> None:
    cfg = parse_config(_standby())
    assert cfg.standby.replication_gap and "\n" not in cfg.standby.replication_gap
    assert cfg.standby.replication_gap.startswith("siaga:standby.database: not set")
    assert parse_config(_standby(kind="static-site")).standby.replication_gap is None


@pytest.mark.parametrize(("ap", "as_", "n", "f"), [(0.99939906, 0.995, 4, 138), (0.9990, 0.99, 12, 228)])
def test_parallel_site_formula_matches_a_hand_computation(ap: float, as_: float, n: int, f: int) -> None:
    site = av.StandbySite(availability=as_, failovers_per_year=n, failover_seconds=f)
    year = 365 * 24 * 3600
    hand = 1.0 * (1 - (1 - ap) * (1 - as_)) - n * f / year
    assert site.composite(1.0, ap) == pytest.approx(hand, abs=1e-12)
    # first setting by hand: 1 - 0.00060094 * 0.005 - 552 / 31536000 = 0.99997949...
    if n == 4:
        assert round(hand * 100, 6) == 99.997949
    else:  # 1 - 0.001 * 0.01 - 2736 / 31536000 = 0.99990324...
        assert round(hand * 100, 6) == 99.990324
    room = site.max_failovers(1.0, ap)
    assert av.StandbySite(as_, room, f).composite(1.0, ap) >= 0.9999 > av.StandbySite(as_, room + 1, f).composite(1.0, ap)


def test_budget_includes_the_standby_and_reaches_9999(prod) -> None:
    b = av.budget(analyse(prod))
    d = av.as_dict(b)
    assert b.standby is not None and d["availabilityPercent"] >= 99.99 > d["primarySiteAvailabilityPercent"]
    assert d["meetsDesign"] is True
    md = av.render_markdown(b, "jakarta-prod")
    assert "**With the standby = A_dns x (1 - both down) - failover time**" in md and "both down = (1 - A_aws) x (1 - A_standby)" in md
    assert "failover time = n x F / Y" in md and "**reaches** the design target 99.99" in md
    # without replication the standby is not counted, and the budget says why
    staging = av.budget(analyse(run_stack("jakarta-staging")))
    assert staging.standby is None and "replication" in (staging.standby_excluded or "")


def test_drp_region_loss_rpo_is_the_alarm_threshold(prod) -> None:
    region = next(s for s in drp.scenarios(analyse(prod)) if "region" in s.title)
    assert region.rpo_seconds == 300.0 and "CDCLatencyTarget" in region.rpo
    assert any("start-replication-task" in s for s in region.steps)
    assert any("siaga verify --stack jakarta-prod --standby" in s for s in drp.verify_steps(analyse(prod), "jakarta-prod"))


def test_hybrid_standby_pods_use_the_standby_database() -> None:
    g = run_stack("hybrid-pdn")
    cfg = parse_config(g.config)
    deps = [d for d in g.of_type("kubernetes:apps/v1:Deployment") if "standby" in d.urn]
    assert deps
    env = {e["name"]: e["value"] for e in plain(deps[0].inputs)["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DB_HOST"] == cfg.standby.database.address and env["DB_PORT"] == "5432"
    primary_db = _one(g, "aws:rds/instance:Instance")
    assert primary_db.id not in json.dumps(plain(deps[0].inputs))
    policies = [p for p in g.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if "standby" in p.urn]
    text = json.dumps([plain(p.inputs) for p in policies])
    assert f"{cfg.standby.database.address}/32" in text


# --- siaga verify --standby through a stand-in aws CLI ------------------------------------------------------------
FAKE_AWS = r'''#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_AWS_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
if args[:2] == ["dms", "describe-replication-tasks"]:
    print(json.dumps({"ReplicationTasks": [{"Status": os.environ["FAKE_STATUS"],
        "ReplicationTaskArn": "arn:aws:dms:ap-southeast-3:123456789012:task:ABCDEF123"}]}))
elif args[:2] == ["cloudwatch", "get-metric-statistics"]:
    points = [{"Maximum": float(x)} for x in os.environ["FAKE_LATENCY"].split(",") if x]
    print(json.dumps({"Datapoints": points}))
else:
    sys.exit(255)
'''


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    install_stand_in("aws", FAKE_AWS, tmp_path, monkeypatch)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_AWS_LOG", str(log))
    return log


@pytest.mark.parametrize(("status", "latency", "outcomes"), [
    ("running", "3,12", ["passed", "passed"]),
    ("running", "3,400", ["passed", "failed"]),
    ("stopped", "", ["failed", "failed"]),
])
def test_standby_check_through_the_aws_cli(fake_aws: Path, monkeypatch: pytest.MonkeyPatch, status: str,
                                           latency: str, outcomes: list[str]) -> None:
    monkeypatch.setenv("FAKE_STATUS", status)
    monkeypatch.setenv("FAKE_LATENCY", latency)
    result = check_standby(StandbyTarget("contoh-layanan-prod-standby", "contoh-layanan-prod-dms", 300.0))
    assert [r.outcome for r in result.results] == outcomes
    calls = [json.loads(line) for line in fake_aws.read_text().splitlines()]
    stats = next(c for c in calls if c[:2] == ["cloudwatch", "get-metric-statistics"])
    assert "Name=ReplicationTaskIdentifier,Value=ABCDEF123" in stats  # the task's resource id, from its ARN
    assert "Name=ReplicationInstanceIdentifier,Value=contoh-layanan-prod-dms" in stats


def test_standby_target_from_the_graph_and_cli(prod, fake_aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = standby_target_from_graph(prod)
    assert target == StandbyTarget("contoh-layanan-prod-standby", "contoh-layanan-prod-dms", 300.0)
    monkeypatch.setenv("FAKE_STATUS", "running")
    monkeypatch.setenv("FAKE_LATENCY", "500")
    result = CliRunner().invoke(app, ["verify", "--stack", "jakarta-prod", "--standby"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "CDC latency under 300 s" in result.output
    result = CliRunner().invoke(app, ["verify", "--stack", "jakarta-staging", "--standby"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "nothing replicates to the standby" in result.output


CA = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n"
SOURCE_SECRET = "arn:aws:secretsmanager:ap-southeast-3:123456789012:secret:rds-replication-AbCdEf"


def test_direct_connect_verify_full_and_existing_secrets_at_preview() -> None:
    """Another setting, run as a real preview (output ARNs unknown): Direct Connect instead of the VPN, verify-full
    with the standby's CA, the agency's own source secret, the account's dms-vpc-role owned elsewhere."""
    standby = {"kind": "onprem", "address": "standby.layanan.contoh.go.id", "addressIps": ["198.51.100.30"],
               "networks": ["10.50.0.0/16"], "directConnect": True, "database": {
                   "address": "10.50.20.7", "port": 5433, "secretArn": SECRET, "sslMode": "verify-full",
                   "caCertificatePem": CA, "sourceSecretArn": SOURCE_SECRET, "dmsVpcRole": "existing",
                   "rpoSeconds": 120}}
    g = run_stack("jakarta-prod", overrides={"siaga:standby": json.dumps(standby)}, preview=True)
    assert not g.of_type("aws:ec2/vpnConnection:VpnConnection")
    assert not [r for r in g.of_type("aws:iam/role:Role") if r.name == "dms-vpc-role"]
    assert not g.of_type("aws:secretsmanager/secret:Secret") or all(
        "dms-source" not in s.name for s in g.of_type("aws:secretsmanager/secret:Secret"))
    cert = _one(g, "aws:dms/certificate:Certificate")
    target = _one(g, "aws:dms/endpoint:Endpoint", "dms-target")
    ti = plain(target.inputs)
    assert ti["sslMode"] == "verify-full" and ti["tags"]["siaga.go.id/server"] == "10.50.20.7:5433"
    assert cert.urn in target.options.propertyDependencies.get("certificateArn", [])
    source = plain(_one(g, "aws:dms/endpoint:Endpoint", "dms-source").inputs)
    assert source["secretsManagerArn"] == SOURCE_SECRET
    sg = _one(g, "aws:ec2/securityGroup:SecurityGroup", "-dms")
    rule = _one(g, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "dms-standby")
    assert plain(rule.inputs)["cidrIpv4"] == "10.50.20.7/32" and plain(rule.inputs)["fromPort"] == 5433
    assert sg.urn in rule.options.propertyDependencies.get("securityGroupId", [])
    topo = analyse(g)
    assert topo.region_loss_rpo_seconds() == 120.0


def test_a_stack_without_a_standby_database_says_so_at_config_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config (run before any resource) warns in one line; the program then builds no replication."""
    import pulumi
    import pulumi.runtime.config as runtime_config

    from components import config as config_module

    said: list[str] = []
    monkeypatch.setattr(runtime_config, "get_config_env", lambda: _standby())
    monkeypatch.setattr(pulumi.log, "warn", lambda msg, *a, **k: said.append(msg))
    config_module.load_config()
    assert len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith("siaga:standby.database: not set: nothing replicates the database to the standby")
    said.clear()
    monkeypatch.setattr(runtime_config, "get_config_env", lambda: _standby(
        vpn=True, customerGatewayIp="198.51.100.20", database={"address": "10.50.0.5", "secretArn": SECRET}))
    config_module.load_config()
    assert said == []
    standby = {"kind": "onprem", "address": "standby.layanan.contoh.go.id", "addressIps": ["198.51.100.30"],
               "networks": ["10.50.0.0/16"]}
    g = run_stack("jakarta-prod", overrides={"siaga:standby": json.dumps(standby)})
    assert not g.of_type("aws:dms/replicationTask:ReplicationTask")
    region = next(sc for sc in drp.scenarios(analyse(g)) if "region" in sc.title)
    assert region.rpo.startswith("not covered by this stack: siaga:standby.database: not set")
