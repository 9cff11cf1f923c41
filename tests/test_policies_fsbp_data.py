"""Data-tier policies of issue #29 beyond their pass/fail cases (tests/test_policies_cases.py runs those): what a
stack declares through the policy config, a stack with no trail at all, and the reference stacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, analyze
from siaga.engine import Graph, run_program

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
PROGRAM = ROOT / "tests/fixtures/programs/policy_cases_fsbp_data"
TRAIL = "aws:cloudtrail/trail:Trail"


@pytest.fixture(scope="module")
def fsbp() -> tuple[Graph, AnalysisResult]:
    graph = run_program(PROGRAM, stack="dev")
    return graph, analyze(graph, packs=[PACK])


def _hits(result: AnalysisResult, policy: str, urn: str | None = None) -> list:
    return [f for f in result.findings if f.policy == policy and (urn is None or f.urn == urn)
            and "cannot be verified" not in f.message]


def test_organisation_trail_is_declared_not_assumed(fsbp) -> None:
    graph, result = fsbp
    trail = graph.get(TRAIL, "fail-cloudtrail-multi-region-trail")
    [hit] = _hits(result, "cloudtrail-multi-region-trail", trail.urn)
    assert "isMultiRegionTrail is not true" in hit.message
    declared = analyze(graph, packs=[PACK], policy_config={
        "cloudtrail-multi-region-trail": {"organizationTrail": "arn:aws:cloudtrail:ap-southeast-3:111122223333:trail/org"}})
    assert not _hits(declared, "cloudtrail-multi-region-trail")


def test_a_stack_without_any_trail_fails_once(fsbp) -> None:
    graph, _ = fsbp
    no_trail = graph.model_copy(update={"resources": [r for r in graph.resources if r.type != TRAIL]})
    hits = _hits(analyze(no_trail, packs=[PACK]), "cloudtrail-multi-region-trail")
    assert len(hits) == 1 and "no CloudTrail trail records them" in hits[0].message
    assert hits[0].enforcement == "advisory"


def test_trusted_accounts_are_declared(fsbp) -> None:
    graph, result = fsbp
    queue = graph.get("aws:sqs/queue:Queue", "fail-resource-policy-not-open-queue-other-account")
    [hit] = _hits(result, "resource-policy-not-open", queue.urn)
    assert "210987654321" in hit.message and hit.enforcement == "mandatory"
    trusted = analyze(graph, packs=[PACK], policy_config={"resource-policy-not-open": {"trustedAccounts": ["210987654321"]}})
    assert not _hits(trusted, "resource-policy-not-open", queue.urn)
    topic = graph.get("aws:sns/topic:Topic", "fail-resource-policy-not-open-topic")
    assert _hits(trusted, "resource-policy-not-open", topic.urn)  # Principal '*' stays open whatever is trusted


def test_key_open_to_everyone_is_caught_and_caller_account_narrows(fsbp) -> None:
    graph, result = fsbp
    [hit] = _hits(result, "kms-key-policy-not-public", graph.get("aws:kms/key:Key", "fail-kms-key-policy-not-public").urn)
    assert "'Everyone'" in hit.message and hit.enforcement == "mandatory"
    # kms:ViaService alone lets any account use the key through the service
    keypolicy = graph.get("aws:kms/keyPolicy:KeyPolicy", "fail-kms-key-policy-not-public-keypolicy")
    assert _hits(result, "kms-key-policy-not-public", keypolicy.urn)


def test_single_az_dms_instance_is_caught(fsbp) -> None:
    graph, result = fsbp
    dms = graph.get("aws:dms/replicationInstance:ReplicationInstance", "fail-data-service-multi-az")
    [hit] = _hits(result, "data-service-multi-az", dms.urn)
    assert "multiAz is not true" in hit.message


@pytest.mark.parametrize("stack", ["jakarta-prod", "jakarta-staging", "hybrid-pdn"])
def test_reference_stacks_have_no_data_tier_mandatory_finding(stack: str) -> None:
    import sys

    from siaga.engine import run_stack

    sys.path.insert(0, str(PACK))
    from siaga_rules.registry import MODULES, all_policies

    start = MODULES.index("encryption.secrets_customer_key")
    mine = {p.name for p in all_policies()[start:]}
    result = analyze(run_stack(stack), packs=[PACK])
    assert not result.errors
    assert not [f"{f.policy}: {f.message}" for f in result.mandatory if f.policy in mine]
