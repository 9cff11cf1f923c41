"""Every Siaga policy on at least one resource that must fail and one that must pass.

Each fixture program under tests/fixtures/programs/policy_cases_*/ declares resources named
``pass-<policy-id>[-...]`` and ``fail-<policy-id>[-...]``. Each program runs once in the offline engine and
is analyzed once through the pack's own analyzer gRPC server (siaga.analyzer), as `pulumi preview
--policy-pack policies/` would; then one test per policy checks its fail resources are flagged (at the
policy's own level, not as "cannot be verified") and its pass resources are not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from siaga.analyzer import AnalysisResult, Finding, analyze
from siaga.engine import Graph, run_program

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "policies"
PROGRAMS = sorted((ROOT / "tests/fixtures/programs").glob("policy_cases_*"))
CANNOT_VERIFY = "cannot be verified before deployment"

sys.path.insert(0, str(PACK))
from siaga_rules.registry import all_policies  # noqa: E402

POLICIES = all_policies()
POLICY_IDS = [p.name for p in POLICIES]
LEVELS = {p.name: p.enforcement_level.value for p in POLICIES}


def _matches(name: str, prefix: str, policy: str) -> bool:
    stem = f"{prefix}-{policy}"
    return name == stem or name.startswith(stem + "-")


@pytest.fixture(scope="session")
def analyzed() -> list[tuple[Graph, AnalysisResult]]:
    out = []
    for program in PROGRAMS:
        graph = run_program(program, stack="dev")
        out.append((graph, analyze(graph, packs=[PACK])))
    return out


def _cases(analyzed: list[tuple[Graph, AnalysisResult]], prefix: str, policy: str
           ) -> Iterator[tuple[str, list[Finding]]]:
    for graph, result in analyzed:
        for r in graph.resources:
            if _matches(r.name, prefix, policy):
                yield r.name, [f for f in result.findings if f.urn == r.urn and f.policy == policy]


def test_every_program_analyzed_without_policy_errors(analyzed) -> None:
    for _graph, result in analyzed:
        assert not result.errors, [(f.policy, f.name, f.message) for f in result.errors]
        assert {p.name for p in result.policies} == set(POLICY_IDS)


@pytest.mark.parametrize("policy", POLICY_IDS)
def test_policy_flags_fail_case_and_passes_pass_case(analyzed, policy: str) -> None:
    fails = list(_cases(analyzed, "fail", policy))
    passes = list(_cases(analyzed, "pass", policy))
    assert fails, f"no fail-{policy}* resource in any policy_cases_* program"
    assert passes, f"no pass-{policy}* resource in any policy_cases_* program"
    for name, findings in fails:
        real = [f for f in findings if CANNOT_VERIFY not in f.message]
        assert real, f"{name} was not flagged by {policy}"
        assert all(f.enforcement == LEVELS[policy] for f in real), (name, [f.enforcement for f in real])
    for name, findings in passes:
        assert not findings, f"{name} was flagged by {policy}: {[f.message for f in findings]}"


def test_every_policy_has_metadata() -> None:
    for p in POLICIES:
        assert p.description and p.remediation_steps and p.display_name, p.name
        assert any(t.startswith("nist-800-53-r5:") for t in p.tags or []), p.name
        assert any(t.startswith("iso-27001-2022:") for t in p.tags or []), p.name
        category = next(t.split(":", 1)[1] for t in p.tags if t.startswith("category:"))
        if category in ("encryption", "backup", "residency") and p.name != "global-service-configuration-only":
            assert p.enforcement_level.value == "mandatory", p.name
        if category == "residency":
            assert any(t.startswith("pp-71-2019:") for t in p.tags), p.name


def test_preview_of_every_case_program_never_errors_and_unknowns_are_advisory() -> None:
    """At preview many inputs are unknown: no rule may crash on them or block on them."""
    for program in PROGRAMS:
        graph = run_program(program, stack="dev", preview=True)
        result = analyze(graph, packs=[PACK])
        assert not result.errors, [(f.policy, f.name, f.message) for f in result.errors]
        for f in result.findings:
            if CANNOT_VERIFY in f.message:
                assert f.enforcement == "advisory", (f.policy, f.name)
                assert f.urn or "urn:pulumi:" in f.message, (f.policy, f.message)
