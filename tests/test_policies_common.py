"""The pack's shared helpers (policies/siaga_rules/common.py): wire-name lookup, ARNs, regions, unknowns."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "policies"))
from siaga_rules.common import (  # noqa: E402
    UNKNOWN_STRING_VALUE,
    Ctx,
    _Unknown,
    arns_in,
    as_bool,
    highest_classification,
    is_global_type,
    lookup,
    parse_arn,
)


def _ctx(props: dict) -> Ctx:
    return Ctx(type="aws:rds/instance:Instance", name="db", urn="urn:x", props=props, config={}, provider=None,
               provider_type=None, protect=False, stack_tags={})


def test_lookup_accepts_wire_and_snake_names() -> None:
    assert lookup({"backupRetentionPeriod": 7.0}, "backup_retention_period") == 7.0
    assert lookup({"backup_retention_period": 7}, "backupRetentionPeriod") == 7
    assert lookup({"x": 1}, "y") is None and lookup(None, "y") is None


def test_parse_arn_and_arns_inside_json_documents() -> None:
    arn = parse_arn("arn:aws:backup:ap-southeast-1:123456789012:backup-vault:offshore")
    assert arn and arn.service == "backup" and arn.region == "ap-southeast-1" and arn.account == "123456789012"
    s3 = parse_arn("arn:aws:s3:::bucket/key")
    assert s3 and s3.region == "" and s3.resource == "bucket/key"
    assert parse_arn("not-an-arn") is None
    doc = json.dumps({"Statement": [{"Resource": "arn:aws:sqs:us-east-1:123456789012:q"}]})
    found = list(arns_in({"rules": [{"dest": "arn:aws:logs:eu-west-1:123456789012:log-group:x"}], "doc": doc}))
    assert {(p, a.region) for p, a in found} == {("rules[0].dest", "eu-west-1"), ("doc", "us-east-1")}


def test_booleans_as_strings_and_global_types() -> None:
    assert as_bool("true") is True and as_bool(False) is False and as_bool("maybe") is None
    assert is_global_type("aws:iam/role:Role") and is_global_type("aws:route53/record:Record")
    assert not is_global_type("aws:s3/bucket:Bucket") and not is_global_type("kubernetes:apps/v1:Deployment")


def test_highest_classification() -> None:
    assert highest_classification(["internal", None, "restricted", "public"]) == "restricted"
    assert highest_classification([None]) is None


def test_ctx_get_signals_unknown_and_present_treats_unknown_as_set() -> None:
    ctx = _ctx({"kmsKeyId": UNKNOWN_STRING_VALUE, "a": {"b": [{"c": 1}]}, "empty": ""})
    assert ctx.get("a.b.0.c") == 1 and ctx.get("a.b.3.c") is None and ctx.get("missing.x") is None
    with pytest.raises(_Unknown) as err:
        ctx.get("kmsKeyId")
    assert err.value.path == "kmsKeyId"
    assert ctx.present("kmsKeyId") and not ctx.present("empty") and not ctx.present("missing")


def test_region_prefers_own_region_then_provider() -> None:
    ctx = _ctx({"region": "ap-southeast-3"})
    ctx.provider = {"region": "ap-southeast-1"}
    assert ctx.region() == "ap-southeast-3"
    ctx.props = {}
    assert ctx.region() == "ap-southeast-1"
