"""Reference stacks: stateful URNs never silently deleted or renamed; everything in allowed regions.

The snapshot ``tests/snapshots/stateful-urns.<stack>.json`` lists every resource registered with
``protect`` (databases, keys, vaults, buckets, log groups). A URN is the resource's identity: if a
change alters a name, type or parent, Pulumi plans delete-then-create — for a database that is data
loss. To rename or move on purpose, keep the old identity with ``opts=ResourceOptions(aliases=[
pulumi.Alias(name="old-name", parent=old_parent)])`` so the engine treats it as the same resource.
To regenerate after an intended, aliased change: ``SIAGA_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest
tests/test_reference_stacks.py`` and commit the JSON (reviewers see the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from siaga.engine import Graph, run_stack
from siaga.engine.model import effective_region

STACKS = ("jakarta-prod", "jakarta-staging")
SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(scope="module", params=STACKS)
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_stack(request.param)


def _stateful(g: Graph) -> list[str]:
    return sorted(r.urn for r in g.resources if r.custom and r.options.protect)


def _aliased(g: Graph) -> set[str]:
    out: set[str] = set()
    for r in g.resources:
        for a in r.options.aliases or []:
            out.add(a if isinstance(a, str) else json.dumps(a, sort_keys=True))
            if isinstance(a, dict) and isinstance(a.get("urn"), str):  # an alias spec given as a full URN
                out.add(a["urn"])
    return out


def test_stateful_urns_kept(graph: Graph) -> None:
    path = SNAPSHOTS / f"stateful-urns.{graph.stack}.json"
    current = _stateful(graph)
    if os.environ.get("SIAGA_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(json.dumps(current, indent=2) + "\n")
    expected = json.loads(path.read_text())
    missing = [u for u in expected if u not in current and u not in _aliased(graph)]
    assert not missing, (
        f"{len(missing)} stateful resource(s) would be DELETED or RENAMED (data loss): {missing}. "
        "If intended, add opts=ResourceOptions(aliases=[pulumi.Alias(name=OLD, parent=OLD_PARENT)]) so the "
        "engine keeps the resource, then regenerate with SIAGA_UPDATE_SNAPSHOTS=1 (see module docstring).")


def test_no_resource_outside_allowed_regions(graph: Graph) -> None:
    allowed = {"ap-southeast-3"}
    outside = [(r.urn, effective_region(r, graph)) for r in graph.resources
               if effective_region(r, graph) not in allowed | {None}]
    assert not outside


def test_bad_config_one_line_no_resources() -> None:
    from siaga.engine import EngineError
    with pytest.raises(EngineError) as err:
        run_stack("jakarta-prod", overrides={"siaga:azCount": "7"})
    assert "\n" not in str(err.value) and "azCount" in str(err.value)
    assert [r.type for r in err.value.graph.resources] in ([], ["pulumi:pulumi:Stack"])
