"""Reference stacks: stateful URNs never silently deleted or renamed; everything in allowed regions.

The snapshot ``tests/snapshots/stateful-urns.<stack>.json`` lists every stateful resource: one of
:data:`STATEFUL_TYPES` (databases, keys, vaults and their locks, buckets, log groups, hosted zones) or registered with
``protect``. It is keyed on the type, not only on ``protect``, because non-production stacks do not protect their
data stores (so they can be destroyed) and their URNs must still never change by accident. A URN is the resource's identity: if a
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
from siaga.engine.model import Resource, effective_region

STACKS = ("jakarta-prod", "jakarta-staging")
SNAPSHOTS = Path(__file__).parent / "snapshots"
STATEFUL_TYPES = frozenset({
    "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table", "aws:efs/fileSystem:FileSystem",
    "aws:ebs/volume:Volume", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
    "aws:elasticache/replicationGroup:ReplicationGroup", "aws:kms/key:Key", "aws:backup/vault:Vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration", "aws:cloudwatch/logGroup:LogGroup",
    "aws:route53/zone:Zone", "aws:eks/cluster:Cluster",
})
"""Resources whose replacement loses data or identity (records, keys, recovery points, logs, delegated zones)."""


@pytest.fixture(scope="module", params=STACKS)
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_stack(request.param)


def _stateful(g: Graph) -> list[str]:
    return sorted(r.urn for r in g.resources if r.custom and (r.type in STATEFUL_TYPES or r.options.protect))


def _alias_urn(g: Graph, r: Resource, alias: object) -> str:
    """The URN an alias names, as the engine computes it: a URN string, ``{"urn": ...}``, or an Alias spec
    (``{"spec": {name, type, parentUrn | noParent, stack, project}}``; unset parts default to the resource's own)."""
    if isinstance(alias, str):
        return alias
    if isinstance(alias, dict) and isinstance(alias.get("urn"), str):
        return alias["urn"]
    spec = alias.get("spec") if isinstance(alias, dict) else None
    if not isinstance(spec, dict):
        return json.dumps(alias, sort_keys=True)
    stack, project = spec.get("stack") or g.stack, spec.get("project") or g.project
    type_, name = spec.get("type") or r.type, spec.get("name") or r.name
    parent = None if spec.get("noParent") else (spec.get("parentUrn") or r.parent)
    parent_type = parent.split("::")[2] if parent else "pulumi:pulumi:Stack"
    qualified = type_ if parent_type == "pulumi:pulumi:Stack" else f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def _aliased(g: Graph) -> set[str]:
    return {_alias_urn(g, r, a) for r in g.resources for a in r.options.aliases or []}


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


def test_snapshot_guards_the_data_stores(graph: Graph) -> None:
    """Every database, key, vault and bucket of the stack is in the snapshot, protected or not (staging is not)."""
    expected = set(json.loads((SNAPSHOTS / f"stateful-urns.{graph.stack}.json").read_text()))
    stores = [r.urn for r in graph.resources if r.type in {"aws:rds/instance:Instance", "aws:kms/key:Key",
                                                           "aws:backup/vault:Vault", "aws:s3/bucket:Bucket"}]
    assert len(stores) >= 7 and not [u for u in stores if u not in expected]


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
