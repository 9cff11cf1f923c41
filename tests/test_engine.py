"""The offline engine runs programs no one here wrote and records what the engine would receive."""

from __future__ import annotations

import json

import pytest

from siaga.engine import EngineError, Graph, run_program
from siaga.engine.model import UNKNOWN, effective_region, plain
from tests.conftest import PROGRAMS

THIRDPARTY = PROGRAMS / "thirdparty"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(THIRDPARTY, stack="dev")


def test_components_nested_and_apply_callbacks_are_recorded(graph: Graph) -> None:
    versioning = graph.get("aws:s3/bucketVersioningV2:BucketVersioningV2", "assets-v-versioning")
    # grandchild: the URN type is qualified with the whole parent chain (root stack excluded)
    assert versioning.urn == (
        "urn:pulumi:dev::thirdparty::thirdparty:index:Storage$thirdparty:index:Versioned"
        "$aws:s3/bucketVersioningV2:BucketVersioningV2::assets-v-versioning"
    )
    assert versioning.parent == graph.get("thirdparty:index:Versioned", "assets-v").urn
    # created inside an apply callback, from config (replicas=2) and another resource's output
    queues = sorted(r.name for r in graph.of_type("aws:sqs/queue:Queue"))
    assert queues == ["shop-assets-queue-0", "shop-assets-queue-1"]


def test_declaring_source_lines(graph: Graph) -> None:
    main = (THIRDPARTY / "__main__.py").read_text().splitlines()
    storage = (THIRDPARTY / "storage.py").read_text().splitlines()
    component = graph.get("thirdparty:index:Storage", "assets")
    assert component.source is not None and component.source.file == "__main__.py"
    assert "Storage(" in main[component.source.line - 1]
    bucket = graph.get("aws:s3/bucketV2:BucketV2", "assets-bucket")
    assert bucket.source is not None and bucket.source.file == "storage.py"
    assert "BucketV2(" in storage[bucket.source.line - 1]
    queue = graph.get("aws:sqs/queue:Queue", "shop-assets-queue-1")
    assert queue.source is not None and "Queue(" in main[queue.source.line - 1]


def test_explicit_and_default_providers(graph: Graph) -> None:
    offshore = graph.get("aws:s3/bucketV2:BucketV2", "offshore")
    singapore = graph.get("pulumi:providers:aws", "singapore")
    assert offshore.provider_urn == singapore.urn
    assert effective_region(offshore, graph) == "ap-southeast-1"
    default = graph.get("pulumi:providers:aws", "default_7_51_1")
    assert default.synthesized and default.inputs["region"] == "ap-southeast-3"
    assert default.inputs["version"] == "7.51.1"
    bucket = graph.get("aws:s3/bucketV2:BucketV2", "assets-bucket")
    assert bucket.provider_urn == default.urn
    assert effective_region(bucket, graph) == "ap-southeast-3"
    assert graph.get("pulumi:providers:random", "default_4_21_4").synthesized


def test_pulumi_random_values_flow_into_inputs(graph: Graph) -> None:
    suffix = graph.get("random:index/randomString:RandomString", "suffix").outputs["result"]
    assert len(suffix) == 6 and suffix.islower()
    assert graph.get("aws:s3/bucketV2:BucketV2", "offshore").inputs["bucket"] == f"shop-offshore-{suffix}"


def test_options_protect_and_exports(graph: Graph) -> None:
    assert graph.get("aws:s3/bucketV2:BucketV2", "assets-bucket").options.protect is True
    assert graph.get("aws:s3/bucketV2:BucketV2", "offshore").options.protect is False
    assert graph.exports == {"bucket": "shop-assets"}


def test_preview_mode_leaves_computed_values_unknown() -> None:
    g = run_program(THIRDPARTY, stack="dev", preview=True)
    assert g.get("aws:s3/bucketV2:BucketV2", "offshore").inputs["bucket"] == UNKNOWN
    assert plain(g.get("aws:s3/bucketV2:BucketV2", "assets-bucket").inputs["bucket"]) == "shop-assets"


def test_options_dependencies_aliases_and_invokes() -> None:
    g = run_program(PROGRAMS / "options_invokes")
    data = g.get("aws:s3/bucketV2:BucketV2", "data")
    assert data.options.protect and data.options.retainOnDelete and data.options.deleteBeforeReplace
    assert data.options.ignoreChanges == ["tags"]
    assert data.options.aliases == [{"spec": {"name": "old-data", "parentUrn": ""}}]
    assert data.inputs["bucket"] == "data-123456789012"  # getCallerIdentity
    subnets = g.of_type("aws:ec2/subnet:Subnet")
    assert sorted(s.inputs["availabilityZoneId"] for s in subnets) == ["apse3-az1", "apse3-az2", "apse3-az3"]
    vpc_urn = g.get("aws:ec2/vpc:Vpc", "main").urn
    assert all(vpc_urn in s.options.dependencies for s in subnets)
    assert all(s.options.propertyDependencies["vpcId"] == [vpc_urn] for s in subnets)
    unanswered = [w for w in g.warnings if w.startswith("invoke ")]
    assert unanswered == ["invoke aws:mq/getBroker:getBroker is not known to the offline engine: "
                          "answered with an empty result"]
    # the rest is what the SDKs and the program log as warnings (pulumi.log.warn), as the CLI shows them
    assert all(" is deprecated" in w for w in g.warnings if not w.startswith("invoke "))


def test_broken_program_is_one_line_with_partial_graph() -> None:
    with pytest.raises(EngineError) as info:
        run_program(PROGRAMS / "broken")
    # the exception, then where the program raised it (its own file and line)
    assert str(info.value) == "ValueError: the program author made a mistake (__main__.py:4)"
    assert info.value.graph is not None
    assert [r.name for r in info.value.graph.of_type("aws:s3/bucketV2:BucketV2")] == ["first"]


def test_not_a_program_folder(tmp_path) -> None:
    with pytest.raises(EngineError, match="no Pulumi.yaml"):
        run_program(tmp_path)


def test_graph_round_trips_as_json(graph: Graph, tmp_path) -> None:
    path = tmp_path / "graph.json"
    graph.write(path)
    assert Graph.read(path) == graph
    data = json.loads(path.read_text())
    first = next(r for r in data["resources"] if r["name"] == "assets-bucket")
    assert {"urn", "type", "name", "parent", "provider", "custom", "inputs", "outputs", "options", "source"} <= set(first)


def test_auto_named_resources_get_a_name_like_the_provider_gives() -> None:
    g = run_program(PROGRAMS / "options_invokes")
    vault = g.get("aws:backup/vault:Vault", "vault")
    name = vault.outputs["name"]
    assert name.startswith("vault-") and len(name) == len("vault-") + 7
    assert g.get("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "lock").inputs["backupVaultName"] == name
    assert "name" not in g.get("aws:ec2/vpc:Vpc", "main").outputs  # a VPC has no name property
