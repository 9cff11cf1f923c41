"""kms-key-grants-users and sns-topic-allows-publishers beyond pass/fail cases: the policy evaluator they share, the
messages (both ends, the missing statement, a fix that really closes the gap), unknowns at preview, linearity, and
the reference stacks judged the same at preview as after deployment."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from siaga.analyzer import AnalysisResult, analyze
from siaga.engine import Graph, run_program, run_stack
from siaga.engine.invokes import policy_document

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
CASES = ROOT / "tests/fixtures/programs/policy_cases_behaviour_kms"
CANNOT_VERIFY = "cannot be verified before deployment"
POLICIES = ("kms-key-grants-users", "sns-topic-allows-publishers")
ACCOUNT = "123456789012"
REGION = "ap-southeast-3"

sys.path.insert(0, str(PACK))
from siaga_rules.behaviour import kms_key_grants_users as kms  # noqa: E402
from siaga_rules.behaviour import sns_topic_allows_publishers as sns  # noqa: E402
from siaga_rules.behaviour.iam_documents import (  # noqa: E402
    DELEGATED,
    DENIED,
    GRANTED,
    UNKNOWN,
    Partial,
    Request,
    condition_holds,
    evaluate,
)
from siaga_rules.common import UNKNOWN_STRING_VALUE, Res, StackCtx  # noqa: E402

ROOT_STATEMENT = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
                  "Resource": "*"}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _service(name: str, action: str, **context: Any) -> Request:
    return Request("Service", name, action, None, dict(context), ACCOUNT)


# ---------------------------------------------------------------------------------------------
# the evaluator


def test_actions_match_with_wildcards_case_insensitively_and_not_action() -> None:
    doc = _doc({"Effect": "Allow", "Principal": {"Service": "logs.ap-southeast-3.amazonaws.com"},
                "Action": ["kms:Encrypt*", "KMS:generatedatakey*"], "Resource": "*"})
    logs = "logs.ap-southeast-3.amazonaws.com"
    assert evaluate(doc, _service(logs, "kms:GenerateDataKeyWithoutPlaintext")) == GRANTED
    assert evaluate(doc, _service(logs, "kms:Encrypt")) == GRANTED
    assert evaluate(doc, _service(logs, "kms:Decrypt")) == DENIED
    assert evaluate(doc, _service("logs.ap-southeast-1.amazonaws.com", "kms:Encrypt")) == DENIED
    not_action = _doc({"Effect": "Allow", "Principal": "*", "NotAction": "kms:ScheduleKeyDeletion", "Resource": "*"})
    assert evaluate(not_action, _service(logs, "kms:Decrypt")) == GRANTED
    assert evaluate(not_action, _service(logs, "kms:ScheduleKeyDeletion")) == DENIED


def test_explicit_deny_wins_and_an_uncertain_deny_makes_the_answer_unknown() -> None:
    allow = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:*",
             "Resource": "*"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}}
    req = _service("cloudtrail.amazonaws.com", "kms:Decrypt", **{"aws:SourceAccount": "999999999999"})
    assert evaluate(_doc(allow, deny), req) == DENIED
    assert evaluate(_doc(allow, deny), _service("cloudtrail.amazonaws.com", "kms:Decrypt",
                                                **{"aws:SourceAccount": ACCOUNT})) == GRANTED
    assert evaluate(_doc(allow, deny), _service("cloudtrail.amazonaws.com", "kms:Decrypt",
                                                **{"aws:SourceAccount": Partial("")})) == UNKNOWN


def test_condition_operators_follow_iam() -> None:
    ctx = {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app",
           "kms:GrantIsForAWSResource": "true", "aws:SourceAccount": ACCOUNT}
    assert condition_holds({"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:*:{ACCOUNT}:*"}}, ctx)
    # condition keys are case-insensitive, values of one key are ORed, blocks are ANDed
    assert condition_holds({"StringEquals": {"AWS:SOURCEACCOUNT": ["111111111111", ACCOUNT]},
                            "Bool": {"kms:GrantIsForAWSResource": True}}, ctx)
    assert not condition_holds({"StringEquals": {"aws:SourceAccount": ACCOUNT},
                                "Bool": {"kms:GrantIsForAWSResource": "false"}}, ctx)
    # a key absent from the request: plain operators fail, ...IfExists and negated operators hold, Null tells
    assert not condition_holds({"StringEquals": {"aws:SourceArn": "x"}}, ctx)
    assert condition_holds({"StringEqualsIfExists": {"aws:SourceArn": "x"}}, ctx)
    assert condition_holds({"StringNotEquals": {"aws:SourceArn": "x"}}, ctx)
    assert condition_holds({"Null": {"aws:SourceArn": "true"}}, ctx)
    assert not condition_holds({"Null": {"aws:SourceAccount": "true"}}, ctx)
    assert condition_holds({"ForAllValues:StringLike": {"tags": ["a*", "b*"]}}, {"tags": ["ab", "bc"]})
    assert not condition_holds({"ForAllValues:StringLike": {"tags": ["a*"]}}, {"tags": ["ab", "bc"]})


def test_values_known_only_in_part_are_judged_when_the_known_part_decides() -> None:
    partial = {"arn": Partial(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:")}
    assert condition_holds({"ArnLike": {"arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}}, partial) is True
    assert condition_holds({"ArnLike": {"arn": "arn:aws:logs:eu-west-1:*"}}, partial) is False
    assert condition_holds({"ArnEquals": {"arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app"}}, partial) is None
    assert condition_holds({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {"aws:SourceAccount": Partial("")}) is None


def test_account_root_delegates_and_star_includes_service_principals() -> None:
    root_only = _doc(ROOT_STATEMENT)
    role = f"arn:aws:iam::{ACCOUNT}:role/app"
    assert evaluate(root_only, Request("AWS", role, "kms:Decrypt", None, {}, ACCOUNT)) == DELEGATED
    assert evaluate(root_only, _service("logs.ap-southeast-3.amazonaws.com", "kms:Decrypt")) == DENIED
    # another account's role is not delegated by this account's root
    assert evaluate(root_only, Request("AWS", "arn:aws:iam::999999999999:role/x", "kms:Decrypt", None, {},
                                       "999999999999")) == DENIED
    # account unknown (preview): the root statement may or may not be this account's
    assert evaluate(root_only, Request("AWS", role, "kms:Decrypt", None, {}, None)) == UNKNOWN
    everyone = _doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"})
    assert evaluate(everyone, _service("backup.amazonaws.com", "kms:Decrypt")) == GRANTED


def test_documents_rendered_by_get_policy_document_are_read_in_both_shapes() -> None:
    """The provider renders one value as a string and several as a list (siaga/engine/invokes.py)."""
    rendered = json.loads(policy_document({"statements": [
        {"principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}],
         "actions": ["kms:GenerateDataKey*"], "resources": ["*"],
         "conditions": [{"test": "StringLike", "variable": "kms:EncryptionContext:aws:cloudtrail:arn",
                         "values": [f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"]}]},
        {"principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com", "logs.amazonaws.com"]}],
         "actions": ["kms:DescribeKey", "kms:Decrypt"], "resources": ["*"]}]}, REGION)["json"])
    assert isinstance(rendered["Statement"][0]["Action"], str)
    trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/t"
    assert evaluate(rendered, _service("cloudtrail.amazonaws.com", "kms:GenerateDataKey",
                                       **{"kms:EncryptionContext:aws:cloudtrail:arn": trail})) == GRANTED
    assert evaluate(rendered, _service("cloudtrail.amazonaws.com", "kms:GenerateDataKey")) == DENIED
    assert evaluate(rendered, _service("cloudtrail.amazonaws.com", "kms:DescribeKey")) == GRANTED


# ---------------------------------------------------------------------------------------------
# the rules on synthetic stacks (no engine: fast, and any shape)


def _res(type_: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None) -> Res:
    r = Res(type=type_, name=name, urn=f"urn:pulumi:t::p::{type_}::{name}", source=None, protect=False,
            parent=None, deps=deps or {})
    r.__dict__["_props"] = props
    r.__dict__["_provider"] = {"region": REGION}
    return r


def _key(name: str, policy: Any) -> Res:
    kid = f"{name}-0000-1111"
    return _res("aws:kms/key:Key", name, {"keyId": kid, "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{kid}",
                                          "policy": policy if not isinstance(policy, dict) else json.dumps(policy)})


def _run(check: Any, resources: list[Res]) -> StackCtx:
    ctx = StackCtx(resources=resources, config={}, stack_tags={})
    check(ctx)
    return ctx


FIX = re.compile(r"Fix: add to the key policy (.*)\.$")


def _fix_statements(message: str) -> list[dict[str, Any]]:
    m = FIX.search(message)
    assert m, message
    return [json.loads(part) for part in m.group(1).split(" and ")]


def _users(prefix: str, key_ref: str, key_urn: str | None = None) -> list[Res]:
    """A log group, a trail and an ASG (launch template) using the key; by value, or by dependency only."""
    deps = {"kmsKeyId": [key_urn]} if key_urn else None
    lt = _res("aws:ec2/launchTemplate:LaunchTemplate", f"{prefix}-lt", {
        "id": f"lt-{prefix}", "blockDeviceMappings": [{"ebs": {"kmsKeyId": key_ref, "encrypted": "true"}}]},
        {"blockDeviceMappings": [key_urn]} if key_urn else None)
    return [
        _res("aws:cloudwatch/logGroup:LogGroup", f"{prefix}-logs", {"name": f"/app/{prefix}", "kmsKeyId": key_ref},
             deps),
        _res("aws:cloudtrail/trail:Trail", f"{prefix}-trail", {"name": f"{prefix}-trail", "kmsKeyId": key_ref}, deps),
        lt,
        _res("aws:autoscaling/group:Group", f"{prefix}-asg", {"launchTemplate": {"id": f"lt-{prefix}"}},
             {"launchTemplate": [lt.urn]}),
    ]


def test_the_suggested_fix_closes_every_gap_it_reports() -> None:
    """Add exactly the statements the messages propose: the key then passes (the fix is not prose)."""
    policy = _doc(ROOT_STATEMENT)
    key = _key("app", policy)
    users = _users("app", key.get("arn"))
    first = _run(kms.check, [key, *users])
    assert len(first.violations) == 3, first.violations
    kinds = " ".join(m for m, _ in first.violations)
    for needle in ("logs.ap-southeast-3.amazonaws.com", "cloudtrail.amazonaws.com", "AWSServiceRoleForAutoScaling",
                   "kms:EncryptionContext:aws:logs:arn", "kms:GrantIsForAWSResource",
                   "A service-linked role's permissions cannot be extended"):
        assert needle in kinds
    for message, urn in first.violations:
        assert urn == key.urn and "KMS key 'app'" in message
        policy["Statement"] += _fix_statements(message)
    fixed = _run(kms.check, [_key("app", policy), *_users("app", key.get("arn"))])
    assert not fixed.violations and not fixed.unknown_notes


@pytest.mark.parametrize("form", ["arn", "key-id", "alias-name", "alias-arn", "dependency-only"])
def test_every_way_of_naming_the_key_reaches_its_policy(form: str) -> None:
    key = _key("k", _doc(ROOT_STATEMENT))
    alias = _res("aws:kms/alias:Alias", "k-alias", {"name": "alias/app", "targetKeyId": key.get("keyId"),
                                                    "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"},
                 {"targetKeyId": [key.urn]})
    ref = {"arn": key.get("arn"), "key-id": key.get("keyId"), "alias-name": "alias/app",
           "alias-arn": alias.get("arn"), "dependency-only": UNKNOWN_STRING_VALUE}[form]
    users = _users("u", ref, key.urn if form == "dependency-only" else None)
    ctx = _run(kms.check, [key, alias, *users])
    assert {u for _, u in ctx.violations} == {key.urn}
    assert len(ctx.violations) == 3


def test_unknown_key_policy_is_reported_cannot_verify_never_passed() -> None:
    key = _key("late", UNKNOWN_STRING_VALUE)
    ctx = _run(kms.check, [key, *_users("late", key.get("arn"))])
    assert not ctx.violations
    assert ctx.unknown_notes and all(n.startswith(key.urn) for n in ctx.unknown_notes)
    assert any("key policy" in n and "logs" in n for n in ctx.unknown_notes)


def _eks(role_extra: list[Res], role: Res, key: Res) -> list[Res]:
    cluster = _res("aws:eks/cluster:Cluster", "eks", {
        "roleArn": role.get("arn"), "encryptionConfig": {"resources": ["secrets"],
                                                         "provider": {"keyArn": key.get("arn")}}},
        {"roleArn": [role.urn]})
    return [key, role, cluster, *role_extra]


def test_delegated_role_is_judged_by_the_iam_policies_attached_to_it() -> None:
    key = _key("secrets", _doc(ROOT_STATEMENT))
    role = _res("aws:iam/role:Role", "cluster-role", {"name": "cluster", "arn": f"arn:aws:iam::{ACCOUNT}:role/cluster"})
    kms_policy = _res("aws:iam/policy:Policy", "kms-use", {
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/kms-use", "policy": json.dumps(_doc(
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
             "Resource": key.get("arn")}))})
    attach = _res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", {
        "role": "cluster", "policyArn": kms_policy.get("arn")})
    assert not _run(kms.check, _eks([kms_policy, attach], role, key)).violations
    # a policy for another key does not count
    other = _res("aws:iam/policy:Policy", "kms-use", {**kms_policy.props, "policy": json.dumps(_doc(
        {"Effect": "Allow", "Action": "kms:*", "Resource": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/other"}))})
    ctx = _run(kms.check, _eks([other, attach], role, key))
    assert len(ctx.violations) == 1 and "no IAM policy of role 'cluster-role'" in ctx.violations[0][0]
    # only an AWS managed policy: this pack cannot read it, so it cannot be verified (never passed, never failed)
    managed = _res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "managed", {
        "role": "cluster", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"})
    ctx = _run(kms.check, _eks([managed], role, key))
    assert not ctx.violations and "AmazonEKSClusterPolicy" in ctx.unknown_notes[0]


def _topic(name: str, key_ref: str | None = None, policy: Any = None) -> Res:
    props: dict[str, Any] = {"name": name, "arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"}
    if key_ref:
        props["kmsMasterKeyId"] = key_ref
    if policy is not None:
        props["policy"] = json.dumps(policy) if isinstance(policy, dict) else policy
    return _res("aws:sns/topic:Topic", name, props)


def _alarm(name: str, topic: Res) -> Res:
    return _res("aws:cloudwatch/metricAlarm:MetricAlarm", name, {"name": name, "alarmActions": [topic.get("arn")]},
                {"alarmActions": [topic.urn]})


def _vault_notifications(name: str, topic: Res) -> Res:
    return _res("aws:backup/vaultNotifications:VaultNotifications", name,
                {"backupVaultName": f"{name}-vault", "snsTopicArn": topic.get("arn")})


def test_topic_without_policy_admits_same_account_alarms_but_not_aws_backup() -> None:
    topic = _topic("alerts")
    ctx = _run(sns.check, [topic, _alarm("cpu", topic), _vault_notifications("vault", topic)])
    assert len(ctx.violations) == 1
    message, urn = ctx.violations[0]
    assert urn == topic.urn
    for needle in ("aws:backup/vaultNotifications:VaultNotifications 'vault'", "no topic policy",
                   f"only principals acting for account {ACCOUNT}", "Service backup.amazonaws.com",
                   "aws.sns.TopicPolicy", '"Principal": {"Service": "backup.amazonaws.com"}'):
        assert needle in message, needle


def test_a_custom_topic_policy_replaces_the_default_and_must_admit_alarms_itself() -> None:
    backup_only = _doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                        "Action": "sns:Publish", "Resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"})
    topic = _topic("alerts", policy=backup_only)
    ctx = _run(sns.check, [topic, _alarm("cpu", topic), _vault_notifications("vault", topic)])
    assert [m for m, _ in ctx.violations if "cloudwatch.amazonaws.com" in m] and len(ctx.violations) == 1
    # an owner-style statement ({"AWS": "*"} + AWS:SourceOwner) admits the alarms, not AWS Backup
    owner = _doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": "*",
                  "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}})
    topic = _topic("owner", policy=owner)
    ctx = _run(sns.check, [topic, _alarm("cpu2", topic), _vault_notifications("vault2", topic)])
    assert len(ctx.violations) == 1 and "backup.amazonaws.com" in ctx.violations[0][0]


def test_conditions_on_undocumented_source_keys_are_not_guessed() -> None:
    """Which source keys AWS Backup sends to SNS is not documented: a statement conditioned on them is neither
    passed nor failed; the documented unconditioned statement passes."""
    conditioned = _doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "SNS:Publish",
                        "Resource": "*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:backup:*"}}})
    topic = _topic("alerts", policy=conditioned)
    ctx = _run(sns.check, [topic, _vault_notifications("vault", topic)])
    assert not ctx.violations and ctx.unknown_notes and "backup.amazonaws.com" in ctx.unknown_notes[0]
    plain = _doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "SNS:Publish",
                  "Resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"})
    topic = _topic("alerts", policy=plain)
    ctx = _run(sns.check, [topic, _vault_notifications("vault", topic)])
    assert not ctx.violations and not ctx.unknown_notes


def test_one_finding_per_publisher_even_when_it_names_the_topic_in_several_actions() -> None:
    topic = _topic("alerts", policy=_doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                                          "Action": "sns:Publish", "Resource": "*"}))
    alarm = _res("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", {
        "name": "cpu", "alarmActions": [topic.get("arn")], "okActions": [topic.get("arn")]})
    ctx = _run(sns.check, [topic, alarm])
    assert len(ctx.violations) == 1 and "(alarmActions, okActions)" in ctx.violations[0][0]


def test_aws_managed_topic_key_cannot_grant_publishers() -> None:
    topic = _topic("alerts", key_ref="alias/aws/sns")
    ctx = _run(kms.check, [topic, _alarm("cpu", topic)])
    assert len(ctx.violations) == 1 and ctx.violations[0][1] == topic.urn
    assert "AWS managed key alias/aws/sns" in ctx.violations[0][0]


def _stack_of(n: int) -> list[Res]:
    out: list[Res] = []
    for i in range(n):
        key = _key(f"k{i}", _doc(ROOT_STATEMENT))
        topic = _topic(f"t{i}", key_ref=key.get("arn"))
        out += [key, topic, _alarm(f"a{i}", topic), _vault_notifications(f"v{i}", topic), *_users(f"s{i}",
                                                                                                 key.get("keyId"))]
    return out


def _best_time(check: Any, resources: list[Res]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        _run(check, resources)
        best = min(best, time.perf_counter() - start)
    return best


def test_both_rules_stay_linear_in_the_number_of_resources() -> None:
    """4x the resources may cost about 4x, never the 16x of an all-pairs scan (best of 3, generous bound)."""
    small, large = _stack_of(50), _stack_of(200)
    for check in (kms.check, sns.check):
        assert len(_run(check, large).violations) == 4 * len(_run(check, small).violations)
        ratio = _best_time(check, large) / max(_best_time(check, small), 1e-4)
        assert ratio < 9, (check.__module__, ratio)


# ---------------------------------------------------------------------------------------------
# through the analyzer (the pack's own gRPC server)


@pytest.fixture(scope="module")
def cases() -> tuple[Graph, AnalysisResult]:
    graph = run_program(CASES, stack="dev")
    return graph, analyze(graph, packs=[PACK])


@pytest.fixture(scope="module")
def cases_preview() -> tuple[Graph, AnalysisResult]:
    graph = run_program(CASES, stack="dev", preview=True)
    return graph, analyze(graph, packs=[PACK])


def _messages(result: AnalysisResult, name: str, policy: str) -> list[str]:
    return [f.message for f in result.findings if f.name == name and f.policy == policy]


def test_messages_name_the_key_the_user_the_principal_the_gap_and_the_fix(cases) -> None:
    _graph, result = cases
    (trail,) = _messages(result, "fail-kms-key-grants-users-trail", "kms-key-grants-users")
    for needle in ("aws:cloudtrail/trail:Trail 'trail-2' (kmsKeyId)", "Service cloudtrail.amazonaws.com",
                   "kms:GenerateDataKey, kms:DescribeKey",
                   f"kms:EncryptionContext:aws:cloudtrail:arn = arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/cases-trail-2",
                   "Fix: add to the key policy"):
        assert needle in trail, needle
    (events,) = _messages(result, "fail-kms-key-grants-users-topic-events-conditioned", "kms-key-grants-users")
    assert "EventBridge rule target publishing to SNS topic 'events-topic'" in events
    assert '"Principal": {"Service": "events.amazonaws.com"}' in events and "Condition" not in events
    (s3,) = _messages(result, "fail-sns-topic-allows-publishers-s3-other-bucket", "sns-topic-allows-publishers")
    assert "aws:SourceArn = arn:aws:s3:::cases-s3-events" in s3 and "does not allow it" in s3
    (vault,) = _messages(result, "fail-kms-key-grants-users-vault-delegated", "kms-key-grants-users")
    assert "no IAM policy of role 'undelegated-role'" in vault and "kms:ViaService = backup." in vault


def test_key_policy_known_only_after_deployment(cases, cases_preview) -> None:
    _graph, result = cases
    hits = [f for f in result.findings if f.name == "unknown-kms-key-grants-users"]
    assert hits and all(f.enforcement == "mandatory" and CANNOT_VERIFY not in f.message for f in hits)
    _graph, result = cases_preview
    assert not [f for f in result.findings if f.name == "unknown-kms-key-grants-users" and f.policy in POLICIES]
    notes = [f for f in result.findings if f.policy == "kms-key-grants-users" and CANNOT_VERIFY in f.message]
    assert notes and all(f.enforcement == "advisory" for f in notes)
    assert "unknown-kms-key-grants-users: key policy" in notes[0].message
    assert not result.errors


def _mandatory(result: AnalysisResult) -> set[tuple[str, str | None]]:
    return {(f.policy, f.urn) for f in result.mandatory if f.policy in POLICIES}


@pytest.mark.parametrize("stack", ["jakarta-prod", "hybrid-pdn"])
def test_reference_stack_is_judged_the_same_at_preview_as_after_deployment(stack: str) -> None:
    """Key and topic policies come from get_caller_identity / get_policy_document (known at preview): a preview
    must catch what the deployed graph shows, not report it as unknown nor invent failures from unknown ARNs."""
    deployed = analyze(run_stack(stack), packs=[PACK])
    preview = analyze(run_stack(stack, preview=True), packs=[PACK])
    assert not deployed.errors and not preview.errors
    assert _mandatory(preview) == _mandatory(deployed)
    for f in deployed.mandatory:
        if f.policy in POLICIES:
            assert "Fix:" in f.message and f.urn and f.urn.split("::")[-1] in f.message
