"""components/drills.py on the jakarta-prod reference stack: the FIS templates, their role, stop alarm and log group
work together (from the graph): every action the templates run is allowed to the role on exactly the stack's
targets and nothing of another group or subnet; the stop condition is the alarm on the stack's own load balancer;
the log group is encrypted with the logs key; the DRP's security sections are computed from the same graph."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from siaga.drill import expectation
from siaga.engine import Graph, run_stack
from siaga.engine.model import plain
from tests.iam_eval import _condition_holds

TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_stack("jakarta-prod")


def outputs(graph: Graph, type_: str, name: str) -> dict[str, Any]:
    return plain(graph.get(type_, name).outputs)


def identity_allows(policy: dict[str, Any], action: str, resource: str, context: dict[str, Any] | None = None) -> bool:
    """An identity policy (Allow only) grants ``action`` on ``resource`` with the request ``context``."""
    for stmt in policy["Statement"]:
        actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
        resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
        if (stmt["Effect"] == "Allow" and any(fnmatchcase(action, a) for a in actions)
                and any(fnmatchcase(resource, r) for r in resources)
                and _condition_holds(stmt.get("Condition", {}), context or {})):
            return True
    return False


def test_templates_stop_on_the_alarm_of_the_stacks_own_load_balancer(graph: Graph) -> None:
    alarm = graph.get("aws:cloudwatch/metricAlarm:MetricAlarm", "drills-service-unhealthy")
    alb = outputs(graph, "aws:lb/loadBalancer:LoadBalancer", "cluster-alb")
    tg = outputs(graph, "aws:lb/targetGroup:TargetGroup", "cluster-tg")
    dims = alarm.plain_inputs()["dimensions"]
    assert dims == {"LoadBalancer": alb["arnSuffix"], "TargetGroup": tg["arnSuffix"]}
    assert alarm.plain_inputs()["metricName"] == "HealthyHostCount"
    topic = outputs(graph, "aws:sns/topic:Topic", "monitoring-incidents")["arn"]
    assert alarm.plain_inputs()["alarmActions"] == [topic]
    templates = graph.of_type(TEMPLATE)
    assert sorted(t.name for t in templates) == ["drills-lose-az", "drills-lose-instance"]
    for t in templates:
        assert t.plain_inputs()["stopConditions"] == [{"source": "aws:cloudwatch:alarm",
                                                       "value": plain(alarm.outputs)["arn"]}]
        assert t.plain_inputs()["experimentOptions"] == {"emptyTargetResolutionMode": "fail"}


def test_fis_logs_go_to_a_log_group_encrypted_with_the_logs_key(graph: Graph) -> None:
    group = graph.get("aws:cloudwatch/logGroup:LogGroup", "drills-logs")
    logs_key = [k for k in graph.of_type("aws:kms/key:Key") if "logs" in k.name]
    assert len(logs_key) == 1
    assert group.plain_inputs()["kmsKeyId"] == plain(logs_key[0].outputs)["arn"]
    key_policy = json.loads(logs_key[0].plain_inputs()["policy"])
    assert any("logs.ap-southeast-3.amazonaws.com" in json.dumps(s.get("Principal")) for s in key_policy["Statement"])
    for t in graph.of_type(TEMPLATE):
        assert t.plain_inputs()["logConfiguration"]["cloudwatchLogsConfiguration"]["logGroupArn"] == \
            plain(group.outputs)["arn"]


def test_role_is_trusted_by_fis_for_this_accounts_experiments_only(graph: Graph) -> None:
    role = graph.get("aws:iam/role:Role", "drills-fis")
    trust = json.loads(role.plain_inputs()["assumeRolePolicy"])
    [stmt] = trust["Statement"]
    assert stmt["Principal"] == {"Service": "fis.amazonaws.com"} and stmt["Action"] == "sts:AssumeRole"
    assert stmt["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert stmt["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:fis:ap-southeast-3:{ACCOUNT}:experiment/*"}
    for t in graph.of_type(TEMPLATE):
        assert t.plain_inputs()["roleArn"] == plain(role.outputs)["arn"]


def test_every_template_action_is_allowed_on_exactly_the_stacks_targets(graph: Graph) -> None:
    policy = json.loads(graph.get("aws:iam/rolePolicy:RolePolicy", "drills-fis").plain_inputs()["policy"])
    asg = graph.get("aws:autoscaling/group:Group", "cluster-asg").plain_inputs()["name"]
    ec2 = f"arn:aws:ec2:ap-southeast-3:{ACCOUNT}"
    own = {"aws:ResourceTag/aws:autoscaling:groupName": asg}
    other = {"aws:ResourceTag/aws:autoscaling:groupName": "someone-else-app"}
    # FIS actions reference: the permissions each action needs
    for action in ("ec2:TerminateInstances", "ec2:StopInstances"):
        assert identity_allows(policy, action, f"{ec2}:instance/i-0abc", own)
        assert not identity_allows(policy, action, f"{ec2}:instance/i-0abc", other), action
    az = graph.get(TEMPLATE, "drills-lose-az").plain_inputs()
    targets = {t["name"]: t for t in az["targets"]}
    assert targets["az-instances"]["resourceTags"] == [{"key": "aws:autoscaling:groupName", "value": asg}]
    zone = [f for f in targets["az-instances"]["filters"] if f["path"] == "Placement.AvailabilityZone"][0]["values"]
    assert zone == [plain(graph.exports)["azs"][0]] == ["ap-southeast-3a"]
    subnets = {r.id: r for r in graph.of_type("aws:ec2/subnet:Subnet")}
    cut = [a.rsplit("/", 1)[1] for a in targets["az-subnets"]["resourceArns"]]
    assert sorted(subnets[s].plain_inputs()["tags"]["siaga:tier"] for s in cut) == ["isolated", "private"]
    assert {subnets[s].plain_inputs()["availabilityZoneId"] for s in cut} == {"apse3-az1"}
    for s in subnets:
        assert identity_allows(policy, "ec2:ReplaceNetworkAclAssociation", f"{ec2}:subnet/{s}") == (s in cut), s
    fis_acl = {"aws:RequestTag/managedByFIS": "true", "ec2:CreateAction": "CreateNetworkAcl"}
    vpc = graph.get("aws:ec2/vpc:Vpc", "contoh-layanan-prod-vpc").id
    assert identity_allows(policy, "ec2:CreateNetworkAcl", f"{ec2}:vpc/{vpc}")
    assert not identity_allows(policy, "ec2:CreateNetworkAcl", f"{ec2}:vpc/vpc-other")
    assert identity_allows(policy, "ec2:CreateNetworkAcl", f"{ec2}:network-acl/acl-1", fis_acl)
    assert identity_allows(policy, "ec2:CreateTags", f"{ec2}:network-acl/acl-1", fis_acl)
    assert identity_allows(policy, "ec2:DeleteNetworkAcl", f"{ec2}:network-acl/acl-1",
                           {"aws:ResourceTag/managedByFIS": "true"})
    assert not identity_allows(policy, "ec2:DeleteNetworkAcl", f"{ec2}:network-acl/acl-theirs", {})
    db_arn = outputs(graph, "aws:rds/instance:Instance", "contoh-layanan-prod-db")["arn"]
    assert targets["database"]["resourceArns"] == [db_arn]
    assert identity_allows(policy, "rds:RebootDBInstance", db_arn)
    assert not identity_allows(policy, "rds:RebootDBInstance", f"arn:aws:rds:ap-southeast-3:{ACCOUNT}:db:other")
    failover = [a for a in az["actions"] if a["actionId"] == "aws:rds:reboot-db-instances"]
    assert failover[0]["parameters"] == [{"key": "forceFailover", "value": "true"}]
    # experiment logging (vended logs)
    logs = f"arn:aws:logs:ap-southeast-3:{ACCOUNT}:log-group:*"
    assert identity_allows(policy, "logs:CreateLogDelivery", "*")
    for action in ("logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"):
        assert identity_allows(policy, action, logs)
    one = graph.get(TEMPLATE, "drills-lose-instance").plain_inputs()
    assert one["targets"][0]["selectionMode"] == "COUNT(1)"
    assert one["actions"][0]["actionId"] == "aws:ec2:terminate-instances"


def test_quarantine_group_lets_nothing_in_or_out(graph: Graph) -> None:
    sg = graph.get("aws:ec2/securityGroup:SecurityGroup", "drills-quarantine").plain_inputs()
    assert sg.get("ingress") in ([], None) and sg["egress"] == []
    rules = [r for t in ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                         "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") for r in graph.of_type(t)
             if r.plain_inputs().get("securityGroupId") == graph.get(
                 "aws:ec2/securityGroup:SecurityGroup", "drills-quarantine").id]
    assert rules == []


def test_drp_figures_for_the_three_drills_on_the_reference_stack(graph: Graph) -> None:
    assert expectation(graph, "lose-instance").rto_seconds == 20.0  # target group 10 s x 2
    az = expectation(graph, "lose-az")
    assert az.rto_seconds >= 20.0 and az.rpo_seconds == 0.0  # Multi-AZ database: its failover bound
    assert expectation(graph, "fail-site").rto_seconds == 138.0  # components/failover_time.py


def test_drp_security_sections_are_computed_from_the_graph(graph: Graph) -> None:
    from siaga.documents.drp_security import render_sections

    text = "\n".join(render_sections(graph))
    for step in ("### 1. Identification", "### 2. Containment", "### 3. Eradication", "### 4. Recovery"):
        assert step in text, step
    assert "QUARANTINE_SG=" in text and "contoh-layanan-prod-quarantine" in text
    assert "aws ec2 modify-instance-attribute --instance-id \"$INSTANCE\" --groups \"$QUARANTINE_SG\"" in text
    assert "aws ec2 create-snapshot --volume-id" in text
    assert "ASG=contoh-layanan-prod-app" in text
    assert "aws autoscaling detach-instances --instance-ids \"$INSTANCE\" --auto-scaling-group-name \"$ASG\" " \
           "--no-should-decrement-desired-capacity" in text
    assert "aws secretsmanager rotate-secret --secret-id" in text
    assert "DBInstances[0].MasterUserSecret.SecretArn" in text
    assert "AWSRevokeOlderSessions" in text and "contoh-layanan-prod-instance" in text
    assert "aws backup start-restore-job" in text
    assert "--region ap-southeast-3" in text


def test_fis_stop_condition_messages_name_what_is_missing() -> None:
    from pathlib import Path

    from siaga.analyzer import analyze
    from siaga.engine import run_program

    root = Path(__file__).resolve().parents[1]
    result = analyze(run_program(root / "tests/fixtures/programs/policy_cases_drills", stack="dev"),
                     packs=[root / "policies"])
    msgs = {f.name: f.message for f in result.findings if f.policy == "fis-stop-condition"}
    assert set(msgs) == {"fail-fis-stop-condition-none", "fail-fis-stop-condition-name",
                         "fail-fis-stop-condition-absent"}
    assert "only stop conditions with source none: nothing stops the experiment" in msgs["fail-fis-stop-condition-none"]
    assert "no stopConditions" in msgs["fail-fis-stop-condition-absent"]
    assert "value 'svc-unhealthy' is not a CloudWatch alarm ARN" in msgs["fail-fis-stop-condition-name"]
    assert all(f.enforcement == "mandatory" for f in result.findings if f.policy == "fis-stop-condition")
