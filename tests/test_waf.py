"""WebApplicationFirewall: every internet-facing ALB of the stack is behind a REGIONAL web ACL with the AWS managed
rule groups and a per-IP rate limit, and its logs go to an encrypted, in-region ``aws-waf-logs-`` log group."""

from __future__ import annotations

import json

import pytest

from components.waf import LOG_GROUP_PREFIX, MANAGED_RULE_GROUPS, web_acl_rules
from siaga.engine import EngineError, Graph, run_program, run_stack
from siaga.engine.model import Resource, effective_region, plain

ACL = "aws:wafv2/webAcl:WebAcl"
ASSOC = "aws:wafv2/webAclAssociation:WebAclAssociation"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
FIXTURE = "tests/fixtures/programs/cluster_db"


@pytest.fixture(scope="module", params=["jakarta-prod", "jakarta-staging", "fixture"])
def graph(request: pytest.FixtureRequest) -> Graph:
    if request.param == "fixture":
        return run_program(FIXTURE, stack="dev", overrides={"fixture:rateLimit": "500"})
    return run_stack(request.param)


def _one(g: Graph, urns: list[str], type_: str) -> Resource:
    by_urn = g.by_urn()
    found = [by_urn[u] for u in urns if u in by_urn and by_urn[u].type == type_]
    assert len(found) == 1, (urns, type_)
    return found[0]


def _acl_of(g: Graph, lb: Resource) -> Resource:
    assocs = [a for a in g.of_type(ASSOC) if lb.urn in a.options.propertyDependencies.get("resourceArn", [])]
    assert len(assocs) == 1, f"{lb.name}: internet-facing ALB with {len(assocs)} web ACL associations"
    (assoc,) = assocs
    acl = _one(g, assoc.options.propertyDependencies.get("webAclArn", []), ACL)
    assert plain(assoc.inputs["webAclArn"]) == acl.outputs["arn"]
    assert plain(assoc.inputs["resourceArn"]) == lb.outputs["arn"]
    return acl


def test_every_internet_facing_alb_has_a_regional_acl_with_managed_rules_and_rate_limit(graph: Graph) -> None:
    public = [lb for lb in graph.of_type(LB) if not plain(lb.inputs.get("internal"))]
    assert public
    waf = graph.config.get("siaga:waf") or {}
    waf = json.loads(waf) if isinstance(waf, str) else waf
    expected_limit = 500 if graph.project == "clusterdb" else waf.get("rateLimit", 2000)
    for lb in public:
        acl = _acl_of(graph, lb)
        i = acl.plain_inputs()
        assert i["scope"] == "REGIONAL" and "allow" in i["defaultAction"]
        assert effective_region(acl, graph) == "ap-southeast-3"
        managed = {r["statement"]["managedRuleGroupStatement"]["name"]: r for r in i["rules"]
                   if "managedRuleGroupStatement" in r["statement"]}
        assert set(managed) == set(MANAGED_RULE_GROUPS) == {
            "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
            "AWSManagedRulesAmazonIpReputationList"}
        for r in managed.values():
            assert r["statement"]["managedRuleGroupStatement"]["vendorName"] == "AWS"
            assert r["overrideAction"] == {"none": {}}  # the groups' own block actions apply (not count)
        (rate,) = [r for r in i["rules"] if "rateBasedStatement" in r["statement"]]
        stmt = rate["statement"]["rateBasedStatement"]
        assert stmt["aggregateKeyType"] == "IP" and stmt["evaluationWindowSec"] == 300
        assert int(stmt["limit"]) == int(expected_limit) and "block" in rate["action"]
        assert len({r["priority"] for r in i["rules"]}) == len(i["rules"])


def test_waf_logs_go_to_an_encrypted_aws_waf_logs_group_with_a_delivery_policy(graph: Graph) -> None:
    (acl,) = graph.of_type(ACL)
    (logging,) = [c for c in graph.of_type(LOGGING) if acl.urn in c.options.propertyDependencies.get("resourceArn", [])]
    group = _one(graph, logging.options.propertyDependencies.get("logDestinationConfigs", []), LOG_GROUP)
    gi = group.plain_inputs()
    assert gi["name"].startswith(LOG_GROUP_PREFIX) and gi["retentionInDays"] == 365
    assert plain(logging.inputs["logDestinationConfigs"]) == [group.outputs["arn"]]
    key_urns = group.options.propertyDependencies.get("kmsKeyId", [])
    key = _one(graph, key_urns, "aws:kms/key:Key")
    assert gi["kmsKeyId"] == key.outputs["arn"]
    if graph.project == "siaga":
        assert key.name == "keys-logs"  # the stack's logs key, whose policy grants CloudWatch Logs
    redacted = {f["singleHeader"]["name"] for f in logging.plain_inputs()["redactedFields"]}
    assert {"authorization", "cookie"} <= redacted
    # the delivery policy exists before logging is switched on, and names exactly this log group
    (policy,) = [p for p in graph.of_type("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
                 if p.urn in logging.options.dependencies]
    (stmt,) = json.loads(policy.plain_inputs()["policyDocument"])["Statement"]
    assert stmt["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert set(stmt["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert stmt["Resource"] == f"arn:aws:logs:ap-southeast-3:123456789012:log-group:{gi['name']}:log-stream:*"
    assert stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


def test_waf_can_be_disabled_by_config() -> None:
    g = run_program(FIXTURE, stack="dev", overrides={"fixture:waf": "false"})
    assert not g.of_type(ACL) and not g.of_type(ASSOC) and not g.of_type(LOGGING)
    assert g.exports.get("webAclArn") is None


def test_rate_limit_is_validated_in_one_line() -> None:
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:waf": json.dumps({"rateLimit": 5})})
    text = str(err.value).strip()
    assert "\n" not in text and text.startswith("siaga:waf.rateLimit: 5 is invalid")
    with pytest.raises(ValueError, match=r"^siaga:waf\.rateLimit: 3; allowed: 10 to 2000000000"):
        web_acl_rules(3)
