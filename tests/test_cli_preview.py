"""`siaga preview` as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import PROGRAMS, REPO


def siaga(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "siaga", *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=300)


def test_preview_third_party_program_lists_nested_and_apply_resources(tmp_path) -> None:
    out = tmp_path / "graph.json"
    proc = siaga("preview", str(PROGRAMS / "thirdparty"), "--stack", "dev", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    # the tree shows children under their components, with region, provider and declaring line
    assert "assets-v-versioning aws:s3/bucketVersioningV2:BucketVersioningV2" in text
    assert "storage.py:8" in text
    main = (PROGRAMS / "thirdparty" / "__main__.py").read_text().splitlines()
    queue_line = next(i for i, line in enumerate(main, 1) if "sqs.Queue(" in line)
    assert (f"shop-assets-queue-1 aws:sqs/queue:Queue  ap-southeast-3  provider=default_7_51_1  "
            f"__main__.py:{queue_line}") in text
    assert "offshore aws:s3/bucketV2:BucketV2  ap-southeast-1  provider=singapore" in text
    assert "6 cloud resources, 3 components, 12 in all" in text
    graph = json.loads(out.read_text())
    assert len(graph["resources"]) == 12
    versioning = next(r for r in graph["resources"] if r["name"] == "assets-v-versioning")
    assert versioning["source"] == {"file": "storage.py", "line": 8}


def test_preview_config_override_error_is_one_line() -> None:
    proc = siaga("preview", "--stack", "jakarta-prod", "--config", "siaga:azCount=1")
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: siaga:azCount: 1 is invalid: allowed: 2 or 3 (ap-southeast-3 has three "
                                   "AZs; one AZ is not highly available)")
    assert "Traceback" not in proc.stderr + proc.stdout


def test_preview_unknown_stack() -> None:
    proc = siaga("preview", "--stack", "nowhere")
    assert proc.returncode == 2
    assert "stack 'nowhere': no file" in proc.stderr and "jakarta-prod" in proc.stderr


def test_preview_malformed_override() -> None:
    proc = siaga("preview", "--stack", "jakarta-prod", "--config", "azCount")
    assert proc.returncode == 2
    assert "expected key=value" in proc.stderr


def test_preview_reference_stack() -> None:
    proc = siaga("preview", "--stack", "jakarta-prod")
    assert proc.returncode == 0, proc.stderr
    assert "siaga/jakarta-prod" in proc.stdout
    assert "jakarta pulumi:providers:aws" in proc.stdout
