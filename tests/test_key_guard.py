"""The key guard and the KMS tamper alarm, from the reference stacks' graphs.

Every key policy is evaluated (tests/iam_eval.py) for the requests an attacker with admin rights, the account root,
the break-glass role and the services that use the keys make. The EventBridge rule's pattern is matched against
CloudTrail events in the shape EventBridge delivers them, with the subset of the pattern language it uses (exact
values in arrays, nested objects), and its target is followed to the TTIS topic, whose policy and key are evaluated
for EventBridge's publish.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from iam_eval import allows, decide

from components.config import ConfigError, parse_config
from components.keys import GUARDED_ACTIONS, TAMPER_EVENTS, tamper_event_pattern
from siaga.engine import EngineError, Graph, run_stack
from siaga.engine.model import plain

ACCOUNT = "123456789012"
REGION = "ap-southeast-3"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/contoh-break-glass"  # stacks/Pulumi.jakarta-prod.yaml
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/AdministratorAccess-ransomware"
BACKUP_ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


@pytest.fixture(scope="module")
def staging() -> Graph:
    return run_stack("jakarta-staging")


def _keys(graph: Graph) -> dict[str, dict[str, Any]]:
    """resource name -> key policy (only the stack's own account's keys: the backup account's key in
    test_backup_account.py)."""
    return {k.name: json.loads(plain(k.inputs)["policy"]) for k in graph.of_type("aws:kms/key:Key")
            if not k.name.startswith("isolated-")}


def _as(principal: str, action: str) -> dict[str, Any]:
    return {"action": action, "aws": principal, "context": {"aws:PrincipalArn": principal,
                                                           "kms:CallerAccount": principal.split(":")[4]}}


def test_every_key_denies_destruction_to_all_but_the_break_glass_role(prod: Graph) -> None:
    keys = _keys(prod)
    assert sorted(keys) == sorted(f"keys-{p}" for p in ("data", "logs", "backup", "secrets", "ebs"))
    for name, policy in keys.items():
        for action in GUARDED_ACTIONS:
            assert allows(policy, **_as(BREAK_GLASS, action)), (name, action)
            # the root and an administrator role (allowed kms:* through the root's delegation) are refused
            assert decide(policy, **_as(ROOT, action)) == "deny", (name, action)
            assert decide(policy, **_as(ADMIN, action)) == "deny", (name, action)
        # the break-glass role can undo an attack
        for action in ("kms:CancelKeyDeletion", "kms:EnableKey"):
            assert allows(policy, **_as(BREAK_GLASS, action)), (name, action)
        # administration that does not destroy stays with the account (root delegation)
        assert allows(policy, **_as(ROOT, "kms:TagResource")), name
        assert allows(policy, **_as(ROOT, "kms:CancelKeyDeletion")), name


def test_normal_use_of_the_keys_is_unaffected(prod: Graph) -> None:
    keys = _keys(prod)
    via = {"kms:CallerAccount": ACCOUNT}
    rds = {**via, "kms:ViaService": f"rds.{REGION}.amazonaws.com"}
    backup = {**via, "kms:ViaService": f"backup.{REGION}.amazonaws.com"}
    for action in ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"):
        assert allows(keys["keys-data"], action=action, aws=ADMIN, context={**rds, "aws:PrincipalArn": ADMIN})
        assert allows(keys["keys-backup"], action=action, aws=ADMIN, context={**backup, "aws:PrincipalArn": ADMIN})
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:contoh-layanan-prod-incidents"
    assert allows(keys["keys-logs"], action="kms:GenerateDataKey", service="events.amazonaws.com",
                  context={"kms:EncryptionContext:aws:sns:topicArn": topic})
    assert allows(keys["keys-logs"], action="kms:Encrypt", service=f"logs.{REGION}.amazonaws.com",
                  context={"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/x"})


def test_guarded_keys_bypass_the_lockout_check_and_name_an_existing_principal(prod: Graph) -> None:
    for k in prod.of_type("aws:kms/key:Key"):
        inputs = plain(k.inputs)
        assert inputs["bypassPolicyLockoutSafetyCheck"] is True, k.name
        allow = [s for s in json.loads(inputs["policy"])["Statement"] if s["Sid"] == "KeyGuardBreakGlass"]
        assert len(allow) == 1 and allow[0]["Effect"] == "Allow", k.name


def _tamper_rules(graph: Graph) -> list:
    """The key guard's EventBridge rule (the detection layer adds finding routes of its own)."""
    return [r for r in graph.of_type("aws:cloudwatch/eventRule:EventRule") if r.name == "key-tamper-rule"]


def test_staging_keys_stay_deletable_and_have_no_tamper_rule(staging: Graph) -> None:
    for name, policy in _keys(staging).items():
        assert not any(s["Sid"].startswith("KeyGuard") for s in policy["Statement"]), name
        assert allows(policy, **_as(ROOT, "kms:ScheduleKeyDeletion")), name
    assert all(plain(k.inputs).get("bypassPolicyLockoutSafetyCheck") is None
               for k in staging.of_type("aws:kms/key:Key"))
    assert _tamper_rules(staging) == []


def test_without_a_break_glass_role_only_the_root_user_may_destroy() -> None:
    graph = run_stack("jakarta-prod", overrides={"siaga:keyGuard": json.dumps({})})
    for name, policy in _keys(graph).items():
        assert allows(policy, **_as(ROOT, "kms:ScheduleKeyDeletion")), name
        assert decide(policy, **_as(ADMIN, "kms:ScheduleKeyDeletion")) == "deny", name
        assert decide(policy, **_as(BREAK_GLASS, "kms:PutKeyPolicy")) == "deny", name


def test_guard_can_be_turned_on_for_staging() -> None:
    graph = run_stack("jakarta-staging", overrides={"siaga:keyGuard": json.dumps({"enabled": True})})
    for name, policy in _keys(graph).items():
        assert decide(policy, **_as(ADMIN, "kms:DisableKey")) == "deny", name
    assert len(_tamper_rules(graph)) == 1


def test_break_glass_role_of_another_account_is_one_line() -> None:
    other = "arn:aws:iam::999999999999:role/break-glass"
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:keyGuard": json.dumps({"breakGlassRoleArn": other})})
    line = next(ln for ln in str(err.value).splitlines() if "breakGlassRoleArn" in ln)
    assert other in line and ACCOUNT in line


@pytest.mark.parametrize("value", ["arn:aws:iam::123456789012:user/alice", "break-glass", "arn:aws:iam::1234:role/x"])
def test_bad_break_glass_arn_is_one_line(value: str) -> None:
    raw = {"siaga:agency": "contoh", "siaga:service": "layanan", "siaga:domain": "a.contoh.go.id",
           "siaga:standby": {"address": "s.contoh.go.id", "addressIps": ["198.51.100.30"]}, "siaga:alertContacts": [{"name": "t", "email": "t@c.go.id"}],
           "siaga:tags": {"owner": "o", "costCentre": "1"}, "siaga:keyGuard": {"breakGlassRoleArn": value}}
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    (line,) = str(err.value).splitlines()
    assert line.startswith("siaga:keyGuard.breakGlassRoleArn:") and value in line and "allowed:" in line


# --- the tamper alarm -------------------------------------------------------------------------------------------

def _matches(pattern: Any, event: Any) -> bool:
    """EventBridge matching for the subset the rule uses: an object matches when every field of the pattern matches
    the event's field; an array of values matches when the event's value (or any of its values) is one of them
    (https://docs.aws.amazon.com/eventbridge/latest/ref/eb-event-patterns.html). Other pattern forms raise."""
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(k in event and _matches(v, event[k]) for k, v in pattern.items())
    if isinstance(pattern, list):
        if not all(isinstance(p, str | int | float | bool) for p in pattern):
            raise NotImplementedError(f"pattern form {pattern!r} not evaluated by this test")
        values = event if isinstance(event, list) else [event]
        return any(v in pattern for v in values)
    raise NotImplementedError(f"pattern form {pattern!r} not evaluated by this test")


def _cloudtrail_event(event_name: str, source: str = "kms", error: str | None = None) -> dict[str, Any]:
    """An 'AWS API Call via CloudTrail' event as EventBridge delivers it (CloudTrail record under ``detail``)."""
    detail: dict[str, Any] = {
        "eventVersion": "1.08", "eventSource": f"{source}.amazonaws.com", "eventName": event_name,
        "awsRegion": REGION, "userIdentity": {"type": "AssumedRole", "arn": f"{ADMIN}/session"},
        "requestParameters": {"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "pendingWindowInDays": 7},
        "eventType": "AwsApiCall", "managementEvent": True, "readOnly": False,
    }
    if error:
        detail["errorCode"] = error
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "AWS API Call via CloudTrail",
            "source": f"aws.{source}", "account": ACCOUNT, "time": "2026-12-01T22:00:00Z", "region": REGION,
            "resources": [], "detail": detail}


def test_tamper_pattern_matches_a_schedule_key_deletion_even_when_denied(prod: Graph) -> None:
    (rule,) = _tamper_rules(prod)
    pattern = json.loads(plain(rule.inputs)["eventPattern"])
    assert pattern == tamper_event_pattern()
    assert _matches(pattern, _cloudtrail_event("ScheduleKeyDeletion"))
    assert _matches(pattern, _cloudtrail_event("ScheduleKeyDeletion", error="AccessDenied"))
    for name in ("DisableKey", "PutKeyPolicy", "DeleteAlias"):
        assert name in TAMPER_EVENTS and _matches(pattern, _cloudtrail_event(name))
    # ordinary use and other services do not page TTIS
    assert not _matches(pattern, _cloudtrail_event("Decrypt"))
    assert not _matches(pattern, _cloudtrail_event("CreateGrant"))
    assert not _matches(pattern, _cloudtrail_event("ScheduleKeyDeletion", source="s3"))


def test_tamper_rule_targets_the_ttis_topic_which_admits_it(prod: Graph) -> None:
    (rule,) = _tamper_rules(prod)
    names = (rule.id, rule.outputs.get("name"), rule.plain_inputs().get("name"))
    (target,) = [t for t in prod.of_type("aws:cloudwatch/eventTarget:EventTarget") if t.plain_inputs().get("rule") in names]
    topic = prod.get("aws:sns/topic:Topic", "monitoring-incidents")
    rule_name = plain(rule.inputs)["name"]
    assert plain(target.inputs)["rule"] == rule_name
    assert plain(target.inputs)["arn"] == topic.outputs["arn"]
    assert rule.urn in target.options.dependencies or any(
        rule.urn in deps for deps in target.options.propertyDependencies.values())
    # the rule's ARN on the default bus: arn:aws:events:<region>:<account>:rule/<name>
    # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions)
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule_name}"
    (policy,) = [p for p in prod.of_type("aws:sns/topicPolicy:TopicPolicy")]
    assert allows(plain(policy.inputs)["policy"], action="SNS:Publish", service="events.amazonaws.com",
                  context={"aws:SourceArn": rule_arn, "aws:SourceAccount": ACCOUNT})
    key_arn = plain(topic.inputs)["kmsMasterKeyId"]
    (key,) = [k for k in prod.of_type("aws:kms/key:Key") if k.outputs.get("arn") == key_arn]
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allows(plain(key.inputs)["policy"], action=action, service="events.amazonaws.com",
                      context={"kms:EncryptionContext:aws:sns:topicArn": topic.outputs["arn"]})


def test_hybrid_stack_has_the_guard_and_the_alarm() -> None:
    graph = run_stack("hybrid-pdn")
    for name, policy in _keys(graph).items():
        assert decide(policy, **_as(ADMIN, "kms:ScheduleKeyDeletion")) == "deny", name
        assert allows(policy, **_as(BREAK_GLASS, "kms:ScheduleKeyDeletion")), name
    assert len(_tamper_rules(graph)) == 1
