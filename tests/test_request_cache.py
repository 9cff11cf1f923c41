"""The pack's per-call cache (policies/siaga_rules/request_cache.py) changes nothing a policy decides: the whole pack,
through its analyzer server, answers the same with and without it, on the reference stacks, a program with
violations and a preview with unknown values."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from siaga.analyzer import analyze
from siaga.engine import run_program, run_stack
from tests.conftest import PROGRAMS, REPO

sys.path.insert(0, str(REPO / "policies"))
from siaga_rules import request_cache  # noqa: E402

INSTALL_LINE = "request_cache.install()"


@pytest.fixture(scope="module")
def uncached_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same pack with the cache left out of its entry point (nothing else differs)."""
    pack = tmp_path_factory.mktemp("uncached") / "policies"
    shutil.copytree(REPO / "policies", pack, ignore=shutil.ignore_patterns("__pycache__"))
    main = pack / "__main__.py"
    lines = main.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(INSTALL_LINE)]
    assert len(kept) == len(lines) - 1, "the pack's __main__.py installs the cache on one line of its own"
    main.write_text("".join(kept))
    return pack


def _answers(graph: object, pack: Path) -> tuple[list[tuple], dict, dict]:
    result = analyze(graph, packs=[pack])  # type: ignore[arg-type]
    findings = sorted((f.policy, f.urn or "", f.enforcement, f.message, f.error) for f in result.findings)
    return findings, result.evaluated, result.not_applicable


@pytest.mark.parametrize("make_graph", [
    pytest.param(lambda: run_stack("jakarta-prod"), id="jakarta-prod"),
    pytest.param(lambda: run_stack("hybrid-pdn"), id="hybrid-pdn"),
    pytest.param(lambda: run_program(PROGRAMS / "check_violation", stack="dev"), id="violations"),
    pytest.param(lambda: run_stack("jakarta-staging", preview=True), id="staging-unknowns"),
])
def test_the_pack_answers_the_same_with_and_without_the_cache(make_graph: object, uncached_pack: Path) -> None:
    graph = make_graph()  # type: ignore[operator]
    cached = _answers(graph, REPO / "policies")
    plain = _answers(graph, uncached_pack)
    assert cached[0], "something to compare: every one of these graphs has findings"
    assert cached == plain


def test_the_cache_fits_the_installed_pulumi_policy() -> None:
    """A pulumi-policy laid out differently would silently lose the speed-up (install() is then a no-op)."""
    from pulumi_policy import policy as pp

    try:
        assert request_cache.install() is True
        assert request_cache.install() is True  # twice: still one layer
        assert getattr(pp._PolicyAnalyzerServicer.Analyze, "__wrapped__", None) is not None
        assert not hasattr(pp._PolicyAnalyzerServicer.Analyze.__wrapped__, "__wrapped__")
    finally:
        request_cache.uninstall()
    assert not hasattr(pp._PolicyAnalyzerServicer.Analyze, "__wrapped__")
    assert pp.json_format.__name__ == "google.protobuf.json_format"


def test_outside_a_call_nothing_is_kept() -> None:
    calls: list[int] = []

    def build() -> list[int]:
        calls.append(1)
        return [1]

    assert request_cache.per_call("k", build) == [1]
    assert request_cache.per_call("k", build) == [1]
    assert len(calls) == 2


def test_analyze_calls_only_the_policies_for_the_resource_type() -> None:
    """type_dispatch.py: within Analyze for type T the servicer's list yields the policies whose predicate accepts T
    and every policy without one (another pack's); everywhere else the whole list."""
    from siaga_rules import type_dispatch

    class Rule:
        def __init__(self, types: set[str] | None) -> None:
            if types is not None:
                setattr(self, type_dispatch.MATCHES, lambda t, s=frozenset(types): t in s)

    bucket, key, foreign = Rule({"aws:s3/bucket:Bucket"}), Rule({"aws:kms/key:Key"}), Rule(None)
    policies = type_dispatch.PoliciesForType([bucket, key, foreign])
    assert list(policies) == [bucket, key, foreign]
    with type_dispatch.for_type("aws:kms/key:Key"):
        assert list(policies) == [key, foreign]
        with type_dispatch.for_type(None):  # a nested call of another kind sees everything
            assert list(policies) == [bucket, key, foreign]
        assert list(policies) == [key, foreign]
    assert list(policies) == [bucket, key, foreign] and len(policies) == 3


def test_every_siaga_resource_policy_names_its_types_and_stack_build_mirrors_the_installed_library() -> None:
    """A rule without a predicate would be called for every type (correct, only slow); the AnalyzeStack copy is
    installed only on the pulumi-policy release it mirrors, so an upgrade falls back to the library's own method
    and this test says to re-read it."""
    from importlib import metadata

    from pulumi_policy import ResourceValidationPolicy
    from pulumi_policy import policy as pp
    from siaga_rules import stack_build, type_dispatch
    from siaga_rules.registry import all_policies

    rules = [p for p in all_policies() if isinstance(p, ResourceValidationPolicy)]
    assert rules and all(callable(getattr(p, type_dispatch.MATCHES, None)) for p in rules)
    assert metadata.version("pulumi_policy") == stack_build.SOURCE_VERSION, (
        "pulumi-policy changed: compare its _PolicyAnalyzerServicer.AnalyzeStack with stack_build.analyze_stack")
    try:
        assert request_cache.install() is True
        assert pp._PolicyAnalyzerServicer.AnalyzeStack.__wrapped__ is stack_build.analyze_stack
    finally:
        request_cache.uninstall()
    assert pp._PolicyAnalyzerServicer.AnalyzeStack is not stack_build.analyze_stack
