"""Inputs siaga reads: --policy-config errors are one line (exit 2) before anything starts, whatever the file; every
reader is bounded by the bytes it reads (not by st_size: /dev/zero and pipes have none); a key twice in any YAML
mapping is one line naming the key and both lines."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from siaga.engine.project import ProjectError, load_project, load_stack_config
from siaga.inputs import MAX_BYTES, InputFileError, load_json_or_yaml, load_yaml, read_text
from siaga.waivers import WaiverError, load_waivers

ROOT = Path(__file__).resolve().parent.parent


def _program(tmp_path: Path) -> Path:
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (prog / "Pulumi.dev.yaml").write_text("config:\n  aws:region: ap-southeast-3\n")
    (prog / "__main__.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    return prog


POLICY_CONFIGS = {
    "invalid json": b'{"all": ',
    "a list": b'["all", "mandatory"]',
    "unknown level": b'{"all": "loud"}',
    "unknown nested level": b'{"s3-no-public-read": {"enforcementLevel": "strict"}}',
    "deep nesting": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "non-object value": b'{"s3-no-public-read": 5}',
    "over 4 MiB": b'{"a": "' + b"x" * (MAX_BYTES + 10) + b'"}',
    "duplicate key": b'{"all": "advisory", "all": "disabled"}',
    "not utf-8": b'{"all": "\xff"}',
    "a string": b'"mandatory"',
}


class TestPolicyConfig:
    @pytest.mark.parametrize("name", sorted(POLICY_CONFIGS))
    def test_one_line_exit_2_before_the_program_runs(self, tmp_path: Path, name: str) -> None:
        path = tmp_path / "policy.json"
        path.write_bytes(POLICY_CONFIGS[name])
        done = subprocess.run([sys.executable, "-m", "siaga", "check", str(_program(tmp_path)), "--stack", "dev",
                               "--policy-config", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, lines
        assert str(path) in lines[0]
        assert not (tmp_path / "ran").exists()

    def test_a_device_is_not_a_policy_config(self) -> None:
        done = subprocess.run([sys.executable, "-m", "siaga", "check", "--stack", "jakarta-prod", "--policy-config",
                               "/dev/zero"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "/dev/zero" in done.stderr and "Traceback" not in done.stderr


class TestBoundedReads:
    def test_endless_input_fails_fast(self) -> None:
        start = time.monotonic()
        with pytest.raises(WaiverError) as info:
            load_waivers(Path("/dev/zero"))
        assert time.monotonic() - start < 5 and "more than" in str(info.value) and "\n" not in str(info.value)

    def test_a_pipe_larger_than_the_bound(self, tmp_path: Path) -> None:
        fifo = tmp_path / "w.fifo"
        os.mkfifo(fifo)

        def feed() -> None:
            try:
                with open(fifo, "wb") as f:
                    f.write(b"#" * (MAX_BYTES + 100))
            except BrokenPipeError:
                pass

        writer = threading.Thread(target=feed)
        writer.start()
        with pytest.raises(InputFileError, match="more than"):
            read_text(fifo, "waivers")
        writer.join(10)

    def test_a_pipe_within_the_bound_is_read(self, tmp_path: Path) -> None:
        fifo = tmp_path / "w.fifo"
        os.mkfifo(fifo)
        writer = threading.Thread(target=lambda: fifo.write_bytes(b"waivers: []\n"))
        writer.start()
        assert read_text(fifo, "waivers") == "waivers: []\n"
        writer.join(10)

    def test_the_waivers_command_line_fails_fast_on_dev_zero(self) -> None:
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "siaga", "check", "--stack", "jakarta-prod", "--waivers",
                               "/dev/zero"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 2 and len(lines) == 1 and "/dev/zero" in lines[0], lines
        assert time.monotonic() - start < 30


class TestDuplicateKeys:
    def test_stack_file(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
        (tmp_path / "Pulumi.dev.yaml").write_text(
            "config:\n  aws:region: ap-southeast-3\n  siaga:domain: a.go.id\n  siaga:domain: evil.com\n")
        with pytest.raises(ProjectError) as info:
            load_stack_config(load_project(tmp_path), "dev")
        assert "duplicate key 'siaga:domain' (lines 3 and 4)" in str(info.value) and "\n" not in str(info.value)

    def test_waivers_and_nested_mappings(self, tmp_path: Path) -> None:
        path = tmp_path / "w.yaml"
        path.write_text("waivers:\n  - policy: x\n    reason: a\n    policy: y\n")
        with pytest.raises(WaiverError, match=r"duplicate key 'policy' \(lines 2 and 4\)"):
            load_waivers(path)

    def test_project_file_and_top_level(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nname: q\n")
        with pytest.raises(ProjectError, match=r"duplicate key 'name' \(lines 1 and 3\)"):
            load_project(tmp_path)

    def test_json_policy_config(self, tmp_path: Path) -> None:
        path = tmp_path / "p.json"
        path.write_text('{"all": "advisory", "all": "disabled"}')
        with pytest.raises(InputFileError, match="duplicate key 'all'"):
            load_json_or_yaml(path, "policy config")

    def test_merge_keys_and_distinct_keys_are_fine(self, tmp_path: Path) -> None:
        path = tmp_path / "ok.yaml"
        path.write_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n'1': a\n1: b\n")
        assert load_yaml(path, "test") == {"base": {"x": 1, "y": 2}, "other": {"x": 3, "y": 2}, "1": "a", 1: "b"}
