"""The same stack gives the same documents: two separate runs of the engine (whose registrations arrive in a
different order each time) produce byte-identical files, PDF, SVG and PNG included. Auditors diff documents between
versions of a stack; a reordered list would read as a change."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.documents import write_reports
from siaga.documents.topology import analyse
from siaga.engine import run_stack


@pytest.mark.parametrize("stack", ["hybrid-pdn", "jakarta-prod"])
def test_two_runs_write_the_same_files(stack: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_reports(run_stack(stack), stack, first, lang="id")
    write_reports(run_stack(stack), stack, second, lang="id")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"drp.md", "drp.pdf", "architecture.svg", "architecture.png", "residency.csv"} <= set(names)
    differing = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differing == []


def test_documents_read_the_graph_in_urn_order_whatever_order_it_was_recorded_in() -> None:
    graph = run_stack("jakarta-staging")
    shuffled = graph.model_copy(update={"resources": list(reversed(graph.resources))})
    assert [r.urn for r in analyse(shuffled).graph.resources] == sorted(r.urn for r in graph.resources)
