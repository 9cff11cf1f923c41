"""Resource transforms run as the engine runs them (siaga/engine/transforms.py): the graph and the policies see the
transformed resource; the resource's own transforms first, then its ancestors', then the stack's; a failing
transform is one line; options survive the round trip to the program and back."""

from __future__ import annotations

import pytest
from pulumi.runtime.proto import resource_pb2

from siaga.engine import EngineError, Graph, run_program
from siaga.engine.model import plain
from siaga.engine.transforms import options_of, with_options
from tests.conftest import PROGRAMS

PROGRAM = PROGRAMS / "transforms"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(PROGRAM, stack="dev")


def test_a_stack_transform_applies_to_every_resource_registered_after_it(graph: Graph) -> None:
    assert plain(graph.get("aws:s3/bucketV2:BucketV2", "before-transform").inputs.get("tags")) is None
    assert plain(graph.get("aws:ec2/vpc:Vpc", "plain").inputs["tags"]) == {"instansi": "contoh", "order": "stack"}


def test_own_then_ancestors_then_stack_each_on_what_the_previous_returned(graph: Graph) -> None:
    bucket = graph.get("aws:s3/bucketV2:BucketV2", "arsip-bucket")
    assert bucket.inputs["forceDestroy"] is True  # its own transform
    assert bucket.options.protect and bucket.options.retainOnDelete  # the component's, inherited by its children
    assert plain(bucket.inputs["tags"]) == {"instansi": "contoh", "order": "stack"}  # the stack's has the last word
    vpc = graph.get("aws:ec2/vpc:Vpc", "arsip-vpc")
    assert vpc.options.protect and "forceDestroy" not in vpc.inputs  # a sibling's own transform is not inherited
    assert graph.get("transforms:index:Data", "arsip").options.protect  # the component's own transform
    assert not graph.get("aws:ec2/vpc:Vpc", "plain").options.protect


def test_a_failing_transform_fails_the_program_with_one_line() -> None:
    with pytest.raises(EngineError) as info:
        run_program(PROGRAM, stack="dev", overrides={"transforms:fail": "true"})
    text = str(info.value)
    assert "\n" not in text
    assert "a transform of aws:ec2/vpc:Vpc 'after-failing' failed" in text
    assert "tags are decided by the agency" in text


def test_invoke_transforms_are_refused_in_the_sdks_words_and_siagas() -> None:
    with pytest.raises(EngineError) as info:
        run_program(PROGRAM, stack="dev", overrides={"transforms:invokeTransform": "true"})
    text = str(info.value)
    assert "does not support invoke transforms" in text and "__main__.py:" in text
    assert "siaga's offline engine does not run invoke transforms" in text


def test_options_survive_the_round_trip() -> None:
    req = resource_pb2.RegisterResourceRequest(
        type="aws:s3/bucketV2:BucketV2", name="b", parent="urn:p", custom=True, protect=False,
        dependencies=["urn:a"], ignoreChanges=["tags"], replaceOnChanges=["bucket"], version="7.0.0",
        provider="urn:prov::id", pluginDownloadURL="https://x", retainOnDelete=True, deletedWith="urn:d",
        deleteBeforeReplace=True, deleteBeforeReplaceDefined=True, additionalSecretOutputs=["arn"],
        importId="existing", hideDiffs=["tags"], providers={"aws": "urn:prov::id"})
    req.object.update({"bucket": "contoh"})
    req.customTimeouts.create = "30m"
    req.aliases.add(urn="urn:old")
    back = with_options(req, req.object, options_of(req))
    assert back == req
    unset = resource_pb2.RegisterResourceRequest(type="t:m:T", name="n")
    unset.object.update({})
    again = with_options(unset, unset.object, options_of(unset))
    assert not again.HasField("protect") and not again.HasField("retainOnDelete")
    assert not again.deleteBeforeReplaceDefined and not again.HasField("customTimeouts")
