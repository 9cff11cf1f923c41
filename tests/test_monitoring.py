"""Monitoring through the offline engine: encrypted topic, alarms, CloudTrail with validation to an encrypted bucket."""

from __future__ import annotations

import json

import pytest

from siaga.engine import Graph, run_program
from siaga.engine.model import plain

FIXTURE = "tests/fixtures/programs/components_3b"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(FIXTURE, stack="dev")


def test_cloudtrail_validated_encrypted_in_country_bucket(graph: Graph) -> None:
    (trail,) = graph.of_type("aws:cloudtrail/trail:Trail")
    t = plain(trail.inputs)
    assert t["enableLogFileValidation"] is True
    assert t["kmsKeyId"].startswith("arn:aws:kms:ap-southeast-3:")
    (bucket,) = [b for b in graph.of_type("aws:s3/bucket:Bucket") if "cloudtrail" in plain(b.inputs)["bucket"]]
    assert bucket.options.protect
    (pol,) = graph.of_type("aws:s3/bucketPolicy:BucketPolicy")
    sids = {s["Sid"] for s in json.loads(plain(pol.inputs)["policy"])["Statement"]}
    assert sids == {"TlsOnly", "CloudTrailAclCheck", "CloudTrailWrite"}
    assert graph.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert graph.of_type("aws:guardduty/detector:Detector")


def test_topic_encrypted_and_alarms(graph: Graph) -> None:
    (topic,) = graph.of_type("aws:sns/topic:Topic")
    assert plain(topic.inputs)["kmsMasterKeyId"].startswith("arn:aws:kms:")
    metrics = {plain(a.inputs)["metricName"] for a in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {"HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "TargetResponseTime", "CPUUtilization",
            "FreeStorageSpace", "DatabaseConnections"} <= metrics
