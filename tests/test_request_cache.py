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
