"""Reports reviewers rely on: a weakened gate is listed first in every format, and hostile resource names cannot
break a format (JUnit stays XML, the Markdown PR comment carries no raw HTML, SARIF stays JSON, the terminal gets
no escape sequences)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from siaga.analyzer.deviations import deviations
from siaga.cli import app

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "tests/fixtures/programs/check_clean"
FORMATS = ("text", "markdown", "sarif", "junit", "json")
WEAKENING = {
    "resource-region-allowed": {"allowedRegions": ["ap-southeast-3", "us-east-1"]},
    "s3-bucket-sse-kms": "advisory",
    "kms-key-rotation": "disabled",
    "rds-backup-retention": {"minRetentionDays": 3},
    "lb-access-logs": "mandatory",
}


def _check(tmp_path: Path, program: Path, policy_config: dict | None = None) -> tuple[int, str, dict[str, str]]:
    args = ["check", str(program), "--stack", "dev"]
    if policy_config is not None:
        cfg = tmp_path / "policy.json"
        cfg.write_text(json.dumps(policy_config))
        args += ["--policy-config", str(cfg)]
    for fmt in FORMATS:
        args += ["--report", f"{fmt}={tmp_path / ('r.' + fmt)}"]
    done = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    return done.exit_code, done.output, {f: (tmp_path / f"r.{f}").read_text(encoding="utf-8") for f in FORMATS}


def test_deviation_rules() -> None:
    base = {"a": ("mandatory", {"allowedRegions": ["ap-southeast-3"], "minRetentionDays": 14}),
            "b": ("advisory", {"maxRotationDays": 365}), "c": ("advisory", {})}
    eff = {"a": ("advisory", {"allowedRegions": ["ap-southeast-3", "ap-southeast-1"], "minRetentionDays": 30}),
           "b": ("advisory", {"maxRotationDays": 730}), "c": ("mandatory", {})}
    found = {(d.policy, d.setting): d for d in deviations("p", base, eff)}
    assert found[("a", "enforcementLevel")].effect == "weakens"
    assert found[("a", "allowedRegions")].effect == "weakens" and "outside Indonesia" in found[("a", "allowedRegions")].detail
    assert found[("a", "minRetentionDays")].effect == "tightens"
    assert found[("b", "maxRotationDays")].effect == "weakens"
    assert found[("c", "enforcementLevel")].effect == "tightens"
    assert [d.effect for d in deviations("p", base, eff)][:3] == ["weakens"] * 3  # weakening first
    assert deviations("p", base, base) == []


def test_weakened_gate_is_listed_first_in_every_format(tmp_path: Path) -> None:
    code, _, out = _check(tmp_path, CLEAN, WEAKENING)
    assert code in (0, 1)
    text = out["text"]
    assert text.index("departs from the baseline") < text.index("plan:")
    for needle in ("resource-region-allowed", "us-east-1", "s3-bucket-sse-kms", "lowered from mandatory to advisory",
                   "kms-key-rotation", "minRetentionDays 7"):
        assert needle in text, needle
    md = out["markdown"]
    heading = md.index("Policy configuration departs from the baseline")
    assert heading < md.find("#### ") or "#### " not in md
    assert "**weakens**" in md and "us-east-1" in md
    sarif = json.loads(out["sarif"])["runs"][0]
    assert {d["policy"] for d in sarif["properties"]["deviations"]} >= set(WEAKENING)
    notes = sarif["invocations"][0]["toolConfigurationNotifications"]
    assert any(n["level"] == "warning" and "us-east-1" in n["message"]["text"] for n in notes)
    junit = ET.fromstring(out["junit"])
    first = junit.find("testsuite")
    assert first is not None and first.get("name") == "policy-configuration"
    assert any("us-east-1" in (p.get("value") or "") for p in first.iter("property"))
    data = json.loads(out["json"])
    weak = [d for d in data["deviations"] if d["effect"] == "weakens"]
    assert len(weak) == data["summary"]["weakened"] >= 4
    assert not any(d["policy"] == "lb-access-logs" and d["effect"] == "weakens" for d in data["deviations"])


def test_no_deviation_section_without_a_config(tmp_path: Path) -> None:
    _, _, out = _check(tmp_path, CLEAN)
    assert "departs from the baseline" not in out["text"] + out["markdown"]
    assert json.loads(out["json"])["deviations"] == []


HOSTILE = "evil<img src=x onerror=alert(1)>`|\x1b[31m\x01\u0085"


@pytest.fixture
def hostile_program(tmp_path: Path) -> Path:
    prog = tmp_path / "hostile"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: hostile\nruntime: python\n", encoding="utf-8")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n", encoding="utf-8")
    (prog / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        f"aws.sns.Topic({HOSTILE!r})\n"  # no KMS key: a mandatory finding naming it
        f"aws.sqs.Queue({('q' + HOSTILE)!r}, region='eu-west-1')\n", encoding="utf-8")
    return prog


def test_hostile_names_cannot_break_any_format(tmp_path: Path, hostile_program: Path) -> None:
    code, output, out = _check(tmp_path, hostile_program)
    assert code == 1, output
    ET.fromstring(out["junit"])  # still well-formed XML 1.0
    assert any("evil" in (c.get("name") or "") for c in ET.fromstring(out["junit"]).iter("testcase"))
    json.loads(out["sarif"])
    json.loads(out["json"])
    md = out["markdown"]
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    assert "<img" not in rendered and "evil" in rendered  # names are inert: code spans or escaped text
    for text in (out["text"], output, md, out["junit"]):
        assert "\x1b" not in text and "\x01" not in text
    assert "evil" in out["text"]
