"""EncryptionKeys through the offline engine: rotation, 30-day window, single-region, protected, aliases, policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siaga.analyzer import analyze
from siaga.engine import Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/rush_network"
PURPOSES = ("data", "logs", "backup", "secrets", "ebs")
ACCOUNT = "123456789012"
ASG_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def _policies(graph: Graph) -> dict[str, dict[str, dict[str, Any]]]:
    """purpose -> Sid -> statement."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for k in graph.of_type("aws:kms/key:Key"):
        i = plain(k.inputs)
        out[i["tags"]["Purpose"]] = {s["Sid"]: s for s in json.loads(i["policy"])["Statement"]}
    return out


def _as_list(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def test_one_key_per_purpose_rotated_single_region_protected(graph: Graph) -> None:
    keys = graph.of_type("aws:kms/key:Key")
    assert sorted(plain(k.inputs)["tags"]["Purpose"] for k in keys) == sorted(PURPOSES)
    for k in keys:
        i = plain(k.inputs)
        assert i["enableKeyRotation"] is True
        assert i["deletionWindowInDays"] == 30
        assert i["multiRegion"] is False
        assert i["description"]
        assert k.options.protect is True and k.options.retainOnDelete is True
        assert k.parent and "EncryptionKeys" in k.parent


def test_alias_per_purpose_targets_its_key(graph: Graph) -> None:
    keys = {plain(k.inputs)["tags"]["Purpose"]: k for k in graph.of_type("aws:kms/key:Key")}
    aliases = {plain(a.inputs)["name"]: a for a in graph.of_type("aws:kms/alias:Alias")}
    assert sorted(aliases) == sorted(f"alias/rush-net-{p}" for p in PURPOSES)
    for p, key in keys.items():
        target = plain(aliases[f"alias/rush-net-{p}"].inputs)["targetKeyId"]
        assert target == key.outputs.get("keyId") or target == key.id


def test_root_administers_every_key(graph: Graph) -> None:
    for purpose, stmts in _policies(graph).items():
        admin = stmts["AccountAdministers"]
        assert admin["Principal"]["AWS"] == f"arn:aws:iam::{ACCOUNT}:root", purpose
        assert admin["Action"] == "kms:*" and admin["Effect"] == "Allow"


def test_service_grants_per_purpose(graph: Graph) -> None:
    pol = _policies(graph)
    logs = pol["logs"]["CloudWatchLogs"]
    assert logs["Principal"]["Service"] == "logs.ap-southeast-3.amazonaws.com"
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == \
        f"arn:aws:logs:ap-southeast-3:{ACCOUNT}:*"
    ebs = [s for s in pol["ebs"].values() if s["Principal"].get("AWS") == ASG_ROLE]
    ebs_actions = {a for s in ebs for a in _as_list(s["Action"])}
    assert {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
            "kms:CreateGrant"} <= ebs_actions
    backup = pol["backup"]["AwsBackup"]
    assert backup["Condition"]["StringEquals"]["kms:ViaService"] == "backup.ap-southeast-3.amazonaws.com"
    alarms = pol["data"]["AlarmsToEncryptedTopics"]
    assert sorted(_as_list(alarms["Principal"]["Service"])) == ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    assert sorted(_as_list(alarms["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # No purpose leaks another's service grant.
    assert "CloudWatchLogs" not in pol["data"] and "AlarmsToEncryptedTopics" not in pol["logs"]
    assert not [s for s in pol["logs"].values() if s["Principal"].get("AWS") == ASG_ROLE]


def test_no_mandatory_violation_on_the_keys(graph: Graph) -> None:
    result = analyze(graph, packs=[Path("policies")])
    keyish = ("aws:kms/", "siaga:components:EncryptionKeys")
    bad = [f"{f.policy}: {f.name}: {f.message}" for f in result.findings
           if f.enforcement == "mandatory" and (f.type or "").startswith(keyish)]
    assert not bad


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"purposes": ("data", "tape")}, "EncryptionKeysArgs.purposes: ['tape'] unknown"),
    ({"purposes": ("data", "data")}, "has duplicates"),
    ({"deletion_window_days": 3}, "EncryptionKeysArgs.deletion_window_days: 3; allowed: 7-30"),
])
def test_bad_args_one_clear_line(kwargs: dict[str, Any], message: str) -> None:
    import pulumi

    from components.keys import EncryptionKeys, EncryptionKeysArgs

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            return {"accountId": ACCOUNT, "partition": "aws", "json": "{}"}, []

    pulumi.runtime.set_mocks(Mocks(), preview=False)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("*", r"\*")) as e:
        EncryptionKeys("k", EncryptionKeysArgs(name_prefix="x", **kwargs))
    assert "\n" not in str(e.value)
