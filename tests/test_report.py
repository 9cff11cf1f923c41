"""siaga report: figures computed from the graph's settings, redundancy findings, residency, diagram.

Graphs come from ``tests/fixtures/programs/report_ha``: it reads the real stack files (``stacks/``)
through ``components.config`` and creates the resource types the components create, so overrides of
``siaga:*`` keys change the graph the way they change the reference stack.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from siaga.cli import app
from siaga.documents import availability, drp, residency, write_reports
from siaga.documents.topology import analyse, cron_interval_hours
from siaga.engine import Graph, run_program
from siaga.engine.model import effective_region

FIXTURE = Path(__file__).parent / "fixtures" / "programs" / "report_ha"


@cache
def graph(stack: str = "jakarta-prod", **overrides: str) -> Graph:
    return run_program(FIXTURE, stack=stack, overrides={f"siaga:{k}": v for k, v in overrides.items()})


def test_dns_failover_time_is_the_computed_worst_case() -> None:
    topo = analyse(graph())
    cfg = topo.config
    assert cfg is not None and topo.primary is not None and topo.primary.alias
    interval, threshold = cfg.dns.healthCheckIntervalSeconds, cfg.dns.failureThreshold
    # by hand: each checker 3 x (10 s interval + 6 s HTTPS probe timeout), 30 s assumed propagation, the alias
    # PRIMARY answered with the load balancer's 60 s TTL
    expected = threshold * (interval + 6) + 30 + 60
    assert topo.dns_failover_seconds() == expected == 138
    text = drp.render_markdown(topo, "jakarta-prod")
    assert f"{expected} s worst case = 48 s detection + 30 s propagation + 60 s cached answer (TTL)" in text
    assert "| propagation | 30 | ASSUMED" in text and "18 %" in text
    assert "## DNS delegation" in text
    b = availability.budget(topo)
    assert b.failover is not None and b.failover.seconds == expected
    md = availability.render_markdown(b, "jakarta-prod")
    assert f"up to **{expected} s** of downtime" in md and "| detection | 48 |" in md
    assert availability.as_dict(b)["dnsFailover"]["seconds"] == expected  # type: ignore[index]


def test_changing_the_dns_settings_changes_the_figure() -> None:
    g = graph(dns=json.dumps({"healthCheckIntervalSeconds": 30, "failureThreshold": 5, "ttlSeconds": 120}))
    topo = analyse(g)
    # failover: resolvers hold the alias PRIMARY's answer (the load balancer's 60 s), not the SECONDARY's 120 s
    assert topo.dns_failover_seconds() == 5 * (30 + 6) + 30 + 60 == 270
    # failback: they hold the SECONDARY's answer, 120 s
    back = topo.dns_failback_estimate()
    assert back is not None and back.seconds == 5 * (30 + 6) + 30 + 120
    text = drp.render_markdown(topo, "jakarta-prod")
    assert "270 s worst case = 180 s detection + 30 s propagation + 60 s cached answer (TTL)" in text
    assert "138 s worst case" not in text


def test_database_failover_mode_drives_the_az_rto() -> None:
    inst = {s.title: s for s in drp.scenarios(analyse(graph()))}
    cluster_cfg = json.dumps({"mode": "multi-az-cluster", "instanceClass": "db.m6gd.large"})
    clus = {s.title: s for s in drp.scenarios(analyse(graph(database=cluster_cfg)))}
    az = "Loss of one Availability Zone"
    assert inst[az].rto_seconds == 120  # Multi-AZ instance: 60-120 s, documented by AWS
    assert clus[az].rto_seconds == 35  # Multi-AZ DB cluster: under 35 s
    assert inst[az].rpo_seconds == 0


def test_backup_settings_drive_rpo_and_pitr_window() -> None:
    topo = analyse(graph())
    cfg = topo.config
    assert cfg is not None
    sc = {s.title: s for s in drp.scenarios(topo)}["Database corruption or ransomware"]
    assert sc.rpo_seconds == 5 * 60  # continuous backup / PITR
    assert f"PITR window {cfg.database.backupRetentionDays} days" in sc.automatic
    assert f"min {cfg.backup.lockMinRetentionDays} days" in sc.automatic
    # without continuous backup the vault's best rule is the daily schedule; PITR still gives 5 min
    topo2 = analyse(graph(backup=json.dumps({"continuous": False})))
    assert topo2.best_backup_rpo_hours() == 24.0
    assert topo.best_backup_rpo_hours() == pytest.approx(5 / 60)
    text = drp.render_markdown(topo, "jakarta-prod")
    assert "DB=contoh-layanan-prod-db\n" in text
    assert 'aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier "$DB"' in text


def test_runbook_has_exact_commands_and_contacts() -> None:
    topo = analyse(graph())
    text = drp.render_markdown(topo, "jakarta-prod")
    hc = topo.primary.health_check  # type: ignore[union-attr]
    assert hc is not None
    # AWS-assigned ids are looked up at incident time, never the offline graph's stand-ins
    assert "ZONE=$(aws route53 list-hosted-zones-by-name --dns-name layanan.contoh.go.id" in text
    assert "Failover=='PRIMARY'].HealthCheckId" in text
    assert 'aws route53 update-health-check --health-check-id "$HC" --inverted' in text
    assert hc.resource.id not in text and topo.primary.zone_id not in text  # type: ignore[union-attr]
    assert "123456789012" not in text  # the mock account: the account comes from sts get-caller-identity
    assert "VAULT=contoh-layanan-prod-vault" in text  # an explicit name is used as is
    assert 'aws backup list-recovery-points-by-backup-vault --backup-vault-name "$VAULT"' in text
    # the backup role is auto-named by Pulumi: found by its logical-name prefix
    assert "ROLE=$(aws iam list-roles --query \"Roles[?starts_with(RoleName, 'contoh-layanan-prod-backup-')].Arn | [0]\"" in text
    assert 'aws backup start-restore-job --recovery-point-arn "$RP" --iam-role-arn "$ROLE"' in text
    assert "ttis@contoh.go.id" in text
    for title in ("application instance", "Availability Zone", "whole AWS site", "corruption or ransomware", "Leaked credentials"):
        assert title in text


def test_three_azs_meet_the_target_without_single_points_of_failure() -> None:
    b = availability.budget(analyse(graph()))
    assert b.spofs == []
    assert b.meets_target
    assert b.target_downtime_percent == 0.1
    # series: ELB 99.99 x RDS Multi-AZ 99.95 x app tier (3 parallel AZ paths, each instance 99.5 x own NAT 99.5)
    path = 0.995 * 0.995
    expected = 0.9999 * 0.9995 * (1 - (1 - path) ** 3)
    assert b.availability == pytest.approx(expected)


def test_two_azs_give_a_lower_estimate() -> None:
    three = availability.budget(analyse(graph()))
    two = availability.budget(analyse(graph(azCount="2")))
    assert two.availability < three.availability
    assert any("2 AZs" in w for w in two.warnings)


def test_single_nat_is_a_single_point_of_failure() -> None:
    staging = graph(environment="staging", natStrategy="Single")
    topo = analyse(staging)
    assert len(topo.nats) == 1
    b = availability.budget(topo)
    prod = availability.budget(analyse(graph()))
    assert any(s.startswith("NAT:") for s in b.spofs)
    assert b.availability < prod.availability
    assert not b.meets_target
    md = availability.render_markdown(b, "x")
    assert "NAT: 1 NAT gateway(s)" in md and "DOES NOT MEET" in md


def test_diagram_marks_single_points_of_failure(tmp_path: Path) -> None:
    from siaga.documents.diagram import draw

    topo = analyse(graph("jakarta-staging", natStrategy="Single"))
    b = availability.budget(topo)
    png, svg = draw(topo, tmp_path, spofs=b.spofs)
    text = svg.read_text()
    assert "Single points of failure" in text and "shared by every AZ" in text
    assert "apse3-az1" in text and "apse3-az2" in text and "apse3-az3" not in text
    clean = draw(analyse(graph()), tmp_path / "prod", spofs=[])[1].read_text()
    assert "Single points of failure" not in clean and "apse3-az3" in clean


def test_residency_rows_cover_every_cloud_resource() -> None:
    g = graph()
    topo = analyse(g)
    rows = residency.rows(topo)
    cloud = [r for r in g.resources if r.custom and not r.is_provider]
    assert len(rows) == len(cloud)
    by_type = {r.type: r for r in rows}
    db = by_type["aws:rds/instance:Instance"]
    key = g.get("aws:kms/key:Key", "contoh-layanan-prod-data")
    assert db.encryption == f"customer-managed KMS key {key.name}" and db.holds == "data" and db.backup == "AWS Backup plan"
    assert by_type["aws:route53/record:Record"].holds == "configuration"
    assert by_type["aws:route53/record:Record"].scope == "global"
    assert by_type["aws:autoscaling/group:Group"].encryption == db.encryption  # the launch template's volume key
    assert by_type["aws:s3/bucketV2:BucketV2"].encryption == db.encryption  # via its SSE configuration
    regional = {r.region for r in rows if r.scope == "regional"}
    assert regional == {effective_region(g.resources[0], g) or "ap-southeast-3"} == {"ap-southeast-3"}
    assert {r.region for r in rows if r.scope == "global"} == {"none (global service)"}  # global: no region
    parsed = list(csv.DictReader(residency.to_csv(rows).splitlines()))
    assert len(parsed) == len(rows) and set(parsed[0]) == {"urn", "type", "name", "region", "scope", "holds", "encryption",
                                                          "backup", "inCountry", "account", "deliversTo"}


def test_cli_writes_every_document_and_the_diagram(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--stack", "jakarta-prod", "--program", str(FIXTURE), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["id"]  # the stack's document language, its own folder
    tmp_path = tmp_path / "id"
    png = (tmp_path / "architecture.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert "<svg" in (tmp_path / "architecture.svg").read_text()
    pdf = (tmp_path / "drp.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000  # text + the embedded diagram
    for name in ("drp.md", "availability.md", "residency.md", "residency.csv"):
        assert (tmp_path / name).stat().st_size > 200
    data = json.loads((tmp_path / "availability.json").read_text())
    assert data["meetsTarget"] is True and data["singlePointsOfFailure"] == []
    assert json.loads((tmp_path / "residency.json").read_text())["allowedRegions"] == ["ap-southeast-3"]


def test_cli_unknown_stack_fails_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--stack", "nope", "--program", str(FIXTURE), "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "nope" in result.output


def test_write_reports_on_a_graph_without_redundancy(tmp_path: Path) -> None:
    """A bare graph (no DNS failover, no backups) still documents, and says what is missing."""
    g = run_program(Path(__file__).parent / "fixtures" / "programs" / "thirdparty", stack="dev")
    _, topo, b = write_reports(g, "dev", tmp_path, lang="en")  # the English texts below
    assert topo.dns_failover_seconds() is None
    assert any("no Route 53 failover" in s for s in b.spofs)
    assert any("no AWS Backup plan" in s for s in b.spofs)
    assert not b.estimable and not b.meets_target  # no serving tier: no 100 % from an empty product
    assert "No estimate" in (tmp_path / "availability.md").read_text()
    assert "ap-southeast-1" in (tmp_path / "residency.md").read_text()  # the offshore bucket is shown
    assert "**1**" in (tmp_path / "residency.md").read_text()


@pytest.mark.parametrize(("expr", "hours"), [
    ("cron(0 17 * * ? *)", 24.0), ("cron(0 * * * ? *)", 1.0), ("cron(0 5,17 * * ? *)", 12.0),
    ("cron(0 18 1 * ? *)", 744.0), ("cron(0 */6 * * ? *)", 6.0), ("rate(12 hours)", 12.0), ("nonsense", None),
])
def test_cron_interval(expr: str, hours: float | None) -> None:
    assert cron_interval_hours(expr) == hours


def _edited(**edits: dict) -> Graph:
    """The prod fixture graph with some resources' inputs changed (settings the config model forbids)."""
    g = graph().model_copy(deep=True)
    for r in g.resources:
        if r.type in edits:
            r.inputs.update(edits[r.type])
    return g


def test_single_az_database_is_a_single_point_of_failure() -> None:
    topo = analyse(_edited(**{"aws:rds/instance:Instance": {"multiAz": False}}))
    assert topo.databases[0].kind == "single-az-instance"
    b = availability.budget(topo)
    assert any("not Multi-AZ" in s for s in b.spofs)
    assert b.availability < availability.budget(analyse(graph())).availability
    az = {s.title: s for s in drp.scenarios(topo)}["Loss of one Availability Zone"]
    assert az.rto_seconds is None and az.rpo_seconds == 5 * 60


def test_application_in_one_az_is_a_single_point_of_failure() -> None:
    g = graph()
    one = [s.id for s in g.of_type("aws:ec2/subnet:Subnet") if s.inputs.get("tags", {}).get("Tier") == "private"][:1]
    topo = analyse(_edited(**{"aws:autoscaling/group:Group": {"vpcZoneIdentifiers": one, "minSize": 1}}))
    b = availability.budget(topo)
    assert any(s.startswith("Application") and "1 AZ" in s for s in b.spofs)
    assert b.availability < availability.budget(analyse(g)).availability


def test_backup_selection_by_tag_uses_provider_default_tags() -> None:
    g = graph().model_copy(deep=True)
    prov = g.get("pulumi:providers:aws", "jakarta")
    prov.inputs["defaultTags"] = json.dumps({"tags": {"Backup": "daily"}})
    sel = g.of_type("aws:backup/selection:Selection")[0]
    sel.inputs["resources"] = []
    topo = analyse(g)
    db = topo.databases[0].resource
    assert not topo.covered_by_backup(db)
    sel.inputs["conditions"] = [{"stringEquals": [{"key": "aws:ResourceTag/Backup", "value": "daily"}]}]
    assert analyse(g).covered_by_backup(db)
