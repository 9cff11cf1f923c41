"""Detection (components/detection.py) in the reference stacks: protection plans on the detector the stack really
uses, standards on the hub, the Config recorder's delivery path, and findings that reach the TTIS topic."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from event_pattern import matches
from iam_eval import allows, decide

from components.detection import DetectionArgs
from siaga.analyzer import analyze
from siaga.engine import EngineError, Graph, run_stack
from siaga.engine.invokes import guardduty_detector
from siaga.engine.model import effective_region, plain

FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
RULE, TARGET = "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget"
SINGLETONS = ("aws:securityhub/account:Account", "aws:cfg/recorder:Recorder", "aws:cfg/deliveryChannel:DeliveryChannel",
              "aws:inspector2/enabler:Enabler", "aws:guardduty/detector:Detector")
ACCOUNT, REGION = "123456789012", "ap-southeast-3"
OWNED = json.dumps({"securityHub": "create", "config": "create", "inspector": "create"})


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_stack("jakarta-prod")


@pytest.fixture(scope="module")
def owner() -> Graph:
    """jakarta-prod as the account's security-baseline owner: creates the hub, the recorder, Inspector, the detector."""
    return run_stack("jakarta-prod", overrides={"siaga:detection": OWNED,
                                                "siaga:guardDuty": json.dumps({"mode": "create"})})


def _mine(graph: Graph, *types: str) -> list:
    return [r for r in graph.of_type(*types) if r.parent and r.parent.endswith("Detection::detection")]


def _features(graph: Graph) -> dict[str, dict]:
    return {plain(f.inputs)["name"]: plain(f.inputs) for f in _mine(graph, FEATURE)}


def test_protection_plans_go_on_the_accounts_existing_detector(prod: Graph) -> None:
    assert not prod.of_type(*SINGLETONS)  # default: every singleton adopted, none created
    found = guardduty_detector({}, REGION)["id"]  # what get_detector() answers for the account
    features = _features(prod)
    assert set(features) == {"RDS_LOGIN_EVENTS", "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"}  # no EKS in this stack
    assert all(f["detectorId"] == found and f["status"] == "ENABLED" for f in features.values())


def test_a_created_detector_gets_the_plans(owner: Graph) -> None:
    (detector,) = owner.of_type("aws:guardduty/detector:Detector")
    for f in _mine(owner, FEATURE):
        assert plain(f.inputs)["detectorId"] == detector.id
        assert detector.urn in f.options.propertyDependencies["detectorId"]


def test_eks_stack_adds_audit_logs_and_runtime_monitoring_with_agent_management() -> None:
    features = _features(run_stack("hybrid-pdn"))
    assert {"EKS_AUDIT_LOGS", "RUNTIME_MONITORING"} <= set(features)
    assert "EKS_RUNTIME_MONITORING" not in features  # exclusive with RUNTIME_MONITORING (API reference)
    assert features["RUNTIME_MONITORING"]["additionalConfigurations"] == [
        {"name": "EKS_ADDON_MANAGEMENT", "status": "ENABLED"}]


def test_standards_subscribed_with_regional_arns(prod: Graph, owner: Graph) -> None:
    subs = {plain(s.inputs)["standardsArn"] for s in _mine(prod, "aws:securityhub/standardsSubscription:StandardsSubscription")}
    assert subs == {f"arn:aws:securityhub:{REGION}::standards/nist-800-53/v/5.0.0",
                    f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"}
    (hub,) = owner.of_type("aws:securityhub/account:Account")
    assert plain(hub.inputs)["enableDefaultStandards"] is False  # exactly the configured standards
    (status,) = owner.of_type("aws:cfg/recorderStatus:RecorderStatus")
    for s in _mine(owner, "aws:securityhub/standardsSubscription:StandardsSubscription"):
        assert hub.urn in s.options.dependencies and status.urn in s.options.dependencies  # controls need the recorder


def _topic(graph: Graph):
    (topic,) = [t for t in graph.of_type("aws:sns/topic:Topic") if plain(t.inputs)["name"].endswith("-incidents")]
    return topic


def test_every_route_reaches_the_incident_topic_through_its_policy_and_key(prod: Graph) -> None:
    topic = _topic(prod)
    (topic_policy,) = [p for p in prod.of_type("aws:sns/topicPolicy:TopicPolicy")
                       if plain(p.inputs)["arn"] == topic.outputs["arn"]]
    key_arn = plain(topic.inputs)["kmsMasterKeyId"]
    (key,) = [k for k in prod.of_type("aws:kms/key:Key") if k.outputs["arn"] == key_arn]
    rules = {r.name: r for r in _mine(prod, RULE)}
    targets = _mine(prod, TARGET)
    assert len(rules) == len(targets) == 3
    for target in targets:
        t = plain(target.inputs)
        assert t["arn"] == topic.outputs["arn"]
        (rule,) = [r for r in rules.values() if plain(r.inputs)["name"] == t["rule"]]
        rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{t['rule']}"  # the rule's real ARN on the default bus
        context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": ACCOUNT}
        assert allows(plain(topic_policy.inputs)["policy"], action="SNS:Publish", service="events.amazonaws.com",
                      context=context), rule.name
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            assert allows(plain(key.inputs)["policy"], action=action, service="events.amazonaws.com",
                          context={**context, "kms:EncryptionContext:aws:sns:topicArn": topic.outputs["arn"]}), action
    # another account's rule is not let in
    other = {"aws:SourceArn": f"arn:aws:events:{REGION}:999999999999:rule/x", "aws:SourceAccount": "999999999999"}
    assert not allows(plain(topic_policy.inputs)["policy"], action="SNS:Publish", service="events.amazonaws.com",
                      context=other)


def _pattern(graph: Graph, key: str) -> dict:
    (rule,) = [r for r in _mine(graph, RULE) if r.name == f"detection-{key}"]
    return json.loads(plain(rule.inputs)["eventPattern"])


def _guardduty(severity: float) -> dict:
    return {"version": "0", "source": "aws.guardduty", "detail-type": "GuardDuty Finding", "account": ACCOUNT,
            "region": REGION, "detail": {"schemaVersion": "2.0", "type": "UnauthorizedAccess:EC2/SSHBruteForce",
                                         "severity": severity, "resource": {"resourceType": "Instance"}}}


def _securityhub(label: str, workflow: str = "NEW", record: str = "ACTIVE") -> dict:
    return {"version": "0", "source": "aws.securityhub", "detail-type": "Security Hub Findings - Imported",
            "account": ACCOUNT, "region": REGION, "detail": {"findings": [{
                "SchemaVersion": "2018-10-08", "Severity": {"Label": label, "Normalized": 70},
                "Workflow": {"Status": workflow}, "RecordState": record, "Title": "S3 general purpose buckets should "
                                                                                 "block public access"}]}}


def _inspector(severity: str, status: str = "ACTIVE") -> dict:
    return {"version": "0", "source": "aws.inspector2", "detail-type": "Inspector2 Finding", "account": ACCOUNT,
            "region": REGION, "detail": {"severity": severity, "status": status, "type": "PACKAGE_VULNERABILITY"}}


def test_guardduty_route_takes_medium_and_above_only(prod: Graph) -> None:
    pattern = _pattern(prod, "guardduty")
    assert matches(pattern, _guardduty(4.0)) and matches(pattern, _guardduty(5.5)) and matches(pattern, _guardduty(8))
    assert not matches(pattern, _guardduty(2.0)) and not matches(pattern, _guardduty(3.9))
    assert not matches(pattern, {**_guardduty(8), "source": "aws.securityhub"})


def test_security_hub_route_takes_new_high_and_critical(prod: Graph) -> None:
    pattern = _pattern(prod, "securityhub")
    assert matches(pattern, _securityhub("HIGH")) and matches(pattern, _securityhub("CRITICAL"))
    assert not matches(pattern, _securityhub("MEDIUM")) and not matches(pattern, _securityhub("LOW"))
    assert not matches(pattern, _securityhub("HIGH", workflow="NOTIFIED"))  # an update of a known finding
    assert not matches(pattern, _securityhub("CRITICAL", record="ARCHIVED"))


def test_inspector_route_takes_active_critical(prod: Graph) -> None:
    pattern = _pattern(prod, "inspector")
    assert matches(pattern, _inspector("CRITICAL"))
    assert not matches(pattern, _inspector("HIGH")) and not matches(pattern, _inspector("CRITICAL", "CLOSED"))


def test_matcher_refuses_operators_it_does_not_know() -> None:
    with pytest.raises(ValueError):
        matches({"detail": {"x": [{"anything-but": ["a"]}]}}, {"detail": {"x": "b"}})
    assert matches({"s": [{"prefix": "aws."}]}, {"s": "aws.guardduty"}) and not matches({"s": ["a"]}, {})


def test_config_recorder_delivers_to_an_encrypted_in_country_bucket(owner: Graph) -> None:
    (bucket,) = _mine(owner, "aws:s3/bucket:Bucket")
    b = plain(bucket.inputs)
    assert bucket.options.protect and bucket.options.retainOnDelete and b["forceDestroy"] is False
    assert b["tags"]["Backup"] == "siaga"  # the BackupPlan's tag selection covers it
    (key,) = _mine(owner, "aws:kms/key:Key")
    assert plain(key.inputs)["enableKeyRotation"] is True and key.options.protect
    (sse,) = _mine(owner, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert plain(sse.inputs)["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
    (pab,) = _mine(owner, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(plain(pab.inputs)[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                "restrictPublicBuckets"))
    (ver,) = _mine(owner, "aws:s3/bucketVersioning:BucketVersioning")
    assert plain(ver.inputs)["versioningConfiguration"]["status"] == "Enabled"
    (channel,) = owner.of_type("aws:cfg/deliveryChannel:DeliveryChannel")
    c = plain(channel.inputs)
    assert c["s3BucketName"] == bucket.id and c["s3KmsKeyArn"] == key.outputs["arn"]
    for r in (bucket, key, channel):
        assert r.inputs.get("region") in (None, REGION)  # the provider's region: ap-southeast-3
    (pol,) = _mine(owner, "aws:s3/bucketPolicy:BucketPolicy")
    policy = plain(pol.inputs)["policy"]
    assert decide(policy, action="s3:GetObject", aws="*", context={"aws:SecureTransport": "false"}) == "deny"
    put = {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "true"}
    assert allows(policy, action="s3:PutObject", service="config.amazonaws.com", context=put)
    assert not allows(policy, action="s3:PutObject", service="config.amazonaws.com",
                      context={**put, "aws:SourceAccount": "999999999999"})
    # the recorder's role: assumed by Config of this account, writes the delivery prefix with the key
    (recorder,) = owner.of_type("aws:cfg/recorder:Recorder")
    (role,) = [r for r in _mine(owner, "aws:iam/role:Role") if r.outputs["arn"] == plain(recorder.inputs)["roleArn"]]
    assert allows(plain(role.inputs)["assumeRolePolicy"], action="sts:AssumeRole", service="config.amazonaws.com",
                  context={"aws:SourceAccount": ACCOUNT})
    (inline,) = [p for p in _mine(owner, "aws:iam/rolePolicy:RolePolicy") if plain(p.inputs)["role"] == role.id]
    stmts = json.loads(plain(inline.inputs)["policy"])["Statement"]
    delivered = f"{bucket.outputs['arn']}/AWSLogs/{ACCOUNT}/Config/ap-southeast-3/2026/12/1/ConfigSnapshot/x.json.gz"
    assert any(s["Action"] == "s3:PutObject" and fnmatchcase(delivered, s["Resource"]) for s in stmts)
    assert any("kms:GenerateDataKey" in s["Action"] and s["Resource"] == key.outputs["arn"] for s in stmts)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{plain(role.inputs)['name']}"
    assert allows(plain(key.inputs)["policy"], action="kms:GenerateDataKey", aws=role_arn)
    (managed,) = [a for a in _mine(owner, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")]
    assert plain(managed.inputs)["policyArn"] == "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    assert plain(recorder.inputs)["recordingGroup"]["allSupported"] is True
    (status,) = owner.of_type("aws:cfg/recorderStatus:RecorderStatus")
    assert plain(status.inputs)["isEnabled"] is True and channel.urn in status.options.dependencies
    (enabler,) = owner.of_type("aws:inspector2/enabler:Enabler")
    assert sorted(plain(enabler.inputs)["resourceTypes"]) == ["EC2", "ECR"]
    assert plain(enabler.inputs)["accountIds"] == [ACCOUNT]


def test_pack_on_both_modes_no_mandatory_and_singletons_only_where_created(prod: Graph, owner: Graph) -> None:
    packs = [Path("policies")]
    adopted = analyze(prod, packs=packs)
    assert not adopted.mandatory and not adopted.errors
    assert not [f for f in adopted.findings if f.policy == "singleton-account-resources"]
    created = analyze(owner, packs=packs)
    assert not created.mandatory and not created.errors, [(f.policy, f.name) for f in created.mandatory]
    flagged = {f.name for f in created.findings if f.policy == "singleton-account-resources"}
    # the detector is tagged as owned by this stack (mode create); the untaggable singletons stay advisory
    assert flagged == {"detection-securityhub", "detection-recorder", "detection-delivery", "detection-inspector"}


def test_off_outside_production_by_default_and_switchable() -> None:
    default = run_stack("jakarta-staging", overrides={"siaga:detection": json.dumps({})})
    assert not default.of_type("siaga:components:Detection")  # enabled unset: off outside production
    on = run_stack("jakarta-staging", overrides={"siaga:detection": json.dumps({"enabled": True, "config": "create"})})
    (bucket,) = _mine(on, "aws:s3/bucket:Bucket")
    assert not bucket.options.protect and plain(bucket.inputs)["forceDestroy"] is True  # tear-down-able


def test_bad_values_are_one_line() -> None:
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:detection": json.dumps({"securityHub": "maybe"})})
    text = str(err.value).strip()
    assert "\n" not in text and text.startswith("siaga:detection.securityHub: 'maybe' is invalid")
    with pytest.raises(ValueError, match=r"^standards: \['cis'\]; allowed: a subset of"):
        DetectionArgs(name_prefix="p", topic_arn="arn", standards=["cis"]).validate()


def test_every_new_resource_stays_in_jakarta_and_the_bucket_is_backed_up(owner: Graph) -> None:
    mine = [r for r in owner.resources if r.parent and "Detection::detection" in r.parent]
    regional = [r for r in mine if not r.type.startswith("aws:iam/")]  # IAM is global configuration only
    assert regional and all(effective_region(r, owner) == REGION for r in regional)
    (selection,) = owner.of_type("aws:backup/selection:Selection")
    tags = plain(selection.inputs)["selectionTags"]
    assert {"type": "STRINGEQUALS", "key": "Backup", "value": "siaga"} in tags
    (bucket,) = _mine(owner, "aws:s3/bucket:Bucket")
    assert plain(bucket.inputs)["tags"]["Backup"] == "siaga"


def test_stateful_identities_are_stable(owner: Graph) -> None:
    """The Config bucket and its key are data: their URNs are the contract (a rename needs aliases)."""
    stem = "urn:pulumi:jakarta-prod::siaga::siaga:components:Detection$"
    assert {r.urn for r in _mine(owner, "aws:s3/bucket:Bucket", "aws:kms/key:Key")} == {
        stem + "aws:s3/bucket:Bucket::detection-config", stem + "aws:kms/key:Key::detection-config"}


def test_configured_detector_id_is_used_and_off_adds_no_plans() -> None:
    given = run_stack("jakarta-prod", overrides={"siaga:guardDuty": json.dumps({"mode": "existing",
                                                                              "detectorId": "0123abcd"})})
    assert {f["detectorId"] for f in _features(given).values()} == {"0123abcd"}
    off = run_stack("jakarta-prod", overrides={"siaga:guardDuty": json.dumps({"mode": "off"})})
    assert not _mine(off, FEATURE)
    assert {r.name for r in _mine(off, RULE)} == {"detection-securityhub", "detection-inspector"}


def test_absent_hub_or_recorder_is_named_per_account_and_region_and_managed_outside_silences_it() -> None:
    from siaga.engine import run_program

    graph = run_program(Path("tests/fixtures/programs/policy_cases_detection"), stack="dev")
    policy = "security-hub-config-enabled"
    found = {f.name: f for f in analyze(graph, packs=[Path("policies")]).findings if f.policy == policy}
    half = found["fail-security-hub-config-enabled-no-recorder"]
    assert half.enforcement == "advisory"
    assert "no AWS Config recorder" in half.message and "no Security Hub" not in half.message
    assert "ap-southeast-3" in half.message and "managedOutside" in half.message
    assert "no Security Hub subscription" in found["fail-security-hub-config-enabled-neither"].message
    assert not [n for n in found if n.startswith("pass-")]
    quiet = analyze(graph, packs=[Path("policies")],
                    policy_config={policy: {"managedOutside": ["securityhub", "config"]}})
    assert not [f for f in quiet.findings if f.policy == policy]
    only_hub = analyze(graph, packs=[Path("policies")], policy_config={policy: {"managedOutside": ["securityhub"]}})
    assert {f.name for f in only_hub.findings if f.policy == policy} == {
        "fail-security-hub-config-enabled-neither", "fail-security-hub-config-enabled-no-recorder"}


def test_staging_adopts_the_accounts_detection_and_its_destroy_leaves_it_on() -> None:
    """jakarta-staging turns detection on (Done-when of #16) in the account's existing hub, recorder and Inspector:
    nothing account-wide is created, the standards it subscribes are retained when staging is destroyed (deleting a
    subscription disables the standard account-wide), the protection plans' delete is a no-op in the provider, and
    its findings reach the incident topic through the same routes as production."""
    staging = run_stack("jakarta-staging")
    assert staging.of_type("siaga:components:Detection")
    assert not [r for r in staging.of_type(*SINGLETONS)]
    subs = _mine(staging, "aws:securityhub/standardsSubscription:StandardsSubscription")
    assert len(subs) == 2 and all(s.options.retainOnDelete for s in subs)
    assert not any(r.options.protect for r in _mine(staging, RULE, TARGET, FEATURE))  # tear-down-able
    topic = plain(staging.get("aws:sns/topic:Topic", "monitoring-incidents").outputs)["arn"]
    rules = {plain(r.inputs)["name"]: r for r in _mine(staging, RULE)}
    assert sorted(rules) == [f"contoh-layanan-staging-{k}-findings" for k in ("guardduty", "inspector", "securityhub")]
    assert all(plain(t.inputs)["arn"] == topic for t in _mine(staging, TARGET))
    result = analyze(staging, packs=[Path("policies")])
    assert not result.mandatory and not result.errors, [(f.policy, f.name) for f in result.mandatory]


def test_standards_on_a_hub_the_stack_owns_go_with_it(owner: Graph) -> None:
    subs = _mine(owner, "aws:securityhub/standardsSubscription:StandardsSubscription")
    assert len(subs) == 2 and not any(s.options.retainOnDelete for s in subs)
