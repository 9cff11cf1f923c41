"""Monitoring through the offline engine: encrypted topic, alarms, CloudTrail with validation to an encrypted bucket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from iam_eval import allows, decide

from components.monitoring import MonitoringArgs
from siaga.analyzer import analyze
from siaga.engine import Graph, run_program, run_stack
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/rush_dns"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def _key_arn(graph: Graph) -> str:
    return graph.get("aws:kms/key:Key", "key").outputs["arn"]


def _mine(graph: Graph, *types: str) -> list:
    return [r for r in graph.of_type(*types) if r.parent and r.parent.endswith("Monitoring::mon")]


def test_cloudtrail_validated_encrypted_in_country_bucket(graph: Graph) -> None:
    (trail,) = graph.of_type("aws:cloudtrail/trail:Trail")
    t = plain(trail.inputs)
    assert t["enableLogFileValidation"] is True and t["enableLogging"] is True
    assert t["kmsKeyId"] == _key_arn(graph)
    assert t["isMultiRegionTrail"] is True and t["includeGlobalServiceEvents"] is True
    (bucket,) = [b for b in graph.of_type("aws:s3/bucket:Bucket") if "cloudtrail" in plain(b.inputs)["bucket"]]
    assert t["s3BucketName"] == plain(bucket.inputs)["bucket"]
    assert bucket.options.protect and bucket.options.retainOnDelete
    assert plain(bucket.inputs)["tags"]["Backup"] == "siaga"
    (sse,) = _mine(graph, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    default = plain(sse.inputs)["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": _key_arn(graph)}
    (versioning,) = _mine(graph, "aws:s3/bucketVersioning:BucketVersioning")
    assert plain(versioning.inputs)["versioningConfiguration"]["status"] == "Enabled"
    (pol,) = _mine(graph, "aws:s3/bucketPolicy:BucketPolicy")
    stmts = {s["Sid"]: s for s in json.loads(plain(pol.inputs)["policy"])["Statement"]}
    assert set(stmts) == {"TlsOnly", "CloudTrailAclCheck", "CloudTrailWrite"}
    assert stmts["TlsOnly"]["Effect"] == "Deny"
    # the real trail ARN ends in trail/<name> (the offline engine's stand-in ARN uses the resource name instead)
    trail_arn = f"arn:aws:cloudtrail:ap-southeast-3:123456789012:trail/{t['name']}"
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        assert stmts[sid]["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    (pab,) = _mine(graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(plain(pab.inputs)[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                      "restrictPublicBuckets"))
    (detector,) = graph.of_type("aws:guardduty/detector:Detector")
    assert plain(detector.inputs)["enable"] is True


def test_trail_log_group_encrypted_and_retained(graph: Graph) -> None:
    (group,) = _mine(graph, "aws:cloudwatch/logGroup:LogGroup")
    g = plain(group.inputs)
    assert g["kmsKeyId"] == _key_arn(graph) and g["retentionInDays"] == 365
    assert group.options.protect
    t = plain(graph.of_type("aws:cloudtrail/trail:Trail")[0].inputs)
    assert t["cloudWatchLogsGroupArn"] == group.outputs["arn"] + ":*"
    assert t["cloudWatchLogsRoleArn"].endswith(":role/rush-cloudtrail-logs")


def test_topic_encrypted_and_subscribed(graph: Graph) -> None:
    (topic,) = graph.of_type("aws:sns/topic:Topic")
    assert plain(topic.inputs)["kmsMasterKeyId"] == _key_arn(graph)
    subs = {plain(s.inputs)["endpoint"]: plain(s.inputs) for s in graph.of_type("aws:sns/topicSubscription:TopicSubscription")}
    assert set(subs) == {"ttis@contoh.go.id", "ops@contoh.go.id"}
    assert {s["protocol"] for s in subs.values()} == {"email"}
    assert {s["topic"] for s in subs.values()} == {topic.outputs["arn"]}


def test_alarms_dimensions_and_actions(graph: Graph) -> None:
    topic_arn = graph.of_type("aws:sns/topic:Topic")[0].outputs["arn"]
    alarms = {plain(a.inputs)["metricName"]: plain(a.inputs) for a in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {"HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "UnHealthyHostCount", "TargetResponseTime",
            "CPUUtilization", "FreeStorageSpace", "DatabaseConnections"} <= set(alarms)
    for a in alarms.values():
        assert a["alarmActions"] == [topic_arn]
    lb = "app/rush-alb/0123456789abcdef"
    assert alarms["HTTPCode_ELB_5XX_Count"]["dimensions"] == {"LoadBalancer": lb}
    assert alarms["UnHealthyHostCount"]["dimensions"] == {"LoadBalancer": lb,
                                                          "TargetGroup": "targetgroup/rush-tg/fedcba9876543210"}
    assert alarms["TargetResponseTime"]["extendedStatistic"] == "p99"
    assert alarms["CPUUtilization"]["threshold"] == 80
    assert alarms["CPUUtilization"]["dimensions"] == {"DBInstanceIdentifier": "rush-db"}
    assert alarms["FreeStorageSpace"]["threshold"] == 10 * 1024**3
    assert alarms["FreeStorageSpace"]["comparisonOperator"] == "LessThanThreshold"


def test_no_mandatory_findings(graph: Graph) -> None:
    report = analyze(graph, packs=[Path("policies")])
    mandatory = [f"{f.policy}: {f.name}: {f.message}" for f in report.findings if f.enforcement == "mandatory"]
    assert mandatory == []
    touched = {"cloudtrail-log-validation", "sns-sqs-encrypted", "s3-bucket-sse-kms", "s3-tls-only",
               "s3-no-public-access", "log-group-kms", "protect-stateful"}
    assert not [f for f in report.findings if f.policy in touched]


@pytest.mark.parametrize(("change", "key"), [
    ({"target_group_arn_suffix": "targetgroup/x/1"}, "target_group_arn_suffix"),
    ({"alb_5xx_threshold": 0}, "alb_5xx_threshold"),
    ({"response_time_seconds": 0}, "response_time_seconds"),
    ({"trail_log_retention_days": 42}, "trail_log_retention_days"),
    ({"contacts": [42]}, "contacts"),
    ({"guardduty": True}, "guardduty"),
    ({"guardduty": "always"}, "guardduty"),
    ({"guardduty_detector_id": "Not An Id"}, "guardduty_detector_id"),
])
def test_bad_input_names_the_key(change: dict, key: str) -> None:
    base = {"name_prefix": "x", "kms_key_arn": "arn", "contacts": ["a@b.go.id"]}
    with pytest.raises(ValueError, match=f"^{key}: "):
        MonitoringArgs(**{**base, **change}).validate()


ACCOUNT = "123456789012"
REGION = "ap-southeast-3"


def test_topic_policy_lets_every_publisher_of_the_topic_publish(graph: Graph) -> None:
    """The alarms, the vault notifications (rush_dns has both) and EventBridge rules can publish; scoped to this
    account's alarms, rules and vaults; the owner account keeps the default statement."""
    (topic,) = graph.of_type("aws:sns/topic:Topic")
    (tp,) = graph.of_type("aws:sns/topicPolicy:TopicPolicy")
    assert plain(tp.inputs)["arn"] == topic.outputs["arn"]
    policy = json.loads(plain(tp.inputs)["policy"])
    assert {s["Resource"] for s in policy["Statement"]} == {topic.outputs["arn"]}
    (vault,) = graph.of_type("aws:backup/vault:Vault")
    (notify,) = graph.of_type("aws:backup/vaultNotifications:VaultNotifications")
    assert plain(notify.inputs)["snsTopicArn"] == topic.outputs["arn"]
    vault_arn = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{plain(vault.inputs)['name']}"
    alarm = plain(graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs)
    assert alarm["alarmActions"] == [topic.outputs["arn"]]
    publishers = {
        "backup.amazonaws.com": vault_arn,
        "cloudwatch.amazonaws.com": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm['name']}",
        "events.amazonaws.com": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/guardduty-findings",
    }
    for service, source in publishers.items():
        ctx = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": source}
        assert allows(policy, service=service, action="SNS:Publish", context=ctx), service
        foreign = source.replace(ACCOUNT, "210987654321")
        assert not allows(policy, service=service, action="SNS:Publish",
                          context={"aws:SourceAccount": "210987654321", "aws:SourceArn": foreign}), service
    # the owner's default statement: the account's principals still manage and publish
    owner = {"AWS:SourceOwner": ACCOUNT}
    for action in ("SNS:Publish", "SNS:Subscribe", "SNS:SetTopicAttributes", "SNS:GetTopicAttributes"):
        assert allows(policy, aws=f"arn:aws:iam::{ACCOUNT}:role/ops", action=action, context=owner), action
    assert decide(policy, aws="arn:aws:iam::210987654321:role/x", action="SNS:Publish",
                  context={"AWS:SourceOwner": "210987654321"}) == "implicit-deny"


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


def test_reference_stack_adopts_the_accounts_guardduty_detector_by_default(prod: Graph) -> None:
    """A second stack or an organisation-managed account already has a detector: none is created unless asked."""
    assert not prod.of_type("aws:guardduty/detector:Detector")
    created = run_stack("jakarta-prod", overrides={"siaga:guardDuty": json.dumps({"mode": "create"})})
    (detector,) = created.of_type("aws:guardduty/detector:Detector")
    assert plain(detector.inputs)["enable"] is True
    off = run_stack("jakarta-prod", overrides={"siaga:guardDuty": json.dumps({"mode": "off"})})
    assert not off.of_type("aws:guardduty/detector:Detector")


def test_reference_stack_monitoring_uses_the_logs_key(prod: Graph) -> None:
    """Topic, trail, trail bucket and log group are encrypted with the key whose Purpose is logs (not data)."""
    logs = [k for k in prod.of_type("aws:kms/key:Key") if plain(k.inputs)["tags"]["Purpose"] == "logs"]
    (logs_arn,) = [k.outputs["arn"] for k in logs]
    mine = [r for r in prod.resources if (r.parent or "").endswith("Monitoring::monitoring")]
    used = {r.type: plain(r.inputs).get("kmsKeyId") or plain(r.inputs).get("kmsMasterKeyId") for r in mine
            if r.type in ("aws:sns/topic:Topic", "aws:cloudtrail/trail:Trail", "aws:cloudwatch/logGroup:LogGroup")}
    assert used == {"aws:sns/topic:Topic": logs_arn, "aws:cloudtrail/trail:Trail": logs_arn,
                    "aws:cloudwatch/logGroup:LogGroup": logs_arn}


@pytest.mark.parametrize(("value", "message"), [
    ({"mode": "maybe"}, "siaga:guardDuty.mode: 'maybe' is invalid"),
    ({"mode": "create", "detectorId": "12abc34d567e8fa901bc2d34e56789f0"}, "siaga:guardDuty.detectorId: set while mode"),
    ({"detectorId": "Not-An-Id"}, "siaga:guardDuty.detectorId: 'Not-An-Id' is invalid"),
])
def test_guardduty_config_one_line(value: dict, message: str) -> None:
    import yaml

    from components.config import ConfigError, parse_config

    raw = yaml.safe_load(Path("stacks/Pulumi.jakarta-prod.yaml").read_text())["config"]
    with pytest.raises(ConfigError) as err:
        parse_config({**raw, "siaga:guardDuty": value})
    assert "\n" not in str(err.value) and str(err.value).startswith(message), str(err.value)
    assert parse_config({**raw, "siaga:guardDuty": {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}}).guardDuty.mode \
        == "existing"
