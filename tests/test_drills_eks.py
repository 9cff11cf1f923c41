"""components/drills.py on the EKS reference stack (hybrid-pdn): the FIS templates, their role and the stop alarm work
together, read from the graph. The stop alarm watches the ALB the AWS Load Balancer Controller made for THIS stack's
Ingress (looked up by the controller's tags: the cluster's name, the Ingress's namespace/name); one node and one AZ's
node group are the only nodes the role may terminate; the AZ-loss template cuts that AZ's subnets and fails the
database over; ``siaga drill`` runs the templates from the outputs with a stand-in aws CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from components.drills import FIS_ACTIONS, healthy_hosts_query, role_policy
from siaga.analyzer import analyze
from siaga.cli import build
from siaga.drill import expectation
from siaga.engine import Graph, run_stack
from siaga.engine.invokes import load_balancer
from siaga.engine.model import effective_region, plain
from tests.conftest import install_fake_aws
from tests.test_drill import FAKE_AWS, Service, calls, evidence
from tests.test_drills import identity_allows

TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
ACCOUNT, REGION = "123456789012", "ap-southeast-3"
EC2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_stack("hybrid-pdn")


def _cluster_name(graph: Graph) -> str:
    (cluster,) = graph.of_type("aws:eks/cluster:Cluster")
    return str(plain(cluster.outputs)["name"])


def _policy(graph: Graph) -> dict[str, Any]:
    return json.loads(graph.get("aws:iam/rolePolicy:RolePolicy", "drills-fis").plain_inputs()["policy"])


def test_stop_alarm_watches_the_alb_the_controller_made_for_this_stacks_ingress(graph: Graph) -> None:
    (primary,) = [i for i in graph.of_type(INGRESS) if i.plain_inputs()["spec"].get("ingressClassName") == "alb"]
    meta = primary.plain_inputs()["metadata"]
    # the ALB found by the controller's tags for this cluster and this Ingress (the offline engine answers the lookup
    # from what was asked, so another cluster or Ingress would give another ALB)
    alb = load_balancer({"tags": {"elbv2.k8s.aws/cluster": _cluster_name(graph),
                                  "ingress.k8s.aws/stack": f"{meta['namespace']}/{meta['name']}",
                                  "ingress.k8s.aws/resource": "LoadBalancer"}}, REGION)
    alarm = graph.get(ALARM, "drills-service-unhealthy").plain_inputs()
    [query] = alarm["metricQueries"]
    assert query["expression"] == healthy_hosts_query(alb["arnSuffix"]) == (
        'SELECT MIN(HealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer, TargetGroup) '
        f"WHERE LoadBalancer = '{alb['arnSuffix']}'")
    assert query["period"] == 60 and query["returnData"] is True
    assert (alarm["comparisonOperator"], alarm["threshold"], alarm["evaluationPeriods"]) == ("LessThanThreshold", 1, 2)
    assert alarm["treatMissingData"] == "breaching"  # no data from the ALB is no healthy target
    assert "metricName" not in alarm and "dimensions" not in alarm
    topic = plain(graph.get("aws:sns/topic:Topic", "monitoring-incidents").outputs)["arn"]
    assert alarm["alarmActions"] == [topic] == alarm["okActions"]
    arn = plain(graph.get(ALARM, "drills-service-unhealthy").outputs)["arn"]
    templates = graph.of_type(TEMPLATE)
    assert sorted(t.name for t in templates) == ["drills-lose-az", "drills-lose-az-stop", "drills-lose-instance"]
    for t in templates:
        assert t.plain_inputs()["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": arn}]
        assert t.plain_inputs()["experimentOptions"] == {"emptyTargetResolutionMode": "fail"}


def test_lose_instance_terminates_one_node_of_this_cluster_only(graph: Graph) -> None:
    cluster = _cluster_name(graph)
    one = graph.get(TEMPLATE, "drills-lose-instance").plain_inputs()
    [target] = one["targets"]
    assert target["resourceType"] == "aws:ec2:instance" and target["selectionMode"] == "COUNT(1)"
    assert target["resourceTags"] == [{"key": "eks:cluster-name", "value": cluster}]
    assert {"path": "State.Name", "values": ["running"]} in target["filters"]
    assert [a["actionId"] for a in one["actions"]] == ["aws:ec2:terminate-instances"]
    policy = _policy(graph)
    node = f"{EC2}:instance/i-0node"
    assert identity_allows(policy, "ec2:TerminateInstances", node, {"aws:ResourceTag/eks:cluster-name": cluster})
    assert not identity_allows(policy, "ec2:TerminateInstances", node, {"aws:ResourceTag/eks:cluster-name": "other"})
    assert not identity_allows(policy, "ec2:TerminateInstances", node,
                               {"aws:ResourceTag/aws:autoscaling:groupName": "contoh-layanan-pdn-prod-app"})
    for action in ("ec2:StopInstances", "ec2:StartInstances"):  # lose-az-stop: this cluster's nodes only
        assert identity_allows(policy, action, node, {"aws:ResourceTag/eks:cluster-name": cluster}), action
        assert not identity_allows(policy, action, node, {"aws:ResourceTag/eks:cluster-name": "other"}), action


def test_lose_az_takes_that_azs_node_group_subnets_and_database(graph: Graph) -> None:
    az = plain(graph.exports)["azs"][0]
    groups = {plain(g.inputs)["nodeGroupName"]: g for g in graph.of_type("aws:eks/nodeGroup:NodeGroup")}
    assert len(groups) == 3
    lost = groups[f"{_cluster_name(graph)}-{az}"]
    lost_arn = plain(lost.outputs)["arn"]
    spec = graph.get(TEMPLATE, "drills-lose-az").plain_inputs()
    targets = {t["name"]: t for t in spec["targets"]}
    assert targets["az-node-group"]["resourceType"] == "aws:eks:nodegroup"
    assert targets["az-node-group"]["resourceArns"] == [lost_arn]
    actions = {a["actionId"]: a for a in spec["actions"]}
    assert set(actions) <= set(FIS_ACTIONS)
    nodes = actions["aws:eks:terminate-nodegroup-instances"]
    assert nodes["parameters"] == [{"key": "instanceTerminationPercentage", "value": "100"}]
    assert nodes["target"] == {"key": "Nodegroups", "value": "az-node-group"}
    # the subnets cut are that AZ's private (its node group's only subnet) and isolated ones
    subnets = {r.id: r for r in graph.of_type("aws:ec2/subnet:Subnet")}
    cut = [a.rsplit("/", 1)[1] for a in targets["az-subnets"]["resourceArns"]]
    assert sorted(subnets[s].plain_inputs()["tags"]["siaga:tier"] for s in cut) == ["isolated", "private"]
    assert plain(lost.inputs)["subnetIds"][0] in cut
    assert actions["aws:network:disrupt-connectivity"]["target"] == {"key": "Subnets", "value": "az-subnets"}
    db_arn = plain(graph.get("aws:rds/instance:Instance", "contoh-layanan-pdn-prod-db").outputs)["arn"]
    assert targets["database"]["resourceArns"] == [db_arn]
    assert actions["aws:rds:reboot-db-instances"]["parameters"] == [{"key": "forceFailover", "value": "true"}]
    policy = _policy(graph)
    for name, group in groups.items():
        assert identity_allows(policy, "eks:DescribeNodegroup", plain(group.outputs)["arn"]) == (group is lost), name
    cluster_arn = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{_cluster_name(graph)}"
    assert identity_allows(policy, "eks:DescribeCluster", cluster_arn)
    assert not identity_allows(policy, "eks:DescribeCluster", f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/other")
    assert identity_allows(policy, "rds:RebootDBInstance", db_arn)
    for s in subnets:
        assert identity_allows(policy, "ec2:ReplaceNetworkAclAssociation", f"{EC2}:subnet/{s}") == (s in cut), s


def test_pack_judges_the_eks_drills_clean_and_everything_stays_in_jakarta(graph: Graph) -> None:
    result = analyze(graph, packs=[Path("policies")])
    assert not result.mandatory and not result.errors, [(f.policy, f.name) for f in result.mandatory]
    assert not [f for f in result.findings if f.policy == "fis-stop-condition"]
    mine = [r for r in graph.resources if r.parent and "CyberDrills::drills" in r.parent]
    regional = [r for r in mine if not r.type.startswith("aws:iam/")]  # IAM: global configuration only
    assert regional and all(effective_region(r, graph) == REGION for r in regional)
    outs = plain(graph.exports)
    assert set(outs["drillTemplates"]) == {"lose-instance", "lose-az", "lose-az-stop"}
    assert outs["drillStopAlarm"] == "contoh-layanan-pdn-prod-service-unhealthy" and outs["primaryHealthCheckId"]


def test_drp_figures_for_the_eks_drills(graph: Graph) -> None:
    assert expectation(graph, "lose-instance").rto_seconds > 0
    az = expectation(graph, "lose-az")
    assert az.rto_seconds >= expectation(graph, "lose-instance").rto_seconds and az.rpo_seconds == 0.0
    assert expectation(graph, "fail-site").rto_seconds == 138.0


def test_arguments_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="asg_name .EC2 tier. or eks_cluster .EKS. is required"):
        role_policy(account=ACCOUNT, partition="aws", region=REGION, vpc_id="vpc-1", subnet_ids=[], db_arn=None,
                    db_is_cluster=False)
    with pytest.raises(ValueError, match="allowed: app/<name>/<id>"):
        healthy_hosts_query("app/x/1' OR '1'='1")


# --- siaga drill on hybrid-pdn, stand-in aws CLI, endpoint on 127.0.0.1 -----------------------------------------


@pytest.fixture
def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_fake_aws(FAKE_AWS, tmp_path, monkeypatch)


def _drill(tmp_path: Path, service: Service | None, *args: str) -> tuple[int, str]:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"drillTemplates": {"lose-instance": "EXTeksNode", "lose-az": "EXTeksAz"},
                                   "primaryHealthCheckId": "hc-eks"}))
    base = ["drill", *args, "--lang", "en", "--stack", "hybrid-pdn", "--outputs", str(outputs), "--evidence",
            str(tmp_path / "evidence"), "--no-verify", "--interval", "0.25", "--settle", "2"]
    if service is not None:
        base += ["--http", "--connect-to", "127.0.0.1", "--port", str(service.port)]
    result = CliRunner().invoke(build(["drill"]), base, env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_drill_lose_az_on_hybrid_pdn_dry_run_and_run(tmp_path: Path, fake_aws: Path, monkeypatch) -> None:
    code, out = _drill(tmp_path, None, "lose-az", "--dry-run")
    assert code == 0, out
    assert ("would run: aws fis start-experiment --experiment-template-id EXTeksAz --tags siaga:drill=lose-az "
            "--region ap-southeast-3") in " ".join(out.split())
    assert "Loss of one Availability Zone: RTO 120 s" in out and calls(fake_aws) == []
    with Service(fake_aws) as service:
        service.down_for = 1.5
        monkeypatch.setenv("FAKE_FIS_RUN", "2.5")
        code, out = _drill(tmp_path, service, "lose-az")
    assert code == 0, out
    started = [c for c in calls(fake_aws) if c[:2] == ["fis", "start-experiment"]]
    assert [c[:4] for c in started] == [["fis", "start-experiment", "--experiment-template-id", "EXTeksAz"]]
    md, data = evidence(tmp_path)
    assert data["passed"] is True and data["stack"] == "hybrid-pdn"
    assert data["expectation"]["rto_seconds"] == 120.0 and len(data["outages"]) == 1
    assert md.startswith("# Drill lose-az - hybrid-pdn: PASS")


def test_stop_condition_fired_on_a_node_drill_fails_it(tmp_path: Path, fake_aws: Path, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_FIS_RUN", "0.5")
    monkeypatch.setenv("FAKE_FIS_END", "stopped")
    with Service(fake_aws) as service:
        code, out = _drill(tmp_path, service, "lose-instance")
    assert code == 1, out
    assert [c[3] for c in calls(fake_aws) if c[:2] == ["fis", "start-experiment"]] == ["EXTeksNode"]
    assert "ended stopped: Stop condition triggered. (the stop condition fired" in " ".join(out.split())
    _, data = evidence(tmp_path)
    assert data["passed"] is False and data["experiment_state"] == "stopped"


def test_fail_site_on_hybrid_pdn_inverts_the_primary_health_check(tmp_path: Path, fake_aws: Path) -> None:
    code, out = _drill(tmp_path, None, "fail-site", "--dry-run")
    assert code == 0, out
    text = " ".join(out.split())
    assert "aws route53 update-health-check --health-check-id hc-eks --inverted" in text
    assert "undo/abort: aws route53 update-health-check --health-check-id hc-eks --no-inverted" in text


def test_no_alb_ingress_no_templates_said_in_one_line() -> None:
    """Another ingress class on EKS makes no controller ALB to put the stop alarm on: no template is created (a
    template without its stop condition is what fis-stop-condition refuses), and the warning names the key."""
    import yaml

    kube = yaml.safe_load(Path("stacks/Pulumi.hybrid-pdn.yaml").read_text())["config"]["siaga:kubernetes"]
    g = run_stack("hybrid-pdn", overrides={"siaga:kubernetes": json.dumps({**kube, "ingressClass": "nginx"})})
    assert not g.of_type(TEMPLATE)
    [warning] = [w for w in g.warnings if w.startswith("siaga:drills.enabled")]
    assert "ingressClass is 'nginx'" in warning and "\n" not in warning


def test_alb_lookup_waits_for_the_ingress_at_preview() -> None:
    """At a preview before the first deployment the Ingress has no id, so the lookup (depends_on the Ingress) is not
    run and the alarm's query is unknown, as in `pulumi preview`; the templates' stop conditions are then 'cannot be
    verified' (advisory), never a mandatory finding, and never a query on a load balancer that does not exist yet."""
    from siaga.engine.model import is_unknown

    g = run_stack("hybrid-pdn", preview=True)
    [query] = plain(g.get(ALARM, "drills-service-unhealthy").inputs)["metricQueries"]
    assert is_unknown(query["expression"])
    result = analyze(g, packs=[Path("policies")])
    assert not result.mandatory and not result.errors
    stops = [f for f in result.findings if f.policy == "fis-stop-condition"]
    assert stops and all(f.enforcement == "advisory" and "cannot be verified" in f.message for f in stops)
