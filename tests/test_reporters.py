"""Every format from ONE `siaga check` run of a program with known violations (and one waiver)."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from typer.testing import CliRunner

from siaga.cli import app
from tests.conftest import PROGRAMS, REPO

PACK = REPO / "tests" / "fixtures" / "packs" / "check_pack"
PROGRAM = PROGRAMS / "check_violation"
SCHEMA = REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
MAIN = "tests/fixtures/programs/check_violation/__main__.py"
FORMATS = ("json", "sarif", "junit", "markdown", "text")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("reports")
    waivers = tmp / "waivers.yaml"
    waivers.write_text("""
waivers:
  - policy: check-pack/owner-tag
    urn: "urn:pulumi:*::checkviolation::aws:sqs/queue:Queue::*"
    reason: queues are tagged by the platform's tag policy
    approver: rina
    expires: SOON
""".replace("SOON", (dt.date.today() + dt.timedelta(days=90)).isoformat()))
    args = ["check", str(PROGRAM), "--stack", "dev", "--policy-pack", str(PACK), "--waivers", str(waivers),
            "--format", "json", "--output", str(tmp / "report.json")]
    for fmt in FORMATS[1:]:
        args += ["--report", f"{fmt}={tmp / ('report.' + fmt)}"]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output, {f: (tmp / f"report.{f}").read_text() for f in FORMATS}


def test_exit_code_and_summary_line(run: tuple[int, str, dict[str, str]]) -> None:
    code, output, _ = run
    assert code == 1
    assert "siaga check checkviolation/dev: FAILED: 3 mandatory, 1 advisory, 1 waived" in output


def test_json_contract(run: tuple[int, str, dict[str, str]]) -> None:
    data = json.loads(run[2]["json"])
    assert set(data) >= {"stack", "resources", "deviations", "violations", "waived", "summary", "fixed", "base",
                         "waivers", "plan_diff", "plan_resources", "config_keys", "report"}
    assert data["stack"] == "dev" and data["resources"] == 8 and data["base"] is None and data["fixed"] == []
    keys = {"pack", "policy", "enforcement", "severity", "urn", "type", "name", "message", "frameworks", "source",
            "status", "config"}
    assert all(set(v) == keys for v in data["violations"])
    mandatory = [v for v in data["violations"] if v["enforcement"] == "mandatory"]
    assert {(v["policy"], v["name"]) for v in mandatory} == {
        ("bucket-prefix", "bad"), ("buckets-protected", "bad"), ("provider-region", "db")}
    prefix = next(v for v in mandatory if v["policy"] == "bucket-prefix")
    assert prefix["source"] == {"file": MAIN, "line": 5} and prefix["severity"] == "high"
    assert prefix["frameworks"] == ["PP 71/2019 2019", "naming"] and prefix["type"] == "aws:s3/bucketV2:BucketV2"
    assert prefix["urn"] == "urn:pulumi:dev::checkviolation::aws:s3/bucketV2:BucketV2::bad"
    assert [w["policy"] for w in data["waived"]] == ["owner-tag"]
    assert data["waived"][0]["waiver"]["approver"] == "rina" and data["waived"][0]["name"] == "plain"
    s = data["summary"]
    assert (s["mandatory"], s["advisory"], s["waived"], s["exit_code"], s["passed"]) == (3, 1, 1, 1, False)
    assert s["plan"]["create"] == 7 and s["plan"]["by_type"]["aws:sqs/queue:Queue"] == 2


def test_sarif_valid_against_official_schema_with_locations(run: tuple[int, str, dict[str, str]]) -> None:
    sarif = json.loads(run[2]["sarif"])
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    run0 = sarif["runs"][0]
    rules = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert len(rules) == 6 and "check-pack/bucket-prefix" in rules
    results = run0["results"]
    assert len(results) == 5  # 3 mandatory + 1 advisory + 1 waived
    prefix = next(r for r in results if r["ruleId"] == "check-pack/bucket-prefix")
    phys = prefix["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == MAIN and phys["region"]["startLine"] == 5
    assert (REPO / MAIN).read_text().splitlines()[4].startswith('bad = aws.s3.BucketV2("bad"')
    assert prefix["level"] == "error" and rules[prefix["ruleIndex"]] == "check-pack/bucket-prefix"
    waived = [r for r in results if "suppressions" in r]
    assert len(waived) == 1 and waived[0]["ruleId"] == "check-pack/owner-tag"
    assert "rina" in waived[0]["suppressions"][0]["justification"]
    assert {r["level"] for r in results} == {"error", "warning"}


def test_junit_one_case_per_policy_and_resource_evaluated(run: tuple[int, str, dict[str, str]]) -> None:
    root = ET.fromstring(run[2]["junit"])
    cases = root.findall(".//testcase")
    summary = json.loads(run[2]["json"])["summary"]
    assert len(cases) == summary["evaluations"] == int(root.get("tests"))
    failed = [c for c in cases if c.find("failure") is not None]
    assert {(c.get("classname"), c.get("name")) for c in failed} == {
        ("check-pack.bucket-prefix", "aws:s3/bucketV2:BucketV2::bad"),
        ("check-pack.buckets-protected", "(stack)"),
        ("check-pack.provider-region", "aws:rds/instance:Instance::db")}
    assert root.get("failures") == "3" and root.get("errors") == "0" and root.get("skipped") == "1"
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert [c.get("classname") for c in skipped] == ["check-pack.owner-tag"]
    assert "waived" in skipped[0].find("skipped").get("message")
    # bucket-prefix only evaluated on the two buckets (the others said not-applicable)
    assert sorted(c.get("name") for c in cases if c.get("classname") == "check-pack.bucket-prefix") == [
        "aws:s3/bucketV2:BucketV2::bad", "aws:s3/bucketV2:BucketV2::good"]


def test_markdown_comment(run: tuple[int, str, dict[str, str]]) -> None:
    md = run[2]["markdown"]
    assert md.startswith("<!-- siaga-check -->\n## Siaga policy check: ❌ 3 blocking findings (1 stack)")
    summary = md.index("| `checkviolation/dev` | ❌ 3 mandatory findings | – | – | – | 1 | 1 | – | – |")
    # details grouped by policy, after the summary: the description and fix once, then the resources
    section = md.index("#### 🛑 `check-pack/bucket-prefix`")
    assert summary < section and md.count("Rename the bucket so it starts with the prefix.") == 1
    assert f"| `bad` `aws:s3/bucketV2:BucketV2` | `{MAIN}:5` |" in md
    assert "urn:pulumi:" not in md.split("<details>", 1)[0]  # messages never repeat the URN
    assert "<details><summary>Waived (1)</summary>" in md and "| rina |" in md
    assert "Plan (new stack): 7 to create" in md
    assert "severity" not in md.lower()  # no advisory row says high as if it were a violation


def test_text(run: tuple[int, str, dict[str, str]]) -> None:
    text = run[2]["text"]
    assert text.splitlines()[0].startswith("siaga check checkviolation/dev: FAILED: 3 mandatory")
    assert "mandatory — check-pack (3)" in text and "waived (1)" in text and "\x1b[" not in text
    assert f"{MAIN}:5" in text


def test_markdown_stays_under_the_comment_limit_dropping_detail_never_the_summary() -> None:
    from siaga.report_model import Report, ReportFinding, Summary
    from siaga.reporters import markdown

    long = "x" * 900
    findings = [ReportFinding(pack="p", policy=f"policy-{i % 30}", enforcement="mandatory", urn=f"urn:{i}",
                              name=f"r{i}", type="t", message=long + f" fix-{i}", description=long, remediation=long)
                for i in range(300)]
    report = Report(stack="s", project="p", program="/tmp", resources=300, findings=findings,
                    summary=Summary(resources=300, policies=30, evaluations=300, mandatory=300, advisory=0,
                                    remediate=0, errors=0, waived=0, passed=False, exit_code=1))
    report.refresh_summary()
    md = markdown.render(report)
    assert len(md) < 65_536 and "Detail left out to fit a comment" in md
    assert "| `p/s` | ❌ 300 mandatory findings |" in md  # the summary stays
    assert "…" not in md  # a message is shown whole (with its end) or its row left out, never cut
