"""siaga.checkov: a graph as a Terraform plan JSON for Checkov's terraform_plan framework (issue #29's cross-check).

The conversion is always tested; Checkov itself runs only where it is installed (an optional tool: put it on PATH or
name it in SIAGA_CHECKOV), e.g. ``python3 -m venv /tmp/ck && /tmp/ck/bin/pip install checkov==3.3.30``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from siaga import checkov
from siaga.engine import Graph, run_program

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests/fixtures/programs/policy_cases_fsbp_data"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_program(PROGRAM, stack="dev")


def test_snake_case_arguments_and_blocks() -> None:
    values = checkov.tf_value({"storageEncrypted": True, "tags": {"DataClassification": "restricted"},
                               "metadataOptions": {"httpTokens": "required"},
                               "ingress": [{"fromPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]})
    assert values == {"storage_encrypted": True, "tags": {"DataClassification": "restricted"},
                      "metadata_options": [{"http_tokens": "required"}],
                      "ingress": [{"from_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}
    assert checkov.tf_value({"parameters": [{"name": "require_ssl", "value": "true"}], "subnetIds": ["a"]}) == {
        "parameter": [{"name": "require_ssl", "value": "true"}], "subnet_ids": ["a"]}


def test_plan_holds_the_mapped_resources(graph) -> None:
    plan = checkov.to_plan(graph)
    resources = plan.document["planned_values"]["root_module"]["resources"]
    by_address = {r["address"]: r for r in resources}
    db = graph.get("aws:rds/instance:Instance", "fail-rds-enhanced-monitoring")
    address = next(a for a, urn in plan.addresses.items() if urn == db.urn)
    assert address.startswith("aws_db_instance.") and by_address[address]["values"]["monitoring_interval"] == 0
    assert len(by_address) == len(plan.addresses) == len(plan.document["resource_changes"])
    assert len({r["address"] for r in resources}) == len(resources)  # unique addresses
    assert "aws:ec2/route:Route" in plan.skipped  # no Terraform type mapped: left out and named


def _checkov() -> str | None:
    return os.environ.get("SIAGA_CHECKOV") or shutil.which("checkov")


@pytest.mark.skipif(_checkov() is None, reason="Checkov is not installed (optional: SIAGA_CHECKOV or PATH)")
def test_checkov_runs_on_the_plan_and_maps_back_to_urns(graph, tmp_path) -> None:
    plan = checkov.to_plan(graph)
    failures = checkov.run(plan, tmp_path, checkov=_checkov() or "checkov",
                           checks=["CKV_AWS_118", "CKV_AWS_161", "CKV_AWS_33"])
    by_check = {}
    for f in failures:
        by_check.setdefault(f.check_id, set()).add(f.urn)
    monitoring = graph.get("aws:rds/instance:Instance", "fail-rds-enhanced-monitoring").urn
    iam = graph.get("aws:rds/instance:Instance", "fail-rds-iam-authentication").urn
    assert monitoring in by_check.get("CKV_AWS_118", set()) and iam in by_check.get("CKV_AWS_161", set())
    assert graph.get("aws:rds/instance:Instance", "pass-rds-enhanced-monitoring").urn not in by_check["CKV_AWS_118"]
