"""EncryptionKeys through the offline engine: rotation, 30-day window, single-region, protected, aliases, policies."""

from __future__ import annotations

import json

import pytest

from siaga.engine import Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/components_3b"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def test_one_key_per_purpose_rotated_single_region(graph: Graph) -> None:
    keys = graph.of_type("aws:kms/key:Key")
    purposes = sorted(plain(k.inputs)["tags"]["Purpose"] for k in keys)
    assert purposes == sorted(["data", "logs", "backup", "secrets", "ebs"])
    for k in keys:
        i = plain(k.inputs)
        assert i["enableKeyRotation"] is True
        assert i["deletionWindowInDays"] == 30
        assert i.get("multiRegion") is False
        assert k.options.protect is True
        assert k.options.retainOnDelete is True


def test_aliases_and_policies(graph: Graph) -> None:
    aliases = sorted(plain(a.inputs)["name"] for a in graph.of_type("aws:kms/alias:Alias"))
    assert aliases == sorted(f"alias/fixture-3b-{p}" for p in ("data", "logs", "backup", "secrets", "ebs"))
    by_purpose = {plain(k.inputs)["tags"]["Purpose"]: json.loads(plain(k.inputs)["policy"]) for k in graph.of_type("aws:kms/key:Key")}
    logs = {s["Sid"]: s for s in by_purpose["logs"]["Statement"]}
    assert logs["CloudWatchLogs"]["Principal"]["Service"] == "logs.ap-southeast-3.amazonaws.com"
    assert "kms:EncryptionContext:aws:logs:arn" in logs["CloudWatchLogs"]["Condition"]["ArnLike"]
    ebs = json.dumps(by_purpose["ebs"])
    assert "AWSServiceRoleForAutoScaling" in ebs
    assert "rds.ap-southeast-3.amazonaws.com" in json.dumps(by_purpose["data"])
    for doc in by_purpose.values():
        assert doc["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::123456789012:root"
    for k in graph.of_type("aws:kms/key:Key"):
        assert k.parent and "EncryptionKeys" in k.parent
