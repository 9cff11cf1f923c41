"""Remote components (awsx, eks...) are recorded as the monitor sees them (type, inputs, remote=true), and every
report format says in its summary how many could not be seen into and which policy categories that leaves
unverified, derived from the packs' own policy sources (siaga/coverage.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from siaga.analyzer import AnalysisResult, PolicyInfo
from siaga.cli import app
from siaga.coverage import pack_policy_types, unseen
from siaga.engine import run_program
from siaga.engine.model import Graph, Resource
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "policies"
PROGRAM = PROGRAMS / "remote_components"


def _graph(*types: str) -> Graph:
    resources = [Resource(urn=f"urn:pulumi:dev::p::{t}::c{i}", type=t, name=f"c{i}", custom=False, remote=True)
                 for i, t in enumerate(types)]
    return Graph(project="p", stack="dev", program="/x/__main__.py", resources=resources)


def _result(categories: list[str]) -> AnalysisResult:
    return AnalysisResult(policies=[PolicyInfo(pack="p", name=f"p-{c}", enforcement="mandatory",
                                               tags=[f"category:{c}"]) for c in categories])


ALL = ["availability", "backup", "behaviour", "encryption", "exposure", "logging", "residency", "transit",
       "visibility"]


def test_program_records_remote_components_without_children() -> None:
    graph = run_program(PROGRAM, stack="dev")
    remote = {r.type: r for r in graph.resources if r.remote}
    assert set(remote) == {"awsx:ec2:Vpc", "eks:index:Cluster"}
    assert remote["awsx:ec2:Vpc"].inputs["cidrBlock"] == "10.0.0.0/16" and not remote["awsx:ec2:Vpc"].custom
    assert not graph.children(remote["awsx:ec2:Vpc"].urn)
    assert not graph.get("aws:s3/bucketV2:BucketV2", "logs").remote


def test_an_awsx_vpc_leaves_the_categories_of_policies_on_ec2_types_unverified() -> None:
    blind = unseen(_graph("awsx:ec2:Vpc"), _result(ALL), [PACK])
    assert blind.components == ["c0 (awsx:ec2:Vpc)"]
    # nat-per-az, ebs/launch-template encryption, admin ports, flow logs, region of every aws resource
    assert {"availability", "encryption", "exposure", "logging", "residency"} <= set(blind.categories)
    assert "transit" not in blind.categories  # no transit policy names an aws:ec2 type


def test_an_eks_cluster_leaves_kubernetes_categories_unverified_too() -> None:
    blind = unseen(_graph("eks:index:Cluster"), _result(ALL), [PACK])
    assert "transit" in blind.categories  # k8s ingress TLS, LB listener TLS: eks builds on aws and kubernetes


def test_unknown_package_leaves_every_active_category_unverified_and_disabled_ones_are_left_out() -> None:
    blind = unseen(_graph("acme:net:Mesh"), _result(["encryption", "exposure"]), [PACK])
    assert blind.categories == ["encryption", "exposure"]


def test_categories_come_from_the_pack_sources(tmp_path: Path) -> None:
    """A pack whose only policy names RDS types: an awsx VPC leaves it nothing unverified; add a policy on subnets
    and its category appears."""
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "common.py").write_text('DB_TYPES = ("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")\n')
    (pack / "db.py").write_text('from common import DB_TYPES\nPOLICY = rule(category="backup", types=DB_TYPES)\n')
    assert unseen(_graph("awsx:ec2:Vpc"), _result(["backup", "network"]), [pack]).categories == []
    (pack / "subnets.py").write_text('POLICY = rule(category="network", types=["aws:ec2/subnet:Subnet"])\n')
    pack_policy_types.cache_clear()
    assert unseen(_graph("awsx:ec2:Vpc"), _result(["backup", "network"]), [pack]).categories == ["network"]


def test_no_remote_component_no_note() -> None:
    graph = Graph(project="p", stack="dev", program="/x", resources=[
        Resource(urn="urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::b", type="aws:s3/bucketV2:BucketV2", name="b",
                 custom=True)])
    assert unseen(graph, _result(ALL), [PACK]).components == []


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("remote")
    files = {fmt: out / f"r.{fmt}" for fmt in ("markdown", "sarif", "junit", "json")}
    result = CliRunner().invoke(app, ["check", str(PROGRAM), "-s", "dev", *[
        a for f, p in files.items() for a in ("--report", f"{f}={p}")]])
    assert result.exit_code in (0, 1), result.output
    return {"text": result.output} | {f: p.read_text() for f, p in files.items()}


def test_every_format_states_what_could_not_be_seen(reports: dict[str, str]) -> None:
    data = json.loads(reports["json"])
    s = data["summary"]
    assert s["opaque"] == 2 and s["source"] == "program"
    assert sorted(s["opaque_components"]) == ["apps (eks:index:Cluster)", "main (awsx:ec2:Vpc)"]
    cats = s["unverified_categories"]
    assert {"availability", "encryption", "transit"} <= set(cats)
    line = next(x for x in s["scope"] if x.startswith("not seen into"))
    assert "2 remote components" in line and ", ".join(cats) in line
    text = reports["text"]
    assert "not seen into: 2 remote components" in text and ", ".join(cats) in text.replace("\n", " ")
    # the text summary says it before any finding
    assert text.index("not seen into") < text.index("plan:")
    assert "not seen into:** 2 remote components" in reports["markdown"]
    sarif = json.loads(reports["sarif"])
    schema = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    run = sarif["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["level"] == "warning" and "2 remote components" in notes[0]["message"]["text"]
    assert run["properties"]["summary"]["unverified_categories"] == cats
    root = ET.fromstring(reports["junit"])
    scope = root.find("testsuite[@name='check-scope']")
    assert scope is not None
    props = {p.get("name"): p.get("value") for p in scope.iter("property")}
    assert props["opaque"] == "2" and props["unverified-categories"] == ",".join(cats)
