"""The graph lists resources in one order on every run (siaga.engine.monitor.stable_order): topological like the
engine's state, the stack first, ties by URN; so reports built on it do not reorder between two runs."""

from __future__ import annotations

from siaga.analyzer import analyze
from siaga.engine import Graph, run_stack
from siaga.engine.model import ROOT_STACK_TYPE
from siaga.engine.monitor import stable_order
from tests.conftest import REPO


def _needs(graph: Graph) -> list[tuple[str, str]]:
    """(what must come first, what uses it) for every parent, provider and dependency inside the graph."""
    urns = {r.urn for r in graph.resources}
    pairs = []
    for r in graph.resources:
        for u in {r.parent, (r.provider or "").rsplit("::", 1)[0], *r.options.dependencies,
                  *(x for v in r.options.propertyDependencies.values() for x in v)}:
            if u and u in urns and u != r.urn:
                pairs.append((u, r.urn))
    return pairs


def test_two_runs_give_one_order_that_puts_what_is_used_first() -> None:
    first, second = run_stack("hybrid-pdn"), run_stack("hybrid-pdn")
    order = [r.urn for r in first.resources]
    assert order == [r.urn for r in second.resources]
    assert first.resources[0].type == ROOT_STACK_TYPE
    index = {u: i for i, u in enumerate(order)}
    needs = _needs(first)
    assert len(needs) > 500  # parents, providers and dependencies: plenty to get wrong
    assert [(a, b) for a, b in needs if index[a] > index[b]] == []


def test_the_order_does_not_depend_on_the_arrival_order() -> None:
    graph = run_stack("jakarta-staging")
    shuffled = list(reversed(graph.resources))
    assert [r.urn for r in stable_order(shuffled)] == [r.urn for r in graph.resources]


def test_findings_come_in_the_same_order_on_every_run() -> None:
    runs = [analyze(run_stack("jakarta-prod"), packs=[REPO / "policies"]) for _ in range(2)]
    listed = [[(f.policy, f.urn) for f in r.findings] for r in runs]
    assert listed[0] and listed[0] == listed[1]
