"""EncryptionKeys through the offline engine: rotation, 30-day window, single-region, protected, aliases, policies.

The grant tests follow the wiring in the reference stack: the key a service is given (trail, log group, topic, ASG)
is looked up by the ARN the service uses, and its policy is evaluated (tests/iam_eval.py) for the request that
service makes, with the context AWS sends (documented in the comments of components/keys.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from iam_eval import allows, decide

from siaga.analyzer import analyze
from siaga.engine import Graph, run_program, run_stack
from siaga.engine.model import Resource, plain

FIXTURE = "tests/fixtures/programs/rush_network"
PURPOSES = ("data", "logs", "backup", "secrets", "ebs")
ACCOUNT = "123456789012"
ASG_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
REGION = "ap-southeast-3"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def _policies(graph: Graph) -> dict[str, dict[str, dict[str, Any]]]:
    """purpose -> Sid -> statement."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for k in graph.of_type("aws:kms/key:Key"):
        i = plain(k.inputs)
        out[i["tags"]["Purpose"]] = {s["Sid"]: s for s in json.loads(i["policy"])["Statement"]}
    return out


def _as_list(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def test_one_key_per_purpose_rotated_single_region_protected(graph: Graph) -> None:
    keys = graph.of_type("aws:kms/key:Key")
    assert sorted(plain(k.inputs)["tags"]["Purpose"] for k in keys) == sorted(PURPOSES)
    for k in keys:
        i = plain(k.inputs)
        assert i["enableKeyRotation"] is True
        assert i["deletionWindowInDays"] == 30
        assert i["multiRegion"] is False
        assert i["description"]
        assert k.options.protect is True and k.options.retainOnDelete is True
        assert k.parent and "EncryptionKeys" in k.parent


def test_alias_per_purpose_targets_its_key(graph: Graph) -> None:
    keys = {plain(k.inputs)["tags"]["Purpose"]: k for k in graph.of_type("aws:kms/key:Key")}
    aliases = {plain(a.inputs)["name"]: a for a in graph.of_type("aws:kms/alias:Alias")}
    assert sorted(aliases) == sorted(f"alias/rush-net-{p}" for p in PURPOSES)
    for p, key in keys.items():
        target = plain(aliases[f"alias/rush-net-{p}"].inputs)["targetKeyId"]
        assert target == key.outputs.get("keyId") or target == key.id


def test_root_administers_every_key(graph: Graph) -> None:
    for purpose, stmts in _policies(graph).items():
        admin = stmts["AccountAdministers"]
        assert admin["Principal"]["AWS"] == f"arn:aws:iam::{ACCOUNT}:root", purpose
        assert admin["Action"] == "kms:*" and admin["Effect"] == "Allow"


def test_service_grants_per_purpose(graph: Graph) -> None:
    pol = _policies(graph)
    logs = pol["logs"]["CloudWatchLogs"]
    assert logs["Principal"]["Service"] == "logs.ap-southeast-3.amazonaws.com"
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == \
        f"arn:aws:logs:ap-southeast-3:{ACCOUNT}:*"
    (role,) = graph.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    ebs = [s for s in pol["ebs"].values() if s["Principal"].get("AWS") == role.outputs["arn"]]
    ebs_actions = {a for s in ebs for a in _as_list(s["Action"])}
    assert {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
            "kms:CreateGrant"} <= ebs_actions
    backup = pol["backup"]["AwsBackup"]
    assert backup["Condition"]["StringEquals"]["kms:ViaService"] == "backup.ap-southeast-3.amazonaws.com"
    # No purpose leaks another's service grant: only the logs key serves logs, trails and topics.
    for purpose in ("data", "backup", "secrets", "ebs"):
        assert not {"CloudWatchLogs", "TopicPublishers", "CloudTrailEncryptLogs"} & set(pol[purpose]), purpose
    assert not [s for s in pol["logs"].values() if s["Principal"].get("AWS") == role.outputs["arn"]]
    # no trail named in this fixture: no CloudTrail grant at all
    assert not [s for s in pol["logs"].values() if "cloudtrail.amazonaws.com" in str(s["Principal"])]


def test_no_mandatory_violation_on_the_keys(graph: Graph) -> None:
    result = analyze(graph, packs=[Path("policies")])
    keyish = ("aws:kms/", "siaga:components:EncryptionKeys")
    bad = [f"{f.policy}: {f.name}: {f.message}" for f in result.findings
           if f.enforcement == "mandatory" and (f.type or "").startswith(keyish)]
    assert not bad


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"purposes": ("data", "tape")}, "EncryptionKeysArgs.purposes: ['tape'] unknown"),
    ({"purposes": ("data", "data")}, "has duplicates"),
    ({"deletion_window_days": 3}, "EncryptionKeysArgs.deletion_window_days: 3; allowed: 7-30"),
])
def test_bad_args_one_clear_line(kwargs: dict[str, Any], message: str) -> None:
    import pulumi

    from components.keys import EncryptionKeys, EncryptionKeysArgs

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            return {"accountId": ACCOUNT, "partition": "aws", "json": "{}"}, []

    pulumi.runtime.set_mocks(Mocks(), preview=False)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")) as e:
        EncryptionKeys("k", EncryptionKeysArgs(name_prefix="x", **kwargs))
    assert "\n" not in str(e.value)


# --- the reference stack: each service's key grants that service ------------------------------------------------


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


def _key_policy(graph: Graph, arn: str) -> str:
    (key,) = [k for k in graph.of_type("aws:kms/key:Key") if k.outputs.get("arn") == arn]
    return plain(key.inputs)["policy"]


def _one(graph: Graph, type_: str, parent_suffix: str) -> Resource:
    (r,) = [r for r in graph.of_type(type_) if (r.parent or "").endswith(parent_suffix)]
    return r


def test_trail_key_grants_cloudtrail_with_its_documented_conditions(prod: Graph) -> None:
    trail = _one(prod, "aws:cloudtrail/trail:Trail", "Monitoring::monitoring")
    t = plain(trail.inputs)
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{t['name']}"
    policy = _key_policy(prod, t["kmsKeyId"])
    request = {"aws:SourceArn": trail_arn, "aws:SourceAccount": ACCOUNT,
               "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn}
    for action in ("kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"):
        assert allows(policy, service="cloudtrail.amazonaws.com", action=action, context=request), action
    other = f"arn:aws:cloudtrail:{REGION}:210987654321:trail/elsewhere"  # confused deputy: another account's trail
    assert not allows(policy, service="cloudtrail.amazonaws.com", action="kms:GenerateDataKey",
                      context={**request, "aws:SourceArn": other, "kms:EncryptionContext:aws:cloudtrail:arn": other})
    # readers of the log files in this account may decrypt them, no one else
    reader = {"kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:aws:cloudtrail:arn": trail_arn}
    assert allows(policy, aws=f"arn:aws:iam::{ACCOUNT}:role/auditor", action="kms:Decrypt", context=reader)
    assert not allows(policy, aws="arn:aws:iam::210987654321:role/x", action="kms:Decrypt",
                      context={**reader, "kms:CallerAccount": "210987654321"})
    # the bucket the trail writes to is SSE-KMS with the same key
    sse = _one(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
               "Monitoring::monitoring")
    default = plain(sse.inputs)["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["kmsMasterKeyId"] == t["kmsKeyId"] and default["sseAlgorithm"] == "aws:kms"


def test_trail_log_group_key_grants_cloudwatch_logs_for_that_group(prod: Graph) -> None:
    group = _one(prod, "aws:cloudwatch/logGroup:LogGroup", "Monitoring::monitoring")
    g = plain(group.inputs)
    policy = _key_policy(prod, g["kmsKeyId"])
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{g['name']}"
    for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:DescribeKey"):
        assert allows(policy, service=f"logs.{REGION}.amazonaws.com", action=action,
                      context={"kms:EncryptionContext:aws:logs:arn": group_arn}), action
    assert not allows(policy, service=f"logs.{REGION}.amazonaws.com", action="kms:Encrypt",
                      context={"kms:EncryptionContext:aws:logs:arn": group_arn.replace(ACCOUNT, "210987654321")})


def test_topic_key_grants_every_publisher_of_the_topic(prod: Graph) -> None:
    topic = _one(prod, "aws:sns/topic:Topic", "Monitoring::monitoring")
    wire_arn = topic.outputs["arn"]
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{plain(topic.inputs)['name']}"
    policy = _key_policy(prod, plain(topic.inputs)["kmsMasterKeyId"])
    publishers = {"events.amazonaws.com"}  # the topic policy admits EventBridge rules
    if [a for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
            if wire_arn in plain(a.inputs).get("alarmActions", [])]:
        publishers.add("cloudwatch.amazonaws.com")
    if [n for n in prod.of_type("aws:backup/vaultNotifications:VaultNotifications")
            if plain(n.inputs)["snsTopicArn"] == wire_arn]:
        publishers.add("backup.amazonaws.com")
    assert publishers == {"events.amazonaws.com", "cloudwatch.amazonaws.com", "backup.amazonaws.com"}
    for service in publishers:
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            assert allows(policy, service=service, action=action,
                          context={"kms:EncryptionContext:aws:sns:topicArn": topic_arn}), (service, action)
        other_topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:someone-elses-topic"
        assert not allows(policy, service=service, action="kms:GenerateDataKey",
                          context={"kms:EncryptionContext:aws:sns:topicArn": other_topic})


def test_ebs_key_names_the_autoscaling_role_the_stack_creates(graph: Graph) -> None:
    (role,) = graph.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    r = plain(role.inputs)
    assert r["awsServiceName"] == "autoscaling.amazonaws.com" and r["customSuffix"] == "rush-net"
    (ebs,) = [k for k in graph.of_type("aws:kms/key:Key") if plain(k.inputs)["tags"]["Purpose"] == "ebs"]
    policy = plain(ebs.inputs)["policy"]
    assert ASG_ROLE not in policy  # never the default role a fresh account may not have
    for action in ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext",
                   "kms:DescribeKey"):
        assert allows(policy, aws=role.outputs["arn"], action=action), action
    assert allows(policy, aws=role.outputs["arn"], action="kms:CreateGrant",
                  context={"kms:GrantIsForAWSResource": "true"})
    assert decide(policy, aws=role.outputs["arn"], action="kms:CreateGrant",
                  context={"kms:GrantIsForAWSResource": "false"}) == "implicit-deny"
    # the key waits for the role: its policy comes from the role's ARN
    assert role.urn in ebs.options.propertyDependencies.get("policy", []) or role.urn in ebs.options.dependencies


def test_reference_stack_gives_the_asg_role_to_the_ebs_key_and_an_existing_role_is_used_not_created(prod: Graph) -> None:
    (role,) = prod.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert plain(role.inputs)["customSuffix"] == "contoh-layanan-prod"
    existing = f"{ASG_ROLE}_agency"
    graph = run_stack("jakarta-prod", overrides={"siaga:cluster": json.dumps({"autoscalingRoleArn": existing})})
    assert not graph.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    (ebs,) = [k for k in graph.of_type("aws:kms/key:Key") if plain(k.inputs)["tags"]["Purpose"] == "ebs"]
    assert allows(plain(ebs.inputs)["policy"], aws=existing, action="kms:Encrypt")


@pytest.mark.parametrize("prefix", ["rush-net", "a" * 32 + "-" + "b" * 32 + "-staging", "x_y.z@w"])
def test_autoscaling_role_suffix_fits_iam_rules(prefix: str) -> None:
    import re

    from components.keys import AUTOSCALING_ROLE_PREFIX, autoscaling_role_suffix

    suffix = autoscaling_role_suffix(prefix)
    assert re.fullmatch(r"[\w+=,.@-]+", suffix)
    assert len(AUTOSCALING_ROLE_PREFIX + suffix) <= 64
    assert suffix == autoscaling_role_suffix(prefix)  # stable: the role is never replaced by a rerun
    if len(prefix) <= 35:
        assert suffix == prefix


def test_eks_stack_grants_the_default_autoscaling_role_its_node_groups_use() -> None:
    """EKS managed node groups launch through the default AWSServiceRoleForAutoScaling: the ebs key grants it by
    aws:PrincipalArn (no Principal that must already exist), and no unused custom role is created."""
    graph = run_stack("hybrid-pdn")
    assert not graph.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    templates = [t for t in graph.of_type("aws:ec2/launchTemplate:LaunchTemplate")]
    keys = {m["ebs"]["kmsKeyId"] for t in templates for m in plain(t.inputs).get("blockDeviceMappings", [])}
    (key_arn,) = keys
    policy = _key_policy(graph, key_arn)
    assert ASG_ROLE not in json.dumps([s.get("Principal") for s in json.loads(policy)["Statement"]])
    ctx = {"kms:CallerAccount": ACCOUNT, "aws:PrincipalArn": ASG_ROLE}
    for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"):
        assert allows(policy, aws=ASG_ROLE, action=action, context=ctx), action
    assert allows(policy, aws=ASG_ROLE, action="kms:CreateGrant", context={**ctx, "kms:GrantIsForAWSResource": "true"})
    other = f"arn:aws:iam::{ACCOUNT}:role/app"
    assert not allows(policy, aws=other, action="kms:Decrypt", context={**ctx, "aws:PrincipalArn": other})
