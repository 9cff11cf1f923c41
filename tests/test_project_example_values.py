"""Example values that cannot deploy (documentation account ids, RFC 5737 addresses, example domains): the
`example-values` policy reports one advisory finding per value, naming the stack config key it came from (the
config the CLI hands the pack as PULUMI_CONFIG) or, when no key holds it, the resource."""

from __future__ import annotations

from collections import Counter

import pytest

from siaga.analyzer import analyze
from siaga.engine import run_program, run_stack
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "policies"


def _findings(result) -> list:
    return [f for f in result.findings if f.policy == "example-values"]


@pytest.fixture(scope="module")
def cases():
    graph = run_program(PROGRAMS / "policy_cases_example_values", stack="dev")
    return graph, _findings(analyze(graph, packs=[PACK]))


def test_config_values_name_their_key(cases) -> None:
    graph, findings = cases
    by_name = {f.urn.rsplit("::", 1)[-1]: f.message for f in findings}
    assert "config policy-cases-example-values:gatewayIp: 198.51.100.20 is an RFC 5737" in by_name[
        "fail-example-values-from-config"]
    assert "config policy-cases-example-values:backupRoleArn: 111122223333" in by_name["fail-example-values-provider"]
    assert "from no stack config key" in by_name["fail-example-values-account"]
    assert {f.enforcement for f in findings} == {"advisory"}


def test_one_finding_per_value(cases) -> None:
    _graph, findings = cases
    assert len(findings) == 5
    domain = [f for f in findings if "example.org" in f.message]
    assert len(domain) == 1 and "layanan.example.org is reserved" in domain[0].message  # not its validation record


def test_real_values_pass(cases) -> None:
    _graph, findings = cases
    assert not [f for f in findings if "::pass-example-values" in f.urn]


def test_reference_stack_reports_each_example_key_once() -> None:
    findings = _findings(analyze(run_stack("hybrid-pdn"), packs=[PACK]))
    keys = Counter(f.message.split("config ", 1)[1].split(":", 2)[0] + ":" + f.message.split("config ", 1)[1]
                   .split(":", 2)[1] for f in findings if ": config " in f.message)
    assert set(keys) == {
        "siaga:backup.isolatedAccount.accountId", "siaga:backup.isolatedAccount.roleArn",
        "siaga:standby.customerGatewayIp", "siaga:standby.database.secretArn", "siaga:keyGuard.breakGlassRoleArn",
        "siaga:kubernetes.deployerCidrs[0]", "siaga:kubernetes.adminRoleArns[0]", "siaga:standby.addressIps[0]"}
    assert set(keys.values()) == {1}
    assert all(": config " in f.message for f in findings), "every example value in the stack comes from a key"
